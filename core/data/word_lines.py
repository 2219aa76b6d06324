"""Lines built from real words: a writer's isolated words laid out the way real lines are written.

The training corpus has about 6,600 usable text lines (category 8) but over
100,000 isolated words (categories 6 and 7): a line reader that learns from
lines alone sees few of them, and sees each word in few contexts. Here
2-8 real words of one training writer are laid on one line, and where they
go is taken from real lines, never from constants:

* `measure_layout` reads a real line (its text says how many words it has):
  levelled and in corpus heights (`core.ink.lines`), its strokes are
  grouped into the runs of ink that overlap in x, and the widest gaps
  between runs are its word gaps. For every word it records the gap before
  it, its baseline's offset from the line's (drift) and its corpus height
  relative to the line's (size change), and for the line its slope.
* `lay_out_words` draws one measured line (a `LineLayout`) and lays the
  words out as it was: each word levelled on its own baseline at the
  writer's scale, grown or shrunk by the line's size changes, shifted by
  its drift, the gaps the line's, the whole tilted by the line's slope.
  A line with fewer words than asked lends its figures again in turn.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from core.data.cache import cached_arrays
from core.errors import InputError
from core.ink.ink import Ink, bounds, n_points
from core.ink.lines import estimate_line, normalise_line, robust_location

MIN_GAP = 0.15      # corpus heights: a narrower gap between runs of ink is not a word gap
WORDS_PER_LINE = (2, 8)


@dataclass(frozen=True)
class LineLayout:
    """How one real line lays out its words: per word (left to right) the gap before it (the first: 0),
    its baseline offset and corpus height relative to the line's; the line's slope (dy/dx)."""

    gaps: tuple[float, ...]
    offsets: tuple[float, ...]
    sizes: tuple[float, ...]
    slope: float


def ink_runs(ink: Ink) -> list[list[int]]:
    """Strokes grouped into runs whose x-extents overlap, left to right (stroke indices per run)."""
    spans = sorted((float(s[:, 0].min()), float(s[:, 0].max()), i) for i, s in enumerate(ink) if len(s))
    runs: list[list] = []
    for lo, hi, i in spans:
        if runs and lo <= runs[-1][1]:
            runs[-1][1] = max(runs[-1][1], hi)
            runs[-1][2].append(i)
        else:
            runs.append([lo, hi, [i]])
    return [r[2] for r in runs]


def split_words(ink: Ink, n_words: int) -> list[Ink] | None:
    """The line `ink` (levelled, corpus heights) cut into `n_words` words at its widest gaps; None when it
    has fewer runs of ink or a chosen gap is narrower than `MIN_GAP`."""
    runs = ink_runs(ink)
    if len(runs) < n_words:
        return None
    edges = [(min(ink[i][:, 0].min() for i in r), max(ink[i][:, 0].max() for i in r)) for r in runs]
    gaps = np.array([edges[k + 1][0] - edges[k][1] for k in range(len(runs) - 1)])
    cuts = sorted(np.argsort(-gaps, kind="stable")[:n_words - 1]) if n_words > 1 else []
    if any(gaps[c] < MIN_GAP for c in cuts):
        return None
    words, start = [], 0
    for c in list(cuts) + [len(runs) - 1]:
        words.append([ink[i] for r in runs[start:c + 1] for i in r])
        start = c + 1
    return words


def measure_layout(ink: Ink, text: str) -> LineLayout | None:
    """The layout of a real line of `text` (see the module docstring); None when its words cannot be told apart."""
    n_words = len(text.split())
    if n_words < 2 or n_points(ink) < 2:
        return None
    try:
        frame = estimate_line(ink)
        flat = normalise_line(ink, frame, deslant=True)
        words = split_words(flat, n_words)
        if words is None:
            return None
        gaps, offsets, sizes, right = [], [], [], None
        for word in words:
            x0, _, x1, _ = bounds(word)
            gaps.append(0.0 if right is None else x0 - right)
            right = x1
            own = estimate_line(word)
            offsets.append(own.intercept + own.slope * (x0 + x1) / 2)
            sizes.append(own.corpus_height)
    except InputError:
        return None
    sizes_arr = np.clip(np.asarray(sizes) / robust_location(np.asarray(sizes)), 0.5, 2.0)
    return LineLayout(tuple(gaps), tuple(np.clip(offsets, -1.0, 1.0)), tuple(sizes_arr), float(frame.slope))


def measure_layouts(lines: Sequence[tuple[Ink, str]]) -> list[LineLayout]:
    """The layouts of those lines whose words can be told apart."""
    return [m for m in (measure_layout(ink, text) for ink, text in lines) if m is not None]


def writer_scale(words: Sequence[Ink]) -> float:
    """A writer's corpus height in their tablet's units: the median over (up to 25 of) their words."""
    heights = [estimate_line(w).corpus_height for w in words[:25] if n_points(w) >= 2]
    if not heights:
        raise InputError("the writer has no word with ink")
    return float(np.median(heights))


def lay_out_words(words: Sequence[Ink], scale: float, layout: LineLayout) -> Ink:
    """`words` (raw ink of one writer, whose corpus height is `scale`) laid on one line as `layout` says."""
    out: Ink = []
    x = 0.0
    n = len(layout.gaps)
    for k, word in enumerate(words):
        j = k % n
        # Levelled on its own baseline (a word is too short for a slope of its own), at the writer's scale.
        base = estimate_line(word)
        wx0, _, wx1, _ = bounds(word)
        baseline = base.intercept + base.slope * (wx0 + wx1) / 2  # at the word's middle
        size = layout.sizes[j]
        placed = [(s - np.array([0.0, baseline])) / scale * size for s in word]
        x0, _, x1, _ = bounds(placed)
        if k == 0:
            gap = 0.0
        elif j:
            gap = layout.gaps[j]
        else:  # the layout's words are used up: its gaps lend themselves again, in turn
            gap = layout.gaps[1 + (k // n - 1) % (n - 1)]
        shift = np.array([x + gap - x0, layout.offsets[j]])
        out += [s + shift for s in placed]
        x += gap + (x1 - x0)
    c, s = 1 / np.hypot(1, layout.slope), layout.slope / np.hypot(1, layout.slope)
    tilt = np.array([[c, s], [-s, c]])  # row vectors: (x, y) -> (c x - s y, s x + c y)
    return [p @ tilt for p in out]


LAYOUT_VERSION = 1  # bump when measure_layout changes what it measures


def cached_layouts(lines: Sequence[tuple[Ink, str]]) -> list[LineLayout]:
    """`measure_layouts` of `lines`, kept in the cache folder (measuring 6,600 lines takes about a minute)."""
    h = hashlib.sha1()
    for ink, text in lines:
        h.update(f"{text}\0{n_points(ink)}\0{float(ink[0][0, 0]):.4f}\0".encode())
    key = {"kind": "line-layouts", "version": LAYOUT_VERSION, "lines": h.hexdigest()[:16]}

    def build() -> dict[str, np.ndarray]:
        found = measure_layouts(lines)
        return {"count": np.array([len(m.gaps) for m in found], dtype=np.int64),
                "gaps": np.array([g for m in found for g in m.gaps]),
                "offsets": np.array([o for m in found for o in m.offsets]),
                "sizes": np.array([z for m in found for z in m.sizes]),
                "slope": np.array([m.slope for m in found])}

    arrays = cached_arrays(key, build)
    ends = np.cumsum(arrays["count"])
    return [LineLayout(tuple(arrays["gaps"][e - n:e].tolist()), tuple(arrays["offsets"][e - n:e].tolist()),
                       tuple(arrays["sizes"][e - n:e].tolist()), float(slope))
            for n, e, slope in zip(arrays["count"], ends, arrays["slope"])]


LINE_AUGMENT = {"gap": (0.7, 1.5), "slant": 0.2, "stretch": 0.15, "rotation": 3.0, "jitter": 0.02}


def augment_line(ink: Ink, text: str, rng: np.random.Generator) -> Ink:
    """A copy of a real line with its word gaps widened or narrowed (each by its own factor), slanted,
    stretched, tilted and jittered (`LINE_AUGMENT`; units: corpus heights). The line comes back levelled,
    in corpus heights; a line whose words cannot be told apart keeps its gaps."""
    r = LINE_AUGMENT
    flat = normalise_line(ink, deslant=False)
    words = split_words(flat, len(text.split())) if len(text.split()) > 1 else None
    if words:
        out, extra = [], 0.0
        for k, word in enumerate(words):
            if k:
                left = min(float(s[:, 0].min()) for s in word)
                right = max(float(s[:, 0].max()) for s in words[k - 1])
                extra += (left - right) * (rng.uniform(*r["gap"]) - 1.0)
            out += [s + np.array([extra, 0.0]) for s in word]
        flat = out
    theta = np.deg2rad(rng.uniform(-r["rotation"], r["rotation"]))
    shear, stretch = rng.uniform(-r["slant"], r["slant"]), 1.0 + rng.uniform(-r["stretch"], r["stretch"])
    m = np.array([[stretch, 0.0], [shear, 1.0]]) @ np.array([[np.cos(theta), np.sin(theta)],
                                                              [-np.sin(theta), np.cos(theta)]])
    return [s @ m + rng.normal(0.0, r["jitter"], s.shape) for s in flat]
