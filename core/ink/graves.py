"""`graves25`: the 25 online features of Liwicki and Bunke (ICDAR 2005-2007), as Graves et al. (TPAMI 2009) read them.

The ink is first normalised as a line (`core.ink.lines`: baseline on y = 0,
corpus height 1, slant removed), then resampled at equal arc-length steps
of `spacing` corpus heights. Per resampled point, in `GRAVES25` order:

| channels | feature |
|---|---|
| 0 | pen up: 1 on the first point of a stroke (the pen was lifted before it) |
| 1 | hat: 1 where a later stroke passes above the point (a t-bar, an i-dot) |
| 2 | speed: the pen's path per original sample at that place, in corpus heights |
| 3 | x after a high-pass filter: x minus its mean over the +-`X_WINDOW` neighbouring points |
| 4 | y relative to the baseline, in corpus heights |
| 5-6 | writing direction (cos, sin) |
| 7-8 | curvature (cos, sin) |
| 9 | vicinity aspect |
| 10-11 | vicinity slope (cos, sin) |
| 12 | vicinity curliness |
| 13 | vicinity linearity |
| 14-15 | ascenders and descenders: the share of the points in the point's column (+-1 cell) that lie above the corpus line, or below the baseline |
| 16-24 | the context map: the share of the ink's points in each cell of a 3 x 3 grid around the point's cell (row by row from the top left), a coarse off-line image of its neighbourhood |

Cells are `CELL` corpus heights wide. The vicinity features are those of
`core.ink.features` (shared with `features18`).
"""
from __future__ import annotations

import numpy as np

from core.errors import InputError
from core.ink.features import PointSequence, direction_and_curvature, hat, vicinity
from core.ink.ink import Ink, n_points, resample_stroke
from core.ink.lines import LineFrame, estimate_line, normalise_line

GRAVES25 = ("pen_up", "hat", "speed", "x_highpass", "y_baseline", "dir_cos", "dir_sin", "curv_cos", "curv_sin",
            "vic_aspect", "vic_slope_cos", "vic_slope_sin", "vic_curliness", "vic_linearity", "ascenders",
            "descenders", *(f"context_{r}{c}" for r in range(3) for c in range(3)))
BINARY = (0, 1)             # channels that stay 0/1 (not standardised by a model's input statistics)
GRAVES_VERSION = 1          # bump when a channel's definition changes
DEFAULT_SPACING = 0.1       # resampling step in corpus heights
X_WINDOW = 10               # points on each side of the high-pass filter's moving mean
CELL = 0.5                  # side of a context cell and width of an ascender column, in corpus heights
ABOVE, BELOW = 1.25, -0.25  # an ascender's point lies above ABOVE, a descender's below BELOW
HAT_TOLERANCE = 0.15        # corpus heights


def resample_with_speed(ink: Ink, spacing: float) -> tuple[Ink, list[np.ndarray]]:
    """Every stroke resampled at `spacing`, and the pen's speed (path per original sample) at each new point."""
    strokes, speeds = [], []
    for s in ink:
        new = resample_stroke(s, spacing)
        step = np.hypot(*np.diff(s, axis=0).T) if len(s) > 1 else np.zeros(0)
        if len(step) == 0 or step.sum() <= 1e-12:
            strokes.append(new)
            speeds.append(np.zeros(len(new)))
            continue
        along = np.concatenate([[0.0], np.cumsum(step)])           # arc length at each original sample
        at = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(new, axis=0).T))]) if len(new) > 1 else [0.0]
        speed_of_step = np.interp(np.asarray(at), (along[1:] + along[:-1]) / 2, step)
        strokes.append(new)
        speeds.append(speed_of_step)
    return strokes, speeds


def _moving_mean(x: np.ndarray, half: int) -> np.ndarray:
    padded = np.concatenate([np.full(half, x[0]), x, np.full(half, x[-1])])
    kernel = np.ones(2 * half + 1) / (2 * half + 1)
    return np.convolve(padded, kernel, mode="valid")


def _cells(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.floor(pts[:, 0] / CELL).astype(np.int64), np.floor(pts[:, 1] / CELL).astype(np.int64)


def context(pts: np.ndarray) -> np.ndarray:
    """(T, 11): ascender and descender shares of each point's column, then its 3 x 3 context map."""
    cx, cy = _cells(pts)
    cx0, cy0 = cx - cx.min() + 1, cy - cy.min() + 1   # one empty cell of margin on every side
    grid = np.zeros((cx0.max() + 2, cy0.max() + 2))
    np.add.at(grid, (cx0, cy0), 1.0)
    above = np.bincount(cx0, weights=(pts[:, 1] > ABOVE).astype(float), minlength=grid.shape[0])
    below = np.bincount(cx0, weights=(pts[:, 1] < BELOW).astype(float), minlength=grid.shape[0])
    column = grid.sum(axis=1)

    def near(a: np.ndarray) -> np.ndarray:  # the column and its two neighbours
        return a[cx0 - 1] + a[cx0] + a[cx0 + 1]

    out = np.zeros((len(pts), 11))
    n = np.maximum(near(column), 1.0)
    out[:, 0], out[:, 1] = near(above) / n, near(below) / n
    window = np.stack([grid[cx0 + dx, cy0 + dy] for dy in (1, 0, -1) for dx in (-1, 0, 1)], axis=1)
    out[:, 2:] = window / np.maximum(window.sum(axis=1, keepdims=True), 1.0)
    return out


def graves25_points(strokes: Ink, speeds: list[np.ndarray] | None = None) -> np.ndarray:
    """The (T, 25) features of strokes already normalised as a line and resampled (see the module docstring)."""
    keep = [k for k, s in enumerate(strokes) if len(s)]
    strokes = [strokes[k] for k in keep]
    if not strokes:
        raise InputError("the ink is empty", "write at least one stroke")
    seq = PointSequence.of(strokes)
    pts = seq.pts
    f = np.zeros((len(pts), 25))
    f[seq.starts, 0] = 1.0
    f[:, 1] = hat(seq, HAT_TOLERANCE)
    if speeds is not None:
        f[:, 2] = np.concatenate([speeds[k] for k in keep])
    f[:, 3] = pts[:, 0] - _moving_mean(pts[:, 0], X_WINDOW)
    f[:, 4] = pts[:, 1]
    f[:, 5:7], f[:, 7:9] = direction_and_curvature(seq)
    f[:, 9:14] = vicinity(seq)
    f[:, 14:25] = context(pts)
    return f


def graves25(ink: Ink, spacing: float = DEFAULT_SPACING, frame: LineFrame | None = None) -> np.ndarray:
    """(T, 25) float32 features of a written word or line (see the module docstring)."""
    if spacing <= 0:
        raise InputError(f"resampling spacing must be positive, got {spacing}")
    ink = [np.asarray(s, dtype=np.float64) for s in ink if len(s)]
    if not ink:
        raise InputError("the ink is empty", "write at least one stroke")
    if n_points(ink) < 2:  # a single point (a dot): one frame, the pen put down, nothing else known
        frame = np.zeros((1, len(GRAVES25)), dtype=np.float32)
        frame[0, 0] = 1.0
        return frame
    strokes, speeds = resampled_line(ink, spacing, frame)
    return graves25_points(strokes, speeds).astype(np.float32)


def resampled_line(ink: Ink, spacing: float, frame: LineFrame | None = None) -> tuple[Ink, list[np.ndarray]]:
    """The points graves25 computes its features at (the ink normalised as a line and resampled; strokes of
    at least one point), and the pen's speed at each."""
    flat = normalise_line(ink, frame or estimate_line(ink))
    return resample_with_speed(flat, spacing)
