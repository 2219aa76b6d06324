"""Uploaded checkpoints: loaded exactly as a file on disk would be (`torch.load`, weights_only=True)."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from core.data.uploads import check_size
from core.errors import InputError
from core.models.checkpoint import load_checkpoint
from core.models.classifier import load_classifier
from core.models.inference import load_reader


def checkpoint_from_upload(name: str, data: bytes, kind: str) -> dict:
    """Load uploaded checkpoint bytes through `load_checkpoint` (torch.load, weights_only=True)."""
    check_size(name, data, "checkpoint")
    with tempfile.TemporaryDirectory(prefix="hwlab-upload-") as folder:
        path = Path(folder) / "upload.pt"
        path.write_bytes(data)
        return load_checkpoint(path, kind, name=name)


def model_from_upload(name: str, data: bytes, kind: str) -> tuple[Any, dict]:
    """(LoadedReader or LoadedClassifier, the checkpoint without its weights) of an uploaded checkpoint."""
    ckpt = checkpoint_from_upload(name, data, kind)
    try:
        model = load_reader(ckpt) if kind == "reader" else load_classifier(ckpt)
    except InputError as exc:
        raise InputError(f"{name}: {exc.message}", exc.hint) from exc
    return model, {k: v for k, v in ckpt.items() if k != "state_dict"}
