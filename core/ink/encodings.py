"""The word reader's input encodings by name: what each turns ink into, and how many channels it has.

| name | frames | from |
|---|---|---|
| `seed` | (dx, dy, pen_up) on the raw points | `core.ink.ink.encode_seed` (seed 001) |
| `delta` | (dx, dy, pen_up), normalised and resampled, pen-up jumps kept | `core.ink.ink.encode_delta` |
| `delta-line` | (dx, dy, pen_up) of the ink normalised as a line: levelled, deslanted, one corpus height = `LINE_SCALE` | `encode_delta_line` |
| `graves25` | Liwicki and Bunke's 25 online features of a line | `core.ink.graves.graves25` |

`delta` scales every drawing to its own height, so a word without
ascenders ("one") is drawn bigger than one with them, and a long line that
drifts is drawn smaller. `delta-line` scales by the estimated corpus height
(`core.ink.lines`) instead: one scale for short words and long lines. Its
frames mean what `delta`'s mean (a typical word is about three corpus heights
tall, hence `LINE_SCALE`), so a `delta` reader can start a `delta-line` one.

`BINARY` names the 0/1 channels of each, which a model's input scaling
leaves as they are.
"""
from __future__ import annotations

import numpy as np

from core.errors import InputError
from core.ink.graves import BINARY as GRAVES_BINARY
from core.ink.graves import GRAVES25, graves25, resampled_line
from core.ink.ink import (
    DEFAULT_SPACING,
    Ink,
    delta_frames,
    encode_delta,
    encode_seed,
    n_points,
    normalise,
    prepare,
    resample,
)
from core.ink.lines import normalise_line

ENCODINGS = ("seed", "delta", "delta-line", "graves25")
CHANNELS = {"seed": 3, "delta": 3, "delta-line": 3, "graves25": len(GRAVES25)}
BINARY = {"seed": (2,), "delta": (2,), "delta-line": (2,), "graves25": GRAVES_BINARY}
# One corpus height in delta-line units: a typical word (about three corpus heights tall) comes out as delta
# draws it.
LINE_SCALE = 1 / 3


def check_encoding(encoding: str) -> str:
    if encoding not in ENCODINGS:
        raise InputError(f"unknown encoding {encoding!r}", f"choose one of {', '.join(ENCODINGS)}")
    return encoding


def encode(ink: Ink, encoding: str, spacing: float = DEFAULT_SPACING) -> np.ndarray:
    """Encode ink for the word reader by the encoding's name: (T, CHANNELS[encoding]) float32 frames.

    `spacing` is the resampling step: in ink heights for delta, in delta-line's units (half a corpus
    height) for delta-line, in corpus heights for graves25.
    """
    check_encoding(encoding)
    if encoding == "seed":
        return encode_seed(ink)
    if encoding == "delta":
        return encode_delta(ink, spacing)
    if encoding == "delta-line":
        return encode_delta_line(ink, spacing)
    return graves25(ink, spacing)


def frame_points(ink: Ink, encoding: str, spacing: float = DEFAULT_SPACING) -> Ink:
    """The points behind `encode(ink, encoding, spacing)`'s frames, one per frame in frame order: the raw
    points (seed), or the normalised and resampled ones the frames were computed from."""
    check_encoding(encoding)
    if encoding == "seed":
        return ink
    if encoding == "delta":
        return prepare(ink, spacing)
    if encoding == "delta-line":
        return resample(line_view(ink), spacing)
    strokes = [np.asarray(s, dtype=np.float64) for s in ink if len(s)]
    return strokes if n_points(strokes) < 2 else resampled_line(strokes, spacing)[0]


def line_view(ink: Ink) -> Ink:
    """The ink as delta-line sees it before resampling: levelled, deslanted, in LINE_SCALE units, centred on
    half a corpus height (so that a word sits where delta would put it)."""
    ink = [np.asarray(s, dtype=np.float64) for s in ink if len(s)]
    if not ink:
        raise InputError("the ink is empty", "write at least one stroke")
    if n_points(ink) < 2:  # a single point has no line: it sits where delta puts it
        return normalise(ink)
    flat = normalise_line(ink)
    return [(s - np.array([0.0, 0.5])) * LINE_SCALE for s in flat]


def encode_delta_line(ink: Ink, spacing: float = DEFAULT_SPACING) -> np.ndarray:
    """(dx, dy, pen_up) of `line_view(ink)` resampled at `spacing`; a stroke's first step is the pen-up jump."""
    return delta_frames(resample(line_view(ink), spacing))
