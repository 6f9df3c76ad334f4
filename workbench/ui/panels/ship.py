"""The Ship step of the Train panel (after a run, beside "Keep the model"): choose ONNX or OpenVINO and the
quantization, press Ship, follow the export, then see trained vs shipped (the primary metric and its change,
the embeddings' agreement, sentences/s, latency, size), the verdict of the quality gate, and download the shipped
folder as a zip.

Binds to :class:`workbench.session.ShipSession` (which runs ``workbench ship`` in a child process); widget updates
from its thread are trait assignments only.
"""

from __future__ import annotations

import ipywidgets as widgets

from ...session import SHIP_FORMATS, SHIP_QUANTIZATIONS, ShipSession, error_text
from ..widgets import download_link, esc, hint, html_table, run_in_thread, section, wrap_row


class ShipView:
    """The Ship step's widgets (:attr:`box` holds them all).

    Args:
        session: The app's Session.
        shipper: A ShipSession to bind to (default: a new one on ``session``).
    """

    def __init__(self, session, shipper: ShipSession | None = None):
        self.session = session
        self.shipper = shipper or ShipSession(session)
        self.fmt = widgets.Dropdown(
            options=SHIP_FORMATS,
            value=self.shipper.fmt,
            description="Format",
            layout=widgets.Layout(width="260px"),
        )
        self.quantize = widgets.Dropdown(
            options=SHIP_QUANTIZATIONS,
            value=self.shipper.quantize,
            description="Weights",
            layout=widgets.Layout(width="300px"),
        )
        self.button = widgets.Button(
            description="Ship",
            button_style="primary",
            tooltip="Export the trained model and measure it against the trained one on your eval data",
            layout=widgets.Layout(width="110px"),
        )
        self.button.add_class("wb-ship")
        self.progress = widgets.HTML()
        self.progress.add_class("wb-ship-progress")
        self.table = widgets.HTML()
        self.table.add_class("wb-ship-table")
        self.download = widgets.Button(
            description="Download the shipped model (.zip)",
            layout=widgets.Layout(width="280px", display="none"),
        )
        self.download.add_class("wb-ship-download")
        self.download_msg = widgets.HTML()
        widgets.link((self.shipper, "fmt"), (self.fmt, "value"))
        widgets.link((self.shipper, "quantize"), (self.quantize, "value"))
        self.button.on_click(lambda b: self.shipper.ship())
        self.download.on_click(self._download)
        self.shipper.observe(self._changed, names=["state", "progress", "report", "error"])
        self.box = widgets.VBox(
            [
                section("Ship the model"),
                hint(
                    "Export it for fast CPU inference (ONNX or OpenVINO, optionally int8) and check it against "
                    "the trained model on your eval data: the metric, how close the embeddings (a reranker: its "
                    "scores) stay, and the speed on this machine. Load it with "
                    "<code>workbench.load_shipped(folder).encode(texts)</code> (a reranker: "
                    "<code>.predict(pairs)</code>)."
                ),
                widgets.HBox([self.fmt, self.quantize, self.button], layout=wrap_row()),
                self.progress,
                self.table,
                widgets.HBox([self.download, self.download_msg]),
            ]
        )
        self.box.add_class("wb-ship-box")

    def _changed(self, change=None) -> None:
        s = self.shipper
        busy = s.state == "shipping"
        self.button.disabled = self.fmt.disabled = self.quantize.disabled = busy
        if busy:
            self.progress.value = f"<div class='wb-hint'>Shipping: {esc(s.progress)}</div>"
        elif s.state == "failed":
            self.progress.value = f"<div class='wb-error'>{esc(s.error)}</div>"
        else:
            self.progress.value = ""
        rows = s.rows() if s.state == "done" else []
        if rows:
            verdict_cls = "wb-ship-good" if s.passed else "wb-ship-bad"
            color = "#0b6b2c" if s.passed else "#a4000f"
            speed = s.report.get("speed") or {}
            self.table.value = (
                html_table(rows[0], rows[1:], cls="wb-ship-report")
                + f"<div class='wb-ship-verdict {verdict_cls}' style='color:{color};margin-top:4px'>"
                f"<b>{esc(s.verdict)}</b></div>"
                + f"<div class='wb-hint'>Measured on this machine ({speed.get('cpus')} CPUs, load "
                f"{speed.get('load', 0):.1f}); shipped to <code>{esc(s.report.get('folder', ''))}</code></div>"
            )
            self.download.layout.display = ""
        else:
            self.table.value = ""
            self.download.layout.display = "none"
        self.download_msg.value = ""

    def _download(self, button=None) -> None:
        self.download_msg.value = hint("Packing the shipped model…").value

        def done(path):
            try:
                self.download_msg.value = download_link(path, "wb-ship-link")
            except Exception as exc:  # noqa: BLE001 - shown beside the button
                failed(exc)

        def failed(exc):
            self.download_msg.value = f"<span class='wb-error'>{esc(error_text(exc))}</span>"

        run_in_thread(self.shipper.archive, done, failed)
