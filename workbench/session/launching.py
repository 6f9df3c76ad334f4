"""Where a run runs ("Run on"): this kernel, a worker process, all GPUs of this machine, or an accelerate config
file for several machines. The launcher is how to run, not what to run: the RunSpec is the same for every choice;
the run folder records the launch (``status.json``: ``launcher``, ``world_size``). Nothing here imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import WorkbenchError

KERNEL, PROCESS, GPUS, CONFIG_FILE = "kernel", "process", "gpus", "config_file"
RUN_ON = {
    KERNEL: "this kernel",
    PROCESS: "a worker process",
    GPUS: "all GPUs of this machine",
    CONFIG_FILE: "an accelerate config file (several machines)",
}


@dataclass(frozen=True)
class RunOnChoice:
    """One "Run on" choice: its value and label, whether it can run here, and why not."""

    value: str
    label: str
    available: bool = True
    why: str = ""


def run_on_choices(gpus: int | None = None) -> tuple[RunOnChoice, ...]:
    """Every choice, each saying whether it can run on this machine (``gpus``: the visible GPUs, default: counted)."""
    from ..engine.launch import visible_gpus

    gpus = visible_gpus() if gpus is None else gpus
    why_gpus = ""
    if gpus == 0:
        why_gpus = "no CUDA GPU is visible on this machine"
    elif gpus == 1:
        why_gpus = "this machine has one GPU: a worker process uses it all"
    return (
        RunOnChoice(KERNEL, RUN_ON[KERNEL]),
        RunOnChoice(PROCESS, RUN_ON[PROCESS]),
        RunOnChoice(GPUS, f"{RUN_ON[GPUS]} ({gpus})" if gpus > 1 else RUN_ON[GPUS], gpus > 1, why_gpus),
        RunOnChoice(CONFIG_FILE, RUN_ON[CONFIG_FILE]),
    )


def launch_for(run_on: str, config_file: str = "", gpus: int | None = None):
    """The Launch a choice runs with (None: one process, in this kernel or a worker).

    Raises:
        WorkbenchError: (``where="run_on"``) the choice cannot run here, or its config file is missing or bad.
    """
    from ..engine.launch import Launch, check_launch

    if run_on in (KERNEL, PROCESS):
        return None
    if run_on == GPUS:
        choice = next(c for c in run_on_choices(gpus) if c.value == GPUS)
        if not choice.available:
            raise WorkbenchError(
                f"cannot run on all GPUs: {choice.why}.",
                fix="choose 'a worker process' (or 'this kernel'), or an accelerate config file for other machines.",
                where="run_on",
            )
        return check_launch(Launch(num_processes=None))
    if run_on == CONFIG_FILE:
        if not config_file.strip():
            raise WorkbenchError(
                "no accelerate config file is given.",
                fix="type the path of the file `accelerate config` wrote (run it on every machine first).",
                where="run_on",
            )
        try:
            return check_launch(Launch(config_file=config_file.strip()))
        except WorkbenchError as exc:
            raise WorkbenchError(exc.message, exc.fix, where="run_on") from None
    raise WorkbenchError(f"unknown 'Run on' choice {run_on!r}.", fix=f"use one of: {', '.join(RUN_ON)}.")
