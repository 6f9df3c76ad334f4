"""``workbench merge RUN_DIR [--out DIR] [--overwrite]``: an adapter run's trained model, the adapter merged into the
base weights, saved as a plain model that loads with ``SentenceTransformer(path)`` without peft.

The run folder is checked before any model loads (not a run folder, no final/ yet, or not an adapter run: exit 2).
"""

from __future__ import annotations

import sys
import time

from .common import EXIT_OK


def add_parser(sub) -> None:
    """The ``merge`` command's arguments (registered by :mod:`.main`)."""
    p = sub.add_parser(
        "merge", help="merge an adapter (LoRA) run's adapter into its base model and save a plain model"
    )
    p.add_argument("run_dir", help="the adapter run's folder (as `workbench runs` lists it)")
    p.add_argument("--out", help="where to write the merged model (default: RUN_DIR/merged)")
    p.add_argument("--overwrite", action="store_true", help="replace what the --out folder holds")
    p.set_defaults(func=cmd_merge)


def cmd_merge(args) -> int:
    from ..engine.merge import adapter_folder, merge

    adapter_folder(args.run_dir)  # refuses a wrong folder before the libraries load
    print("merging the adapter into the base model ...", file=sys.stderr)
    started = time.monotonic()
    out = merge(args.run_dir, args.out, overwrite=args.overwrite)
    print(f"merged in {time.monotonic() - started:.1f} s", file=sys.stderr)
    print(f"wrote {out}: loads with SentenceTransformer({str(out)!r}) (peft not needed)")
    return EXIT_OK
