"""The DataCache on its own: it loads for any host that has the loading traits, reports only through them,
caches rows, profiles and shapes by source, and calls back once a dataset is in."""

from __future__ import annotations

import traitlets as T
from wb_data import positive_pairs, scored_pairs

from workbench.session import DataCache, DatasetEntry, data_key
from workbench.spec import DatasetSpec


class Host(T.HasTraits):
    loading = T.Dict()
    data_errors = T.Dict()
    data_version = T.Int(0)

    def __init__(self, *entries: DatasetEntry):
        super().__init__()
        self.datasets = {e.key: e for e in entries}

    def entry(self, key):
        return self.datasets.get(key)


def entry(split: str, name: str, **spec) -> DatasetEntry:
    return DatasetEntry(split, name, DatasetSpec(**spec))


def test_loading_reports_through_the_hosts_traits_and_calls_back(tmp_path):
    sts = entry("train", "sts", source="dict", data=scored_pairs(8))
    missing = entry("eval", "gone", source="csv", path=str(tmp_path / "nope.csv"))
    host, loaded, seen = Host(sts, missing), [], []
    host.observe(lambda change: seen.append(dict(change["new"])), "loading")
    cache = DataCache(host, background=False, on_loaded=loaded.append)
    assert cache.load(["eval/gone", "train/sts"]) is None  # in the calling thread
    assert loaded == ["train/sts"] and host.data_version == 2 and not host.loading
    assert seen[0] == {data_key(sts.spec): True, data_key(missing.spec): True}
    assert "does not exist" in host.data_errors[data_key(missing.spec)]
    assert cache.rows(sts).num_rows == 8 and cache.profile(sts).guessed_label == "score"


def test_rows_are_cached_by_source_and_shapes_by_mapping():
    pairs = entry("train", "pairs", source="dict", data=positive_pairs(6))
    host = Host(pairs)
    cache = DataCache(host, background=False)
    cache.load(["train/pairs"])
    version = host.data_version
    assert cache.load(["train/pairs"]) is None and host.data_version == version  # nothing to load again
    inputs = tuple(cache.profile(pairs).guessed_inputs)
    shape = cache.shape(pairs, inputs, None, None)
    assert shape.inputs == inputs and cache.shape(pairs, inputs, None, None) is shape
    assert cache.shape(entry("train", "other", source="dict", data={"a": ["x"]}), ("a",), None, None) is None


def test_a_held_out_part_loads_its_train_set_first(tmp_path):
    sts = entry("train", "sts", source="dict", data=scored_pairs(8))
    held = entry("eval", "held", source="holdout", of="sts", fraction=0.25)
    host = Host(sts, held)
    cache = DataCache(host, background=False)
    thread = cache.load(["eval/held", "train/sts"], background=True)
    thread.join(60)
    assert cache.rows(held).num_rows == 2 and cache.rows(sts).num_rows == 8 and not host.data_errors


def test_an_upload_is_cached_then_handed_back_or_its_error_is(tmp_path):
    host, added, failed = Host(), [], []
    cache = DataCache(host, background=False)
    cache.add_upload("good.csv", b"q,a\nwhat,that\nwho,them\n", tmp_path, added.append, failed.append)
    cache.add_upload("notes.docx", b"hello", tmp_path, added.append, failed.append)
    assert len(added) == 1 and cache.rows(DatasetEntry("train", "good", added[0])).num_rows == 2
    assert len(failed) == 1 and "unknown file type" in str(failed[0])
    assert not host.loading and host.data_version == 2


def test_an_upload_during_the_warm_up_imports_gets_its_own_message(tmp_path):
    """The app warms up (imports sentence-transformers) in a thread as it opens; a file uploaded meanwhile must be
    judged on its content, not fail on a half-imported library (a fresh process, so the imports really race)."""
    import os
    import subprocess
    import sys

    code = (
        "import time\n"
        "from workbench.session import Session\n"
        "s = Session(background=True)\n"
        "s.load_all(warm=True)\n"
        "s.add_upload('train', 'my-pairs.csv', b'sentence1,sentence2,score\\n')\n"
        "deadline = time.monotonic() + 120\n"
        "while not s.errors and time.monotonic() < deadline:\n"
        "    time.sleep(0.1)\n"
        "print(s.errors.get('dataset', 'no message'))\n"
    )
    env = {**os.environ, "WORKBENCH_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180, env=env)
    assert "has no rows" in out.stdout, out.stdout + out.stderr
