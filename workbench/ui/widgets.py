"""Shared pieces of the panels: the panel base class, error boxes, HTML tables, a parameter form, threads.

Every callback a widget calls goes through :meth:`Panel.guard`, so an exception never prints a traceback into
the page: a WorkbenchError shows its message and fix in the panel it belongs to, anything else a one-line
message.
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Callable, Iterable, Sequence

import ipywidgets as widgets

from .. import catalog as C
from ..data.confine import check_upload
from ..session import ACTIVE, Session, download_href, field_message, mark_invalid

# A Dropdown cannot select the value None (it means "nothing selected"), so "use the default" is this string
# (the catalog's parameter kinds make their dropdowns with it).
DEFAULT = C.USE_DEFAULT


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def short(value, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def html_table(
    header: Sequence[str],
    rows: Iterable[Sequence],
    cls: str = "",
    row_classes: Sequence[str] = (),
    raw: bool = False,
) -> str:
    """An HTML table; cells are escaped unless ``raw``."""
    cells = (lambda v: str(v)) if raw else esc
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        rc = f' class="{row_classes[i]}"' if i < len(row_classes) and row_classes[i] else ""
        body.append(f"<tr{rc}>" + "".join(f"<td>{cells(c)}</td>" for c in row) + "</tr>")
    return (
        f'<table class="wb-table {cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def download_link(path, css_class: str) -> str:
    """A link that saves ``path`` through the browser (a served file, or a data URL; call it off the kernel's main
    thread: a data URL reads the file), with its name and size."""
    href = download_href(path)
    size = path.stat().st_size / 2**20
    # The button packed the file; the browser saves it only from a click on a link: say so, and make it look
    # like the button it is (a person took the first click for the download and waited).
    look = "display:inline-block;padding:4px 12px;border-radius:3px;background:#1976d2;color:#fff;font-weight:bold"
    return (
        f"<span class='wb-hint'>Packed. One more click saves it: </span>"
        f"<a class='{css_class}' download='{esc(path.name)}' href='{esc(href)}' style='{look}'>"
        f"⬇ Save {esc(path.name)} ({size:.1f} MB)</a>"
    )


def wrap_row() -> widgets.Layout:
    """A row's layout whose items wrap onto the next line where the column is narrow (1024 px), not overflow it."""
    return widgets.Layout(flex_flow="row wrap", align_items="center")


def hint(text: str) -> widgets.HTML:
    return widgets.HTML(f'<div class="wb-hint">{text}</div>')


def section(text: str) -> widgets.HTML:
    return widgets.HTML(f'<div class="wb-section">{esc(text)}</div>')


def help_html(text: str) -> str:
    """Help text for a person: escaped, whole (never cut), `code` in backticks shown as code."""
    parts = " ".join(str(text).split()).split("`")
    # Odd pieces were between backticks; an unpaired backtick stays as it is.
    if len(parts) % 2 == 0:
        parts[-2:] = ["`".join(parts[-2:])]
    return "".join(f"<code>{esc(p)}</code>" if i % 2 else esc(p) for i, p in enumerate(parts))


INVALID = "wb-invalid"


def offer(dropdown, options: list, default) -> None:
    """Set a dropdown's options only if they changed, keeping its choice while it is still offered (else
    ``default``): setting them resets the choice, and the browser sends a choice as its place in the list, so a
    refresh from a data change must leave an unchanged list alone (the person may be choosing right then)."""
    options = [tuple(o) for o in options]
    if [tuple(o) for o in dropdown.options] != options:
        set_options(dropdown, options, default)


def set_options(dropdown, options: list, default) -> None:
    """Set a dropdown's ``(label, value)`` options, keeping its choice while it is still offered (else
    ``default``)."""
    keep = dropdown.value
    dropdown.options = options
    dropdown.value = keep if keep in [v for _, v in options] else default


def show_invalid(widget: widgets.Widget, invalid: bool) -> None:
    """Give a field the css class ``wb-invalid`` while it holds a value that cannot run."""
    if invalid:
        widget.add_class(INVALID)
    else:
        widget.remove_class(INVALID)


