"""Warm start: a new reader begins from a trained reader's weights.

`--init CHECKPOINT` (ReaderConfig.init) copies every weight whose name and
shape match: the input statistics, the conv front end and the LSTM stack.
The output layer is copied row by row for the characters both alphabets
know (the blank included); rows of new characters (a capital, a digit, the
space) keep their fresh initialisation. The new reader therefore starts
reading what the old one read and learns the rest, instead of starting
from nothing: a text reader started from reader-az leaves CTC's long
"only blanks" plateau at once.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch

from core.errors import InputError
from core.models.checkpoint import load_checkpoint, resolve_checkpoint
from core.models.reader import ReaderConfig, WordReader
from core.paths import REPO_ROOT

# Encodings whose frames mean the same thing channel by channel, so that one's weights fit the other's input.
COMPATIBLE = {frozenset({"delta", "delta-line"})}


def _compatible(a: str, b: str) -> bool:
    return a == b or any({a, b} <= group for group in COMPATIBLE)


def init_checkpoint(init: str) -> Path:
    """The checkpoint file `--init` names: a folder or .pt, from the current folder or, as presets name
    shipped readers, from the repository's root; a clear InputError when there is none."""
    path = Path(init)
    if not path.exists() and not path.is_absolute():
        path = REPO_ROOT / path
    try:
        return resolve_checkpoint(path)
    except InputError as exc:
        raise InputError(f"cannot start from {init}: {exc.message}",
                         "give a reader's folder or .pt, or leave it empty for fresh weights") from None


def warm_start(model: WordReader, cfg: ReaderConfig, alphabet: Sequence[str]) -> dict:
    """Copy `cfg.init`'s weights into `model` (see the module docstring); returns what was copied."""
    ckpt = load_checkpoint(init_checkpoint(cfg.init), "reader")
    old = ReaderConfig.from_dict(dict(ckpt["config"]))
    if not _compatible(old.encoding, cfg.encoding):
        raise InputError(f"--init {cfg.init}: its encoding {old.encoding} does not fit {cfg.encoding}",
                         "start from a reader of the same encoding, or train from fresh weights (--init '')")
    src, dst = ckpt["state_dict"], model.state_dict()
    old_alphabet = list(ckpt["alphabet"])
    copied, skipped = [], []
    with torch.no_grad():
        for name, value in dst.items():
            if name.startswith("out.") and name in src and src[name].shape[1:] == value.shape[1:]:
                rows = [(i, old_alphabet.index(c)) for i, c in enumerate(alphabet) if c in old_alphabet]
                for i, j in rows:
                    value[i] = src[name][j]
                copied.append(f"{name} ({len(rows)} of {len(alphabet)} characters)")
            elif name in src and src[name].shape == value.shape:
                value.copy_(src[name])
                copied.append(name)
            else:
                skipped.append(name)
    model.load_state_dict(dst)
    if not any(n.startswith("lstm.") for n in copied):
        raise InputError(f"--init {cfg.init}: its LSTM does not fit this model's shape",
                         f"it has {old.layers}x{old.hidden} units; give the same --hidden and --layers")
    return {"from": str(cfg.init), "copied": copied, "fresh": skipped}
