"""Worker for the training benchmarks: one trial per process, printed as one JSON line.

    python bench/bench_overhead.py args  --rows 640 --steps 40 --batch 16
    python bench/bench_overhead.py args  --rows 5749 --auto          # the workbench's own choice (GPU benchmark)
    python bench/bench_overhead.py trial --side plain|workbench --args-file ARGS.json --out-dir DIR
    python bench/bench_overhead.py stop  --args-file ARGS.json --out-dir DIR --repeats 3

``args`` builds the workbench Plan for the benchmark config and prints its final training arguments: both sides
of the overhead comparison train with exactly these (so the only difference is the workbench around the trainer).

``trial --side workbench`` is the app without a browser: a Session with the whole Workbench widget (every panel,
the train dashboard and its live plot) observing it, started with ``Session.start()`` as the Start button does.
The dashboard's listener is timed (``callback_s``: time spent on the training thread in the Session's event
listener, plot redraws included) so that an overhead can be attributed, not just observed.

``trial --side plain`` is the script a person would write: SentenceTransformer + SentenceTransformerTrainer on the
same model, rows, arguments and seed. The model goes where the library puts it (a GPU when there is one), as the
workbench does.

``args --auto`` leaves every training argument but "no checkpoints, no eval, seed 42" to the workbench: the batch
size, the precision (bf16/fp16 on a GPU) and the rest are its recommended defaults for the detected device. The GPU
benchmark trains the plain script once with these and once with the library's documented defaults.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import SHARED_DATA, emit, load  # noqa: E402

STSB_TRAIN = SHARED_DATA / "stsb" / "train.csv"
INPUTS = ("sentence1", "sentence2")
PRINTERS = ("NotebookProgressCallback", "PrinterCallback", "ProgressCallback")


def cpu_s() -> float:
    """CPU seconds of this process (all threads): with one torch thread, the work done, whatever the load."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def data_file() -> Path:
    """STSb train from ../shared/data (read in place, never copied); the packaged demo pairs if it is absent."""
    if STSB_TRAIN.is_file():
        return STSB_TRAIN
    from workbench.data.demo import demo_path

    return Path(demo_path("pairs_scored_train"))


def config(rows: int, output_dir: str, args: dict) -> dict:
    """The benchmark run: packaged default model, ``rows`` scored pairs, CoSENTLoss, no eval, no checkpoints."""
    return {
        "model": {"type": "sentence-transformer", "name_or_path": "default"},
        "datasets": {
            "train": {
                "stsb": {
                    "source": "csv",
                    "path": str(data_file()),
                    "columns": list(INPUTS),
                    "label": "score",
                    "label_range": [0, 5],
                    "limit": rows,
                }
            },
            "eval": {},
            "test": {},
        },
        "loss": {"name": "CoSENTLoss", "params": {}},
        "evaluators": [],
        "args": dict(args),
        "output_dir": output_dir,
        "overwrite": True,
    }


def base_args(steps: int, batch: int) -> dict:
    return {
        "per_device_train_batch_size": batch,
        "max_steps": steps,
        "save_strategy": "no",
        "eval_strategy": "no",
        "seed": 42,
    }


AUTO_ARGS = {"save_strategy": "no", "eval_strategy": "no", "seed": 42}


def cmd_args(opts) -> dict:
    """The Plan's final training arguments for the benchmark config (what both sides train with)."""
    from workbench.engine import build
    from workbench.spec import RunSpec

    out = Path(opts.out_dir or "/tmp/wb-bench-args")
    chosen = dict(AUTO_ARGS) if opts.auto else base_args(opts.steps, opts.batch)
    plan = build(RunSpec.from_dict(config(opts.rows, str(out), chosen)))
    return {
        "rows": opts.rows,
        "data": str(data_file()),
        "args": plan.args,
        "train_rows": plan.train_rows,
        "notes": list(plan.notes),
        "device": plan.device_info,
    }


# ---- the workbench side -----------------------------------------------------------------------------------------


