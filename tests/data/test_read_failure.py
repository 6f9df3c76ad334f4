"""A file that fails to load because of code (the workbench's or a library's), not because of its content, is not
blamed on the person: the upload refused in CI with "could not be read as csv ... save it as a UTF-8 CSV" was a
race between two loads (tqdm's lock), and the file was fine."""

from __future__ import annotations

import pytest

from workbench.data import load_raw
from workbench.errors import WorkbenchError
from workbench.spec import DatasetSpec


def csv_file(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text("sentence1,sentence2,score\na,b,0.5\nc,d,0.1\n", encoding="utf-8")
    return path


def failing_with(monkeypatch, exc: BaseException) -> None:
    def load(src, path):
        try:
            raise exc
        except BaseException as inner:  # as `datasets` does: its own error around the reader's
            raise RuntimeError("An error occurred while generating the dataset") from inner

    monkeypatch.setattr("workbench.data.sources._load_file", load)


def test_an_error_in_code_is_not_blamed_on_the_file(tmp_path, monkeypatch):
    failing_with(monkeypatch, AttributeError("type object 'tqdm' has no attribute '_lock'"))
    with pytest.raises(WorkbenchError) as refused:
        load_raw(DatasetSpec(source="csv", path=str(csv_file(tmp_path))))
    text = str(refused.value)
    assert "not one found in the file" in text and "AttributeError: type object 'tqdm'" in text, text
    assert "may be fine" in text and "report this message" in text
    assert "UTF-8 CSV" not in text and "could not be read as csv" not in text


def test_a_parse_error_is_still_the_files_with_how_to_save_it(tmp_path, monkeypatch):
    failing_with(
        monkeypatch, ValueError("Error tokenizing data. C error: Expected 3 fields in line 3, saw 4")
    )
    with pytest.raises(WorkbenchError) as refused:
        load_raw(DatasetSpec(source="csv", path=str(csv_file(tmp_path))))
    text = str(refused.value)
    assert "could not be read as csv: Error tokenizing data" in text and "UTF-8 CSV" in text, text
