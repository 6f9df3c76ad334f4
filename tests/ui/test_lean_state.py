"""The page's first answer (every widget's state, ipywidgets' update_states) without the Layouts' unset CSS
properties: the same widgets and values the browser would build from the full answer, in about half the bytes."""

from __future__ import annotations

import json

import ipywidgets as widgets
import pytest
from ipywidgets.widgets import widget as ipw

from workbench.ui.lean_state import layout_state, page_states


class Comm:
    """A control comm that keeps what the kernel sends on it."""

    def __init__(self):
        self.sent = []

    def send(self, data, buffers=None):
        self.sent.append((data, buffers))


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    from workbench import Workbench

    return Workbench(load=False, autosave=False)


def test_a_layout_keeps_what_is_set_and_its_model_names():
    layout = widgets.Layout(width="480px", display="none")
    state = layout_state(layout)
    assert state["width"] == "480px" and state["display"] == "none"
    assert state["_model_name"] == "LayoutModel" and state["_view_name"] == "LayoutView"
    assert "height" not in state and "border" not in state
    # The browser's LayoutModel defaults every CSS property to null: the lean state builds the same model.
    assert {**{k: None for k in layout.keys}, **state} == layout.get_state()


def test_the_apps_answer_holds_every_widget_with_the_same_values_in_half_the_bytes(app):
    states, paths, buffers = page_states()
    full = {
        w.model_id: {
            "model_name": w._model_name,
            "model_module": w._model_module,
            "model_module_version": w._model_module_version,
            "state": w.get_state(),
        }
        for w in list(ipw._instances.values())
    }
    whole, whole_paths, _ = ipw._remove_buffers(full)
    assert set(states) == set(whole) and sorted(paths) == sorted(whole_paths)
    layouts = 0
    for model_id, entry in states.items():
        expected = whole[model_id]
        if isinstance(ipw._instances[model_id], widgets.Layout):
            layouts += 1
            entry = {**entry, "state": {**{k: None for k in expected["state"]}, **entry["state"]}}
        assert json.dumps(entry, sort_keys=True, default=list) == json.dumps(
            expected, sort_keys=True, default=list
        )
    assert layouts > 100
    lean, plain = (len(json.dumps(x, default=list)) for x in (states, whole))
    assert lean < 0.7 * plain, (lean, plain)


def test_the_kernel_answers_request_states_once_with_the_lean_states(app, monkeypatch):
    comm = Comm()
    monkeypatch.setattr(widgets.Widget, "_control_comm", comm, raising=False)
    calls = []
    monkeypatch.setattr(widgets.Widget, "get_manager_state", lambda *a, **k: calls.append(1) or {})
    widgets.Widget._handle_control_comm_msg({"content": {"data": {"method": "request_states"}}})
    ((data, _),) = comm.sent
    assert data["method"] == "update_states" and set(data["states"]) == set(ipw._instances)
    assert not calls  # ipywidgets 8.1 computes the whole manager state once more and drops it
    layout = next(w for w in ipw._instances.values() if isinstance(w, widgets.Layout) and w.width is None)
    assert "width" not in data["states"][layout.model_id]["state"]


def test_other_control_messages_go_to_ipywidgets(app, monkeypatch):
    comm = Comm()
    monkeypatch.setattr(widgets.Widget, "_control_comm", comm, raising=False)
    with pytest.raises(RuntimeError, match="Unknown"):
        widgets.Widget._handle_control_comm_msg({"content": {"data": {"method": "something_else"}}})
    assert comm.sent == []
