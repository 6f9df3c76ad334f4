"""A plain corpus trains end to end: TSDAE on (damaged, original) pairs derived from one text column, and
contrastive tension on the column twice (tiny model, a few steps)."""

from __future__ import annotations

import pytest
from wb_data import TEXTS, inline

from workbench.engine import Runner, build
from workbench.spec import RunSpec


@pytest.mark.parametrize(
    ("loss", "mapping"),
    [
        ("DenoisingAutoEncoderLoss", {"columns": ["text", "text"], "derive": "tsdae"}),
        ("ContrastiveTensionLossInBatchNegatives", {"columns": ["text", "text"]}),
    ],
)
def test_a_plain_corpus_trains(make_config, loss, mapping):
    cfg = make_config({"corpus": inline({"text": TEXTS}, **mapping)}, loss=loss, args={"max_steps": 2})
    summary = Runner(build(RunSpec.from_dict(cfg))).run_blocking()
    assert summary["status"] == "finished", summary.get("error")
    assert summary["steps"] == 2 and summary["config"]["datasets"]["train"]["corpus"].get("derive") == (
        mapping.get("derive")
    )
