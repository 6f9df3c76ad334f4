"""A page's widget states, sent without what the browser knows already.

A page (Voila's, or JupyterLab's after a reload) asks the kernel for every widget's state at once (the control
comm's ``request_states``); the page can paint only once the answer is in. ipywidgets 8.1's answer is computed
twice (it calls ``get_manager_state`` and drops the result) and holds every trait of every widget: the app's ~360
``Layout`` widgets are more than half of its ~850 KB, nearly all of it CSS properties left at ``None``, which the
browser's LayoutModel takes as its defaults anyway (every one of them ``null``).

:func:`lean_states` answers ``request_states`` once, with each ``Layout`` sent without its unset properties; every
other widget's state is sent whole, as before. Anything else on the control comm goes to ipywidgets' own handler
(so does a request that names more than the method, such as a filter a later protocol may add).
"""

from __future__ import annotations

import ipywidgets as widgets
from ipywidgets.widgets import widget as _widget

_PLAIN = widgets.Widget._handle_control_comm_msg  # ipywidgets' own handler (a bound classmethod)


def layout_state(layout: widgets.Layout) -> dict:
    """A Layout's state without its unset (None) CSS properties: the browser's defaults are those. Its model and
    view names and versions (the ``_`` keys) stay."""
    return {k: v for k, v in layout.get_state().items() if v is not None or k.startswith("_")}


def page_states() -> tuple[dict, list, list]:
    """(states, buffer paths, buffers) of every live widget, as ipywidgets' ``update_states`` message holds them."""
    states = {}
    for widget in list(_widget._instances.values()):  # widgets made meanwhile by another thread: a copy
        state = layout_state(widget) if isinstance(widget, widgets.Layout) else widget.get_state()
        states[widget.model_id] = {
            "model_name": widget._model_name,
            "model_module": widget._model_module,
            "model_module_version": widget._model_module_version,
            "state": state,
        }
    return _widget._remove_buffers(states)


def _handle_control_msg(cls, msg) -> None:
    data = msg["content"]["data"]
    if set(data) != {"method"} or data["method"] != "request_states":  # anything else (a filter): ipywidgets'
        return _PLAIN(msg)
    states, buffer_paths, buffers = page_states()
    cls._control_comm.send(
        {"method": "update_states", "states": states, "buffer_paths": buffer_paths}, buffers=buffers
    )
    return None


def lean_states() -> None:
    """Answer pages' ``request_states`` with :func:`page_states` (from the next page that connects; once)."""
    widgets.Widget._handle_control_comm_msg = classmethod(_handle_control_msg)
