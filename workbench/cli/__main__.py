"""``python -m workbench.cli``: the ``workbench`` command (what the app's worker processes run)."""

import sys

from .main import main

sys.exit(main())
