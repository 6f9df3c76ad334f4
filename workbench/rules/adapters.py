"""The training arguments an adapter run defaults to: a pure function of the run's adapter settings."""

from __future__ import annotations

# LoRA trains a few new weights from zero: steps five times larger than full fine-tuning's 2e-5 (the range the
# LoRA paper and peft's examples use, 1e-4 to 5e-4, at its cautious end).
ADAPTER_LEARNING_RATE = 1e-4
ADAPTER_REASON = "an adapter's few new weights start at zero and need larger steps than full fine-tuning"


def adapter_defaults(recommended: dict, adapter: dict | None) -> dict:
    """The workbench's defaults for a run, with an adapter's learning rate when the run trains an adapter.

    Args:
        recommended: :func:`workbench.rules.run_defaults`'s answer (not changed: a copy is returned).
        adapter: The run's ``model.adapter`` (None: full fine-tuning, the defaults as they are).
    """
    if not adapter or not recommended:
        return recommended
    return {**recommended, "learning_rate": ADAPTER_LEARNING_RATE}
