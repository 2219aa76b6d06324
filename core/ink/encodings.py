"""The word reader's input encodings by name: what each turns ink into, and how many channels it has.

| name | frames | from |
|---|---|---|
| `seed` | (dx, dy, pen_up) on the raw points | `core.ink.ink.encode_seed` (seed 001) |
| `delta` | (dx, dy, pen_up), normalised and resampled, pen-up jumps kept | `core.ink.ink.encode_delta` |
| `graves25` | Liwicki and Bunke's 25 online features of a line | `core.ink.graves.graves25` |

`BINARY` names the 0/1 channels of each, which a model's input scaling
leaves as they are.
"""
from __future__ import annotations

import numpy as np

from core.errors import InputError
from core.ink.graves import BINARY as GRAVES_BINARY
from core.ink.graves import GRAVES25, graves25
from core.ink.ink import DEFAULT_SPACING, Ink, encode_delta, encode_seed

ENCODINGS = ("seed", "delta", "graves25")
CHANNELS = {"seed": 3, "delta": 3, "graves25": len(GRAVES25)}
BINARY = {"seed": (2,), "delta": (2,), "graves25": GRAVES_BINARY}


def check_encoding(encoding: str) -> str:
    if encoding not in ENCODINGS:
        raise InputError(f"unknown encoding {encoding!r}", f"choose one of {', '.join(ENCODINGS)}")
    return encoding


def encode(ink: Ink, encoding: str, spacing: float = DEFAULT_SPACING) -> np.ndarray:
    """Encode ink for the word reader by the encoding's name: (T, CHANNELS[encoding]) float32 frames.

    `spacing` is the resampling step: in ink heights for delta, in corpus heights for graves25.
    """
    check_encoding(encoding)
    if encoding == "seed":
        return encode_seed(ink)
    if encoding == "delta":
        return encode_delta(ink, spacing)
    return graves25(ink, spacing)
