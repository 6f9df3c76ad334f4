"""Bad input at scale, one table per place a person meets it: a file given to `workbench check` (the same readers
the Data tab and `workbench train` use), a config given to `workbench train`, and an action in the app's Session.

Each row is one mistake and the words its message must hold; every message is exit code 2 with an `error:` line
naming the place and a `fix:` line, never a traceback, and nothing is trained. Adding a case is adding a row.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from wb_files import write_config

from workbench.cli import main

GOOD = "sentence1,sentence2,score\nA man eats.,A person eats.,4.5\nA dog runs.,A cat sleeps.,0.5\n"


def _write(path: Path, content) -> str:
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


def _text(encoding: str, text: str = GOOD):
    return lambda d: [_write(d / f"{encoding}.csv", text.encode(encoding))]


def _csv(text: str, *flags: str, name: str = "data.csv"):
    return lambda d: [_write(d / name, text), *flags]


def _db(d: Path, *rows) -> Path:
    path = d / "pairs.sqlite"
    con = sqlite3.connect(path)
    con.execute("create table pairs (a text, b text, score real)")
    con.executemany("insert into pairs values (?, ?, ?)", rows or [("x", "y", 1.0), ("z", "w", 0.0)])
    con.commit()
    con.close()
    return path


def _sql(*flags: str):
    return lambda d: [str(_db(d)), *flags]


def _empty_db(d: Path) -> list:
    path = d / "empty.sqlite"
    sqlite3.connect(path).close()
    return [str(path)]


def _workbook(*flags: str):
    def make(d: Path) -> list:
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Data"
        for row in (["sentence1", "sentence2", "score"], ["a", "b", 1], ["c", "d", 0]):
            sheet.append(row)
        book.save(d / "book.xlsx")
        return [str(d / "book.xlsx"), *flags]

    return make


def _folder_of_kinds(d: Path) -> list:
    folder = d / "exports"
    folder.mkdir()
    _write(folder / "a.csv", GOOD)
    _write(folder / "b.jsonl", '{"a": "x"}\n')
    return [str(folder)]


# name: (argv after "check", built in a temporary folder; words the message must hold)
def _outside(where):
    """``check`` of a good file that lies outside ``--data-root`` (given as it would be reached)."""

    def make(d: Path) -> list:
        (d / "root").mkdir()
        _write(d / "data.csv", GOOD)
        return [str(where(d)), "--data-root", str(d / "root")]

    return make


def _linked(d: Path) -> Path:
    (d / "root" / "link.csv").symlink_to(d / "data.csv")
    return d / "root" / "link.csv"


SOURCES = {
    "missing file": (lambda d: [str(d / "nope.csv")], ("nope.csv", "does not exist")),
    "unknown extension": (_csv("a,b\n1,2\n", name="notes.txt"), ("notes.txt", "--source")),
    "latin-1 text": (_text("latin-1", GOOD.replace("eats", "café")), ("not UTF-8", "Latin-1", "UTF-8")),
    "utf-16 text": (_text("utf-16"), ("not UTF-8", "UTF-16")),
    "binary named .csv": (lambda d: [_write(d / "bin.csv", bytes(range(256)) * 8)], ("bin.csv", "binary")),
    "ragged rows": (_csv("a,b,score\nx,y,1\nx,y,z,w,1\n"), ("Expected 3 fields", "same number of fields")),
    "unclosed quote": (_csv('a,b,score\n"x,y,1\nz,w,2\n'), ("data.csv", "EOF inside string")),
    "header only": (_csv("sentence1,sentence2,score\n"), ("no rows",)),
    "zero bytes": (_csv(""), ("data.csv", "No columns")),
    "column without a name": (_csv("sentence1,,score\na,b,1\nc,d,2\n"), ("column 2", "no name", "header")),
    "a name given twice": (_csv("text,text,score\na,b,1\nc,d,2\n"), ("'text' twice", "columns 1 and 2")),
    "NaN label": (_csv(GOOD.replace("4.5", "nan")), ("score", "missing or empty", "drop_empty")),
    "infinite label": (_csv(GOOD.replace("4.5", "inf")), ("score", "not a number", "inf", "row indexes 0")),
    "-inf label": (_csv(GOOD.replace("0.5", "-inf")), ("score", "-inf", "row indexes 1")),
    "label mixes numbers and words": (
        _csv("sentence1,sentence2,label\na,b,1\nc,d,entailment\ne,f,0.5\n"),
        ("label 'label'", "'entailment'", "row indexes 1"),
    ),
    "stray word in a score column": (
        _csv(GOOD + "A bird sings.,A bird is quiet.,high\n"),
        ("score", "'high'", "row indexes 2"),
    ),
    "label outside its range": (_csv(GOOD.replace("4.5", "9"), "--label-range", "0,5"), ("outside", "9")),
    "label range reversed": (_csv(GOOD, "--label-range", "5,0"), ("--label-range", "LOW < HIGH")),
    "label range equal": (_csv(GOOD, "--label-range", "1,1"), ("--label-range",)),
    "label range in words": (_csv(GOOD, "--label-range", "zero,five"), ("--label-range",)),
    "label column misspelt": (
        _csv(GOOD, "--label", "scor"),
        ("'scor' is not in the data", "did you mean 'score'"),
    ),
    "input column misspelt": (_csv(GOOD, "--columns", "sentence1,sentense2"), ("'sentense2'", "'sentence2'")),
    "empty --columns": (_csv(GOOD, "--columns", ""), ("--columns", "names no column")),
    "label also an input": (_csv(GOOD, "--columns", "sentence1,score", "--label", "score"), ("both",)),
    "empty input cell": (
        _csv("a,b,score\n   ,x,1\ny,z,0\n"),
        ("column 'a'", "missing or empty", "row indexes 0"),
    ),
    "numbers only, no text": (_csv("a,b\n1,2\n3,4\n"), ("no text column",)),
    "unknown model type": (_csv(GOOD, "--type", "dense"), ("dense", "sentence-transformer")),
    "misspelt option": (_csv(GOOD, "--colums", "a"), ("--colums",)),
    "--split on a CSV": (_csv(GOOD, "--split", "validation"), ("--split", "CSV file")),
    "--subset on a workbook": (_workbook("--subset", "Sheet9"), ("--subset", "--sheet")),
    "a sheet the workbook lacks": (_workbook("--sheet", "Sheet9"), ("no sheet 'Sheet9'", "Data")),
    "--query on a CSV": (_csv(GOOD, "--query", "SELECT 1"), ("--query", "SQLite")),
    "JSON Lines cut short": (
        _csv('{"a": "x", "b": "y"}\n{"a": "x", "b": \n', name="cut.jsonl"),
        ("cut.jsonl",),
    ),
    "JSON of one number": (_csv("42", name="n.json"), ("single number (42)", "records")),
    "JSON of one string": (_csv('"hello"', name="s.json"), ("single string", "records")),
    "JSON empty list": (_csv("[]", name="e.json"), ("no rows",)),
    "broken parquet": (lambda d: [_write(d / "x.parquet", b"PAR1garbage")], ("x.parquet", "parquet")),
    "broken workbook": (lambda d: [_write(d / "x.xlsx", b"PK\x03\x04garbage")], ("x.xlsx", "Excel")),
    "CSV named .xlsx": (_csv(GOOD, name="fake.xlsx"), ("fake.xlsx", "Excel workbook")),
    "not a SQLite file": (_csv("hello", "--source", "sql", name="not.sqlite"), ("not.sqlite", "SQLite")),
    "SQL syntax error": (
        _sql("--query", "SELEC * FROM pairs"),
        ("syntax error", "tables in this file: pairs"),
    ),
    "SQL unknown table": (_sql("--query", "SELECT * FROM nope"), ("no such table: nope", "pairs")),
    "SQL that writes": (_sql("--query", "DELETE FROM pairs"), ("only a SELECT", "SELECT * FROM pairs")),
    "SQLite without tables": (_empty_db, ("holds no tables",)),
    "folder of mixed files": (_folder_of_kinds, ("is a folder", "several kinds")),
    "a file outside --data-root": (
        _outside(lambda d: d / "data.csv"),
        ("outside the data folder", "put the file"),
    ),
    "'..' out of --data-root": (
        _outside(lambda d: d / "root" / ".." / "data.csv"),
        ("outside the data folder",),
    ),
    "a symlink out of --data-root": (_outside(_linked), ("outside the data folder", "upload it")),
}


def assert_refused(rc: int, err: str, words) -> None:
    """Exit code 2, an ``error:`` line, a ``fix:`` line, the words, and no traceback."""
    assert rc == 2, err
    assert "Traceback" not in err and "unexpected" not in err, err
    assert any(line.startswith("error: ") for line in err.splitlines()), err
    assert any(line.startswith("fix: ") and len(line) > 8 for line in err.splitlines()), err
    for word in words:
        assert word.lower() in err.lower(), f"{word!r} not in {err!r}"


@pytest.mark.parametrize("case", list(SOURCES))
def test_a_bad_source_is_refused_with_the_place_and_the_fix(case, tmp_path, capsys):
    build, words = SOURCES[case]
    rc = main(["check", *build(tmp_path)])
    assert_refused(rc, capsys.readouterr().err, words)


def _args(**values):
    return lambda c: c["args"].update(values)


def _set(*path, value):
    def change(c):
        node = c
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _pop(*path):
    def change(c):
        node = c
        for key in path[:-1]:
            node = node[key]
        node.pop(path[-1])

    return change


# name: (a change to a good config (tiny model, data/sts.csv, a held-out eval), words the message must hold)
CONFIGS = {
    "learning rate in words": (_args(learning_rate="fast"), ("args.learning_rate", "number")),
    "negative learning rate": (_args(learning_rate=-1e-5), ("learning_rate", "negative", "2e-5")),
    "zero epochs": (_args(num_train_epochs=0), ("num_train_epochs", "more than 0")),
    "epochs as a list": (_args(num_train_epochs=[1, 2]), ("num_train_epochs",)),
    "batch size 0": (_args(per_device_train_batch_size=0), ("per_device_train_batch_size", "at least 1")),
    "batch size 2.5": (
        _args(per_device_train_batch_size=2.5),
        ("per_device_train_batch_size", "whole number"),
    ),
    "batch size true": (_args(per_device_train_batch_size=True), ("per_device_train_batch_size",)),
    "warm-up ratio 3": (_args(warmup_ratio=3.0), ("warmup_ratio", "between 0 and 1")),
    "weight decay 'none'": (_args(weight_decay="none"), ("weight_decay",)),
    "seed in words": (_args(seed="abc"), ("seed", "whole number")),
    "fp16 and bf16": (_args(fp16=True, bf16=True), ("fp16",)),
    "negative eval steps": (_args(eval_strategy="steps", eval_steps=-5), ("eval_steps", "negative")),
    "unknown eval strategy": (_args(eval_strategy="sometimes"), ("'sometimes'", "no, steps, epoch")),
    "unknown scheduler": (_args(lr_scheduler_type="wobbly"), ("'wobbly'", "cosine")),
    "unknown optimizer": (_args(optim="adamw_turbo"), ("'adamw_turbo'", "adamw_torch")),
    "misspelt argument": (_args(learning_rat=1e-5), ("learning_rat", "did you mean 'learning_rate'")),
    "best model without eval": (
        _args(load_best_model_at_end=True, eval_strategy="no"),
        ("load_best_model_at_end", "eval_strategy"),
    ),
    "args as a list": (_set("args", value=[1, 2]), ("'args' must be a mapping",)),
    "misspelt top-level key": (_set("modle", value={}), ("modle", "did you mean 'model'")),
    "model as a number": (_set("model", value=42), ("'model' must be a mapping",)),
    "model folder missing": (_set("model", "name_or_path", value="/no/such/model"), ("/no/such/model",)),
    "unknown model type": (_set("model", "type", value="dense"), ("'dense'", "sentence-transformer")),
    "negative max_seq_length": (_set("model", "max_seq_length", value=-3), ("max_seq_length",)),
    "no datasets": (_set("datasets", value={}), ("no train dataset",)),
    "dataset without a source": (
        _pop("datasets", "train", "sts", "source"),
        ("datasets.train.sts", "source"),
    ),
    "misspelt source": (
        _set("datasets", "train", "sts", "source", value="xls"),
        ("'xls'", "did you mean 'excel'"),
    ),
    "dataset as a list": (_set("datasets", "train", "sts", value=["a.csv"]), ("must be a mapping",)),
    "data file missing": (_set("datasets", "train", "sts", "path", value="data/gone.csv"), ("gone.csv",)),
    "label range of one number": (
        _set("datasets", "train", "sts", "label_range", value=[5]),
        ("label_range", "low < high"),
    ),
    "held out of an unknown set": (_set("datasets", "eval", "dev", "of", value="nope"), ("'nope'", "sts")),
    "held-out fraction 1.5": (
        _set("datasets", "eval", "dev", "fraction", value=1.5),
        ("fraction", "0 and 1"),
    ),
    "unknown split": (_set("datasets", "validation", value={}), ("'validation'", "eval, test, train")),
    "a loss that does not fit": (
        _set("loss", value="SoftmaxLoss"),
        ("SoftmaxLoss does not fit", "CoSENTLoss"),
    ),
    "misspelt loss": (_set("loss", value="CoSENTLos"), ("'CoSENTLos'", "did you mean 'CoSENTLoss'")),
    "loss parameter in words": (
        _set("loss", value={"name": "CoSENTLoss", "params": {"scale": "big"}}),
        ("loss.params.scale", "number"),
    ),
    "misspelt loss parameter": (
        _set("loss", value={"name": "CoSENTLoss", "params": {"scael": 20}}),
        ("'scael'", "did you mean 'scale'"),
    ),
    "loss params as a list": (_set("loss", value={"name": "CoSENTLoss", "params": [20]}), ("'params'",)),
    "loss for an unknown dataset": (_set("loss", value={"other": "CoSENTLoss"}), ("'other'", "sts")),
    "Matryoshka size above the model's": (
        _set(
            "loss",
            value={
                "name": "CoSENTLoss",
                "modifier": {"name": "MatryoshkaLoss", "params": {"matryoshka_dims": [4096, 8]}},
            },
        ),
        ("MatryoshkaLoss", "dimension of 64"),
    ),
    "unknown evaluator": (
        _set("evaluators", value=[{"name": "MagicEvaluator", "dataset": "eval/dev"}]),
        ("'MagicEvaluator'",),
    ),
    "evaluator on an unknown set": (
        _set("evaluators", value=[{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/nope"}]),
        ("'eval/nope'", "dev"),
    ),
    "output folder is a file": (_set("output_dir", value="data/sts.csv"), ("output_dir", "is a file")),
}


@pytest.mark.parametrize("case", list(CONFIGS))
def test_a_bad_config_is_refused_with_the_place_and_the_fix(case, tiny_model, tmp_path, capsys, monkeypatch):
    change, words = CONFIGS[case]
    path = write_config(tmp_path, tiny_model)
    config = json.loads(path.read_text())
    change(config)
    path.write_text(json.dumps(config))
    monkeypatch.chdir(tmp_path)
    rc = main(["train", str(path), "--max-steps", "1", "--quiet"])
    assert_refused(rc, capsys.readouterr().err, words)
    assert not list(tmp_path.rglob("final")), "nothing is trained"


# name: (an action on a page whose run is under way, the words of its refusal, or None: allowed, for the next run)
ACTIONS = {
    "Start twice": (lambda s, d: s.start(), ("a run is already going", "Stop")),
    "Start twice, overwriting": (lambda s, d: s.start(overwrite=True), ("a run is already going",)),
    "Resume during the run": (lambda s, d: s.control.resume(s.run_dir), ("a run is already going",)),
    "Open another run during the run": (
        lambda s, d: s.control.attach(d / "other"),
        ("a run is going in this page",),
    ),
    "Load a settings file that is not there": (
        lambda s, d: s.load_config(d / "gone.json"),
        ("does not exist",),
    ),
    "Remove the train set during the run": (lambda s, d: s.remove_dataset("train/sts"), None),
    "Stop": (lambda s, d: s.stop(), None),
    "Stop twice": (lambda s, d: s.stop(), None),
}


@pytest.mark.timeout(300)
def test_app_actions_during_a_run_are_refused_in_words_and_lose_nothing(make_config, tmp_path, monkeypatch):
    """One run, every action of the table in turn: a refusal says why and what to do; an allowed edit changes the
    next run, never this one; Stop, pressed twice, stops once and keeps the model and a checkpoint."""
    from wb_data import inline, scored_pairs

    from workbench.errors import WorkbenchError
    from workbench.session import Session
    from workbench.spec import RunSpec

    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    config = make_config(
        {"sts": inline(scored_pairs(16))},
        eval={"dev": inline(scored_pairs(8))},
        loss="CosineSimilarityLoss",
        args={
            "per_device_train_batch_size": 2,
            "eval_strategy": "no",
            "max_steps": 100_000,
            "logging_steps": 1,
        },
        output="runs/r1",
    )
    page = Session.from_spec(RunSpec.from_dict(config), background=False)
    page.auto_output = False
    page.control.backend = "thread"
    page.start()
    deadline = time.monotonic() + 180
    while page.status != "training":
        assert time.monotonic() < deadline and page.status not in ("error", "finished"), page.error
        time.sleep(0.1)  # the run's thread: nothing to wait on but its status
    run_dir = Path(page.run_dir)
    for name, (act, words) in ACTIONS.items():
        if words is None:
            act(page, tmp_path)
            continue
        with pytest.raises(WorkbenchError) as refused:
            act(page, tmp_path)
        said = f"{refused.value.message} {refused.value.fix}"
        assert refused.value.fix, name
        for word in words:
            assert word.lower() in said.lower(), (name, said)
    assert page.wait(120), page.log
    assert page.status == "stopped" and run_dir == Path(page.run_dir)
    assert (run_dir / "final" / "modules.json").is_file()
    assert list((run_dir / "checkpoints").glob("checkpoint-*")), "a stopped run can resume"
    config = json.loads((run_dir / "config.json").read_text())
    assert list(config["datasets"]["train"]) == ["sts"], "the run kept the data it started with"
    assert not page.entries("train"), "...and the edit is the next run's"


def test_the_tables_hold_sixty_distinct_mistakes_across_sources_configs_and_actions():
    assert len(SOURCES) + len(CONFIGS) + len(ACTIONS) >= 60
