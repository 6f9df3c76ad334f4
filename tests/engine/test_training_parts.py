"""A run's training parts read back from its events.jsonl: a Resume appends a part with its own clock, and the
app says the time over all parts (the run folder is the truth)."""

from __future__ import annotations

import json
from pathlib import Path

from wb_data import inline, scored_pairs

from workbench.engine import (
    ProgressEvent,
    RunFolder,
    RunListener,
    Runner,
    RunStatus,
    StatusEvent,
    TrainingPart,
    request_stop,
    training_parts,
)
from workbench.spec import RunSpec


class StopAt(RunListener):
    def __init__(self, run_dir, step):
        self.run_dir, self.step = run_dir, step

    def on_log(self, event):
        if event.step >= self.step:
            request_stop(self.run_dir)


def test_a_stopped_and_resumed_run_has_two_parts_each_with_its_own_time(make_config):
    spec = RunSpec.from_dict(
        make_config(
            {"sts": inline(scored_pairs(16))},
            loss="CosineSimilarityLoss",
            args={"max_steps": 8, "eval_strategy": "no"},
        )
    )
    Runner(spec, listeners=[StopAt(spec.output_dir, 3)]).run_blocking()  # stops at the end of step 4
    (first,) = training_parts(spec.output_dir)
    assert (first.began_at, first.step, first.max_steps) == (0, 4, 8) and first.elapsed_s > 0

    resumed = Runner(spec.replace(resume_from_checkpoint=True))
    resumed.run_blocking()
    assert resumed.status is RunStatus.FINISHED, resumed.error
    parts = training_parts(spec.output_dir)
    assert parts[0] == first  # the first part's account is unchanged by the resume
    assert len(parts) == 2 and (parts[1].began_at, parts[1].step, parts[1].max_steps) == (4, 8, 8)
    last = [
        json.loads(line)
        for line in (Path(spec.output_dir) / "events.jsonl").read_text().splitlines()
        if '"progress"' in line
    ][-1]
    assert parts[1].elapsed_s == last["elapsed_s"]  # the resumed part's clock started again at its own start


def _folder(tmp_path, attempts):
    """A run folder written by one RunFolder per attempt, each sending the given progress events."""
    for i, steps in enumerate(attempts):
        folder = RunFolder(tmp_path, resume=i > 0)
        folder.handle(StatusEvent(RunStatus.TRAINING))
        for step, max_steps, elapsed in steps:
            folder.handle(ProgressEvent(step=step, max_steps=max_steps, elapsed_s=elapsed))
        folder.handle(StatusEvent(RunStatus.STOPPED))
        folder.close()
    return tmp_path


def test_a_resume_from_an_earlier_checkpoint_than_the_last_step_says_so(tmp_path):
    # Killed at step 30, its newest checkpoint at step 20: the second part begins after step 20.
    run = _folder(tmp_path, [[(1, 40, 0.5), (30, 40, 15.0)], [(21, 40, 0.4), (40, 40, 9.5)]])
    assert training_parts(run) == [TrainingPart(0, 30, 40, 15.0), TrainingPart(20, 40, 40, 9.5)]


def test_a_part_that_never_trained_a_step_and_a_torn_line_are_left_out(tmp_path):
    run = _folder(tmp_path, [[(1, 8, 0.2), (8, 8, 2.0)], []])
    with open(run / "events.jsonl", "a") as f:
        f.write('{"type": "progress", "step": 9, "max')  # a line still being written
    assert training_parts(run) == [TrainingPart(0, 8, 8, 2.0)]
    assert training_parts(tmp_path / "missing") == []
