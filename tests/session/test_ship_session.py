"""ShipSession without a child process: what it refuses, the command it runs, and how it reads the CLI's answer."""

from __future__ import annotations

import json
import sys

from workbench.session import Session, ShipSession, ship_command


def test_without_a_finished_run_ship_says_so_and_starts_nothing(tmp_path):
    shipper = ShipSession(Session(background=False, output_dir=str(tmp_path / "r"), auto_output=False))
    assert not shipper.available
    assert shipper.ship() is None
    assert shipper.state == "failed" and "no finished run" in shipper.error


def test_the_command_is_the_cli_with_json_in_this_interpreter():
    cmd = ship_command("runs/x", "openvino", "int8")
    assert cmd[0] == sys.executable
    assert cmd[1:] == [
        "-m",
        "workbench.cli",
        "ship",
        "runs/x",
        "--format",
        "openvino",
        "--quantize",
        "int8",
        "--json",
    ]


def test_exit_3_is_a_report_that_failed_the_gate_and_exit_2_the_cli_message(tmp_path):
    shipper = ShipSession(Session(background=False, output_dir=str(tmp_path / "r"), auto_output=False))
    report = {"name": "onnx-int8", "gate": {"passed": False, "message": "NOT good: ..."}, "metrics": []}
    shipper._finish(3, json.dumps(report), [])
    assert shipper.state == "done" and not shipper.passed and shipper.verdict == "NOT good: ..."
    shipper._finish(
        2, "", ["loading …", "error: run 'x' is training: its model is not final yet.", "fix: wait."]
    )
    assert (
        shipper.state == "failed"
        and shipper.error == "run 'x' is training: its model is not final yet. Fix: wait."
    )
