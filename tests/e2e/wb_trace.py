"""What a failed browser test leaves to read: the page's own words (its status, errors and the Data tab's table), the
Voila server's last log lines, and with ``WORKBENCH_E2E_TRACE=1`` a log of the page's websocket messages (each
Jupyter message decoded to its type, comm method and the widget state keys it carries) in test-artifacts/.

CI shows only the test's output: the failure report carries the page's words and the log tail (see conftest's
``pytest_runtest_makereport``)."""

from __future__ import annotations

import json
import os
import struct
import time
from pathlib import Path

TRACE = os.environ.get("WORKBENCH_E2E_TRACE") == "1"
# what a failure report quotes of the page: each selector's text (all its matches)
PAGE_PARTS = (".wb-status", ".wb-error", ".wb-warn", ".wb-datasets", ".wb-data-summary", ".wb-page-lost")


def jupyter_message(payload) -> dict | None:
    """A Jupyter websocket message as a dict: JSON text frames, or the v1 binary protocol
    (``v1.kernel.websocket.jupyter.org``: offsets, then channel, header, parent header, metadata, content)."""
    try:
        if isinstance(payload, str):
            return json.loads(payload)
        data = bytes(payload)
        count = struct.unpack_from("<Q", data, 0)[0]
        offsets = [struct.unpack_from("<Q", data, 8 * (i + 1))[0] for i in range(count)] + [len(data)]
        parts = [data[offsets[i] : offsets[i + 1]] for i in range(min(count, 6))]
        channel = parts[0].decode()
        header, parent, metadata, content = (json.loads(p) for p in parts[1:5])
        return {
            "channel": channel,
            "header": header,
            "parent_header": parent,
            "metadata": metadata,
            "content": content,
        }
    except (ValueError, struct.error, UnicodeDecodeError, IndexError):
        return None


def describe(payload) -> str:
    """One line for a websocket message: its type, and for a comm message its method and state keys."""
    msg = jupyter_message(payload)
    if msg is None:
        return f"({len(payload)} bytes, not a Jupyter message)"
    kind = msg.get("header", {}).get("msg_type") or msg.get("msg_type", "?")
    content = msg.get("content") or {}
    data = content.get("data") or {}
    words = [kind]
    if "target_name" in content:
        words.append(content["target_name"])
    if isinstance(data, dict) and data.get("method"):
        words.append(data["method"])
        state = data.get("state") or {}
        words.append(",".join(sorted(state))[:200])
    if kind in ("stream", "error"):
        words.append(str(content.get("text") or content.get("evalue") or "")[:300])
    if content.get("comm_id"):
        words.append(content["comm_id"][:8])
    return " ".join(words)


def start_trace(page, name: str, folder: Path) -> Path | None:
    """With WORKBENCH_E2E_TRACE=1: log the page's requests, console and websocket messages to folder/trace-NAME.log."""
    if not TRACE:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"trace-{name}.log"
    out = path.open("w", encoding="utf-8", buffering=1)
    t0 = time.monotonic()

    def write(line: str) -> None:
        out.write(f"{time.monotonic() - t0:8.2f} {line}\n")

    page.on("request", lambda r: write(f"request {r.method} {r.url}"))
    page.on("console", lambda m: write(f"console {m.type}: {m.text[:300]}"))
    page.on("pageerror", lambda e: write(f"pageerror {e}"))

    def socket(ws) -> None:
        write(f"websocket open {ws.url}")
        ws.on("framesent", lambda p: write("sent " + describe(p)))
        ws.on("framereceived", lambda p: write("got  " + describe(p)))
        ws.on("close", lambda _: write("websocket closed"))

    page.on("websocket", socket)
    return path


def page_words(page) -> str:
    """The page's status, errors and data table in words (what a person would read), for a failure report."""
    lines = []
    try:
        lines.append(f"url: {page.url}")
        for selector in PAGE_PARTS:
            for text in page.locator(selector).all_text_contents()[:6]:
                text = " ".join(text.split())
                if text:
                    lines.append(f"{selector}: {text[:400]}")
    except Exception as exc:  # noqa: BLE001 - a closed or crashed page: say so
        lines.append(f"(the page could not be read: {exc})")
    return "\n".join(lines)


def log_tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
    except OSError:
        return f"(no log at {path})"
