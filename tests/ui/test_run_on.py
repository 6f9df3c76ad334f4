"""The Train panel's "Run on" choice: it binds to the session, explains a choice this machine cannot run (no GPU)
instead of hiding it, Start refuses that choice with the reason, and a launched choice reaches the worker as a
Launch (all GPUs: one process per GPU; a config file: its num_processes)."""

from __future__ import annotations

import pytest
from panel_fixtures import make_session

import workbench.engine.launch as launch_module
from workbench.session import GPUS, launch_for, run_on_choices
from workbench.ui.panels import TrainPanel


@pytest.fixture
def session(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    return make_session(tmp_path)


def _gpus(monkeypatch, count: int) -> None:
    monkeypatch.setattr(launch_module, "visible_gpus", lambda: count)


def test_without_a_gpu_the_gpu_choice_is_shown_marked_and_explained(session, monkeypatch):
    _gpus(monkeypatch, 0)
    gpus = next(c for c in run_on_choices() if c.value == GPUS)
    assert not gpus.available and "no CUDA GPU" in gpus.why
    panel = TrainPanel(session)
    labels = dict((v, k) for k, v in panel.run_on.choice.options)
    assert set(labels) == {"kernel", "process", "gpus", "config_file"}
    assert labels["gpus"].endswith("(not here)") and "no CUDA GPU" in panel.run_on.note.value
    panel.run_on.choice.value = "process"
    assert session.run_on == "process" and session.control.backend == "process"
    session.run_on = "gpus"
    assert panel.run_on.choice.value == "gpus" and "Not available here" in panel.run_on.note.value
    panel.start.click()
    assert "cannot run on all gpus: no cuda gpu" in session.errors["train"].lower()
    assert session.status == "idle" and not (session.control.worker or session.control.runner)


def test_a_config_file_choice_shows_its_box_and_checks_the_file(session, monkeypatch, tmp_path):
    _gpus(monkeypatch, 0)
    panel = TrainPanel(session)
    assert panel.run_on.config_file.layout.display == "none"
    panel.run_on.choice.value = "config_file"
    assert panel.run_on.config_file.layout.display == "" and "--config_file" in panel.run_on.note.value
    panel.start.click()
    assert "no accelerate config file" in session.errors["train"].lower()
    panel.run_on.config_file.value = str(tmp_path / "missing.yaml")
    assert session.launch_config == str(tmp_path / "missing.yaml")
    panel.start.click()
    assert "does not exist" in session.errors["train"]


@pytest.mark.parametrize("choice", ["gpus", "config_file"])
def test_a_launched_choice_starts_the_worker_with_its_launch(choice, session, monkeypatch, tmp_path):
    import workbench.engine as engine

    _gpus(monkeypatch, 4)
    config = tmp_path / "acc.yaml"
    config.write_text("distributed_type: MULTI_GPU\nnum_processes: 8\nnum_machines: 2\n")
    started = []

    class Done:  # a worker that has already ended (the follower then reports it)
        pid, returncode = 0, 1

        def poll(self):
            return 1

    def start_worker(spec, resume=False, env=None, launch=None):
        started.append(launch)
        return Done()

    monkeypatch.setattr(engine, "start_worker", start_worker)
    session.run_on, session.launch_config = choice, str(config)
    session.start()
    session.wait(10)
    launch = started[0]
    assert (launch.num_processes, launch.cpu) == ((4, False) if choice == "gpus" else (8, False))
    assert (launch.config_file == str(config)) == (choice == "config_file")
    assert any("Launching" in line for line in session.log)


def test_with_several_gpus_a_one_process_choice_says_dataparallel(session, monkeypatch):
    _gpus(monkeypatch, 2)
    panel = TrainPanel(session)
    assert "DataParallel" in panel.run_on.note.value and "(2)" in panel.run_on.note.value
    assert launch_for("kernel") is None and launch_for("gpus").num_processes == 2


def test_the_worker_command_carries_the_launch():
    from workbench.engine import Launch, worker_command

    cmd = worker_command("c.json", launch=Launch(num_processes=2, cpu=True))
    assert cmd[-5:] == ["--launcher", "accelerate", "--num-processes", "2", "--cpu"]
    assert "--config-file" in worker_command("c.json", launch=Launch(num_processes=8, config_file="/x.yaml"))


def test_resuming_a_launched_run_relaunches_it_as_it_ran(session, monkeypatch, tmp_path):
    import json

    from wb_runs import make_run

    import workbench.engine as engine

    _gpus(monkeypatch, 0)
    folder = make_run(tmp_path / "runs", "launched", status="stopped")
    (folder / "checkpoints" / "checkpoint-3").mkdir(parents=True)
    (folder / "checkpoints" / "checkpoint-3" / "trainer_state.json").write_text("{}")
    status = json.loads((folder / "status.json").read_text())
    launched = {"launcher": "accelerate", "num_processes": 2, "config_file": None, "cpu": True}
    (folder / "status.json").write_text(json.dumps({**status, "world_size": 2, "launcher": launched}))
    from workbench.engine import read_run

    assert read_run(folder).launched == "2 processes (CPU)"
    started = []

    class Done:
        pid, returncode = 0, 1

        def poll(self):
            return 1

    monkeypatch.setattr(
        engine,
        "start_worker",
        lambda spec, resume=False, env=None, launch=None: started.append((spec, resume, launch)) or Done(),
    )
    session.resume(folder)
    session.wait(10)
    spec, resume, launch = started[0]
    assert resume and spec.resume_from_checkpoint is True
    assert (launch.num_processes, launch.cpu) == (2, True) and session.run_on == "process"
