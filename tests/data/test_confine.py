"""The data root (hosted mode, ``--data-root``): every path a person types must resolve inside it, the runs root,
the uploads folder or the packaged model; ``..`` and symlinks that leave it are refused in words naming the root."""

from __future__ import annotations

import json

import pytest
from panel_fixtures import make_session
from wb_files import sts_csv

from workbench.cli import main
from workbench.data import DATA_ROOT_ENV, confined, is_allowed
from workbench.errors import WorkbenchError


@pytest.fixture
def root(tmp_path, monkeypatch):
    """tmp/data is the data root; tmp/runs the runs root; tmp/home the workbench home; tmp/outside is neither."""
    for name in ("data", "runs", "home", "outside"):
        (tmp_path / name).mkdir()
    monkeypatch.setenv(DATA_ROOT_ENV, str(tmp_path / "data"))
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    sts_csv(tmp_path / "data")
    sts_csv(tmp_path / "outside")
    return tmp_path


def _refused(path, root):
    with pytest.raises(WorkbenchError) as info:
        confined(path, "the dataset file", where="datasets.train.x")
    err = info.value
    assert "is outside the data folder" in err.message and str((root / "data").resolve()) in err.message
    assert err.fix == f"put the file under {(root / 'data').resolve()}, or upload it."
    assert err.where == "datasets.train.x"
    return err


def test_a_path_inside_the_data_root_is_allowed_and_one_outside_is_refused(root):
    assert confined(root / "data" / "sts.csv") == root / "data" / "sts.csv"
    assert is_allowed(root / "data")  # the root itself
    assert is_allowed(root / "data" / "not-yet" / "made.json")  # a settings file or folder still to write
    _refused(root / "outside" / "sts.csv", root)
    _refused("/etc/passwd", root)
    _refused(str(root / "data-evil" / "x.csv"), root)  # a sibling that shares the root's name as a prefix


def test_dot_dot_and_a_symlink_that_leave_the_root_are_refused(root):
    _refused(f"{root}/data/../outside/sts.csv", root)
    (root / "data" / "link").symlink_to(root / "outside")
    (root / "data" / "file-link.csv").symlink_to(root / "outside" / "sts.csv")
    _refused(root / "data" / "link" / "sts.csv", root)
    _refused(root / "data" / "file-link.csv", root)
    (root / "data" / "inner").symlink_to(root / "data")  # a link that stays inside is fine
    assert is_allowed(root / "data" / "inner" / "sts.csv")


def test_the_runs_root_uploads_and_packaged_model_are_allowed(root):
    from workbench.engine.models import default_model_path

    assert is_allowed(root / "runs" / "20260101-000000" / "final")
    for folder in ("uploads", "playground", "mined", "configs"):  # what the app itself writes there
        assert is_allowed(root / "home" / folder / "mine.csv")
    assert not is_allowed(root / "home" / "autosave.json")
    assert is_allowed(default_model_path())
    from workbench.data import demo_path

    assert is_allowed(demo_path("pairs_train"))


def test_nothing_is_confined_without_a_data_root(tmp_path, monkeypatch):
    monkeypatch.delenv(DATA_ROOT_ENV, raising=False)
    assert is_allowed("/etc/passwd") and confined("~/x.csv").is_absolute()


def test_every_entry_point_obeys_the_root(root):
    from workbench import data
    from workbench.engine import check_output_dir, resolve_model_path
    from workbench.session import copy_destination, save_config
    from workbench.spec import DatasetSpec, RunSpec

    outside = root / "outside"
    with pytest.raises(WorkbenchError, match="outside the data folder"):
        data.load_raw(DatasetSpec(source="csv", path=str(outside / "sts.csv")))
    with pytest.raises(WorkbenchError, match="outside the data folder"):
        data.load_raw(DatasetSpec(source="hub", path=str(outside)))  # a folder laid out like a Hub dataset
    assert data.load_raw(DatasetSpec(source="csv", path=str(root / "data" / "sts.csv"))).num_rows > 0
    with pytest.raises(WorkbenchError, match="outside the data folder") as info:
        resolve_model_path(str(outside))
    assert info.value.where == "model.name_or_path"
    assert (
        resolve_model_path("sentence-transformers/all-MiniLM-L6-v2")
        == "sentence-transformers/all-MiniLM-L6-v2"
    )
    with pytest.raises(WorkbenchError, match="outside the data folder") as info:
        check_output_dir(RunSpec.from_dict({"datasets": {"train": {}}, "output_dir": str(outside / "run")}))
    assert info.value.where == "output_dir"
    with pytest.raises(WorkbenchError, match="outside the data folder"):
        save_config({}, outside / "settings.json")
    assert not (outside / "settings.json").exists()
    with pytest.raises(WorkbenchError, match="outside the data folder"):
        copy_destination(str(root / "runs"), str(outside / "copy"))
    with pytest.raises(WorkbenchError, match="outside the data folder"):
        data.file_spec(outside / "sts.csv", "corpus file", where="corpus")  # the mining and Try-it corpora
    from workbench.engine import load_beir

    with pytest.raises(WorkbenchError, match="outside the data folder") as info:
        load_beir(str(outside / "q.jsonl"), str(root / "data" / "c.jsonl"), str(root / "data" / "qrels.tsv"))
    assert info.value.where == "evaluators.queries"
    with pytest.raises(WorkbenchError, match="outside the data folder") as info:
        check_output_dir(
            RunSpec.from_dict(
                {
                    "datasets": {"train": {}},
                    "output_dir": str(root / "runs" / "r"),
                    "resume_from_checkpoint": str(outside),
                }
            )
        )
    assert info.value.where == "resume_from_checkpoint"


