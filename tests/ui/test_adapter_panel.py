"""The Model panel's adapter fields bind to session.adapter both ways, refuse bad target layers in the panel (and
block Start), count trainable parameters; an adapter run's Train panel offers Merge and save and says where."""

from __future__ import annotations

from pathlib import Path

import pytest
from panel_fixtures import make_session, wait_for

from workbench.spec.adapter import ADAPTER_DEFAULTS
from workbench.ui.panels import ModelPanel, TrainPanel


@pytest.fixture
def session(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    return make_session(tmp_path)


def test_choosing_lora_sets_the_session_and_its_defaults(session):
    panel = ModelPanel(session)
    fields = panel.adapter
    assert session.adapter is None and fields.settings.layout.display == "none"
    fields.kind.value = "lora"
    assert session.adapter == ADAPTER_DEFAULTS and fields.settings.layout.display == ""
    fields.r.value = 8
    fields.targets.value = "query, value"
    assert session.adapter["r"] == 8 and session.adapter["target_modules"] == ["query", "value"]
    assert session.to_spec().model.adapter == session.adapter
    assert session.run_defaults()["learning_rate"] == 1e-4
    fields.kind.value = "off"
    assert session.adapter is None and "adapter" not in session.to_spec().to_dict()["model"]
    assert session.run_defaults()["learning_rate"] == 5e-5  # the dense default


def test_a_loaded_adapter_shows_in_the_fields(session):
    panel = ModelPanel(session)
    session.adapter = {**ADAPTER_DEFAULTS, "r": 4, "alpha": 8, "target_modules": ["query"]}
    fields = panel.adapter
    assert fields.kind.value == "lora" and fields.r.value == 4 and fields.alpha.value == 8
    assert fields.targets.value == "query" and fields.settings.layout.display == ""
    session.adapter = None
    assert fields.kind.value == "off" and fields.settings.layout.display == "none"


def test_bad_target_layers_are_marked_and_block_start(session):
    panel = ModelPanel(session)
    panel.adapter.kind.value = "lora"
    panel.adapter.targets.value = "query, , value"
    assert "model.adapter" in session.invalid and "target_modules" in panel.adapter.msg.value
    assert session.adapter == ADAPTER_DEFAULTS  # the bad value never reaches the session
    train = TrainPanel(session)
    train.start.click()
    assert not session.running and "target" in session.errors.get("model", "") + session.errors.get(
        "train", ""
    )
    panel.adapter.targets.value = "auto"
    assert "model.adapter" not in session.invalid and panel.adapter.msg.value == ""


def test_count_parameters_of_the_packaged_model(session):
    """The figure of the issue: LoRA r=8 on query/value of the packaged MiniLM trains 73,728 of 22.8 M."""
    panel = ModelPanel(session)
    panel.adapter.kind.value = "lora"
    panel.adapter.r.value = 8
    panel.adapter.targets.value = "query, value"
    panel.adapter.count.click()
    assert "73,728" in panel.adapter.count_msg.value and "22,786,944" in panel.adapter.count_msg.value
    panel.adapter.targets.value = "querry"
    panel.adapter.count.click()
    assert "is not a Linear layer" in panel.adapter.count_msg.value
    assert "Did you mean &#x27;query&#x27;" in panel.adapter.count_msg.value


def test_an_adapter_run_offers_merge_and_save_and_says_where(tmp_path, tiny_model, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    session = make_session(tmp_path, model=tiny_model, eval_set=False)
    session.args = {"max_steps": 2, "per_device_train_batch_size": 4}
    session.adapter = {**ADAPTER_DEFAULTS, "r": 2}
    panel = TrainPanel(session)
    assert panel.runs.merge.layout.display == "none"
    panel.start.click()
    wait_for(lambda: session.status in ("finished", "error"), 180, what="the run to end")
    assert session.status == "finished", session.error
    wait_for(lambda: panel.runs.merge.layout.display == "", 10, what="the merge button")
    assert "merged model" in panel.runs.download.description
    panel.runs.merge.click()
    wait_for(lambda: "Merged" in panel.runs.merge_msg.value or "wb-error" in panel.runs.merge_msg.value, 120)
    merged = Path(session.saved_path).parent / "merged"
    assert f"Merged and saved to <code>{merged}</code>" in panel.runs.merge_msg.value
    assert (merged / "model.safetensors").is_file() and not (merged / "adapter_config.json").exists()
    assert session.actions.download_folder() == merged


def test_a_config_with_an_adapter_round_trips_through_the_session(session):
    from workbench.spec import RunSpec

    panel = ModelPanel(session)
    config = session.to_spec().to_dict()
    config["model"]["adapter"] = {"type": "lora", "r": 4, "target_modules": ["query", "value"]}
    session.apply_spec(RunSpec.from_dict(config))
    assert panel.adapter.kind.value == "lora" and panel.adapter.r.value == 4
    assert panel.adapter.targets.value == "query, value"
    assert session.to_spec().model.adapter == RunSpec.from_dict(config).model.adapter