class Dashboard:
    """The app's widgets around a Session, with the worker-thread event handler and the plot renderer timed."""

    def __init__(self, cfg: dict):
        from workbench.session import Session
        from workbench.spec import RunSpec

        self.session = session = Session.from_spec(RunSpec.from_dict(cfg), background=False)
        try:
            from workbench.ui.app import Workbench

            self.app = Workbench(session=session, autosave=False, load=False)
            self.plot = self.app.train.plot
            self.kind = "Workbench (all panels, train dashboard, live plot)"
        except Exception as exc:  # noqa: BLE001 - the app is being edited: fall back to the dashboard alone
            from workbench.ui.panels.train import TrainPanel

            self.app = TrainPanel(session)
            self.plot = self.app.plot
            self.kind = f"TrainPanel only (Workbench() failed: {type(exc).__name__}: {exc})"
        session.load_all(background=False)
        self.callback_s = 0.0
        self.callback_calls = 0
        self.render_s = 0.0
        self.by_type: dict[str, list] = {}
        self.marks: list[tuple[str, float, float]] = []
        self._lock = threading.Lock()
        from workbench.session import SessionBridge

        handle = SessionBridge.handle

        def timed_handle(bridge, event):
            t0 = time.perf_counter()
            try:
                handle(bridge, event)
            finally:
                dt = time.perf_counter() - t0
                with self._lock:
                    self.callback_s += dt
                    self.callback_calls += 1
                    slot = self.by_type.setdefault(event.type, [0, 0.0])
                    slot[0] += 1
                    slot[1] += dt

        # Every event of a Session's run goes through SessionBridge.handle (this process runs one trial).
        SessionBridge.handle = timed_handle
        render = self.plot.render

        def timed_render(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return render(*args, **kwargs)
            finally:
                self.render_s += time.perf_counter() - t0

        self.plot.render = timed_render
        # Status changes are assigned on the worker thread, so these observers run there, at the moment itself.
        session.observe(
            lambda change: self.marks.append((change["new"], time.monotonic(), cpu_s())), "status"
        )
        session.observe(
            lambda change: self.marks.append(("saved_path", time.monotonic(), cpu_s())), "saved_path"
        )

    def mark(self, name: str, after: float = 0.0) -> float | None:
        return next((t for n, t, _ in self.marks if n == name and t >= after), None)

    def cpu_mark(self, name: str) -> float | None:
        return next((c for n, _, c in self.marks if n == name), None)

    def wait_ended(self, timeout: float) -> None:
        from workbench.session import ENDED

        deadline = time.monotonic() + timeout
        while self.session.status not in ENDED or not self.session.wait(0):
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the run did not end within {timeout:.0f} s (status {self.session.status})"
                )
            self.session.wait(0.2)


def train_metrics(history) -> dict:
    for event in reversed(history):
        if "train_samples_per_second" in event:
            return {
                k: event[k]
                for k in ("train_runtime", "train_samples_per_second", "train_steps_per_second")
                if k in event
            }
    return {}


def trial_workbench(cfg: dict) -> dict:
    from workbench.session import warm_up

    warm_up()  # the app imports sentence-transformers in the background after first paint
    dash = Dashboard(cfg)
    load_before = load()
    started = time.monotonic()
    dash.session.start()
    dash.wait_ended(1800)
    s = dash.session
    if s.status != "finished":
        raise RuntimeError(f"workbench run ended '{s.status}': {s.error}")
    t_train, t_saving = dash.mark("training"), dash.mark("saving")
    metrics = train_metrics(s.history)
    return {
        "side": "workbench",
        "dashboard": dash.kind,
        **metrics,
        "wall_s": round(t_saving - t_train, 3),
        "cpu_s": round(dash.cpu_mark("saving") - dash.cpu_mark("training"), 3),
        "torch_threads": torch_threads(),
        "run_wall_s": round(time.monotonic() - started, 3),
        "steps": s.progress.get("step"),
        "callback_s": round(dash.callback_s, 4),
        "callback_calls": dash.callback_calls,
        "callback_by_type": {k: [n, round(t, 4)] for k, (n, t) in dash.by_type.items()},
        "plot_draws": dash.plot.draws,
        "render_s": round(dash.render_s, 4),
        "load_before": load_before,
        "load_after": load(),
    }


# ---- the plain side ---------------------------------------------------------------------------------------------


