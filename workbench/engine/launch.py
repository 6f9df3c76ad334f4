"""Several processes: how a run is launched (the launcher is how to run, not what to run: the RunSpec is the same).

A :class:`Launch` says how many processes run the training together and through which launcher; the run folder
records it (``status.json`` and ``summary.json``: ``launcher`` and ``world_size``). :func:`check_launch` resolves
and checks it (bad values are WorkbenchErrors naming the flag) and :func:`launch_command` writes the command
that really starts that many processes, each running ``python -m workbench.cli train RANK_CONFIG --launched``:

- ``--cpu``: ``python -m torch.distributed.run --standalone --nproc_per_node N`` (DDP over gloo). Not ``accelerate
  launch --cpu --num_processes N``: accelerate sends several CPU processes through mpirun and, without it, starts
  ONE process (measured here);
- GPUs of this machine: ``accelerate launch --multi_gpu --num_processes N`` (one process per GPU, DDP over NCCL);
- an accelerate config file (several machines): ``accelerate launch --config_file FILE``, run on every machine.

Every rank checks that the world it was started in is the size asked for (:data:`WORLD_ENV`), so a launcher that
starts another number of processes fails the run with a clear message instead of training something else.
Nothing here imports torch (a page kernel uses it to offer the choice).
"""

from __future__ import annotations

import json
import os
import socket
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from ..errors import WorkbenchError

LAUNCHERS = ("accelerate",)
WORLD_ENV = "WORKBENCH_WORLD_SIZE"  # the number of processes the run was asked to have
LAUNCH_ENV = "WORKBENCH_LAUNCH"  # the Launch (JSON), recorded by the main process in the run folder
RANK_CONFIG = (
    "rank_config.json"  # the resolved RunSpec every rank runs (the parent writes it once, atomically)
)
# accelerate's distributed types this workbench trains with; the others shard or wrap the model, and the run saves
# the main process's own copy of it.
SUPPORTED_TYPES = ("NO", "MULTI_GPU", "MULTI_XPU", "MULTI_NPU", "MULTI_MLU", "MULTI_MUSA")


@dataclass(frozen=True)
class Launch:
    """How a run is launched in several processes.

    Attributes:
        launcher: ``"accelerate"`` (the only one: ``--cpu`` is started through torch's own launcher, see above).
        num_processes: Processes in all (on every machine together); None: every visible GPU, 2 with ``cpu``,
            the config file's ``num_processes`` with ``config_file``.
        config_file: An accelerate config file (``accelerate config``), for several machines or a tuned setup.
        cpu: Run on the CPU (DDP over gloo), even where a GPU is visible.
    """

    launcher: str = "accelerate"
    num_processes: int | None = None
    config_file: str | None = None
    cpu: bool = False

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> Launch | None:
        if not isinstance(data, dict):
            return None
        known = {k: data[k] for k in ("launcher", "num_processes", "config_file", "cpu") if k in data}
        return cls(**known)

    def describe(self) -> str:
        """A short line for the runs list: ``2 processes (CPU)``, ``4 processes (GPUs)``, ``… (config file)``."""
        where = "config file" if self.config_file else "CPU" if self.cpu else "GPUs"
        n = self.num_processes
        return f"{n} process{'es' if n != 1 else ''} ({where})" if n else f"several processes ({where})"


