"""The exported script reads an Excel source's sheet as the run did."""

from __future__ import annotations

import openpyxl
from wb_data import scored_pairs

from workbench.engine import build
from workbench.export import export_script
from workbench.spec import RunSpec


def test_the_exported_script_reads_the_same_sheet(make_config, tmp_path):
    scored = scored_pairs(8)
    book = openpyxl.Workbook()
    book.active.title = "notes"
    book.active.append(["note"])
    book.active.append(["the pairs are on the next sheet"])
    pairs = book.create_sheet("pairs")
    pairs.append(["sentence1", "sentence2", "score"])
    for row in zip(scored["sentence1"], scored["sentence2"], scored["score"], strict=True):
        pairs.append(list(row))
    pairs.append([None, None, None])  # a blank row: left out by the run and by the script
    path = tmp_path / "book.xlsx"
    book.save(path)
    train = {"sts": {"source": "excel", "path": str(path), "sheet": "pairs"}}
    spec = RunSpec.from_dict(make_config(train, loss="CoSENTLoss"))
    plan = build(spec)
    script = export_script(spec, plan)
    assert "pd.read_excel(" in script and "sheet_name='pairs'" in script
    namespace: dict = {"__name__": "exported_script"}
    exec(compile(script, "train.py", "exec"), namespace)
    got, _, _ = namespace["load_datasets"]()
    assert got["sts"].num_rows == 8 and got["sts"].to_list() == plan.train["sts"].to_list()
