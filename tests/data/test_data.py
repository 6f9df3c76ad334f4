"""Tests for workbench.data: every source, role inference, shapes, preparation and the error messages."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import datasets
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest
from wb_data import TEXTS

from workbench import data
from workbench.data.shapes import BINARY, CATEGORY, CLASS, EMPTY, ID, NUMBER_LIST, SCORE, TEXT, TEXT_LIST
from workbench.errors import WorkbenchError
from workbench.spec import DatasetSpec

SHARED = Path("/work/shared/data")

ROWS = {
    "sentence1": [
        "A man is playing a guitar.",
        "A woman is slicing onions.",
        "A dog runs in a field.",
        "Kids are playing soccer.",
        "The sun is shining brightly.",
    ],
    "sentence2": [
        "A person plays the guitar.",
        "A cook is cutting onions.",
        "A cat sleeps on a sofa.",
        "Children play football.",
        "It is raining heavily.",
    ],
    "score": [4.8, 4.2, 0.6, 4.6, 0.4],
}


def _write_csv(path: Path, rows: dict = ROWS, sep: str = ",") -> Path:
    pd.DataFrame(rows).to_csv(path, index=False, sep=sep)
    return path


def _error(fn, *args, **kwargs) -> WorkbenchError:
    with pytest.raises(WorkbenchError) as info:
        fn(*args, **kwargs)
    err = info.value
    assert err.fix, f"error without a fix: {err.text}"
    return err


def _load(source: str, path, **kw) -> datasets.Dataset:
    return data.load_raw(DatasetSpec(source=source, path=str(path), **kw))


# ------------------------------------------------------------------------------------------------ sources


def test_csv_loads_all_columns_and_limit(tmp_path):
    ds = _load("csv", _write_csv(tmp_path / "pairs.csv"))
    assert ds.column_names == ["sentence1", "sentence2", "score"]
    assert ds.num_rows == 5 and ds[0]["score"] == 4.8
    assert _load("csv", tmp_path / "pairs.csv", limit=2).num_rows == 2


def test_tsv_and_semicolon_csv(tmp_path):
    assert _load("csv", _write_csv(tmp_path / "pairs.tsv", sep="\t")).column_names == list(ROWS)
    ds = _load("csv", _write_csv(tmp_path / "excel.csv", sep=";"))
    assert ds.column_names == list(ROWS) and ds.num_rows == 5


def test_json_layouts(tmp_path):
    records = pd.DataFrame(ROWS).to_dict(orient="records")
    (tmp_path / "list.json").write_text(json.dumps(records))
    (tmp_path / "rows.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    (tmp_path / "cols.json").write_text(json.dumps(ROWS))
    (tmp_path / "wrapped.json").write_text(json.dumps({"data": records}))
    for name in ("list.json", "rows.jsonl", "cols.json", "wrapped.json"):
        ds = _load("json", tmp_path / name)
        assert ds.num_rows == 5, name
        assert sorted(ds.column_names) == sorted(ROWS), name


def test_parquet(tmp_path):
    pq.write_table(pa.table(ROWS), tmp_path / "pairs.parquet")
    ds = _load("parquet", tmp_path / "pairs.parquet")
    assert ds.num_rows == 5 and ds.column_names == list(ROWS)


def test_arrow_files_and_save_to_disk_folders(tmp_path):
    table = pa.table(ROWS)
    feather.write_feather(table, tmp_path / "pairs.feather")
    with ipc.new_stream(str(tmp_path / "stream.arrow"), table.schema) as writer:
        writer.write_table(table)
    datasets.Dataset.from_dict(ROWS).save_to_disk(str(tmp_path / "saved"))
    dd = datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_dict(ROWS),
            "test": datasets.Dataset.from_dict({k: v[:2] for k, v in ROWS.items()}),
        }
    )
    dd.save_to_disk(str(tmp_path / "saved_dict"))
    for path in ("pairs.feather", "stream.arrow", "saved", "saved_dict"):
        assert _load("arrow", tmp_path / path).num_rows == 5, path
    assert _load("arrow", tmp_path / "saved_dict", split="test").num_rows == 2
    err = _error(_load, "arrow", tmp_path / "saved_dict", split="dev")
    assert "test" in err.text and "train" in err.text and "split" in err.fix


def test_sql_sqlite(tmp_path):
    db = tmp_path / "pairs.db"
    with sqlite3.connect(db) as conn:
        pd.DataFrame(ROWS).to_sql("pairs", conn, index=False)
    ds = data.load_raw(
        DatasetSpec(source="sql", path=str(db), query="SELECT sentence2, score FROM pairs WHERE score > 1")
    )
    assert ds.column_names == ["sentence2", "score"] and ds.num_rows == 3
    err = _error(data.load_raw, DatasetSpec(source="sql", path=str(db), query="SELECT * FROM nope"))
    assert "nope" in err.text and "pairs" in err.fix
    err = _error(data.load_raw, DatasetSpec(source="sql", path=str(tmp_path / "absent.db"), query="SELECT 1"))
    assert "absent.db" in err.text and not (tmp_path / "absent.db").exists()


def test_dict_and_pandas(tmp_path):
    ds = data.load_raw(DatasetSpec(source="dict", data=ROWS))
    assert ds.num_rows == 5 and ds.column_names == list(ROWS)
    frame = pd.DataFrame(ROWS, index=[10, 11, 12, 13, 14])
    ds = data.from_pandas_or_dict(frame)
    assert ds.column_names == list(ROWS) and "__index_level_0__" not in ds.column_names
    assert data.from_pandas_or_dict(frame.iloc[1:3]).num_rows == 2
    assert data.from_pandas_or_dict([{"a": "x", "b": 1}, {"a": "y", "b": 2}]).column_names == ["a", "b"]
    err = _error(data.from_pandas_or_dict, {"a": ["x", "y"], "b": [1]})
    assert "'a' 2" in err.text and "'b' 1" in err.text
    err = _error(data.from_pandas_or_dict, {"text": ["x", "y"], "mixed": ["one", 2]})
    assert "'mixed'" in err.text
    assert "dict of lists" in _error(data.from_pandas_or_dict, 42).fix


def test_upload_csv_sqlite_and_unknown(tmp_path):
    content = _write_csv(tmp_path / "src.csv").read_bytes()
    spec, ds = data.from_upload("my pairs.csv", memoryview(content), tmp_path / "uploads")
    assert spec.source == "csv" and Path(spec.path).is_file() and Path(spec.path).read_bytes() == content
    assert ds.num_rows == 5
    # the same name with other content gets a new file, so older configs keep their data
    other = _write_csv(tmp_path / "src2.csv", {k: v[:3] for k, v in ROWS.items()}).read_bytes()
    spec2, ds2 = data.from_upload("my pairs.csv", other, tmp_path / "uploads")
    assert spec2.path != spec.path and ds2.num_rows == 3 and Path(spec.path).read_bytes() == content

    db = tmp_path / "src.sqlite"
    with sqlite3.connect(db) as conn:
        pd.DataFrame(ROWS).to_sql("my pairs", conn, index=False)
    spec, ds = data.from_upload("data.sqlite", db.read_bytes(), tmp_path / "uploads")
    assert spec.source == "sql" and "my pairs" in spec.query and ds.num_rows == 5

    err = _error(data.from_upload, "notes.docx", b"xx", tmp_path / "uploads")
    assert "notes.docx" in err.text and ".csv" in err.fix and ".parquet" in err.fix


def test_hub_source_through_local_repo_folder(tmp_path):
    repo = tmp_path / "my-dataset"
    (repo / "data").mkdir(parents=True)
    _write_csv(repo / "data" / "train.csv")
    _write_csv(repo / "data" / "test.csv", {k: v[:2] for k, v in ROWS.items()})
    assert data.load_raw(DatasetSpec(source="hub", path=str(repo), split="test")).num_rows == 2
    assert data.load_raw(DatasetSpec(source="hub", path=str(repo))).num_rows == 5  # no split: train
    err = _error(data.load_raw, DatasetSpec(source="hub", path=str(repo), split="validation"))
    assert "validation" in err.text and "test" in err.text and "train" in err.fix
    # a repo without a train split and several others: the splits are listed
    repo2 = tmp_path / "no-train"
    (repo2 / "data").mkdir(parents=True)
    _write_csv(repo2 / "data" / "dev.csv")
    _write_csv(repo2 / "data" / "test.csv")
    err = _error(data.load_raw, DatasetSpec(source="hub", path=str(repo2)))
    assert "several splits" in err.text and "validation" in err.fix and "test" in err.fix
    single = tmp_path / "single"
    (single / "data").mkdir(parents=True)
    _write_csv(single / "data" / "test.csv")
    assert data.load_raw(DatasetSpec(source="hub", path=str(single))).num_rows == 5


def test_hub_unreachable_is_explained(monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    err = _error(
        data.load_raw, DatasetSpec(source="hub", path="nobody-xyz/no-such-dataset"), where="datasets.train.x"
    )
    # Finding 11: not "is not cached in None", but the id, that the machine is offline and the data not in its
    # local cache, and the ways out: check the id, go online, or upload the file.
    assert "'nobody-xyz/no-such-dataset'" in err.message and "None" not in err.text
    assert "not in this machine's local Hub cache" in err.message and "offline" in err.message
    assert "check the id" in err.fix and "go online" in err.fix and "upload it" in err.fix
    assert err.where == "datasets.train.x"


def test_holdout(tmp_path):
    train = datasets.Dataset.from_dict({"text": [f"sentence {i}" for i in range(20)]})
    new_train, held = data.split_holdout(train, 0.25, seed=1)
    assert new_train.num_rows == 15 and held.num_rows == 5
    assert not set(new_train["text"]) & set(held["text"])
    spec = DatasetSpec(source="holdout", of="main", fraction=0.25, seed=1)
    assert data.load_raw(spec, train_datasets={"main": train})["text"] == held["text"]
    err = _error(data.load_raw, spec)
    assert "'main'" in err.text
    err = _error(data.split_holdout, train.select(range(1)), 0.5, 0)
    assert "1 rows" in err.text


def test_file_errors_name_path_and_fix(tmp_path):
    err = _error(_load, "csv", tmp_path / "missing.csv")
    assert "missing.csv" in err.text and "path" in err.fix
    (tmp_path / "header.csv").write_text("a,b,score\n")
    err = _error(_load, "csv", tmp_path / "header.csv")
    assert "header.csv" in err.text and "no rows" in err.text
    (tmp_path / "empty.csv").write_text("")
    assert "empty.csv" in _error(_load, "csv", tmp_path / "empty.csv").text
    (tmp_path / "ragged.csv").write_text("a,b\nx,y\nx,y,z,w\n")
    err = _error(_load, "csv", tmp_path / "ragged.csv")
    assert "ragged.csv" in err.text and "UTF-8 CSV" in err.fix
    (tmp_path / "bad.json").write_text("{not json")
    err = _error(_load, "json", tmp_path / "bad.json")
    assert "bad.json" in err.text and "JSON" in err.fix
    (tmp_path / "bad.parquet").write_bytes(b"definitely not parquet")
    assert "bad.parquet" in _error(_load, "parquet", tmp_path / "bad.parquet").text
    (tmp_path / "bad.arrow").write_bytes(b"\x00\x01garbage")
    assert "bad.arrow" in _error(_load, "arrow", tmp_path / "bad.arrow").text
    (tmp_path / "folder").mkdir()
    assert "folder" in _error(_load, "csv", tmp_path / "folder").text
    err = _error(_load, "csv", _write_csv(tmp_path / "ok.csv"), limit=0)
    assert "limit" in err.text


def test_import_is_cheap():
    code = "import sys, workbench.data; print('datasets' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# -------------------------------------------------------------------------------------------- profiling


def _sts(n: int = 60) -> datasets.Dataset:
    return datasets.Dataset.from_dict(
        {
            "sentence1": [f"A man number {i} is playing a guitar." for i in range(n)],
            "sentence2": [f"Someone plays guitar song {i}." for i in range(n)],
            "score": [round((i * 0.37) % 5, 2) for i in range(n)],
        }
    )


def _quora(n: int = 60) -> datasets.Dataset:
    return datasets.Dataset.from_dict(
        {
            "id": list(range(n)),
            "qid1": [2 * i + 1 for i in range(n)],
            "qid2": [2 * i + 2 for i in range(n)],
            "question1": [f"How do I learn topic {i} fast?" for i in range(n)],
            "question2": [f"What is the quickest way to learn topic {i}?" for i in range(n)],
            "is_duplicate": [i % 2 for i in range(n)],
        }
    )


def _snli(n: int = 30) -> datasets.Dataset:
    labels = ["entailment", "neutral", "contradiction"]
    return datasets.Dataset.from_dict(
        {
            "premise": [f"Two people are walking down street {i}." for i in range(n)],
            "hypothesis": [f"People are outside near house {i}." for i in range(n)],
            "label": [labels[i % 3] for i in range(n)],
        }
    )


def test_profile_sts_like():
    prof = data.profile(_sts())
    assert [c.role for c in prof.columns] == [TEXT, TEXT, SCORE]
    assert prof.guessed_inputs == ("sentence1", "sentence2") and prof.guessed_label == "score"
    score = prof.column("score")
    assert score.min == 0.0 and 4.5 < score.max <= 5 and score.dtype == "float64"


def test_profile_quora_like():
    prof = data.profile(_quora())
    roles = {c.name: c.role for c in prof.columns}
    assert roles == {
        "id": ID,
        "qid1": ID,
        "qid2": ID,
        "question1": TEXT,
        "question2": TEXT,
        "is_duplicate": BINARY,
    }
    assert prof.guessed_inputs == ("question1", "question2") and prof.guessed_label == "is_duplicate"
    assert prof.column("is_duplicate").values == (0, 1)


def test_profile_snli_like_and_small_label_sets():
    prof = data.profile(_snli())
    label = prof.column("label")
    assert label.role == CATEGORY and label.n_unique == 3
    assert set(label.values) == {"entailment", "neutral", "contradiction"}
    assert prof.guessed_label == "label" and prof.guessed_inputs == ("premise", "hypothesis")
    tiny = data.profile(datasets.Dataset.from_dict({"t": ["a b", "c d"], "y": ["yes", "no"]}))
    assert tiny.column("y").role == CATEGORY and tiny.guessed_label == "y"


def test_profile_lists_numeric_strings_empty_and_missing():
    ds = datasets.Dataset.from_dict(
        {
            "query": ["what is a cat", "  ", None, "define a dog"],
            "docs": [["a cat is", "cats"], ["x y"], ["p"], ["q", "r"]],
            "scores": [[1.0, 0.0], [0.5], [1.0], [0.2, 0.1]],
            "emb": [[0.1, 0.2, 0.3]] * 4,
            "num_text": ["1.5", "2.0", "4.25", "0"],
            "num_class": ["1", "2", "3", "2"],
            "flag": [True, False, True, True],
            "nothing": [None, None, None, None],
            "cls": [0, 3, 5, 3],
        }
    )
    prof = data.profile(ds)
    col = prof.column
    assert col("query").role == TEXT and col("query").n_missing == 2
    assert (
        col("docs").role == TEXT_LIST and col("docs").list_len is None and col("docs").dtype == "list<string>"
    )
    assert col("scores").role == NUMBER_LIST and col("scores").max == 1.0
    assert col("emb").role == NUMBER_LIST and col("emb").list_len == 3
    assert col("num_text").role == SCORE and col("num_text").numeric_strings and col("num_text").max == 4.25
    assert col("num_class").role == CLASS and col("num_class").numeric_strings
    assert col("flag").role == BINARY
    assert col("nothing").role == EMPTY and col("nothing").n_missing == 4
    assert col("cls").role == CLASS and col("cls").values == (0, 3, 5)
    assert prof.guessed_inputs == ("query", "docs") and prof.guessed_label == "scores"


def test_profile_counter_column_and_sampling():
    ds = datasets.Dataset.from_dict(
        {
            "row": list(range(5000)),
            "text": [f"line {i} of text" for i in range(5000)],
            "grade": [i % 7 for i in range(5000)],
        }
    )
    prof = data.profile(ds, sample=500)
    assert prof.column("row").role == ID and prof.column("grade").role == CLASS
    assert prof.column("text").n_unique == 500 and prof.n_rows == 5000
    assert prof.guessed_label == "grade"


@pytest.mark.parametrize("name", ["score", "rating", "similarity", "relevance", "user_rating"])
def test_whole_numbers_named_like_a_score_are_a_score_not_classes(name):
    """Finding 8: 0-5 in a column named like a score is a score (its classes are counted for a class loss)."""
    texts = [f"line {i} of text" for i in range(12)]
    ds = datasets.Dataset.from_dict({"a": texts, "b": texts[::-1], name: [i % 6 for i in range(12)]})
    col = data.profile(ds).column(name)
    assert col.role == SCORE and col.whole and col.values == (0, 1, 2, 3, 4, 5)
    shape = data.shape_of(data.profile(ds), ["a", "b"], name, ds=ds)
    assert shape.label_role == SCORE and shape.n_classes == 6 and shape.min_rows_per_class == 2
    assert (shape.label_min, shape.label_max) == (0.0, 5.0)


def test_profile_ambiguous_label_is_not_guessed():
    ds = datasets.Dataset.from_dict({"t": ["a b", "c d", "e f"], "x": [0.1, 0.7, 2.3], "z": [0.5, 0.2, 3.3]})
    assert data.profile(ds).guessed_label is None


def test_preview_rows():
    rows = data.preview_rows(_sts(), n=3)
    assert len(rows) == 3 and rows[0]["sentence1"].startswith("A man")
    assert len(data.preview_rows(_sts(2), n=5)) == 2


# ----------------------------------------------------------------------------------------------- shapes


def test_shape_of_pairs_with_scores():
    ds = _sts()
    shape = data.shape_of(data.profile(ds), ["sentence1", "sentence2"], "score", label_range=(0, 5), ds=ds)
    assert shape.inputs == ("sentence1", "sentence2") and shape.input_roles == (TEXT, TEXT)
    assert shape.label_role == SCORE and shape.label_min == 0.0 and shape.n_rows == 60
    assert shape.label_range == (0.0, 5.0) and shape.effective_label_range == (0.0, 1.0)
    assert shape.unmapped == () and not shape.has_duplicates and shape.n_classes is None


def test_shape_of_classes_and_duplicates():
    ds = datasets.Dataset.from_dict({"text": ["a a", "b b", "a a", "c c", "d d"], "label": [0, 1, 0, 2, 2]})
    shape = data.shape_of(data.profile(ds), ["text"], "label", ds=ds)
    assert shape.label_role == CLASS and shape.n_classes == 3 and shape.min_rows_per_class == 1
    assert shape.has_duplicates
    quora = _quora()
    shape = data.shape_of(data.profile(quora), ["question1", "question2"], "is_duplicate")
    assert shape.unmapped == ("id", "qid1", "qid2") and shape.n_classes == 2 and shape.label_role == BINARY
    no_label = data.shape_of(data.profile(quora), ["question1"], None)
    assert no_label.label is None and no_label.label_role is None


def test_shape_of_unknown_column():
    err = _error(data.shape_of, data.profile(_sts()), ["sentence1", "sentnce2"], "score")
    assert "'sentnce2'" in err.text and "sentence2" in err.fix and "score" in err.fix


# ---------------------------------------------------------------------------------------------- prepare


def test_prepare_reorders_drops_and_renames():
    out = data.prepare(_quora(), ["question2", "question1"], "is_duplicate")
    assert out.column_names == ["question2", "question1", "label"]
    assert out[0]["question2"].startswith("What is") and out[0]["label"] == 0


def test_prepare_rescales_scores():
    out = data.prepare(_sts(), ["sentence1", "sentence2"], "score", label_range=(0, 5))
    labels = out["label"]
    assert min(labels) == 0.0 and max(labels) <= 1.0 and labels[1] == pytest.approx(0.37 / 5)
    err = _error(data.prepare, _sts(), ["sentence1", "sentence2"], "score", label_range=(0, 4))
    assert "'score'" in err.text and "[0, 4]" in err.text and "label_range" in err.fix


def test_prepare_category_cast_and_mapping():
    ds = _snli()
    assert data.category_mapping(ds, "label") == {"entailment": 0, "neutral": 1, "contradiction": 2}
    out = data.prepare(ds, ["premise", "hypothesis"], "label")
    assert out["label"][:3] == [0, 1, 2] and out.features["label"].dtype == "int64"
    out = data.prepare(
        ds,
        ["premise", "hypothesis"],
        "label",
        category_map={"entailment": 1, "neutral": 0, "contradiction": 0},
    )
    assert out["label"][:3] == [1, 0, 0]
    err = _error(data.prepare, ds, ["premise", "hypothesis"], "label", category_map={"entailment": 1})
    assert "'label'" in err.text and "neutral" in err.text and "train data" in err.fix
    other = datasets.Dataset.from_dict({"t": ["x y"] * 6, "topic": ["sports", "art", "tech"] * 2})
    assert data.category_mapping(other, "topic") == {"art": 0, "sports": 1, "tech": 2}
    two = datasets.Dataset.from_dict({"t": ["x y"] * 4, "label": ["contradiction", "entailment"] * 2})
    assert data.category_mapping(two, "label") == {"entailment": 0, "contradiction": 1}


def test_prepare_numeric_strings_and_bools():
    ds = datasets.Dataset.from_dict(
        {"a": ["x y", "z w", "p q"], "s": ["1.5", "2", "0.5"], "c": ["1", "0", "2"], "b": [True, False, True]}
    )
    out = data.prepare(ds, ["a"], "s")
    assert out["label"] == [1.5, 2.0, 0.5] and out.features["label"].dtype == "float64"
    out = data.prepare(ds, ["a"], "c")
    assert out["label"] == [1, 0, 2] and out.features["label"].dtype == "int64"
    assert data.prepare(ds, ["a"], "b")["label"] == [1, 0, 1]
    assert data.prepare(ds, ["a"], "s", label_range=(0, 2))["label"] == [0.75, 1.0, 0.25]


def test_prepare_missing_text_is_explained_and_droppable():
    ds = datasets.Dataset.from_dict(
        {
            "s1": ["a b", None, "c d", "  ", "e f"],
            "s2": ["x"] * 5,
            "score": [1.0, 2.0, float("nan"), 3.0, 4.0],
        }
    )
    err = _error(data.prepare, ds, ["s1", "s2"], "score")
    assert "'s1'" in err.text and "2 rows" in err.text and "1, 3" in err.text
    assert '"drop_empty": true' in err.fix and "fill in or remove those rows" in err.fix
    label_err = _error(data.prepare, ds.select([0, 2, 4]), ["s1", "s2"], "score")
    assert "'score'" in label_err.text and "1 row " in label_err.text
    both = _error(data.prepare, ds, ["s1", "s2"], "score")
    assert "column 'score' too, in 1 row" in both.text
    out = data.prepare(ds, ["s1", "s2"], "score", drop_empty=True)
    assert out["s1"] == ["a b", "e f"] and out["label"] == [1.0, 4.0]


def test_prepare_non_text_input():
    err = _error(data.prepare, _quora(), ["qid1", "question2"], "is_duplicate")
    assert "column 'qid1' holds" in err.text and "not text" in err.text and "'question1'" in err.fix
    err = _error(data.prepare, _sts(), ["sentence1", "score"])
    assert "'score' holds numbers" in err.text


def test_prepare_renames_clashing_inputs_and_copies_repeats():
    ds = datasets.Dataset.from_dict(
        {"label": ["a cat", "a dog"], "text": ["feline", "canine"], "score": [0.9, 0.8]}
    )
    out = data.prepare(ds, ["label", "text"], "score")
    assert out.column_names == ["label_text", "text", "label"]
    assert out[0] == {"label_text": "a cat", "text": "feline", "label": 0.9}
    out = data.prepare(ds, ["text", "text"])
    assert out.column_names == ["text", "text_2"] and out["text_2"] == ["feline", "canine"]
    out = data.prepare(ds, ["label"])
    assert out.column_names == ["label_text"]


def test_prepare_bad_mappings():
    ds = _sts()
    assert "'sentence3'" in _error(data.prepare, ds, ["sentence3"], "score").text
    assert "both" in _error(data.prepare, ds, ["sentence1", "score"], "score").text
    assert "input" in _error(data.prepare, ds, [], "score").fix
    err = _error(data.prepare, ds, ["sentence1"], "sentence2")
    assert "'sentence2'" in err.text and "free text" in err.text
    err = _error(data.prepare, _snli(), ["premise"], "label", label_range=(0, 5))
    assert "classes" in err.text and "label_range" in err.fix


# ------------------------------------------------------------------------------------------ real files


def _shared(rel: str) -> Path:
    path = SHARED / rel
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    return path


def test_real_quora_and_stsb():
    ds = _load("csv", _shared("quora/train.csv"), limit=2000)
    prof = data.profile(ds)
    assert prof.guessed_inputs == ("question1", "question2") and prof.guessed_label == "is_duplicate"
    assert [prof.column(c).role for c in ("id", "qid1", "qid2")] == [ID, ID, ID]
    out = data.prepare(ds, prof.guessed_inputs, prof.guessed_label, drop_empty=True)
    assert out.column_names == ["question1", "question2", "label"] and set(out["label"]) == {0, 1}

    sts = _load("csv", _shared("stsb/train.csv"))
    prof = data.profile(sts)
    assert prof.guessed_label == "score" and prof.column("score").max == 5.0
    out = data.prepare(sts, prof.guessed_inputs, "score", label_range=(0, 5))
    assert 0.0 <= min(out["label"]) and max(out["label"]) == 1.0 and out.num_rows == sts.num_rows


def test_real_snli_pairs():
    ds = _load("csv", _shared("nli/snli_dev_pairs.csv"))
    prof = data.profile(ds)
    assert prof.column("label").role == CATEGORY and prof.guessed_label == "label"
    shape = data.shape_of(prof, prof.guessed_inputs, "label", ds=ds)
    assert shape.n_classes == 3 and shape.min_rows_per_class > 1000
    out = data.prepare(ds, prof.guessed_inputs, "label")
    assert set(out["label"]) == {0, 1, 2}


def test_prepare_label_cast_errors_and_special_labels():
    ds = datasets.Dataset.from_dict(
        {"a": ["x y", "z w", "p q", "r s", "t u"], "s": ["1.5", "oops", "0.5", "2", "3"]}
    )
    prof = data.profile(ds)
    assert prof.column("s").role == TEXT  # one stray value: not numeric strings...
    err = _error(
        data.prepare, ds, ["a"], "s"
    )  # ...but the label is read as numbers, and the stray one reported
    assert (
        "'s'" in err.text
        and "not a number" in err.text
        and "'oops'" in err.text
        and "row indexes 1;" in err.text
    )
    ds2 = datasets.Dataset.from_dict({"a": ["x y"] * 4, "rating": ["very good", "bad", "very good", "bad"]})
    out = data.prepare(ds2, ["a"], "rating")
    assert out["label"] == [1, 0, 1, 0]
    labelled = datasets.Dataset.from_dict(
        {"a": ["x y", "z w"], "y": [1, 0]},
        features=datasets.Features(
            {"a": datasets.Value("string"), "y": datasets.ClassLabel(names=["negative", "positive"])}
        ),
    )
    assert data.category_mapping(labelled, "y") == {"negative": 0, "positive": 1}
    assert data.prepare(labelled, ["a"], "y")["label"] == [1, 0]
    nums = datasets.Dataset.from_dict({"a": ["x y", "z w"], "f": [0.5, 1.5]})
    assert "'f'" in _error(data.category_mapping, nums, "f").text


def test_load_errors_carry_where(tmp_path):
    err = _error(
        data.load_raw, DatasetSpec(source="csv", path=str(tmp_path / "gone.csv")), where="datasets.train.x"
    )
    assert err.where == "datasets.train.x" and "[datasets.train.x]" in str(err)


def test_semicolon_csv_with_decimal_commas_reads_numbers(tmp_path):
    """What spreadsheets in many locales save: ';' between cells, ',' as the decimal mark."""
    path = tmp_path / "euro.csv"
    path.write_text(
        "sentence1;sentence2;score\n"
        + "".join(
            f"{a};{b};{i % 5},{i % 10}\n"
            for i, (a, b) in enumerate(zip(TEXTS[:10], TEXTS[10:20], strict=True))
        )
    )
    ds = data.load_raw(DatasetSpec(source="csv", path=str(path)))
    assert ds.features["score"].dtype == "float64" and ds["score"][:3] == [0.0, 1.1, 2.2]
    prof = data.profile(ds)
    assert prof.guessed_inputs == ("sentence1", "sentence2") and prof.guessed_label == "score"
    dotted = tmp_path / "dotted.csv"  # ';' with decimal points stays as it was
    dotted.write_text("a;b;score\nx y;z w;1.5\nu v;s t;2,5\n")
    assert data.load_raw(DatasetSpec(source="csv", path=str(dotted)))["score"][0] == "1.5"


def test_a_score_column_with_a_stray_word_stays_the_label_and_the_word_is_named(tmp_path):
    path = tmp_path / "stray.csv"
    rows = [
        f"{a},{b},{'high' if i == 7 else i % 5}"
        for i, (a, b) in enumerate(zip(TEXTS[:20], TEXTS[1:21], strict=True))
    ]
    path.write_text("sentence1,sentence2,score\n" + "\n".join(rows) + "\n")
    ds = data.load_raw(DatasetSpec(source="csv", path=str(path)))
    prof = data.profile(ds)
    assert prof.column("score").role != "text" and prof.guessed_inputs == ("sentence1", "sentence2")
    assert prof.guessed_label == "score"
    with pytest.raises(WorkbenchError, match=r"not a number, e.g. 'high', in 1 row \(row indexes 7"):
        data.prepare(ds, prof.guessed_inputs, "score", (0, 5))


def test_short_repeated_queries_are_inputs_not_classes():
    """Keyword queries repeated over many documents: a text input (any loss that takes text accepts them)."""
    from workbench import rules

    words = ["flights", "python", "catfood", "boots", "cars"]
    ds = datasets.Dataset.from_dict(
        {
            "query": [words[i % 5] for i in range(60)],
            "document": [f"{TEXTS[i % len(TEXTS)]} ({i})" for i in range(60)],
        }
    )
    prof = data.profile(ds)
    assert prof.guessed_inputs == ("query", "document") and prof.guessed_label is None
    tags = datasets.Dataset.from_dict({"tag": [words[i % 5] for i in range(60)], "document": ds["document"]})
    shape = data.shape_of(data.profile(tags), ("tag", "document"), None, None, ds=tags)
    mnrl = next(
        v for v in rules.verdicts(shape, "sentence-transformer") if v.name == "MultipleNegativesRankingLoss"
    )
    assert mnrl.compatible, mnrl.reason  # a column of repeated words mapped as an input on purpose is text