def test_a_session_refuses_outside_paths_in_the_panel_that_holds_them(root):
    from workbench.session import DatasetEntry  # noqa: F401 - the Session's own types load

    session = make_session(root, model=str(root / "outside"))
    session.output_dir = str(root / "runs" / "mine")
    with pytest.raises(WorkbenchError) as info:
        session.start()
    assert session.report(info.value) == "model" and "outside the data folder" in session.errors["model"]
    session.model_name = "default"
    session.output_dir = str(root / "outside" / "run")
    with pytest.raises(WorkbenchError) as info:
        session.start()
    assert info.value.where == "output_dir" and "outside the data folder" in info.value.message
    assert session.status == "idle" and not (root / "outside" / "run").exists()
    # A settings file naming a dataset outside: the Data tab says so for that dataset.
    config = root / "data" / "settings.json"
    config.write_text(
        json.dumps(
            {"datasets": {"train": {"sts": {"source": "csv", "path": str(root / "outside" / "sts.csv")}}}}
        )
    )
    session.load_config(config)
    session.load_all(background=False)
    assert any("outside the data folder" in text for text in session.data_errors.values())
    with pytest.raises(WorkbenchError, match="outside the data folder"):
        session.load_config(root / "outside" / "settings.json")
    with pytest.raises(WorkbenchError, match="outside the data folder"):
        session.save_config(root / "outside" / "settings.json")


def test_the_cli_refuses_outside_paths_with_exit_2(root, capsys, tmp_path):
    outside = str(root / "outside" / "sts.csv")
    assert main(["check", outside, "--data-root", str(root / "data")]) == 2
    err = capsys.readouterr().err
    assert "is outside the data folder" in err and "fix: put the file under" in err
    assert main(["check", str(root / "data" / "sts.csv"), "--data-root", str(root / "data")]) == 0
    capsys.readouterr()
    args = ["--columns", "sentence1,sentence2", "--out", str(root / "data" / "mined.jsonl")]
    assert main(["mine", outside, *args, "--data-root", str(root / "data")]) == 2
    assert "outside the data folder" in capsys.readouterr().err
    inside = str(root / "data" / "sts.csv")
    args = ["--columns", "sentence1,sentence2", "--out", str(root / "outside" / "mined.jsonl")]
    assert main(["mine", inside, *args, "--data-root", str(root / "data")]) == 2
    assert "[--out] the output file" in capsys.readouterr().err
    config = root / "data" / "run.json"
    config.write_text(json.dumps({"datasets": {"train": {"sts": {"source": "csv", "path": outside}}}}))
    assert main(["train", str(config), "--data-root", str(root / "data")]) == 2
    assert "outside the data folder" in capsys.readouterr().err
    assert main(["check", outside, "--data-root", str(root / "nope")]) == 2
    assert "--data-root" in capsys.readouterr().err


def test_the_config_file_itself_must_lie_under_the_data_root(root, capsys, monkeypatch):
    """`workbench train/export/plan CONFIG` and the app's settings files: a config outside the data root is refused
    before it is read, also through `..` or a symlink inside the root that leads out."""
    good = {"datasets": {"train": {"sts": {"source": "csv", "path": str(root / "data" / "sts.csv")}}}}
    for folder in ("data", "outside"):
        (root / folder / "run.json").write_text(json.dumps(good))
    (root / "data" / "link.json").symlink_to(root / "outside" / "run.json")
    (root / "data" / "away").symlink_to(root / "outside")
    leaving = [
        root / "outside" / "run.json",
        f"{root}/data/../outside/run.json",
        root / "data" / "link.json",
        root / "data" / "away" / "run.json",
    ]
    for config in leaving:
        assert main(["train", str(config), "--data-root", str(root / "data")]) == 2
        err = capsys.readouterr().err
        assert "[CONFIG] the config file" in err and "is outside the data folder" in err, err
        assert "fix: put the file under" in err and "Traceback" not in err
        assert main(["export", str(config)]) == 2  # the hosted app's rule ($WORKBENCH_DATA_ROOT) holds too
        assert "is outside the data folder" in capsys.readouterr().err
        with pytest.raises(WorkbenchError, match="the settings file .* is outside the data folder"):
            make_session(root).load_config(config)
    assert not (root / "runs" / "sts").exists()  # nothing started
    assert main(["export", str(root / "data" / "run.json")]) == 0  # a config under the root is read
    assert "SentenceTransformerTrainer" in capsys.readouterr().out
    monkeypatch.delenv(DATA_ROOT_ENV)  # on one's own machine nothing is confined
    assert main(["export", str(root / "outside" / "run.json")]) == 0
