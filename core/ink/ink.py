"""Ink: the one representation every pen source becomes first.

Ink is a list of strokes; a stroke is an ``(n, 2)`` float64 array of pen
positions with y pointing up, in any unit. Two of the word reader's
encodings (all are named in `core.ink.encodings`) are here, (T, 3) frames:

* ``seed``: seed 001's ``(dx, dy, pen_up)`` on the raw points; pen_up is 1
  on the first point of every stroke and dx = dy = 0 on those rows.
* ``delta``: the same channels after `normalise` and `resample`, but the
  first point of a stroke carries the jump from the previous stroke's end,
  so the position of an i-dot or a t-bar is known to the model.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from core.errors import InputError

Ink = list[np.ndarray]

DEFAULT_SPACING = 0.05  # resampling step, in units of the ink's height


def as_ink(strokes: Sequence) -> Ink:
    """Validate and convert nested point lists to Ink; empty strokes are dropped."""
    ink: Ink = []
    for i, stroke in enumerate(strokes):
        try:
            arr = np.asarray(stroke, dtype=np.float64)
        except (TypeError, ValueError, OverflowError) as exc:  # OverflowError: an integer too large for a float
            raise InputError(f"stroke {i} is not a list of [x, y] numbers") from exc
        if arr.size == 0:
            continue
        if arr.ndim != 2 or arr.shape[1] < 2:
            raise InputError(f"stroke {i} has shape {arr.shape}; expected a list of [x, y] points")
        arr = arr[:, :2]
        if not np.isfinite(arr).all():
            raise InputError(f"stroke {i} contains NaN or infinite coordinates")
        ink.append(np.ascontiguousarray(arr))
    return ink


def n_points(ink: Ink) -> int:
    return int(sum(len(s) for s in ink))


def bounds(ink: Ink) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) over all points; raises on empty ink."""
    if not ink:
        raise InputError("the ink is empty", "draw or load at least one stroke")
    pts = np.concatenate(ink)
    return float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max())


def ink_scale(ink: Ink) -> float:
    """The length that becomes 1 after normalising: the height, guarded for flat ink.

    A dash or a single dot has (almost) no height; dividing by it would blow
    the ink up, so the height is floored at 5% of the width (and a single
    point keeps scale 1).
    """
    x0, y0, x1, y1 = bounds(ink)
    h, w = y1 - y0, x1 - x0
    scale = max(h, 0.05 * w)
    return scale if scale > 1e-9 else 1.0


def normalise(ink: Ink) -> Ink:
    """Left edge at x=0, vertical centre at y=0, height 1 (flat ink guarded)."""
    x0, y0, _, y1 = bounds(ink)
    scale = ink_scale(ink)
    origin = np.array([x0, 0.5 * (y0 + y1)])
    return [(s - origin) / scale for s in ink]


def resample_stroke(stroke: np.ndarray, spacing: float) -> np.ndarray:
    """Points at equal arc-length spacing (about `spacing`), both ends kept.

    A stroke of zero length becomes its first point alone.
    """
    if spacing <= 0:
        raise InputError(f"resampling spacing must be positive, got {spacing}")
    seg = np.hypot(*np.diff(stroke, axis=0).T) if len(stroke) > 1 else np.zeros(0)
    length = float(seg.sum())
    if length <= 1e-12:
        return stroke[:1].copy()
    n_seg = max(1, int(round(length / spacing)))
    return resample_stroke_n(stroke, n_seg + 1, seg)


def resample_stroke_n(stroke: np.ndarray, n: int, seg: np.ndarray | None = None) -> np.ndarray:
    """Exactly `n` points evenly spaced in arc length along `stroke` (ends kept)."""
    if seg is None:
        seg = np.hypot(*np.diff(stroke, axis=0).T) if len(stroke) > 1 else np.zeros(0)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    if cum[-1] <= 1e-12:
        return np.repeat(stroke[:1], n, axis=0)
    # Drop repeated points so np.interp sees strictly increasing arc length.
    keep = np.concatenate([[True], np.diff(cum) > 1e-12])
    cum, pts = cum[keep], stroke[keep]
    targets = np.linspace(0.0, cum[-1], n)
    return np.stack([np.interp(targets, cum, pts[:, 0]), np.interp(targets, cum, pts[:, 1])], axis=1)


def resample(ink: Ink, spacing: float = DEFAULT_SPACING) -> Ink:
    """Resample every stroke at equal arc-length spacing."""
    return [resample_stroke(s, spacing) for s in ink]


def prepare(ink: Ink, spacing: float = DEFAULT_SPACING) -> Ink:
    """Normalise then resample: how new models see any ink."""
    return resample(normalise(ink), spacing)


def _pen_up_column(ink: Ink) -> np.ndarray:
    pen = np.zeros(n_points(ink), dtype=np.float32)
    starts = np.cumsum([0] + [len(s) for s in ink[:-1]])
    pen[starts] = 1.0
    return pen


def encode_seed(ink: Ink) -> np.ndarray:
    """Seed 001's (dx, dy, pen_up): raw points, zero step on each stroke's first point."""
    if not ink:
        raise InputError("the ink is empty", "draw or load at least one stroke")
    steps = [np.vstack([np.zeros((1, 2)), np.diff(s, axis=0)]) for s in ink]
    out = np.empty((n_points(ink), 3), dtype=np.float32)
    out[:, :2] = np.concatenate(steps)
    out[:, 2] = _pen_up_column(ink)
    return out


def encode_delta(ink: Ink, spacing: float = DEFAULT_SPACING) -> np.ndarray:
    """Normalised, resampled (dx, dy, pen_up); a stroke's first step is the pen-up jump."""
    return delta_frames(prepare(ink, spacing))


def delta_frames(ink: Ink) -> np.ndarray:
    """(dx, dy, pen_up) of ink already normalised and resampled."""
    pts = np.concatenate(ink)
    out = np.empty((len(pts), 3), dtype=np.float32)
    out[0, :2] = 0.0
    out[1:, :2] = np.diff(pts, axis=0)
    out[:, 2] = _pen_up_column(ink)
    return out


def ink_from_frames(frames: np.ndarray) -> Ink:
    """Rebuild drawable ink from (dx, dy, pen_up) frames: the ink as the model sees it.

    Positions are the running sum of the steps; a new stroke starts at every
    pen_up row. For the seed encoding the pen-up jumps are lost (they are
    zero), so strokes then start where the previous one ended.
    """
    frames = np.asarray(frames, dtype=np.float64)
    pos = np.cumsum(frames[:, :2], axis=0)
    starts = np.flatnonzero(frames[:, 2] > 0.5)
    if len(starts) == 0 or starts[0] != 0:
        starts = np.concatenate([[0], starts])
    ends = np.concatenate([starts[1:], [len(frames)]])
    return [pos[a:b] for a, b in zip(starts, ends) if b > a]
