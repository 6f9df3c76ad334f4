"""sentence-workbench: fine-tune embedding models without writing a training script."""

__version__ = "0.1.0"
