"""The app: widgets that bind to a Session (panels, widgets, plots), the Workbench around them (app), the Voila
launcher (serve) and the Colab helper (colab)."""

from __future__ import annotations

from .app import Workbench

__all__ = ["Workbench"]
