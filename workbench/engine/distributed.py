"""One rank of a launched run (:mod:`.launch`): which process writes, how all of them agree, the world size check.

Under a launcher every process runs the same :class:`~workbench.engine.runner.Runner`; :class:`Ranks` tells it
which one is the main process (rank 0: the only one that writes the run folder, evaluates before and after
training, saves the final model and the summary) and makes the decisions every rank must take together: a Stop
(any rank that sees it makes all of them stop at the same step, so no rank waits in a collective for one that left)
and "stopped before training". During training the library itself runs the evaluators on the main process only
(the other ranks serve its encoding), and the trainer saves checkpoints from every rank as it should.

A single process (no launcher) gets a Ranks of world size 1, where every call is a no-op; it warns when more than
one GPU is visible, because the Trainer would then fall back to DataParallel in that one process.
"""

from __future__ import annotations

import json
import os

from ..errors import WorkbenchError
from .launch import LAUNCH_ENV, WORLD_ENV, Launch


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


class Ranks:
    """This process's place in the run (read from the launcher's environment: ``RANK``, ``WORLD_SIZE``).

    Attributes:
        rank: 0 for the main process.
        world_size: How many processes train together (1 without a launcher).
        launch: The Launch this run was started with (None for a single process).
        expected: The world size the run was asked for (None for a single process).
    """

    def __init__(self):
        self.rank = _env_int("RANK", 0)
        self.world_size = _env_int("WORLD_SIZE", 1)
        self.local_rank = _env_int("LOCAL_RANK", 0)
        expected = os.environ.get(WORLD_ENV)
        self.expected = int(expected) if expected and expected.isdigit() else None
        try:
            self.launch = Launch.from_dict(json.loads(os.environ.get(LAUNCH_ENV) or "null"))
        except ValueError:
            self.launch = None
        self._state = None

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def record(self) -> dict:
        """What the run folder records about the launch (``status.json``, ``summary.json``)."""
        return {"world_size": self.world_size, "launcher": self.launch.to_dict() if self.launch else None}

    def check(self) -> None:
        """Raise when this process's world is not the size the run was asked for (before any collective)."""
        if self.expected is not None and self.world_size != self.expected:
            raise WorkbenchError(
                f"the run asked for {self.expected} processes but the launcher started {self.world_size} "
                f"(this is rank {self.rank} of {self.world_size}).",
                fix="check the launcher's settings (--num-processes, the accelerate config file's num_processes "
                "and machines); on the CPU the workbench launches with torch's own launcher (--cpu).",
                where="num_processes",
            )

    def join(self, timeout_s: float = 1800) -> None:
        """Join the other processes (the process group every later collective uses); a no-op for one process.

        ``timeout_s`` (the run's ``ddp_timeout``) bounds every wait, the longest being the other ranks' wait
        while the main process measures the baseline alone."""
        if self.distributed and self._state is None:
            from datetime import timedelta

            from accelerate import PartialState

            # Several CPU processes are distributed only when accelerate is told they are CPU ones (the trainer's
            # arguments read the same variable and share this state).
            cpu = os.environ.get("ACCELERATE_USE_CPU", "").lower() in ("1", "true", "yes")
            self._state = PartialState(cpu=cpu, timeout=timedelta(seconds=float(timeout_s)))
            joined = self._state.num_processes if self._state.distributed_type != "NO" else 1
            if joined != self.world_size:
                raise WorkbenchError(
                    f"this process was started as rank {self.rank} of {self.world_size} but joined a group of "
                    f"{joined} (accelerate's distributed type {self._state.distributed_type}).",
                    fix="on the CPU, launch with --cpu (it sets ACCELERATE_USE_CPU); on GPUs, check that every "
                    "process sees its GPU (CUDA_VISIBLE_DEVICES).",
                    where="launcher",
                )

    @property
    def device(self) -> str | None:
        """This rank's device (``cuda:LOCAL_RANK`` on GPUs), or None for a single process."""
        return str(self._state.device) if self._state is not None else None

    def any(self, flag: bool) -> bool:
        """True on every rank when ``flag`` is true on any rank (a collective: every rank must call it)."""
        if self._state is None:
            return bool(flag)
        import torch
        import torch.distributed as dist

        value = torch.tensor([1.0 if flag else 0.0], device=self._state.device)
        dist.all_reduce(value, op=dist.ReduceOp.MAX)
        return bool(value.item() > 0)

    def notes(self) -> list[str]:
        """Notes for the run: a single process that sees several GPUs would train with DataParallel."""
        if self.distributed:
            where = self.launch.describe() if self.launch else f"{self.world_size} processes"
            return [
                f"launched run: {where}, world size {self.world_size}; the main process writes the run folder"
            ]
        note = gpus_note()
        return [note] if note else []

    def leave(self) -> None:
        """Leave the process group (at the end of this rank's run)."""
        if self._state is None:
            return
        import torch.distributed as dist

        if dist.is_initialized():
            try:
                dist.destroy_process_group()
            except Exception:  # noqa: BLE001 - ending anyway
                pass


def gpus_note() -> str | None:
    """The warning for a one-process run on a machine with several visible GPUs (None otherwise)."""
    import torch

    count = torch.cuda.device_count()
    if count <= 1:
        return None
    return (
        f"{count} GPUs are visible but this run is one process: the Trainer falls back to DataParallel, which "
        "is slower than one process per GPU; run it on all GPUs of this machine instead (Run on: all GPUs of "
        "this machine, or `workbench train CONFIG --launcher accelerate`)"
    )
