"""The upload cap of a served app (``workbench app --max-upload-mb``): a bigger file is refused in words in the Data
tab and in Try it, before anything is saved; nothing is capped in a notebook."""

from __future__ import annotations

import datetime

import pytest
from panel_fixtures import make_session

from workbench.data.confine import MAX_UPLOAD_ENV
from workbench.errors import WorkbenchError
from workbench.session import PlaygroundSession
from workbench.ui.panels import DatasetPanel


def csv_bytes(megabytes: float) -> bytes:
    row = "how do I reset my password,open the settings page and press reset\n"
    return ("question,answer\n" + row * int(megabytes * 1024 * 1024 / len(row) + 1)).encode()


EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def sent(name: str, content: bytes, size: int | None = None) -> dict:
    """One file as a page's FileUpload sends it (``size``: what the browser reports; the bytes may be left out)."""
    size = len(content) if size is None else size
    return {
        "name": name,
        "type": "text/csv",
        "size": size,
        "content": memoryview(content),
        "last_modified": EPOCH,
    }


@pytest.fixture
def capped(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(MAX_UPLOAD_ENV, "1")
    return make_session(tmp_path)


def test_the_data_tab_refuses_a_file_over_the_cap_in_words_and_saves_nothing(capped, tmp_path):
    panel = DatasetPanel(capped)
    panel.split.value = "train"
    panel.upload.value = (sent("big.csv", csv_bytes(1.5)),)
    message = capped.errors["dataset"]
    assert "'big.csv' is 1.5 MB" in message and "up to 1 MB" in message and "Fix:" in message
    assert "--max-upload-mb" in message and message in panel.error_box.value.replace("&#x27;", "'")
    assert capped.entry("train/big") is None and not (tmp_path / "home" / "uploads").exists()
    assert panel.upload.value == ()  # ready for another file
    panel.upload.value = (sent("small.csv", csv_bytes(0.2)),)
    assert capped.entry("train/small") is not None and "dataset" not in capped.errors


def test_a_file_sent_without_its_bytes_is_refused_by_the_size_the_browser_gave(capped, tmp_path):
    """The page's upload guard sends a file over the cap as its name and size only: each upload refuses it in words
    by that size, never reads it as an empty file."""
    from workbench.ui import Workbench
    from workbench.ui.panels import PlaygroundPanel

    huge = sent("huge.csv", b"", size=3 * 1024 * 1024)
    panel = DatasetPanel(capped)
    panel.split.value = "train"
    panel.upload.value = (huge,)
    assert "'huge.csv' is 3.0 MB" in capped.errors["dataset"] and capped.entry("train/huge") is None
    play = PlaygroundPanel(capped, PlaygroundSession(capped, background=False))
    play.upload.value = (huge,)
    assert "is 3.0 MB" in play.play.error and "huge.csv" not in " ".join(play.play.corpora)
    app = Workbench(capped, autosave=False, load=False)
    app.open_file.value = ({**huge, "name": "huge.json"},)
    assert "'huge.json' is 3.0 MB" in app.toolbar_msg.value.replace("&#x27;", "'")
    assert not (tmp_path / "home").exists() or not any((tmp_path / "home").rglob("huge.*"))


def test_try_it_refuses_a_corpus_over_the_cap(capped, tmp_path):
    play = PlaygroundSession(capped, background=False)
    with pytest.raises(WorkbenchError, match=r"is 1\.5 MB: this server takes uploads of up to 1 MB"):
        play.upload("corpus.csv", csv_bytes(1.5))
    assert not (tmp_path / "home" / "playground").exists()
    assert play.upload("corpus.csv", csv_bytes(0.1))


def test_a_notebook_has_no_cap(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv(MAX_UPLOAD_ENV, raising=False)
    session = make_session(tmp_path)
    session.add_upload("train", "big.csv", csv_bytes(1.5), background=False)
    assert session.entry("train/big") is not None and "dataset" not in session.errors
