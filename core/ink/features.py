"""`features18`: the character classifier's per-point features, shape (T, 18).

The ink is normalised (core.ink.normalise) and resampled over the whole
character to exactly T points, shared among strokes by arc length with at
least `min_per_stroke` each. When a character has more strokes than
T // min_per_stroke, its shortest strokes are dropped (a scribble of tiny
strokes would otherwise leave no points for the letter itself).

Channels (1-based, as in DESIGN.md): 1 x, 2 y, 3 dx, 4 dy (from the
previous point; on a stroke's first point the pen-up jump), 5 pen_up,
6 step length, 7-8 cos/sin of the writing direction, 9-10 cos/sin of the
curvature (change of direction between the neighbouring points),
11 vicinity aspect, 12-13 cos/sin of the vicinity slope, 14 vicinity
curliness, 15 vicinity linearity (these five over a window of +-2 points
within the stroke, after Liwicki & Bunke's online features), 16 "hat"
(1 where a later stroke passes above the point), 17 position within its
stroke (0..1), 18 position within the sample (0..1).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.ink.ink import Ink, normalise, resample_stroke_n

FEATURES_VERSION = 1  # bump when features18, or the normalising and resampling it uses, changes its output

FEATURE_NAMES = ("x", "y", "dx", "dy", "pen_up", "step", "dir_cos", "dir_sin", "curv_cos", "curv_sin",
                 "vic_aspect", "vic_slope_cos", "vic_slope_sin", "vic_curliness", "vic_linearity", "hat",
                 "pos_stroke", "pos_sample")
WINDOW = 2
HAT_TOLERANCE = 0.08  # horizontal distance (in ink heights) within which a later stroke covers a point


def _lengths(ink: Ink) -> np.ndarray:
    return np.array([np.hypot(*np.diff(s, axis=0).T).sum() if len(s) > 1 else 0.0 for s in ink])


def allocate(ink: Ink, n_points: int, min_per_stroke: int = 2) -> tuple[Ink, list[int]]:
    """Strokes kept and the number of points each gets (summing to n_points)."""
    max_strokes = max(1, n_points // min_per_stroke)
    lengths = _lengths(ink)
    if len(ink) > max_strokes:
        keep = np.sort(np.argsort(-lengths, kind="stable")[:max_strokes])
        ink, lengths = [ink[i] for i in keep], lengths[keep]
    spare = n_points - min_per_stroke * len(ink)
    share = lengths / lengths.sum() if lengths.sum() > 0 else np.full(len(ink), 1 / len(ink))
    extra = np.floor(share * spare).astype(int)
    for i in np.argsort(-(share * spare - extra), kind="stable")[:spare - extra.sum()]:
        extra[i] += 1
    return ink, (extra + min_per_stroke).tolist()


def _unit(v: np.ndarray) -> np.ndarray:
    """Unit vectors; undefined directions (zero vectors) become (1, 0)."""
    n = np.hypot(v[:, 0], v[:, 1])[:, None]
    return np.where(n > 1e-12, v / np.maximum(n, 1e-12), np.array([1.0, 0.0]))


@dataclass
class PointSequence:
    """Resampled strokes joined into one sequence of points, and where each stroke starts and ends."""

    pts: np.ndarray          # (T, 2)
    stroke_id: np.ndarray    # (T,) the stroke of each point
    starts: np.ndarray       # first point of every stroke
    first: np.ndarray        # (T,) the first point of each point's stroke
    last: np.ndarray         # (T,) the last point of each point's stroke

    @classmethod
    def of(cls, strokes: Ink) -> "PointSequence":
        counts = np.array([len(s) for s in strokes])
        stroke_id = np.repeat(np.arange(len(strokes)), counts)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        first = starts[stroke_id]
        return cls(np.concatenate(strokes), stroke_id, starts, first, first + np.repeat(counts, counts) - 1)


def direction_and_curvature(seq: PointSequence) -> tuple[np.ndarray, np.ndarray]:
    """(T, 2) writing direction (cos, sin) between a point's neighbours in its stroke, and (T, 2) curvature
    (cos, sin of the turn between the incoming and outgoing steps; (1, 0) at a stroke's ends)."""
    pts, idx = seq.pts, np.arange(len(seq.pts))
    nxt, prv = np.minimum(idx + 1, seq.last), np.maximum(idx - 1, seq.first)
    direction = _unit(pts[nxt] - pts[prv])
    d_in, d_out = _unit(pts[idx] - pts[prv]), _unit(pts[nxt] - pts[idx])
    at_end = (idx == seq.first) | (idx == seq.last)
    curvature = np.stack([np.where(at_end, 1.0, (d_in * d_out).sum(axis=1)),
                          np.where(at_end, 0.0, d_in[:, 0] * d_out[:, 1] - d_in[:, 1] * d_out[:, 0])], axis=1)
    return direction, curvature


def vicinity(seq: PointSequence, window: int = WINDOW) -> np.ndarray:
    """(T, 5) features of the +-`window` points around each point within its stroke (Liwicki and Bunke):
    aspect (dy - dx) / (dy + dx), slope of the chord (cos, sin), curliness (path length over the larger
    side, minus 1) and linearity (mean squared distance to the chord)."""
    pts, idx = seq.pts, np.arange(len(seq.pts))
    win = np.clip(idx[:, None] + np.arange(-window, window + 1)[None, :], seq.first[:, None], seq.last[:, None])
    w = pts[win]                                   # (T, 2 * window + 1, 2)
    span = w.max(axis=1) - w.min(axis=1)
    dxw, dyw = span[:, 0], span[:, 1]
    out = np.zeros((len(pts), 5))
    out[:, 0] = np.where(dxw + dyw > 1e-12, (dyw - dxw) / np.maximum(dxw + dyw, 1e-12), 0.0)
    chord = w[:, -1] - w[:, 0]
    out[:, 1:3] = _unit(chord)
    path_len = np.hypot(*np.diff(w, axis=1).transpose(2, 0, 1)).sum(axis=1)
    biggest = np.maximum(dxw, dyw)
    out[:, 3] = np.where(biggest > 1e-12, path_len / np.maximum(biggest, 1e-12) - 1.0, 0.0)
    chord_len = np.hypot(chord[:, 0], chord[:, 1])
    rel = w - w[:, :1]
    cross = rel[:, :, 0] * chord[:, None, 1] - rel[:, :, 1] * chord[:, None, 0]
    dist = np.where(chord_len[:, None] > 1e-12, cross / np.maximum(chord_len[:, None], 1e-12),
                    np.hypot(rel[:, :, 0], rel[:, :, 1]))
    out[:, 4] = (dist ** 2).mean(axis=1)
    return out


def hat(seq: PointSequence, tolerance: float = HAT_TOLERANCE) -> np.ndarray:
    """(T,) 1 where a later stroke passes above the point within `tolerance` horizontally (a t-bar, an i-dot)."""
    out = np.zeros(len(seq.pts))
    for k in range(int(seq.stroke_id.max()) + 1 if len(seq.pts) else 0):
        mine = seq.stroke_id == k
        later = seq.pts[seq.stroke_id > k]
        if not len(later):
            break
        close = np.abs(seq.pts[mine, 0][:, None] - later[None, :, 0]) < tolerance
        above = later[None, :, 1] > seq.pts[mine, 1][:, None]
        out[mine] = (close & above).any(axis=1)
    return out


def features18(ink: Ink, n_points: int = 64, min_per_stroke: int = 2) -> np.ndarray:
    """The (n_points, 18) float32 feature matrix of one character."""
    ink, counts = allocate(normalise(ink), n_points, min_per_stroke)
    seq = PointSequence.of([resample_stroke_n(s, c) for s, c in zip(ink, counts)])
    pts, T, idx = seq.pts, len(seq.pts), np.arange(len(seq.pts))
    f = np.zeros((T, 18))
    f[:, 0:2] = pts
    step = np.vstack([np.zeros((1, 2)), np.diff(pts, axis=0)])
    f[:, 2:4] = step
    f[seq.starts, 4] = 1.0
    f[:, 5] = np.hypot(step[:, 0], step[:, 1])
    f[:, 6:8], f[:, 8:10] = direction_and_curvature(seq)
    f[:, 10:15] = vicinity(seq)
    f[:, 15] = hat(seq)
    f[:, 16] = np.where(seq.last > seq.first, (idx - seq.first) / np.maximum(seq.last - seq.first, 1), 0.0)
    f[:, 17] = idx / max(T - 1, 1)
    return f.astype(np.float32)
