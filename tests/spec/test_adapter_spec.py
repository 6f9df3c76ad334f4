"""`model.adapter` in a config: defaults filled in, a round trip, and a clear refusal of every bad value."""

from __future__ import annotations

import pytest

from workbench.errors import WorkbenchError
from workbench.spec import RunSpec
from workbench.spec.adapter import ADAPTER_DEFAULTS, check_adapter, describe_adapter


def _spec(adapter) -> RunSpec:
    return RunSpec.from_dict({"model": {"name_or_path": "default", "adapter": adapter}})


def test_lora_alone_gets_the_defaults_and_round_trips():
    spec = _spec({"type": "lora"})
    assert spec.model.adapter == ADAPTER_DEFAULTS
    assert RunSpec.from_dict(spec.to_dict()) == spec
    assert spec.to_dict()["model"]["adapter"]["r"] == 16
    assert _spec("lora").model.adapter == ADAPTER_DEFAULTS


def test_no_adapter_is_left_out_of_the_config():
    for off in (None, "none", False):
        assert _spec(off).model.adapter is None
    assert "adapter" not in _spec(None).to_dict()["model"]


def test_target_modules_as_text_or_list():
    assert check_adapter({"target_modules": "query, value"})["target_modules"] == ["query", "value"]
    assert check_adapter({"target_modules": ["q_proj"]})["target_modules"] == ["q_proj"]
    assert check_adapter({"target_modules": "AUTO"})["target_modules"] == "auto"


@pytest.mark.parametrize(
    "adapter, where, words",
    [
        ({"type": "prefix"}, "model.adapter.type", "not known"),
        ({"r": 0}, "model.adapter.r", "positive whole number"),
        ({"r": 2.5}, "model.adapter.r", "positive whole number"),
        ({"r": True}, "model.adapter.r", "positive whole number"),
        ({"r": "8"}, "model.adapter.r", "positive whole number"),
        ({"alpha": -1}, "model.adapter.alpha", "positive number"),
        ({"dropout": 1.0}, "model.adapter.dropout", "[0, 1)"),
        ({"target_modules": []}, "model.adapter.target_modules", "'auto' or a list"),
        ({"target_modules": ["query", ""]}, "model.adapter.target_modules", "'auto' or a list"),
        ({"rank": 8}, "model.adapter.rank", "unknown adapter setting"),
        (8, "model.adapter", "must be a mapping"),
    ],
)
def test_bad_adapter_settings_are_refused_with_the_field_and_a_fix(adapter, where, words):
    with pytest.raises(WorkbenchError) as err:
        _spec(adapter)
    assert err.value.where == where and words in err.value.message and err.value.fix


def test_unknown_setting_suggests_the_nearest():
    with pytest.raises(WorkbenchError) as err:
        _spec({"alpah": 8})
    assert "did you mean 'alpha'" in err.value.fix


def test_describe():
    assert describe_adapter(None).startswith("no adapter")
    text = describe_adapter(check_adapter({"r": 8, "target_modules": ["query"]}))
    assert text == "LoRA r=8, alpha=32, dropout 0.1 on query"
