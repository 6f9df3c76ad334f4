"""The exported script runs under a launcher: two CPU processes (torchrun, DDP over gloo), the baseline and final
evaluated once, by the main process, and one summary written."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from wb_files import write_config

from workbench.export import export_script, script_output_dir
from workbench.spec import load_config


@pytest.mark.timeout(240)  # justified: two processes each import torch and sentence-transformers (~35 s here)
def test_the_exported_script_under_torchrun_evaluates_on_the_main_process_only(tiny_model, tmp_path):
    spec = load_config(
        write_config(tmp_path, tiny_model, args={"per_device_train_batch_size": 4, "max_steps": 2})
    )
    script = export_script(spec)
    assert (
        'int(os.environ.get("RANK", "0")) == 0' in script and "torchrun --nproc_per_node N train.py" in script
    )
    (tmp_path / "train.py").write_text(script)
    env = {**os.environ, "ACCELERATE_USE_CPU": "true", "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "train.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=220,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert output.count("baseline:") == 1 and output.count("final:") == 1, output[-3000:]
    summary = json.loads((tmp_path / script_output_dir(spec) / "summary.json").read_text())
    assert summary["steps"] == 2 and summary["baseline"] and summary["final"]
