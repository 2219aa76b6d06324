"""Line normalisation: a written line's baseline, corpus height and slant, estimated robustly.

One scale for short words and long lines: the *corpus height* (the
distance from the baseline to the corpus line, the top of a, c, e, m ...)
is the unit, and the baseline is y = 0. A line's extent cannot give that
scale: ascenders, descenders and dots inflate it by a different amount in
every word.

* The baseline is a straight line fitted to the local minima of the
  strokes (the bottoms of letters) by iteratively reweighted least squares
  with Tukey's biweight, so descenders (g, p, y) and dots do not pull it;
  its slope follows a line that drifts up or down.
* The corpus height is the biweight location of the local maxima's height
  above that baseline (ascenders and i-dots are the outliers).
* The slant is the length-weighted median of dx/dy over steep segments
  (within 45 degrees of vertical), after the baseline is levelled.

After Senior and Robinson (1998) and Marti and Bunke (2001), whose
normalisation Liwicki and Bunke's online features assume.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import InputError
from core.ink.ink import Ink, n_points

MAX_SLANT = 1.0        # |dx/dy| of the slant estimate (45 degrees)
_BIWEIGHT_C = 4.685    # Tukey's tuning constant (95% efficiency at the normal)


@dataclass(frozen=True)
class LineFrame:
    """Where a line sits in its ink's coordinates: y = intercept + slope * x is the baseline."""

    intercept: float
    slope: float
    corpus_height: float
    slant: float          # dx/dy of the downstrokes once the baseline is level (positive: leaning right)


def _biweight(residual: np.ndarray, scale: float) -> np.ndarray:
    u = residual / (_BIWEIGHT_C * max(scale, 1e-12))
    return np.where(np.abs(u) < 1, (1 - u ** 2) ** 2, 0.0)


def _mad(x: np.ndarray) -> float:
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def robust_line(x: np.ndarray, y: np.ndarray, iterations: int = 20) -> tuple[float, float]:
    """(intercept, slope) of y on x by iteratively reweighted least squares with Tukey's biweight.

    Starts from the median line (Theil-Sen's slope over a sample of pairs),
    so a third of outliers on one side does not lead it astray.
    """
    if len(x) < 2 or np.ptp(x) < 1e-12:
        return float(np.median(y)) if len(y) else 0.0, 0.0
    i, j = np.triu_indices(len(x), 1)
    if len(i) > 20_000:  # a sample of the pairs is enough for a starting slope
        pick = np.random.default_rng(0).choice(len(i), 20_000, replace=False)
        i, j = i[pick], j[pick]
    dx = x[j] - x[i]
    ok = np.abs(dx) > 1e-12
    slope = float(np.median((y[j] - y[i])[ok] / dx[ok])) if ok.any() else 0.0
    intercept = float(np.median(y - slope * x))
    for _ in range(iterations):
        r = y - (intercept + slope * x)
        scale = _mad(r)
        if scale < 1e-9:
            break
        w = _biweight(r, scale)
        if w.sum() < 2:
            break
        A = np.stack([np.ones_like(x), x], axis=1) * np.sqrt(w)[:, None]
        new = np.linalg.lstsq(A, y * np.sqrt(w), rcond=None)[0]
        done = abs(new[0] - intercept) + abs(new[1] - slope) * np.ptp(x) < 1e-6 * max(scale, 1e-9)
        intercept, slope = float(new[0]), float(new[1])
        if done:
            break
    return intercept, slope


def robust_location(x: np.ndarray, iterations: int = 20) -> float:
    """Tukey's biweight location, started at the median."""
    loc = float(np.median(x))
    for _ in range(iterations):
        scale = _mad(x)
        if scale < 1e-12:
            break
        w = _biweight(x - loc, scale)
        if w.sum() <= 0:
            break
        new = float((w * x).sum() / w.sum())
        if abs(new - loc) < 1e-9 * max(scale, 1e-9):
            break
        loc = new
    return loc


def _turns(y: np.ndarray, delta: float) -> tuple[list[int], list[int]]:
    """Indices of the minima and maxima of `y` that rise or fall by more than `delta` on both sides
    (peak detection with hysteresis: pen jitter makes no turn); the ends count when the sequence
    leaves them by more than `delta`."""
    lows, highs = [], []
    lo = hi = 0
    direction = 0  # +1 rising, -1 falling, 0 not yet known
    for i in range(1, len(y)):
        if y[i] > y[hi]:
            hi = i
        if y[i] < y[lo]:
            lo = i
        if direction >= 0 and y[i] < y[hi] - delta:
            if direction == 0 and hi > 0:
                lows.append(0)
            highs.append(hi)
            direction, lo = -1, i
        elif direction <= 0 and y[i] > y[lo] + delta:
            if direction == 0 and lo > 0:
                highs.append(0)
            lows.append(lo)
            direction, hi = 1, i
    if direction > 0:
        highs.append(hi)
    elif direction < 0:
        lows.append(lo)
    return lows, highs