def hide_count(upload: widgets.FileUpload) -> widgets.FileUpload:
    """A FileUpload that shows its description without the "(0)" count of files it holds (see the CSS)."""
    upload.tooltip = upload.tooltip or upload.description
    upload.add_class("wb-nocount")
    return upload


def upload_content(item: dict) -> bytes:
    """The bytes of one file a FileUpload received, once the server's upload cap allows it.

    A served page sends a file over the cap without its bytes, with only its name and size (the upload guard
    ``workbench app`` adds to the page, see ``ui.serve``): the size checked is the larger of the one the browser
    reported and the bytes that came, so such a file is refused in words rather than read as an empty file.

    Raises:
        WorkbenchError: the file is over the cap (naming it, its size, the cap and what to do instead).
    """
    content = bytes(item["content"])
    check_upload(item["name"], max(int(item.get("size") or 0), len(content)))
    return content


def field_msg(text: str = "", ok: bool = False) -> str:
    if not text:
        return ""
    return f'<span class="wb-field-msg {"wb-ok" if ok else "wb-error"}">{esc(text)}</span>'


class ErrorBox(widgets.HTML):
    """Where a panel shows its error: hidden when empty."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_class("wb-errorbox")

    def show(self, text: str) -> None:
        self.value = f'<div class="wb-error">{esc(text)}</div>' if text else ""

    def clear(self) -> None:
        self.value = ""


def run_in_thread(
    fn: Callable,
    on_done: Callable | None = None,
    on_error: Callable | None = None,
    name: str = "workbench-task",
) -> threading.Thread:
    """Run ``fn()`` in a daemon thread; ``on_done(result)`` / ``on_error(exc)`` run in that thread too, so they
    must only assign widget traits."""

    def work():
        try:
            result = fn()
        except Exception as exc:  # noqa: BLE001 - handed to on_error, shown in a panel
            if on_error is not None:
                on_error(exc)
            return
        if on_done is not None:
            on_done(result)

    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.start()
    return thread


class Panel(widgets.VBox):
    """Base of every panel: CSS hook ``wb-panel-<name>``, an error box fed by ``Session.errors``, and controls
    that are disabled while a run is active.

    Subclasses build their widgets, list the ones to lock in ``self.lockable``, then call :meth:`finish`.
    """

    name = ""
    title = ""

    def __init__(self, session: Session, **kwargs):
        super().__init__(**kwargs)
        self.session = session
        self.error_box = ErrorBox()
        self.lockable: list[widgets.Widget] = []
        # Fields this panel checks: key in session.invalid -> (its widget, what puts the stored value back).
        self.checked: dict[str, tuple[widgets.Widget, Callable[[], None]]] = {}
        self.add_class("wb-panel")
        self.add_class(f"wb-panel-{self.name}")
        session.observe(self._on_errors, "errors")
        session.observe(self._on_status, "status")
        session.observe(self._on_invalid, "invalid")

    def finish(self, children: Sequence[widgets.Widget]) -> None:
        self.children = (self.error_box, *children)
        self._on_errors()
        self._on_status()

    def guard(self, fn: Callable) -> Callable:
        """Wrap a callback: errors go to the right panel instead of a traceback; success clears this panel's."""

        def wrapped(*args, **kwargs):
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - every failure becomes a message in a panel
                self.session.report(exc, self.name)
                return None
            return result

        return wrapped

    def fail(self, exc) -> None:
        self.session.report(exc, self.name)

    def ok(self) -> None:
        self.session.clear_error(self.name)

    def check(self, key: str, widget: widgets.Widget, reset: Callable[[], None]) -> None:
        """Register a field whose bad values are marked (:meth:`mark`) under ``key`` in ``session.invalid``;
        ``reset`` shows the stored value again when the mark is dropped from outside (a loaded config)."""
        self.checked[key] = (widget, reset)

    def mark(self, key: str, message: str | None) -> None:
        """Mark a checked field invalid with ``message`` naming it (None: valid again): css class ``wb-invalid``,
        and ``session.invalid`` (Start is refused while any field is marked)."""
        show_invalid(self.checked[key][0], bool(message))
        mark_invalid(self.session, key, message)

    def _on_invalid(self, change=None) -> None:
        for key, (widget, reset) in list(self.checked.items()):
            if key not in self.session.invalid and INVALID in widget._dom_classes:
                reset()  # may mark it again (a loaded value that is not valid either)
                show_invalid(widget, key in self.session.invalid)

    def _on_errors(self, change=None) -> None:
        self.error_box.show(self.session.errors.get(self.name, ""))

    def _on_status(self, change=None) -> None:
        busy = self.session.status in ACTIVE
        for w in self.lockable:
            w.disabled = busy or getattr(w, "_wb_off", False)


