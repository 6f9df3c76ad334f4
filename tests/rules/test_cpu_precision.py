"""Automatic bf16 on a CPU with native bfloat16: detection (faked both ways), the defaults it gives, a config's
choice winning, the Args panel saying what it chose and why, and a bf16 run saving an fp32 model."""

from __future__ import annotations

import pytest
from wb_data import inline, scored_pairs

from workbench import catalog as C
from workbench import rules as R
from workbench.engine import build, models
from workbench.errors import WorkbenchError
from workbench.spec import RunSpec

ZEN4 = {"device": "cpu", "name": "CPU", "fp16": False, "bf16": True, "cpu_flag": "avx512_bf16"}
OLD_CPU = {"device": "cpu", "name": "CPU", "fp16": False, "bf16": False}


@pytest.mark.parametrize(
    "flags, expected",
    [
        ("fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni", "avx512_bf16"),
        ("avx512_bf16 amx_tile amx_bf16", "amx_bf16"),  # AMX first: the faster of the two
        ("fpu sse2 avx2 avx512f", None),
        (["amx_bf16"], "amx_bf16"),
        ("", None),
    ],
)
def test_native_bf16_is_read_from_the_cpu_flags(flags, expected):
    assert R.cpu_bf16_flag(flags) == expected


def test_detection_reads_cpuinfo_and_can_be_switched_off(tmp_path, monkeypatch):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu avx512f avx512_bf16\n\nprocessor\t: 1\n", encoding="utf8")
    monkeypatch.delenv("WORKBENCH_CPU_BF16", raising=False)
    assert models.cpu_bf16_flag(str(info)) == "avx512_bf16"
    monkeypatch.setenv("WORKBENCH_CPU_BF16", "0")
    assert models.cpu_bf16_flag(str(info)) is None
    monkeypatch.delenv("WORKBENCH_CPU_BF16")
    info.write_text("flags\t\t: fpu avx2\n", encoding="utf8")
    assert models.cpu_bf16_flag(str(info)) is None
    assert models.cpu_bf16_flag(str(tmp_path / "absent")) is None  # not Linux: fp32


@pytest.mark.parametrize("flag", ["avx512_bf16", None])
def test_detect_device_on_a_cpu_reports_bf16_from_its_flags(monkeypatch, flag):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.setattr(models, "cpu_bf16_flag", lambda: flag)
    info = models.detect_device()
    assert info["device"] == "cpu" and info["bf16"] is bool(flag) and not info["fp16"]
    assert info.get("cpu_flag") == flag


@pytest.mark.parametrize("device, expected", [(ZEN4, {"bf16": True}), (OLD_CPU, {})])
def test_the_defaults_train_in_bf16_only_on_a_cpu_that_has_it(device, expected):
    args = R.recommended_args(C.get_loss("CosineSimilarityLoss"), 1000, C.DENSE, device=device)
    assert {k: args[k] for k in ("bf16", "fp16") if k in args} == expected


def test_the_reason_says_what_was_chosen_and_why():
    assert R.precision_reason(ZEN4) == (
        "bf16: on — this CPU supports bfloat16 (avx512_bf16); ~1.6–3.3× faster, same loss"
    )
    assert R.precision_reason(OLD_CPU).startswith("bf16: off — this CPU has no native bfloat16")


@pytest.mark.parametrize(
    "device, user, expected, noted",
    [
        (ZEN4, {}, {"bf16": True}, True),
        (ZEN4, {"bf16": False}, {"bf16": False}, False),  # the config's choice wins
        (ZEN4, {"bf16": True}, {"bf16": True}, False),  # chosen, not picked: no note
        (OLD_CPU, {}, {}, False),
    ],
)
def test_plan_on_a_cpu_follows_the_detection_and_the_config(
    make_config, monkeypatch, device, user, expected, noted
):
    monkeypatch.setattr(models, "detect_device", lambda: dict(device))
    plan = build(RunSpec.from_dict(make_config({"pairs": inline(scored_pairs(12))}, args=user)))
    assert {k: plan.args[k] for k in ("fp16", "bf16") if k in plan.args} == expected
    notes = [n for n in plan.notes if "mixed precision" in n]
    assert len(notes) == int(noted)
    if noted:
        assert "this CPU supports it (avx512_bf16" in notes[0] and "bf16 to false" in notes[0]


