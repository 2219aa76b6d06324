"""Checkpoints: plain dicts of tensors and plain values, loaded without pickle.

A checkpoint holds what rebuilds a model and explains it: `kind`
("reader" or "classifier"), `config` (plain dict), `alphabet` (list of
class labels; for readers index 0 is the CTC blank ""), `state_dict`,
`norm` (feature statistics as plain lists), `encoding`, `metrics`, `data`
(a description of the training data), `created` and `format_version`.
Loading always uses ``torch.load(weights_only=True)``: a file that needs
pickle to load is refused, and its payload never runs.
"""
from __future__ import annotations

import datetime as _dt
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from core.errors import InputError
from core.files.atomic import replace_with

FORMAT_VERSION = 1
KINDS = ("reader", "classifier")
CHECKPOINT_NAMES = ("best.pt", "model.pt", "last.pt")
REQUIRED_KEYS = ("format_version", "kind", "config", "alphabet", "state_dict")


def make_checkpoint(kind: str, config: dict, alphabet: list[str], state_dict: dict, *,
                    encoding: str = "", norm: dict | None = None, metrics: dict | None = None,
                    data: Any = None) -> dict:
    """Assemble the checkpoint dict; every value is a tensor or a plain type."""
    if kind not in KINDS:
        raise ValueError(f"unknown checkpoint kind {kind!r}")
    return {
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "config": dict(config),
        "alphabet": list(alphabet),
        "state_dict": {k: v.detach().cpu().clone() for k, v in state_dict.items()},
        "norm": dict(norm or {}),
        "encoding": encoding,
        "metrics": dict(metrics or {}),
        "data": data if data is not None else {},
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def save_torch(path: Path, obj: Any) -> None:
    """torch.save through a temporary file, so a killed process never leaves a torn checkpoint."""
    replace_with(Path(path), lambda fh: torch.save(obj, fh))


def save_checkpoint(path: Path, checkpoint: dict) -> None:
    save_torch(Path(path), checkpoint)


def resolve_checkpoint(path: str | Path) -> Path:
    """A `.pt` file, or a folder holding best.pt, model.pt or last.pt (in that order)."""
    p = Path(path)
    if p.is_dir():
        for name in CHECKPOINT_NAMES:
            if (p / name).is_file():
                return p / name
        raise InputError(f"{p} holds no checkpoint", f"expected one of {', '.join(CHECKPOINT_NAMES)}")
    if not p.exists():
        raise InputError(f"checkpoint {p} does not exist")
    return p


def _unreadable(p: Path, shown: str, exc: Exception) -> InputError:
    """Why torch.load(weights_only=True) refused a file: it needs pickle, it is damaged, or it is no checkpoint."""
    try:
        with open(p, "rb") as fh:
            head = fh.read(2)
    except OSError:
        head = b""
    if isinstance(exc, pickle.UnpicklingError) and ("GLOBAL" in str(exc) or head[:1] == b"\x80"):
        # torch names the class or function the file would import; a bare pickle starts with PROTO (0x80)
        return InputError(f"{shown} is not a plain checkpoint: it needs pickle to load, which is refused",
                          "re-save it as a dict of tensors and plain values")
    if head == b"PK" and not _is_foreign_zip(p):
        return InputError(f"{shown} is corrupted or truncated ({type(exc).__name__})",
                          "retrain or copy the file again")
    if not head:
        return InputError(f"{shown} is empty", "retrain or copy the file again")
    return InputError(f"{shown} is not a checkpoint of this tool: torch.save did not write it",
                      "choose a best.pt or model.pt written by this tool")


def _is_foreign_zip(p: Path) -> bool:
    """A complete zip archive without torch.save's data.pkl (a truncated zip has no directory at all)."""
    try:
        with zipfile.ZipFile(p) as z:
            return not any(n.endswith("/data.pkl") or n == "data.pkl" for n in z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _has_checkpoint_shape(ckpt: Any) -> bool:
    """The required keys with the types this tool writes (a foreign dict may share key names)."""
    if not isinstance(ckpt, dict) or any(k not in ckpt for k in REQUIRED_KEYS):
        return False
    version = ckpt["format_version"]
    return (isinstance(version, int) and not isinstance(version, bool) and ckpt["kind"] in KINDS
            and isinstance(ckpt["config"], dict) and isinstance(ckpt["state_dict"], dict)
            and isinstance(ckpt["alphabet"], list) and all(isinstance(c, (str, int)) for c in ckpt["alphabet"])
            and isinstance(ckpt.get("norm", {}), dict))


def load_checkpoint(path: str | Path, kind: str | None = None, *, name: str | None = None) -> dict:
    """Load a checkpoint safely; `kind` ("reader"/"classifier") refuses the other kind.

    `name` is how messages call the file (an upload's name instead of its
    temporary path).
    """
    p = resolve_checkpoint(path)
    shown = name or str(p)
    try:
        ckpt = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as exc:  # a damaged file can fail anywhere in torch's unpickler (KeyError, TypeError, ...)
        raise _unreadable(p, shown, exc) from exc
    if not _has_checkpoint_shape(ckpt):
        raise InputError(f"{shown} is not a checkpoint of this tool",
                         "expected a dict with " + ", ".join(REQUIRED_KEYS))
    if ckpt["format_version"] != FORMAT_VERSION:
        raise InputError(f"{shown} has format version {ckpt['format_version']}; this tool reads {FORMAT_VERSION}")
    if kind is not None and ckpt["kind"] != kind:
        raise InputError(f"{shown} is a {ckpt['kind']} checkpoint, not a {kind}",
                         f"choose a {kind} checkpoint here")
    return ckpt
