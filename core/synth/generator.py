"""Synthetic handwriting: render letters and words from the glyph templates.

Every augmentation is a named field of `Augment` with a range in
`AUGMENT_PARAMS` (min, max, default, step, help), the one place that
sliders, command-line flags and presets read. A value of 0 switches an
augmentation off and then consumes no randomness.

Randomness is drawn in a fixed order, so the same seed gives the same ink:
per word the slant; per letter the allograph, scale, aspect, rotation,
baseline drift, gap and ligature; then the per-point jitter of the whole
word. The `seed` style with `Augment.seed_style()` is seed 001's layout:
letter advance 1.35 (width 1.1 + gap 0.25), slant x' = x + s*y with
s ~ U(-0.15, 0.15) per word, Gaussian jitter sigma 0.014, no resampling.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

import numpy as np

from core.errors import InputError
from core.ink.ink import Ink, resample_stroke_n
from core.synth import glyphs

GENERATOR_VERSION = 1  # bump when a glyph or a rendering rule changes what the same seed draws

# name: (min, max, default for the natural style, step, help)
AUGMENT_PARAMS: dict[str, tuple[float, float, float, float, str]] = {
    "jitter": (0.0, 0.05, 0.003, 0.001, "Gaussian noise per point (sigma, in letter-box units)"),
    "slant": (0.0, 0.6, 0.15, 0.01, "word slant x' = x + s*y with s ~ U(-slant, slant)"),
    "scale": (0.0, 0.4, 0.08, 0.01, "per-letter size change, factor ~ U(1-scale, 1+scale)"),
    "aspect": (0.0, 0.4, 0.1, 0.01, "per-letter width change, factor ~ U(1-aspect, 1+aspect)"),
    "rotation": (0.0, 20.0, 3.0, 0.5, "per-letter rotation, degrees ~ U(-rotation, rotation)"),
    "spacing": (-0.1, 0.8, 0.1, 0.01, "gap between letters (seed style: 0.25)"),
    "baseline": (0.0, 0.2, 0.02, 0.005, "baseline drift per letter (random walk step, sigma)"),
    "density": (0.3, 3.0, 1.0, 0.05, "sampling density multiplier (points per unit length)"),
    "allograph": (0.0, 1.0, 0.5, 0.05, "probability of an alternative letter form"),
    "ligature": (0.0, 1.0, 0.0, 0.05, "probability of joining letters pen down (cursive-like)"),
}


@dataclass(frozen=True)
class Augment:
    """Augmentation ranges; see AUGMENT_PARAMS for each field's meaning and range."""

    jitter: float = AUGMENT_PARAMS["jitter"][2]
    slant: float = AUGMENT_PARAMS["slant"][2]
    scale: float = AUGMENT_PARAMS["scale"][2]
    aspect: float = AUGMENT_PARAMS["aspect"][2]
    rotation: float = AUGMENT_PARAMS["rotation"][2]
    spacing: float = AUGMENT_PARAMS["spacing"][2]
    baseline: float = AUGMENT_PARAMS["baseline"][2]
    density: float = AUGMENT_PARAMS["density"][2]
    allograph: float = AUGMENT_PARAMS["allograph"][2]
    ligature: float = AUGMENT_PARAMS["ligature"][2]

    def __post_init__(self):
        for f in fields(self):
            lo, hi = AUGMENT_PARAMS[f.name][:2]
            v = getattr(self, f.name)
            if not (lo <= v <= hi):
                raise InputError(f"augmentation {f.name}={v} is outside its range [{lo}, {hi}]")

    @classmethod
    def seed_style(cls) -> "Augment":
        """Seed 001's exact setting: slant 0.15, jitter 0.014, gap 0.25, nothing else."""
        return cls(jitter=0.014, slant=0.15, scale=0.0, aspect=0.0, rotation=0.0, spacing=0.25,
                   baseline=0.0, density=1.0, allograph=0.0, ligature=0.0)

    @classmethod
    def none(cls) -> "Augment":
        """No augmentation at all: the clean templates."""
        return replace(cls.seed_style(), jitter=0.0, slant=0.0, spacing=AUGMENT_PARAMS["spacing"][2])

    @classmethod
    def from_dict(cls, values: dict) -> "Augment":
        unknown = set(values) - set(AUGMENT_PARAMS)
        if unknown:
            raise InputError(f"unknown augmentation parameter(s): {', '.join(sorted(unknown))}")
        return cls(**{k: float(v) for k, v in values.items()})

    def to_dict(self) -> dict:
        return asdict(self)


def default_augment(style: str) -> Augment:
    return Augment.seed_style() if style == "seed" else Augment()


