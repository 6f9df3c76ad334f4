"""The workbench's panels, one per step; each takes a Session and works on its own or inside ``Workbench``."""

from __future__ import annotations

from .args import ArgsPanel
from .columns import ColumnsPanel
from .compare import ComparePanel
from .dataset import DatasetPanel
from .evaluators import EvaluatorsPanel
from .loss import LossPanel
from .model import ModelPanel
from .playground import PlaygroundPanel
from .train import TrainPanel

__all__ = [
    "ModelPanel",
    "DatasetPanel",
    "ColumnsPanel",
    "LossPanel",
    "ArgsPanel",
    "EvaluatorsPanel",
    "TrainPanel",
    "ComparePanel",
    "PlaygroundPanel",
]
