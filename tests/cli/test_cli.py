"""The `workbench` command line: check verdicts on crafted files, train end to end, and every bad-input path
(exit code 2, an `error:` line naming the problem, a `fix:` line, never a traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
from wb_files import quora_csv, snli_csv, sts_csv, triplets_csv, write_config, write_csv

from workbench import cli
from workbench.cli import main

VENV_BIN = Path(sys.executable).parent


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def assert_bad_input(rc: int, err: str, *words: str) -> None:
    """Exit code 2, an error line naming the problem, a fix line, and no traceback."""
    assert rc == 2, err
    assert "Traceback" not in err
    error = [line for line in err.splitlines() if line.startswith("error: ")]
    assert error, err
    assert any(line.startswith("fix: ") and len(line) > len("fix: ") for line in err.splitlines()), err
    for word in words:
        assert word.lower() in err.lower(), f"{word!r} not in {err!r}"


def check_json(capsys, *argv) -> dict:
    rc, out, err = run_cli(capsys, "check", *argv, "--json")
    assert rc == 0, err
    return json.loads(out)


def verdict(report: dict, name: str) -> dict:
    return next(v for v in report["losses"] if v["name"] == name)


# ---- check ------------------------------------------------------------------------------------------------------


def test_check_sts_scores_zero_to_five(tmp_path, capsys):
    report = check_json(capsys, sts_csv(tmp_path))
    assert report["columns"] == ["sentence1", "sentence2", "score"]
    assert report["roles"] == {"sentence1": "text", "sentence2": "text", "score": "score"}
    assert report["label"] == "score" and report["inputs"] == ["sentence1", "sentence2"]
    cosine = verdict(report, "CosineSimilarityLoss")
    assert not cosine["compatible"] and "between 0 and 1" in cosine["reason"]
    assert [(f["kind"], f["label_range"]) for f in cosine["fixes"]] == [("rescale", [0.0, 5.0])]
    assert verdict(report, "CoSENTLoss")["compatible"]
    # The guessed label binds as in the app and the run: MNRL does not fit, says the label was guessed, and its one
    # fix is "no label".
    mnrl = verdict(report, "MultipleNegativesRankingLoss")
    assert report["label_guessed"] and not mnrl["compatible"]
    assert "'score' is mapped as the label (the workbench guessed it from the data)" in mnrl["reason"]
    assert [(f["kind"], f["label"]) for f in mnrl["fixes"]] == [("unset_label", "")]
    chosen = check_json(capsys, sts_csv(tmp_path), "--label", "score")
    assert (
        not chosen["label_guessed"]
        and "guessed" not in verdict(chosen, "MultipleNegativesRankingLoss")["reason"]
    )
    assert report["recommended"]["name"] == "CosineSimilarityLoss"
    assert report["recommended"]["fix"]["kind"] == "rescale"
    assert report["evaluators"][0] == "EmbeddingSimilarityEvaluator"
    # With the scale given, the rescaled scores fit CosineSimilarityLoss as they are.
    rescaled = check_json(capsys, sts_csv(tmp_path), "--label-range", "0,5")
    assert verdict(rescaled, "CosineSimilarityLoss")["compatible"]
    assert rescaled["recommended"] == {"name": "CosineSimilarityLoss", "fix": None}


def test_check_quora_ids_and_explicit_mapping(tmp_path, capsys):
    path = quora_csv(tmp_path)
    report = check_json(capsys, path, "--columns", "question1,question2", "--label", "is_duplicate")
    assert report["roles"] == {
        "id": "id",
        "qid1": "id",
        "qid2": "id",
        "question1": "text",
        "question2": "text",
        "is_duplicate": "binary",
    }
    assert verdict(report, "OnlineContrastiveLoss")["compatible"]
    assert verdict(report, "ContrastiveLoss")["compatible"]
    assert not verdict(report, "MultipleNegativesRankingLoss")["compatible"]
    # Guessing leaves the ids out and finds the same mapping.
    guessed = check_json(capsys, path)
    assert guessed["inputs"] == ["question1", "question2"] and guessed["label"] == "is_duplicate"
    # An id column mapped as an input is named, with a fix that drops it; the mapping cannot train (exit 2),
    # but the report still comes first.
    rc, out, err = run_cli(
        capsys, "check", path, "--columns", "qid1,question1", "--label", "is_duplicate", "--json"
    )
    assert_bad_input(rc, err, "'qid1' holds identifiers")
    with_id = json.loads(out)
    assert with_id["problem"]["message"].startswith("column 'qid1' holds identifiers")
    online = verdict(with_id, "OnlineContrastiveLoss")
    assert not online["compatible"] and "'qid1'" in online["reason"]
    assert any(f["inputs"] == ["question1"] for f in online["fixes"])
    # Cross-encoders judge the same mapping with their own losses.
    cross = check_json(
        capsys, path, "--type", "cross-encoder", "--columns", "question1,question2", "--label", "is_duplicate"
    )
    assert verdict(cross, "BinaryCrossEntropyLoss")["compatible"]
    assert cross["recommended"]["name"] == "BinaryCrossEntropyLoss"


def test_check_triplets_and_text_labels(tmp_path, capsys):
    tri = check_json(capsys, triplets_csv(tmp_path))
    assert tri["label"] is None and tri["inputs"] == ["anchor", "positive", "negative"]
    assert (
        verdict(tri, "MultipleNegativesRankingLoss")["compatible"]
        and verdict(tri, "TripletLoss")["compatible"]
    )
    assert not verdict(tri, "CoSENTLoss")["compatible"]
    assert (
        tri["recommended"]["name"] == "MultipleNegativesRankingLoss"
        and "TripletEvaluator" in tri["evaluators"]
    )

    snli = check_json(capsys, snli_csv(tmp_path))
    assert snli["roles"]["label"] == "category" and snli["label"] == "label"
    assert verdict(snli, "SoftmaxLoss")["compatible"]
    assert not verdict(snli, "MultipleNegativesRankingLoss")["compatible"]
    assert not verdict(snli, "CosineSimilarityLoss")["compatible"]
    assert snli["recommended"]["name"] == "SoftmaxLoss"


def test_check_text_report(tmp_path, capsys):
    rc, out, err = run_cli(capsys, "check", sts_csv(tmp_path))
    assert rc == 0, err
    assert "score" in out and "fits  CoSENTLoss" in out
    assert (
        "recommended loss: CosineSimilarityLoss, after the fix: rescale" in out and "--label-range 0,5" in out
    )


def test_check_through_the_console_script(tmp_path):
    """The installed `workbench` entry point works (one real subprocess)."""
    path = sts_csv(tmp_path)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [str(VENV_BIN / "workbench"), "check", str(path), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (
        verdict(report, "CoSENTLoss")["compatible"]
        and not verdict(report, "CosineSimilarityLoss")["compatible"]
    )


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "extension",
        "empty",
        "blank_text",
        "unknown_column",
        "range_order",
        "range_text",
        "bad_option",
        "bad_type",
    ],
)
def test_check_bad_input(case, tmp_path, capsys):
    argv: list = ["check"]
    words: tuple = ()
    if case == "missing":
        argv += [tmp_path / "nope.csv"]
        words = ("nope.csv", "does not exist")
    elif case == "extension":
        path = tmp_path / "notes.txt"
        path.write_text("a,b\n1,2\n")
        argv += [path]
        words = ("notes.txt", "--source")
    elif case == "empty":
        argv += [write_csv(tmp_path / "empty.csv", ["sentence1", "sentence2", "score"], [])]
        words = ("no rows",)
    elif case == "blank_text":
        argv += [quora_csv(tmp_path, blank_row=3)]
        words = ("question1", "missing or empty", "row indexes 3")
    elif case == "unknown_column":
        argv += [sts_csv(tmp_path), "--columns", "sentence1,sentense2"]
        words = ("'sentense2' is not in the data", "did you mean 'sentence2'")
    elif case == "range_order":
        argv += [sts_csv(tmp_path), "--label-range", "5,0"]
        words = ("--label-range", "LOW < HIGH")
    elif case == "range_text":
        argv += [sts_csv(tmp_path), "--label-range", "zero,five"]
        words = ("--label-range",)
    elif case == "bad_option":
        argv += [sts_csv(tmp_path), "--colums", "a"]
        words = ("--colums", "--help")
    elif case == "bad_type":
        argv += [sts_csv(tmp_path), "--type", "dense"]
        words = ("dense", "sentence-transformer")
    rc, out, err = run_cli(capsys, *argv)
    assert_bad_input(rc, err, *words)


def test_no_command_and_unexpected_errors(tmp_path, capsys, monkeypatch):
    rc, _, err = run_cli(capsys)
    assert_bad_input(rc, err, "no command")
    # A bug is one line and exit code 1, the traceback only on request.
    import workbench.data

    def broken(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(workbench.data, "profile", broken)
    rc, _, err = run_cli(capsys, "check", sts_csv(tmp_path))
    assert rc == 1 and "unexpected RuntimeError: boom" in err and "WORKBENCH_DEBUG=1" in err
    assert "Traceback" not in err
    monkeypatch.setenv("WORKBENCH_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        main(["check", str(sts_csv(tmp_path))])


# ---- train ------------------------------------------------------------------------------------------------------


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_train_end_to_end_refuse_then_overwrite(tiny_model, tmp_path, capsys):
    config = write_config(tmp_path, tiny_model)
    out = tmp_path / "runs" / "sts"
    rc, stdout, err = run_cli(capsys, "train", config, "--max-steps", "2")
    assert rc == 0, err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "finished" and summary["steps"] == 2
    assert (out / "final" / "modules.json").is_file()
    kinds = [r["type"] for r in _rows(out / "metrics.jsonl")]
    assert kinds[0] == "baseline" and kinds[-1] == "final"
    # The table: baseline -> final per primary metric, a verdict, where the model went.
    assert "dev_spearman_cosine" in stdout and summary["primary_metrics"] == {"dev": "dev_spearman_cosine"}
    line = next(row for row in stdout.splitlines() if row.startswith("dev_spearman_cosine"))
    assert f"{summary['baseline']['dev_spearman_cosine']:.4f}" in line
    assert f"{summary['final']['dev_spearman_cosine']:.4f}" in line
    assert line.endswith(("Better", "About the same", "Worse"))
    # The verdict in one line, with the interval from the per-item scores the run wrote, and what it means.
    assert stdout.startswith(f"{summary['verdict']['verdict']} on your eval data: dev_spearman_cosine")
    assert "95 % interval" in stdout.splitlines()[0] and "Spearman correlation" in stdout
    assert f"model saved to {out / 'final'}" in stdout
    assert "2/2 steps" in err and "note: loss 'auto' for 'sts': CosineSimilarityLoss" in err

    # A second run into the same folder is refused at once, naming the folder and the way out.
    rc, _, err = run_cli(capsys, "train", config)
    assert_bad_input(rc, err, str(out), "already holds a trained model", "--overwrite")
    first_final = summary["final"]

    rc, stdout, err = run_cli(capsys, "train", config, "--max-steps", "1", "--overwrite", "--quiet")
    assert rc == 0, err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "finished" and summary["steps"] == 1 and summary["final"] != first_final
    assert "steps" not in err and "model saved to" in stdout  # --quiet: no bar, no log lines; the table stays
    # A finished run's config still exports (the export is how you get the script of the run you ran).
    rc, script, err = run_cli(capsys, "export", config)
    assert rc == 0 and "losses.CosineSimilarityLoss(model)" in script, err


def test_train_ctrl_c_stops_and_saves(tiny_model, tmp_path, capsys, monkeypatch):
    from workbench.engine import Runner

    config = write_config(tmp_path, tiny_model)
    real_wait = Runner.wait
    pressed = []

    def wait(self, timeout=None):
        if not pressed:
            # Press Ctrl-C once training has begun (poll with a deadline).
            import time

            deadline = time.monotonic() + 60
            while self.status != "training" and self.running and time.monotonic() < deadline:
                real_wait(self, 0.01)
            pressed.append(self.status)
            raise KeyboardInterrupt
        return real_wait(self, timeout)

    monkeypatch.setattr(Runner, "wait", wait)
    rc, stdout, err = run_cli(
        capsys, "train", config, "--max-steps", "10000", "--output-dir", tmp_path / "stopped"
    )
    assert pressed == ["training"]
    assert rc == 130, err
    summary = json.loads((tmp_path / "stopped" / "summary.json").read_text())
    assert summary["status"] == "stopped" and 1 <= summary["steps"] < 10000
    assert (tmp_path / "stopped" / "final" / "modules.json").is_file()
    assert "stopping after the current step" in err and "stopped early" in stdout


@pytest.mark.timeout(300)
@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_a_real_ctrl_c_or_kill_stops_saves_and_reports(signame, tiny_model, tmp_path):
    """SIGINT (Ctrl-C) or SIGTERM (kill, a process manager, a batch system's preemption) to the real process while
    it trains: the KeyboardInterrupt lands wherever the main thread waits; the model is saved either way."""
    import signal
    import time

    # Only the SIGINT may end this run: with early stopping on, the tiny model's flat metric ended it at step 85
    # before the signal landed once (full suite, a clean clone).
    config = write_config(tmp_path, tiny_model, early_stopping=False)
    out = tmp_path / "interrupted"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.Popen(
        [
            str(VENV_BIN / "workbench"),
            "train",
            str(config),
            "--max-steps",
            "100000",
            "--output-dir",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # A shell's background job ignores SIGINT, and a Python started so keeps ignoring it (no KeyboardInterrupt):
        # the run a person starts in a terminal has the default, as this one gets.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 240
        while (
            not (out / "metrics.jsonl").is_file()
            or '"type": "log"' not in (out / "metrics.jsonl").read_text()
        ):
            assert proc.poll() is None and time.monotonic() < deadline, (
                proc.stderr.read() if proc.poll() else "slow"
            )
            time.sleep(0.2)  # polling a file another process writes: there is nothing to block on
        proc.send_signal(getattr(signal, signame))
        stdout, stderr = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:  # a failed test never leaves a 100,000-step run training under the next tests
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "stopped" and summary["steps"] >= 1
    assert (out / "final" / "modules.json").is_file()
    assert "stopping after the current step" in stderr and "Traceback" not in stderr
    assert "stopped early" in stdout


@pytest.mark.parametrize(
    "case",
    ["missing_config", "bad_json", "unknown_loss", "unknown_arg", "label_type", "max_steps", "missing_data"],
)
def test_train_bad_input(case, tiny_model, tmp_path, capsys):
    config = write_config(tmp_path, tiny_model)
    argv: list = ["train", config]
    if case == "missing_config":
        argv = ["train", tmp_path / "nope.json"]
        words = ("nope.json", "does not exist")
    elif case == "bad_json":
        config.write_text('{"model": {"name_or_path": "x"},, }')
        words = ("could not be parsed", "JSON")
    elif case == "unknown_loss":
        config.write_text(config.read_text().replace('"auto"', '"CoSENTLos"'))
        words = ("unknown loss 'CoSENTLos'", "did you mean 'CoSENTLoss'")
    elif case == "unknown_arg":
        data = json.loads(config.read_text())
        data["args"]["learning_rat"] = 1e-5
        config.write_text(json.dumps(data))
        words = ("learning_rat", "did you mean 'learning_rate'")
    elif case == "label_type":
        snli_csv(tmp_path / "data")
        data = json.loads(config.read_text())
        data["datasets"] = {"train": {"nli": {"source": "csv", "path": "data/snli.csv"}}}
        data["loss"] = "CosineSimilarityLoss"
        config.write_text(json.dumps(data))
        words = ("CosineSimilarityLoss does not fit", "'label' holds category values", "SoftmaxLoss")
    elif case == "max_steps":
        argv += ["--max-steps", "0"]
        words = ("--max-steps",)
    else:
        (tmp_path / "data" / "sts.csv").unlink()
        words = ("sts.csv", "does not exist", "datasets.train.sts")
    rc, _, err = run_cli(capsys, *argv)
    assert_bad_input(rc, err, *words)
    assert not (tmp_path / "runs" / "sts" / "final").exists()


def test_train_unexpected_error_points_at_error_log(tiny_model, tmp_path, capsys, monkeypatch):
    import workbench.engine

    def broken(spec):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(workbench.engine, "build", broken)
    config = write_config(tmp_path, tiny_model)
    rc, _, err = run_cli(capsys, "train", config)
    log = tmp_path / "runs" / "sts" / "error.log"
    assert rc == 1 and "unexpected RuntimeError: kaboom" in err and str(log) in err and "Traceback" not in err
    assert "Traceback" in log.read_text() and "kaboom" in log.read_text()


# ---- export and app ---------------------------------------------------------------------------------------------


def test_export_command(tiny_model, tmp_path, capsys):
    config = write_config(tmp_path, tiny_model)
    rc, out, err = run_cli(capsys, "export", config)
    assert rc == 0, err
    compile(out, "train.py", "exec")
    assert "CosineSimilarityLoss" in out
    target = tmp_path / "scripts" / "train.py"
    rc, out, err = run_cli(capsys, "export", config, "-o", target)
    assert rc == 0 and out == "" and str(target) in err
    compile(target.read_text(), str(target), "exec")
    config.write_text(config.read_text().replace('"auto"', '"NoSuchLoss"'))
    rc, _, err = run_cli(capsys, "export", config)
    assert_bad_input(rc, err, "NoSuchLoss")


def test_app_command_calls_serve(capsys, monkeypatch):
    calls = []
    fake = types.ModuleType("workbench.ui.serve")
    fake.serve = lambda **kw: calls.append(kw)
    fake.server_token = lambda host, token: token or ""
    monkeypatch.setitem(sys.modules, "workbench.ui.serve", fake)
    rc, _, err = run_cli(capsys, "app", "--port", "9001")
    assert rc == 0, err
    hosted = {"data_root": None, "max_upload_mb": 200, "max_concurrent_runs": None, "preheat": 1}
    assert calls == [{"port": 9001, "host": "127.0.0.1", "open_browser": False, "token": "", **hosted}]
    rc, _, err = run_cli(
        capsys, "app", "--data-root", "/srv/d", "--max-upload-mb", "50", "--max-concurrent-runs", "2"
    )
    assert rc == 0, err
    assert (calls[-1]["data_root"], calls[-1]["max_upload_mb"], calls[-1]["max_concurrent_runs"]) == (
        "/srv/d",
        50,
        2,
    )
    for flag, value in (
        ("--max-upload-mb", "0"),
        ("--max-concurrent-runs", "-1"),
        ("--max-upload-mb", "lots"),
    ):
        rc, _, err = run_cli(capsys, "app", flag, value)
        assert_bad_input(rc, err, flag if value != "lots" else "lots")
    rc, _, err = run_cli(capsys, "app", "--port", "70000")
    assert_bad_input(rc, err, "--port")
    rc, _, err = run_cli(capsys, "app", "--port", "eighty")
    assert_bad_input(rc, err, "eighty")
    monkeypatch.setitem(sys.modules, "workbench.ui.serve", None)  # as if the server were not installed
    rc, _, err = run_cli(capsys, "app")
    assert rc == 1 and "workbench.ui.serve" in err and "Traceback" not in err


def test_summary_table_cases():
    finished = {
        "status": "finished",
        "baseline": {"dev_a": 0.5},
        "final": {"dev_a": 0.6},
        "primary_metrics": {"dev": "dev_a"},
        "model_path": "/x/final",
        "steps": 3,
    }
    table = cli.summary_table(finished)
    assert "dev_a" in table and "+0.1000" in table and "model saved to /x/final" in table
    assert table.startswith("Better on your eval data: dev_a 0.5000 → 0.6000 (+0.1000; no per-item scores")
    worse = cli.summary_table({**finished, "final": {"dev_a": 0.4}})
    assert worse.startswith("Worse on your eval data") and "- Keep the base model" in worse
    bare = cli.summary_table({"status": "finished", "baseline": {}, "final": {}, "model_path": "/x/final"})
    assert "no evaluator ran" in bare
    stopped = cli.summary_table({"status": "stopped", "baseline": {"dev_a": 0.5}, "final": {}, "steps": 0})
    assert "no final metrics" in stopped and "no model was saved" in stopped
