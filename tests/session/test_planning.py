"""The estimate before Start in a page: asked on demand, probed in a child process (faked here: no torch, no
model), cached per configuration, shown beside Start; a failure says why."""

from __future__ import annotations

import json
import sys

import pytest
from panel_fixtures import make_session, wait_for

from workbench.session import planning
from workbench.ui.estimate import EstimateView

ANSWER = {
    "seconds": 330.0,
    "steps": 360,
    "step_s": 0.8,
    "train_s": 288.0,
    "eval_s": 30.0,
    "evaluations": 5,
    "load_s": 12.0,
    "probe_steps": 4,
    "probe_s": 5.0,
    "device": "CPU",
    "batch": 16,
    "memory_mb": None,
    "max_batch": None,
}


@pytest.fixture
def session(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    return make_session(tmp_path)


def fake_probe(monkeypatch, tmp_path, answer=ANSWER, fail=False):
    """`workbench plan` replaced by a script that answers at once (and counts its calls)."""
    calls = tmp_path / "calls.txt"
    if fail:
        code = "import sys; print('error: no such column', file=sys.stderr); print('fix: map it', file=sys.stderr); sys.exit(2)"
    else:
        code = f"print({json.dumps(json.dumps(answer))})"
    script = tmp_path / "fake_plan.py"
    script.write_text(f"import sys\nopen({str(calls)!r}, 'a').write(sys.argv[1] + '\\n')\n{code}\n")
    monkeypatch.setattr(planning, "plan_command", lambda config: [sys.executable, str(script), str(config)])
    return calls


def test_the_key_ignores_where_the_run_is_saved(session):
    spec = session.to_spec()
    assert planning.estimate_key(spec) == planning.estimate_key(
        spec.replace(output_dir="/elsewhere", overwrite=True)
    )
    assert planning.estimate_key(spec) != planning.estimate_key(spec.replace(args={"learning_rate": 1e-4}))


def test_the_answer_or_the_reason_is_read_from_the_child():
    assert planning.parse_answer(0, 'log\n{"seconds": 5}\n', "") == ({"seconds": 5}, "")
    assert planning.parse_answer(2, "", "error: bad\nfix: do this\n") == (None, "error: bad fix: do this")
    assert planning.parse_answer(1, "", "")[1] == "exit 1"


def test_estimate_is_probed_once_per_configuration_and_shown_beside_start(session, monkeypatch, tmp_path):
    calls = fake_probe(monkeypatch, tmp_path)
    view = EstimateView(session)
    view.button.click()
    wait_for(lambda: session.planner.state == "done", timeout=60)
    assert "Estimated: <b>about 6 min</b>" in view.line.value and not view.button.disabled
    assert session.planner.request() == "cached" and len(calls.read_text().splitlines()) == 1
    session.args = {"learning_rate": 1e-4}  # another configuration: no estimate until asked
    assert view.line.value == "" and session.planner.state == ""
    session.args = {}  # back: the cached one is shown again, without a probe
    assert "about 6 min" in view.line.value and len(calls.read_text().splitlines()) == 1


def test_gpu_figures_are_shown_with_the_estimate(session, monkeypatch, tmp_path):
    gpu = {**ANSWER, "memory_mb": 3072.0, "total_memory_mb": 81920.0, "max_batch": 512}
    fake_probe(monkeypatch, tmp_path, {**gpu, "max_batch_memory_mb": 40960.0, "max_batch_limit": 1024})
    view = EstimateView(session)
    session.planner.request(wait=True)
    assert "GPU memory at batch 16: 3.0 GB of 80 GB" in view.line.value
    assert "Largest batch that fits: 512 (40.0 GB" in view.line.value


def test_a_failed_probe_says_why(session, monkeypatch, tmp_path):
    fake_probe(monkeypatch, tmp_path, fail=True)
    view = EstimateView(session)
    session.planner.request(wait=True)
    assert session.planner.state == "failed"
    assert "could not estimate: error: no such column fix: map it" in view.line.value


def test_an_invalid_field_is_named_instead_of_probing(session, monkeypatch, tmp_path):
    calls = fake_probe(monkeypatch, tmp_path)
    view = EstimateView(session)
    session.invalid = {"args.learning_rate": "Learning rate needs a number"}
    view.button.click()
    assert "Cannot estimate yet" in view.line.value and not calls.exists()
