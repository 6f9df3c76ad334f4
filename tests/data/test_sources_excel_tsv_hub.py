"""Excel workbooks and TSV files (as uploads and as path sources), Hub ids that cannot be loaded offline (finding
11 of issue 10, against a local stand-in: no network), and the size of a held-out part."""

from __future__ import annotations

import math
from pathlib import Path

import datasets
import openpyxl
import pytest
from wb_data import positive_pairs, scored_pairs

from workbench import data
from workbench.errors import WorkbenchError
from workbench.spec import DatasetSpec


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """An .xlsx file with one sheet per entry (first row: the header)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def pairs_rows(n: int = 6) -> list[list]:
    pairs = positive_pairs(n)
    return [["question", "answer"], *map(list, zip(pairs["anchor"], pairs["positive"], strict=True))]


def scored_rows(n: int = 5) -> list[list]:
    scored = scored_pairs(n)
    rows = zip(scored["sentence1"], scored["sentence2"], scored["score"], strict=True)
    return [["sentence1", "sentence2", "score"], *map(list, rows)]


@pytest.fixture
def workbook(tmp_path) -> Path:
    return write_workbook(
        tmp_path / "book.xlsx", {"notes": [["note"], ["read me first"]], "pairs": scored_rows(5)}
    )


def _error(fn, *args, **kwargs) -> WorkbenchError:
    with pytest.raises(WorkbenchError) as info:
        fn(*args, **kwargs)
    assert info.value.fix, info.value.text
    return info.value


# ---- Excel -------------------------------------------------------------------------------------------------------


def test_an_excel_source_reads_the_first_sheet_or_the_chosen_one(workbook):
    assert data.excel_sheets(workbook) == ["notes", "pairs"]
    first = data.load_raw(DatasetSpec(source="excel", path=str(workbook)))
    assert first.column_names == ["note"] and first["note"] == ["read me first"]
    chosen = data.load_raw(DatasetSpec(source="excel", path=str(workbook), sheet="pairs"))
    assert chosen.column_names == ["sentence1", "sentence2", "score"] and chosen.num_rows == 5
    assert chosen["score"] == pytest.approx(scored_pairs(5)["score"])


def test_a_sheet_that_is_not_there_is_refused_naming_the_sheets(workbook):
    err = _error(data.load_raw, DatasetSpec(source="excel", path=str(workbook), sheet="Pairs"))
    assert "no sheet 'Pairs'" in err.message and "notes, pairs" in err.message and "notes, pairs" in err.fix


def test_a_file_that_is_not_a_workbook_is_refused_plainly(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK.. not really a zip")
    err = _error(data.load_raw, DatasetSpec(source="excel", path=str(bad)))
    assert "not a readable Excel workbook" in err.message and ".xlsx" in err.fix


def test_blank_rows_and_unnamed_blank_columns_of_a_sheet_are_left_out(tmp_path):
    rows = [["question", "answer", None], ["hi", "hello", None], [None, None, None], ["bye", "see you", None]]
    path = write_workbook(tmp_path / "gaps.xlsx", {"Sheet1": rows})
    book = openpyxl.load_workbook(path)
    book["Sheet1"]["C7"] = None  # a touched cell below the data widens the sheet's range
    book["Sheet1"]["C7"].number_format = "0.00"
    book.save(path)
    ds = data.load_raw(DatasetSpec(source="excel", path=str(path)))
    assert ds.column_names == ["question", "answer"] and ds["question"] == ["hi", "bye"]


def test_sheet_belongs_to_excel_sources_only():
    with pytest.raises(WorkbenchError) as info:
        DatasetSpec.from_dict({"source": "csv", "path": "a.csv", "sheet": "x"}, "datasets.train.a")
    assert info.value.where == "datasets.train.a.sheet" and "excel" in info.value.fix
    spec = DatasetSpec.from_dict({"source": "excel", "path": "a.xlsx", "sheet": "pairs"}, "d")
    assert spec.to_dict() == {"source": "excel", "path": "a.xlsx", "sheet": "pairs"}


def test_an_uploaded_workbook_is_saved_and_read(tmp_path, workbook):
    spec, ds = data.from_upload("my book.xlsx", workbook.read_bytes(), tmp_path / "uploads")
    assert spec.source == "excel" and spec.sheet is None and Path(spec.path).parent == tmp_path / "uploads"
    assert ds.column_names == ["note"]


# ---- TSV ---------------------------------------------------------------------------------------------------------


def test_a_tsv_file_reads_by_path_and_by_upload(tmp_path):
    text = "\n".join("\t".join(map(str, row)) for row in scored_rows(4)) + "\n"
    path = tmp_path / "pairs.tsv"
    path.write_text(text, encoding="utf-8")
    by_path = data.load_raw(DatasetSpec(source="csv", path=str(path)))
    assert by_path.column_names == ["sentence1", "sentence2", "score"] and by_path.num_rows == 4
    spec, uploaded = data.from_upload("pairs.tsv", text.encode(), tmp_path / "uploads")
    assert spec.source == "csv" and uploaded.to_list() == by_path.to_list()
    assert data.UPLOAD_SOURCES[".tab"] == "csv"


# ---- Hub ids offline (finding 11) ---------------------------------------------------------------------------------


@pytest.fixture
def offline(monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)


def test_an_unknown_hub_id_offline_says_what_and_how_to_fix(offline):
    err = _error(data.load_raw, DatasetSpec(source="hub", path="someone/no-such-dataset"))
    assert "not cached in None" not in err.text and "'someone/no-such-dataset'" in err.message
    assert "local Hub cache" in err.message and "offline" in err.message
    assert all(words in err.fix for words in ("check the id", "go online", "upload"))
    assert err.message[0].isupper()


def test_a_local_stand_in_for_a_hub_dataset_loads_offline(offline, tmp_path):
    repo = tmp_path / "stand-in"
    (repo / "data").mkdir(parents=True)
    (repo / "data" / "train.csv").write_text("q,a\nhi,hello\nbye,see you\n", encoding="utf-8")
    ds = data.load_raw(DatasetSpec(source="hub", path=str(repo)))
    assert ds.column_names == ["q", "a"] and ds.num_rows == 2


def test_a_local_folder_that_does_not_exist_is_named(offline, tmp_path):
    err = _error(data.load_raw, DatasetSpec(source="hub", path=str(tmp_path / "nope")))
    assert "does not exist" in err.message and str(tmp_path / "nope") in err.message


# ---- held-out parts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n, fraction", [(240, 0.1), (7, 0.1), (10, 0.25), (3, 0.5)])
def test_holdout_size_is_what_split_holdout_takes(n, fraction):
    ds = datasets.Dataset.from_dict({"x": list(range(n))})
    _, held = data.split_holdout(ds, fraction, 42)
    assert held.num_rows == data.holdout_size(n, fraction) == math.ceil(fraction * n)