def visible_gpus() -> int:
    """How many CUDA GPUs this process may use, without importing torch: ``CUDA_VISIBLE_DEVICES`` when set, else
    the NVIDIA driver's list of GPUs (0 on a machine without one)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    try:
        present = len(os.listdir("/proc/driver/nvidia/gpus"))
    except OSError:
        present = 0
    if visible is None:
        return present
    ids = [v for v in visible.split(",") if v.strip() and not v.strip().startswith("-")]
    return min(len(ids), present) if present else 0


def read_accelerate_config(path: str | Path) -> dict:
    """An accelerate config file (YAML or JSON) as a dict; a WorkbenchError naming ``--config-file`` otherwise."""
    file = Path(path).expanduser()
    fix = "give the file `accelerate config` wrote (by default ~/.cache/huggingface/accelerate/default_config.yaml)."
    if not file.is_file():
        raise WorkbenchError(
            f"the accelerate config file '{file}' does not exist.", fix=fix, where="config_file"
        )
    try:
        text = file.read_text(encoding="utf8")
        if file.suffix == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except (OSError, ValueError, ImportError) as exc:
        raise WorkbenchError(f"cannot read '{file}': {exc}.", fix=fix, where="config_file") from None
    except Exception as exc:  # noqa: BLE001 - yaml's own errors
        raise WorkbenchError(
            f"'{file}' is not a YAML or JSON file: {str(exc).splitlines()[0]}.", fix=fix, where="config_file"
        ) from None
    if not isinstance(data, dict):
        raise WorkbenchError(f"'{file}' holds no accelerate settings.", fix=fix, where="config_file")
    return data


def check_launch(launch: Launch) -> Launch:
    """``launch`` with its number of processes resolved; WorkbenchError (``where`` = the flag) when it cannot run.

    Raises:
        WorkbenchError: an unknown launcher, fewer than 1 process, a missing or unreadable config file, a config
            file asking for FSDP / DeepSpeed / Megatron / TPU, or GPU processes on a machine without a GPU.
    """
    if launch.launcher not in LAUNCHERS:
        raise WorkbenchError(
            f"unknown launcher '{launch.launcher}'.", fix="use --launcher accelerate.", where="launcher"
        )
    n = launch.num_processes
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 1):
        raise WorkbenchError(
            f"--num-processes must be a whole number of at least 1, got {n!r}.",
            fix="use e.g. --num-processes 2 (one process per GPU; with --cpu, at most one per core).",
            where="num_processes",
        )
    if launch.config_file:
        conf = read_accelerate_config(launch.config_file)
        kind = conf.get("distributed_type", "NO")
        kind = (
            "NO" if kind is False else str(kind).upper().removeprefix("DISTRIBUTEDTYPE.")
        )  # YAML reads NO as False
        if kind == "MULTI_CPU":  # accelerate starts these through mpirun, or as ONE process without it
            raise WorkbenchError(
                "the accelerate config file asks for several CPU processes (MULTI_CPU), which accelerate starts "
                "through mpirun, or as one process without it.",
                fix="use --cpu --num-processes N instead (the workbench starts N CPU processes itself).",
                where="config_file",
            )
        if kind not in SUPPORTED_TYPES:
            raise WorkbenchError(
                f"the accelerate config file asks for distributed_type {kind}, which the workbench does not run "
                "(FSDP, DeepSpeed, Megatron-LM and TPU shard or wrap the model; the run saves one plain copy).",
                fix="run `accelerate config` again and choose multi-GPU (DDP), or export the run as a script.",
                where="config_file",
            )
        if n is None:
            n = conf.get("num_processes", 1)
            if not isinstance(n, int) or n < 1:
                raise WorkbenchError(
                    f"the accelerate config file's num_processes is {n!r}.",
                    fix="set num_processes in it, or pass --num-processes N.",
                    where="config_file",
                )
        return replace(
            launch, num_processes=n, config_file=str(Path(launch.config_file).expanduser().resolve())
        )
    if launch.cpu:
        return replace(launch, num_processes=n or 2)
    gpus = visible_gpus()
    if not gpus:
        raise WorkbenchError(
            "no CUDA GPU is visible here, so there are no GPU processes to launch.",
            fix="add --cpu to train in several CPU processes (DDP over gloo), or give --config-file FILE.",
            where="launcher",
        )
    if n is not None and n > gpus:
        raise WorkbenchError(
            f"--num-processes {n} asks for more processes than the {gpus} visible GPU(s).",
            fix=f"use --num-processes {gpus} or fewer (one process per GPU).",
            where="num_processes",
        )
    return replace(launch, num_processes=n or gpus)


def free_port() -> int:
    """A TCP port nobody listens on now (for the processes' rendezvous on this machine)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch_command(launch: Launch, rank_config: str | Path, port: int | None = None) -> list[str]:
    """The command that starts ``launch.num_processes`` processes, each running ``rank_config`` as one rank."""
    rank = ["-m", "workbench.cli", "train", str(rank_config), "--launched"]
    n = str(launch.num_processes)
    if launch.cpu:
        return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", n, *rank]
    cmd = [sys.executable, "-m", "accelerate.commands.launch"]
    if launch.config_file:
        cmd += ["--config_file", launch.config_file, "--num_processes", n]
    else:
        cmd += ["--multi_gpu"] if launch.num_processes > 1 else []
        cmd += [
            "--num_processes",
            n,
            "--num_machines",
            "1",
            "--mixed_precision",
            "no",
            "--dynamo_backend",
            "no",
        ]
        cmd += ["--main_process_port", str(port or free_port())]
    return [*cmd, *rank]


def launch_env(launch: Launch, env: dict | None = None) -> dict:
    """The launcher's environment: the expected world size and the Launch for every rank to find."""
    out = dict(os.environ if env is None else env)
    out[WORLD_ENV] = str(launch.num_processes)
    out[LAUNCH_ENV] = json.dumps(launch.to_dict())
    out.setdefault("TOKENIZERS_PARALLELISM", "false")
    if launch.cpu:  # accelerate (and the trainer) treat several processes as distributed only when told CPU
        out["ACCELERATE_USE_CPU"] = "true"
        # each process its share of the cores (torch's launcher would say 1 and warn)
        out.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // launch.num_processes)))
    return out
