"""The trained model as a zip the browser downloads: made once, remade when the model changes, refused with a
clear message when there is no model or it is too large."""

from __future__ import annotations

import zipfile

import pytest

from workbench.errors import WorkbenchError
from workbench.session import archive, model_archive


def test_the_model_zip_holds_final_and_is_remade_when_the_model_changes(tmp_path):
    final = tmp_path / "run1" / "final"
    final.mkdir(parents=True)
    (final / "modules.json").write_text("[]")
    path = model_archive(final)
    assert path.name == "run1-model.zip"
    with zipfile.ZipFile(path) as z:
        assert z.namelist() == ["final/", "final/modules.json"]
    (final / "model.safetensors").write_bytes(b"x" * 10)
    import os

    os.utime(final / "model.safetensors", (path.stat().st_mtime + 5,) * 2)
    with zipfile.ZipFile(model_archive(final)) as z:
        assert "final/model.safetensors" in z.namelist()
    assert [p.name for p in (tmp_path / "run1").iterdir() if p.name.startswith(".")] == []  # no parts left


def test_no_model_or_a_too_large_one_is_refused_in_words(tmp_path, monkeypatch):
    with pytest.raises(WorkbenchError, match="no saved model yet"):
        model_archive("")
    final = tmp_path / "r" / "final"
    final.mkdir(parents=True)
    (final / "model.safetensors").write_bytes(b"x" * 2048)
    monkeypatch.setattr(archive, "MAX_DOWNLOAD_BYTES", 1024)
    with pytest.raises(WorkbenchError, match="too large to download") as refused:
        model_archive(final)
    assert "Hub" in refused.value.fix


def test_served_the_zip_is_linked_under_an_unguessable_token(tmp_path, monkeypatch):
    import re

    from workbench.session import DOWNLOAD_PATTERN, download_href

    zipped = tmp_path / "run1" / "run1-model.zip"
    zipped.parent.mkdir()
    zipped.write_bytes(b"PK")
    monkeypatch.setenv("WORKBENCH_DOWNLOADS", str(tmp_path / "served" / "downloads"))
    first, second = download_href(zipped), download_href(zipped)
    assert (
        first != second and first.startswith("voila/files/downloads/") and first.endswith("/run1-model.zip")
    )
    assert re.fullmatch(DOWNLOAD_PATTERN, first.removeprefix("voila/files/"))  # what Voila may serve
    served = tmp_path / "served" / first.removeprefix("voila/files/")
    assert served.read_bytes() == b"PK"


def test_not_served_a_small_zip_travels_in_the_page_and_a_large_one_is_refused(tmp_path, monkeypatch):
    from workbench.session import download_href

    monkeypatch.delenv("WORKBENCH_DOWNLOADS", raising=False)
    zipped = tmp_path / "m.zip"
    zipped.write_bytes(b"PK")
    assert download_href(zipped) == "data:application/zip;base64,UEs="
    monkeypatch.setattr(archive, "MAX_INLINE_BYTES", 1)
    with pytest.raises(WorkbenchError, match="too large to download through this page") as refused:
        download_href(zipped)
    assert str(zipped) in refused.value.fix