class Deferred(widgets.VBox):
    """A place holder that builds its content the first time it is shown (a tab opened, a fold unfolded): the
    page paints with fewer widgets, and a part nobody opens is never built.

    Build it only from the UI thread (a click, a tab change): widgets are never made in a run's thread.

    Args:
        build: Makes the content (one widget).
        name: The content's name (a panel's ``name``: its error key, its CSS hook ``wb-deferred-<name>``).
        title: The title of its tab or fold.
    """

    def __init__(self, build: Callable[[], widgets.Widget], name: str = "", title: str = "", **kwargs):
        super().__init__(**kwargs)
        self._build = build
        self.name, self.title = name, title
        self.content: widgets.Widget | None = None
        self.add_class("wb-deferred")
        if name:
            self.add_class(f"wb-deferred-{name}")

    @property
    def built(self) -> bool:
        return self.content is not None

    def ensure(self) -> widgets.Widget:
        """The content, built (and shown) on first call."""
        if self.content is None:
            self.content = self._build()
            self.children = (self.content,)
        return self.content


def set_off(widget: widgets.Widget, off: bool, busy: bool = False) -> None:
    """Disable a control for a reason other than a running run (remembered across run lock/unlock)."""
    widget._wb_off = off
    widget.disabled = off or busy


# ---- a form for loss / modifier / wrapper parameters -----------------------------------------------------------


class ParamForm(widgets.VBox):
    """Widgets for a tuple of catalog ParamSpecs; ``on_change(values)`` gets only the values set by the person,
    and only while every field holds a valid value.

    Empty text boxes mean "use the default" (shown as placeholder). With a ``session`` and a ``key`` (e.g.
    ``"loss.params"``) a field holding a bad value is marked in ``session.invalid`` as ``"<key>.<name>"`` (Start
    is refused until it is fixed) and carries the css class ``wb-invalid``.
    """

    def __init__(
        self,
        params,
        values: dict,
        on_change: Callable[[dict], None],
        *,
        session: Session | None = None,
        key: str = "",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.params = [p for p in params]
        self.values = dict(values or {})
        self.on_change = on_change
        self.session = session
        self.key = key
        self.inputs: dict[str, widgets.Widget] = {}
        self.msgs: dict[str, widgets.HTML] = {}
        rows = []
        for p in self.params:
            kind = C.param_kind(p.kind)  # its entry makes the input, and reads and parses what it holds
            w = kind.widget(p, self.values.get(p.name))
            if not kind.has_input:
                rows.append(w)
                continue
            w.observe(self._changed, "value")
            self.inputs[p.name] = w
            self.msgs[p.name] = widgets.HTML()
            rows.append(widgets.HBox([w, self.msgs[p.name]], layout=widgets.Layout(flex_flow="row wrap")))
            if p.help:
                w.layout.width = "420px"
        self.children = rows

    def _changed(self, change=None) -> None:
        values, bad = {}, False
        for p in self.params:
            w = self.inputs.get(p.name)
            if w is None:
                continue
            kind = C.param_kind(p.kind)
            try:
                value = kind.read(w)
            except ValueError as exc:
                problem = str(exc) if str(exc).startswith(("needs", "give")) else f"needs {kind.what}"
                self._mark(p.name, field_message(p.name, problem, w.value))
                bad = True
                continue
            self._mark(p.name, None)
            if value is not None:
                values[p.name] = value
        if bad:
            return
        self.values = values
        self.on_change(values)

    def _mark(self, name: str, message: str | None) -> None:
        self.msgs[name].value = field_msg(message or "")
        show_invalid(self.inputs[name], bool(message))
        if self.session is not None and self.key:
            mark_invalid(self.session, f"{self.key}.{name}", message)

    def set_disabled(self, disabled: bool) -> None:
        for w in self.inputs.values():
            w.disabled = disabled
