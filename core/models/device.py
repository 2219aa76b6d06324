"""Where a model trains: the one place that picks the device (`--device auto|cpu|cuda`).

Checkpoints are always saved on the CPU (`make_checkpoint`) and loaded
there, so a model trained on a GPU reads ink on any machine.
"""
from __future__ import annotations

import torch

from core.errors import InputError

DEVICES = ("auto", "cpu", "cuda")


def pick_device(name: str = "auto") -> torch.device:
    """`auto`: the GPU when torch sees one, else the CPU; `cuda` without a GPU is an InputError."""
    if name not in DEVICES:
        raise InputError(f"unknown device {name!r}", f"choose one of {', '.join(DEVICES)}")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda: torch sees no GPU on this machine", "use --device auto or cpu")
    return torch.device("cuda" if name != "cpu" and torch.cuda.is_available() else "cpu")


def model_device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device