@dataclass
class Rendering:
    """A rendered word: its ink and where each letter's points are.

    `letter_spans` holds (char, first, end) point indices (end exclusive) in
    the flattened point order of `ink`. With ligatures, a connector belongs
    to the letter it leads into, and delayed strokes (i-dots, t-bars) are
    written after the joined word, outside every span.
    """

    word: str
    ink: Ink
    letter_spans: list[tuple[str, int, int]]


def _rng(seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _check_word(word: str, style: str) -> None:
    if style not in glyphs.STYLES:
        raise InputError(f"unknown style {style!r}", "choose seed or natural")
    letters = glyphs.alphabet(style)
    bad = sorted({c for c in word if c not in letters})
    if not word or bad:
        what = "an empty word" if not word else "character(s) " + " ".join(repr(c) for c in bad)
        raise InputError(f"the {style} style cannot write {what}", f"use letters from '{letters}'")


def _letter_strokes(ch: str, style: str, aug: Augment, rng: np.random.Generator) -> list[np.ndarray]:
    if style == "seed":
        return [s.copy() for s in glyphs.seed_glyph(ch)]
    k = 0
    if aug.allograph > 0 and glyphs.n_allographs(ch) > 1 and rng.random() < aug.allograph:
        k = int(rng.integers(1, glyphs.n_allographs(ch)))
    strokes = glyphs.natural_glyph(ch, k)
    if aug.density != 1.0:
        return [resample_stroke_n(s, max(2, int(round(len(s) * aug.density)))) for s in strokes]
    return [s.copy() for s in strokes]


def _shape_letter(strokes: list[np.ndarray], aug: Augment, rng: np.random.Generator) -> list[np.ndarray]:
    """Per-letter scale, aspect and rotation about the letter's own lower-left corner."""
    sx = sy = 1.0
    if aug.scale > 0:
        sx = sy = rng.uniform(1 - aug.scale, 1 + aug.scale)
    if aug.aspect > 0:
        sx *= rng.uniform(1 - aug.aspect, 1 + aug.aspect)
    m = np.diag([sx, sy])
    if aug.rotation > 0:
        a = np.radians(rng.uniform(-aug.rotation, aug.rotation))
        m = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) @ m
    return [s @ m.T for s in strokes]


def render_word(word: str, style: str = "natural", seed=0, augment: Augment | None = None) -> Rendering:
    """Render `word` as ink in a style ("seed" or "natural"); same seed, same ink."""
    _check_word(word, style)
    aug = augment or default_augment(style)
    rng = _rng(seed)
    slant = rng.uniform(-aug.slant, aug.slant) if aug.slant > 0 else 0.0

    main: Ink = []        # strokes in writing order (joined runs when ligatures apply)
    delayed: Ink = []     # dots and bars of joined letters, written after the word
    spans: list[tuple[str, int, int]] = []
    x, drift, count = 0.0, 0.0, 0
    for i, ch in enumerate(word):
        strokes = _shape_letter(_letter_strokes(ch, style, aug, rng), aug, rng)
        if style == "seed":
            left, width = 0.0, glyphs.SEED_WIDTH
        else:
            xs = np.concatenate([s[:, 0] for s in strokes])
            left, width = float(xs.min()), float(xs.max() - xs.min())
        if aug.baseline > 0:
            drift += rng.normal(0.0, aug.baseline)
        offset = np.array([x - left, drift])
        strokes = [s + offset for s in strokes]
        gap = aug.spacing
        join = i > 0 and aug.ligature > 0 and rng.random() < aug.ligature
        start = count
        if join:
            prev_end, head = main[-1][-1], strokes[0]
            n_conn = max(2, int(round(np.hypot(*(head[0] - prev_end)) * glyphs.NATURAL_DENSITY * aug.density)))
            connector = np.linspace(prev_end, head[0], n_conn + 1)[1:-1]
            main[-1] = np.concatenate([main[-1], connector, head])
            count += len(connector) + len(head)
        else:
            main.append(strokes[0])
            count += len(strokes[0])
        if aug.ligature > 0:
            delayed.extend(strokes[1:])  # cursive writers dot and cross after the word
        else:
            main.extend(strokes[1:])
            count += sum(len(s) for s in strokes[1:])
        spans.append((ch, start, count))
        x += width + gap

    ink = main + delayed
    lengths = [len(s) for s in ink]
    pts = np.concatenate(ink)
    if slant:
        pts[:, 0] += slant * pts[:, 1]
    if aug.jitter > 0:
        pts += rng.normal(0.0, aug.jitter, size=pts.shape)
    return Rendering(word=word, ink=np.split(pts, np.cumsum(lengths)[:-1]), letter_spans=spans)


def render_letter(ch: str, style: str = "natural", seed=0, augment: Augment | None = None) -> Rendering:
    """Render one letter (a one-letter word)."""
    return render_word(ch, style, seed, augment)
