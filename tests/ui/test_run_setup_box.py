"""The Training settings' early-stopping, prompts and activation controls write the session's config and show
what the run will do (issue 14 §4)."""

from __future__ import annotations

import html
import json

from panel_fixtures import dict_spec, make_session
from wb_data import binary_pairs

from workbench import catalog as C
from workbench.session import Session
from workbench.ui.panels import ArgsPanel


def test_early_stopping_control_writes_the_config_and_says_what_happens(tmp_path):
    session = make_session(tmp_path)
    box = ArgsPanel(session).setup
    assert box.es_mode.value == "auto" and session.early_stopping is None
    box.es_mode.value = "off"
    assert session.early_stopping is False and session.to_config()["early_stopping"] is False
    assert "trains to the end" in box.es_info.value
    box.es_mode.value = "on"
    box.es_patience.value = 4
    assert session.early_stopping == {"patience": 4} and "after 4 evaluations" in box.es_info.value
    assert session.to_spec().early_stopping == {"patience": 4}
    session.early_stopping = None  # a loaded config: the control follows
    assert box.es_mode.value == "auto" and box.es_patience.value == 0


def test_prompt_editor_writes_one_prompt_per_column_and_reads_a_loaded_one(tmp_path):
    session = make_session(tmp_path)
    box = ArgsPanel(session).setup
    assert set(box.prompt_inputs) == {("sts", "sentence1"), ("sts", "sentence2")}
    box.prompt_inputs[("sts", "sentence1")].value = "query: "
    assert session.args["prompts"] == {"sentence1": "query: "}
    box.prompt_all.value = "task: "
    assert session.args["prompts"] == "task: " and box.prompt_inputs[("sts", "sentence2")].disabled
    box.prompt_all.value = ""  # one prompt for everything replaced the column prompts: none are left
    assert "prompts" not in session.args and not box.prompt_inputs[("sts", "sentence2")].disabled
    session.args = {"prompts": {"sentence2": "passage: "}}
    assert box.prompt_inputs[("sts", "sentence2")].value == "passage: "
    assert box.prompt_inputs[("sts", "sentence1")].value == ""
    assert "prompts" not in ArgsPanel(session).adv_list.value  # shown by the editor, not as a raw argument


def test_a_config_with_prompts_loads_into_the_editor_and_a_bad_one_is_said(tmp_path):
    session = make_session(tmp_path)
    config = session.to_config()
    config["args"]["prompts"] = {"sts": {"sentence1": "query: ", "sentence2": "passage: "}}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    loaded = Session(background=False)
    loaded.load_config(path)
    box = ArgsPanel(loaded).setup
    assert box.prompt_inputs[("sts", "sentence1")].value == "query: "
    assert box.prompt_inputs[("sts", "sentence2")].value == "passage: " and box.prompt_info.value == ""
    loaded.args = {"prompts": {"question": "q: "}}  # a column the data does not have: the run would refuse it
    assert "names column 'question'" in html.unescape(box.prompt_info.value)
    loaded.args = {"prompts": "task: "}
    assert box.prompt_all.value == "task: " and box.prompt_info.value == ""


def test_cross_encoder_shows_the_chosen_activation_and_can_override_it(tmp_path):
    session = Session(background=False, output_dir=str(tmp_path / "run"), auto_output=False)
    session.add_dataset("train", "pairs", dict_spec(binary_pairs(8)))
    session.set_model_type(C.CROSS)
    session.set_loss(session.loss_for("pairs").__class__(name="BinaryCrossEntropyLoss"))
    box = ArgsPanel(session).setup
    assert box.act_box.layout.display == ""
    assert "<b>Sigmoid</b>" in box.act_info.value and "BCEWithLogits" in box.act_info.value
    box.act_mode.value = "Identity"
    assert session.activation_fn == "Identity" and "<b>Identity</b>" in box.act_info.value
    assert session.to_spec().model.activation_fn == "Identity"
    session.set_model_type(C.DENSE)
    assert box.act_box.layout.display == "none" and "activation_fn" not in session.to_config()["model"]


def test_a_cross_encoder_gets_one_prompt_box_per_dataset(tmp_path):
    session = Session(background=False, output_dir=str(tmp_path / "run"), auto_output=False)
    session.add_dataset("train", "pairs", dict_spec(binary_pairs(8)))
    session.set_model_type(C.CROSS)
    box = ArgsPanel(session).setup
    assert list(box.prompt_inputs) == [("pairs", None)]
    box.prompt_inputs[("pairs", None)].value = "relevance: "
    assert session.args["prompts"] == {"pairs": "relevance: "} and box.prompt_info.value == ""
    session.args = {"prompts": {"pairs": "other: "}}
    assert box.prompt_inputs[("pairs", None)].value == "other: "
    session.args = {"prompts": {"sentence1": "q: "}}  # per column: a cross-encoder cannot take it
    assert "one prompt per dataset" in html.unescape(box.prompt_info.value)


def test_a_prompt_being_typed_survives_the_data_loading_and_a_replaced_box_clears_nothing(tmp_path):
    session = make_session(tmp_path)
    box = ArgsPanel(session).setup
    typed = box.prompt_inputs[("sts", "sentence1")]
    typed.value = "query: "
    session.data_version += 1  # the data finished loading: same columns, the same boxes
    assert box.prompt_inputs[("sts", "sentence1")] is typed and session.args["prompts"] == {
        "sentence1": "query: "
    }
    session.set_model_type(C.CROSS)  # other boxes (one per dataset): the old ones are replaced
    assert list(box.prompt_inputs) == [("sts", None)]
    session.args = {"prompts": {"sts": "relevance: "}}
    typed.value = ""  # a late edit from a box no longer shown
    assert session.args["prompts"] == {"sts": "relevance: "}
