"""Google Colab support: Colab renders ipywidgets only with its custom widget manager switched on."""

from __future__ import annotations

import sys


def in_colab() -> bool:
    """Whether this kernel runs in Google Colab."""
    return "google.colab" in sys.modules


def setup_colab() -> bool:
    """Enable Colab's custom widget manager when running in Colab; a no-op anywhere else.

    Returns:
        True when it was enabled.
    """
    if not in_colab():
        return False
    try:
        from google.colab import output  # type: ignore[import-not-found]

        output.enable_custom_widget_manager()
    except Exception:  # noqa: BLE001 - an older Colab without it still shows the widgets' text fallback
        return False
    return True