def test_bf16_on_a_cpu_without_it_is_refused_with_the_way_out(make_config, monkeypatch):
    monkeypatch.setattr(models, "detect_device", lambda: dict(OLD_CPU))
    cfg = make_config({"pairs": inline(scored_pairs(12))}, args={"bf16": True})
    with pytest.raises(WorkbenchError, match="native bfloat16") as err:
        build(RunSpec.from_dict(cfg))
    assert err.value.where == "args.bf16" and err.value.fix == "turn bf16 off."


def test_args_panel_says_what_it_chose_and_why(tmp_path, monkeypatch):
    from panel_fixtures import make_session

    from workbench.ui.panels import ArgsPanel

    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    session = make_session(tmp_path)
    monkeypatch.setattr(session.actions, "detect_device", lambda: dict(ZEN4))
    panel = ArgsPanel(session)
    panel.ensure_form()
    assert "bf16: on — this CPU supports bfloat16 (avx512_bf16); ~1.6–3.3× faster, same loss" in (
        panel.device_info.value
    )
    bf16 = panel.inputs["bf16"]
    assert bf16.options[0][0] == "recommended (True)"  # an empty box means the automatic bf16
    bf16.value = False  # the person's choice is kept in the settings, and wins
    assert session.args["bf16"] is False


def test_args_panel_on_a_cpu_without_bf16_keeps_fp32(tmp_path, monkeypatch):
    from panel_fixtures import make_session

    from workbench.ui.panels import ArgsPanel

    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    session = make_session(tmp_path)
    monkeypatch.setattr(session.actions, "detect_device", lambda: dict(OLD_CPU))
    panel = ArgsPanel(session)
    panel.ensure_form()
    assert "bf16: off — this CPU has no native bfloat16" in panel.device_info.value
    assert panel.inputs["bf16"].options[0][0].startswith("off (this CPU has no native bf16)")


def test_a_bf16_run_on_the_cpu_saves_an_fp32_model_and_exports_bf16(make_config, monkeypatch, tmp_path):
    from safetensors import safe_open

    from workbench.engine import Runner
    from workbench.export import export_script

    monkeypatch.setattr(models, "detect_device", lambda: dict(ZEN4))
    cfg = make_config(
        {"pairs": inline(scored_pairs(16))},
        eval={"dev": inline(scored_pairs(8))},
        evaluators=[{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/dev"}],
    )
    spec = RunSpec.from_dict(cfg)
    plan = build(spec)
    assert plan.args["bf16"] is True and plan.args["use_cpu"] is True  # the trainer needs both on a CPU
    script = export_script(spec, plan)
    assert "bf16=True,  # workbench default: bf16: on — this CPU supports bfloat16 (avx512_bf16)" in script
    assert "use_cpu=True," in script
    runner = Runner(plan)
    summary = runner.run_blocking()
    assert summary["status"] == "finished"
    # The final evaluation and the model kept in memory run in fp32: accelerate's autocast wrapper is taken off.
    assert "_original_forward" not in runner.model.__dict__
    final = tmp_path / "run" / "final"
    weights = next(final.rglob("model.safetensors"))
    with safe_open(str(weights), "pt") as fh:
        dtypes = {str(fh.get_tensor(k).dtype) for k in fh.keys()}
    assert dtypes == {"torch.float32"}
    score = next(iter(summary["final"].values()))
    assert isinstance(score, float) and score == score  # evaluated (not NaN) after bf16 training