def trial_plain(cfg: dict, rows: int, args: dict) -> dict:
    import datasets
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer
    from sentence_transformers import SentenceTransformerTrainingArguments as Args
    from sentence_transformers.sentence_transformer.losses import CoSENTLoss
    from transformers import set_seed

    from workbench.engine.models import resolve_model_path

    out = Path(cfg["output_dir"])
    set_seed(int(args.get("seed", 42)))
    model = SentenceTransformer(
        resolve_model_path("default")
    )  # the library's device choice, as the workbench's
    ds = datasets.load_dataset("csv", data_files=str(data_file()), split="train")
    ds = ds.select(range(min(rows, ds.num_rows))).select_columns([*INPUTS, "score"])
    ds = ds.map(lambda b: {"score": [float(x) / 5.0 for x in b["score"]]}, batched=True)
    trainer = SentenceTransformerTrainer(
        model=model,
        args=Args(output_dir=str(out / "checkpoints"), **args),
        train_dataset=ds,
        loss=CoSENTLoss(model),
    )
    # The workbench removes transformers' progress printers (they would print into a notebook cell); so does this
    # script, so that the two sides differ only by the workbench around the trainer.
    for cb in list(trainer.callback_handler.callbacks):
        if type(cb).__name__ in PRINTERS:
            trainer.remove_callback(cb)
    load_before = load()
    t0, c0 = time.monotonic(), cpu_s()
    result = trainer.train()
    wall, cpu = time.monotonic() - t0, cpu_s() - c0
    m = result.metrics
    return {
        "side": "plain",
        "train_runtime": m.get("train_runtime"),
        "train_samples_per_second": m.get("train_samples_per_second"),
        "train_steps_per_second": m.get("train_steps_per_second"),
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "torch_threads": torch_threads(),
        "steps": result.global_step,
        "device": str(model.device),
        "load_before": load_before,
        "load_after": load(),
    }


def cmd_trial(opts) -> dict:
    spec = json.loads(Path(opts.args_file).read_text())
    cfg = config(spec["rows"], opts.out_dir, spec["args"])
    if opts.side == "workbench":
        return trial_workbench(cfg)
    return trial_plain(cfg, spec["rows"], spec["args"])


# ---- Stop ---------------------------------------------------------------------------------------------------------


def cmd_stop(opts) -> dict:
    """Start, let a few steps run, press Stop at different points of a step, time the way down."""
    from workbench.session import warm_up

    spec = json.loads(Path(opts.args_file).read_text())
    args = {**spec["args"], "max_steps": 100_000}
    warm_up()
    trials = []
    dash = None
    for i in range(opts.repeats):
        cfg = config(spec["rows"], str(Path(opts.out_dir) / f"stop-{i}"), args)
        if dash is None:
            dash = Dashboard(cfg)
        else:
            from workbench.spec import RunSpec

            dash.session.apply_spec(RunSpec.from_dict(cfg))
        s = dash.session
        s.start()
        deadline = time.monotonic() + 900
        while (s.progress.get("step") or 0) < opts.warm_steps:
            if time.monotonic() > deadline or s.status in ("error", "finished", "stopped"):
                raise RuntimeError(f"no training steps (status {s.status}: {s.error})")
            time.sleep(0.05)  # polling the worker's progress trait: there is no event to block on here
        p = s.progress
        step_s = p["elapsed_s"] / max(1, p["step"])
        # Press Stop at a different point of a step each time (0, 1/3, 2/3 of a step after a step boundary).
        time.sleep(step_s * (i % 3) / 3)
        load_at = load()
        t0 = time.monotonic()
        s.stop()
        dash.wait_ended(600)
        t_saving, t_saved = dash.mark("saving", t0), dash.mark("saved_path", t0)
        t_end = dash.mark(s.status, t0)
        trials.append(
            {
                "status": s.status,
                "step_s": round(step_s, 3),
                "pressed_after_boundary": f"{i % 3}/3 step",
                "stop_to_training_stopped_s": round(t_saving - t0, 3) if t_saving else None,
                "stop_to_model_saved_s": round(t_saved - t0, 3) if t_saved else None,
                "stop_to_run_ended_s": round(t_end - t0, 3) if t_end else None,
                "steps_done": s.progress.get("step"),
                "saved": bool(s.saved_path),
                "load": load_at,
            }
        )
    return {"trials": trials, "dashboard": dash.kind if dash else None}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=("args", "trial", "stop"))
    parser.add_argument("--side", choices=("plain", "workbench"))
    parser.add_argument("--rows", type=int, default=640)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--args-file")
    parser.add_argument("--out-dir")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warm-steps", type=int, default=4)
    parser.add_argument(
        "--auto", action="store_true", help="args: leave the training arguments to the workbench"
    )
    opts = parser.parse_args(argv)
    result = {"args": cmd_args, "trial": cmd_trial, "stop": cmd_stop}[opts.command](opts)
    emit(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