def extrema(ink: Ink, delta: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Local minima and maxima of y along every stroke, as (n, 2) point arrays.

    A turn counts when the stroke moves back by more than `delta` (default
    2% of the ink's height), so pen jitter makes none; a stroke that never
    moves that much (a dot, a short dash) gives its lowest and highest point.
    """
    if delta is None:
        ys = np.concatenate([s[:, 1] for s in ink if len(s)]) if any(len(s) for s in ink) else np.zeros(1)
        delta = 0.02 * float(np.ptp(ys))
    lows, highs = [], []
    for s in ink:
        if len(s) == 0:
            continue
        lo_idx, hi_idx = _turns(s[:, 1], delta)
        if not lo_idx and not hi_idx:
            lo_idx, hi_idx = [int(np.argmin(s[:, 1]))], [int(np.argmax(s[:, 1]))]
        lows.append(s[lo_idx])
        highs.append(s[hi_idx])
    empty = np.zeros((0, 2))
    return (np.concatenate(lows) if lows else empty), (np.concatenate(highs) if highs else empty)


def estimate_line(ink: Ink) -> LineFrame:
    """The baseline, corpus height and slant of a written line or word (see the module docstring)."""
    if n_points(ink) < 2:
        raise InputError("the ink is empty or a single point", "write at least one stroke")
    pts = np.concatenate(ink)
    lows, highs = extrema(ink)
    if len(lows) < 2:
        lows = pts
    intercept, slope = robust_line(lows[:, 0], lows[:, 1])
    height_of = highs[:, 1] - (intercept + slope * highs[:, 0]) if len(highs) else np.zeros(0)
    height_of = height_of[height_of > 0]
    extent = float(np.ptp(pts[:, 1]))
    if len(height_of):
        corpus = robust_location(height_of)
    else:  # a flat scribble: its extent is all there is
        corpus = extent
    # A floor for flat ink: a dash has no height, so its width sets the scale (as core.ink.ink.ink_scale).
    width = float(np.ptp(pts[:, 0]))
    corpus = max(corpus, 0.1 * extent if extent > 0.02 * width else 0.05 * width, 1e-9)
    return LineFrame(intercept, slope, corpus, _slant(ink, slope))


def _slant(ink: Ink, slope: float) -> float:
    """Length-weighted median dx/dy of segments within 45 degrees of vertical, in the levelled frame."""
    c, s = 1 / np.hypot(1, slope), slope / np.hypot(1, slope)
    ratios, weights = [], []
    for stroke in ink:
        if len(stroke) < 2:
            continue
        d = np.diff(stroke, axis=0)
        dx, dy = d[:, 0] * c + d[:, 1] * s, -d[:, 0] * s + d[:, 1] * c  # rotate by -atan(slope)
        steep = np.abs(dy) > np.abs(dx)
        ratios.append(dx[steep] / dy[steep])
        weights.append(np.hypot(dx[steep], dy[steep]))
    if not ratios or not np.concatenate(weights).sum():
        return 0.0
    r, w = np.concatenate(ratios), np.concatenate(weights)
    order = np.argsort(r)
    cum = np.cumsum(w[order])
    median = float(r[order][np.searchsorted(cum, cum[-1] / 2)])
    return float(np.clip(median, -MAX_SLANT, MAX_SLANT))


def normalise_line(ink: Ink, frame: LineFrame | None = None, deslant: bool = True) -> Ink:
    """The ink levelled (baseline on y = 0), deslanted, in corpus heights, its left edge at x = 0."""
    frame = frame or estimate_line(ink)
    c, s = 1 / np.hypot(1, frame.slope), frame.slope / np.hypot(1, frame.slope)
    rot = np.array([[c, -s], [s, c]])  # rows map (x, y) to the levelled frame: x' = c x + s y, y' = -s x + c y
    out = []
    for stroke in ink:
        p = (stroke - np.array([0.0, frame.intercept])) @ rot
        if deslant:
            p[:, 0] -= frame.slant * p[:, 1]
        out.append(p / frame.corpus_height)
    x0 = min(float(p[:, 0].min()) for p in out if len(p))
    return [p - np.array([x0, 0.0]) for p in out]
