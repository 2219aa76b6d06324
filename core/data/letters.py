"""Character data for the classifier: synthetic and UNIPEN letters, or seed 000's `.npy` folders.

Every set is train/val/test features `(N, T, F)` float32 (for letters made
here, `core.ink.features.features18`: `(N, 64, 18)`) with string labels.

* Synthetic: the generator's 26 natural-style letters, augmented; a fixed
  number per class and split, seeded.
* UNIPEN category 1c letters (any UNIPEN source: `core.data.corpus`), or
  with charset `chars` every isolated character of categories 1a-1d, split
  by writer with a fixed seed, stratified by contributor (the contributors
  used different tablets): no writer is in two splits, and the test writers
  do not depend on the training seed, so no training or validation split
  ever sees them. On the training corpus the split is by contributor
  instead (`core.data.splits.contributor_split`): test and validation
  figures are then on strangers. The training split can
  grow with augmented copies of its letters and with synthetic letters.
* Seed 000's format (`core.data.npy`).

Feature sets that take seconds to build are cached (`core.data.cache`).
"""
from __future__ import annotations

import hashlib

from pathlib import Path

import numpy as np

from core.data.alphabets import AZ
from core.data.cache import cached_arrays, content_digest
from core.data.corpus import SOURCES_HELP, is_unipen_source, load_corpus, unipen_folder
from core.data.npy import import_npy
from core.data.splits import (
    SPLIT_SEED,
    SPLITS,
    TEST_CONTRIBUTORS,
    VAL_FRAC,
    VALIDATION_CONTRIBUTORS,
    CharSplits,
    contributor_of,
    contributor_split,
    uses_contributor_split,
    writer_split,
)
from core.errors import InputError
from core.ink.features import features18
from core.ink.ink import Ink
from core.ink.unipen_categories import CHARACTERS, LEVELS, LOWERCASE
from core.paths import unipen_fixture
from core.synth.generator import Augment, render_letter

# Augmentation of real letters: ranges of uniform draws (degrees; shear; relative width), sigmas in
# heights (point jitter; each stroke's own offset, as where a writer puts an i's dot or a t's bar),
# the amplitude of a smooth elastic warp (in heights), modest so an 'n' stays an 'n'; and the
# probabilities that a stroke is written backwards and that a letter's strokes come in another
# order (writers differ in both). `strength` scales them all (0: copies equal the original).
REAL_AUGMENT = {"rotation": 8.0, "slant": 0.25, "aspect": 0.15, "jitter": 0.01, "shift": 0.03, "warp": 0.03,
                "reverse": 0.05, "reorder": 0.2}


# ---------------------------------------------------------------- synthetic letters

def synthetic_augment():
    """The generator's augmentation for single synthetic letters (wider than for words)."""
    return Augment(jitter=0.01, slant=0.3, scale=0.1, aspect=0.2, rotation=8.0, density=1.0, allograph=0.6)


def synthetic_letters(per_class: int, seed: int, n_points: int = 64, letters: str = AZ) -> tuple[np.ndarray, np.ndarray]:
    """`per_class` augmented natural-style renderings of every letter: features and labels."""
    def build():
        rng = np.random.default_rng(seed)
        aug = synthetic_augment()
        inks = [render_letter(ch, "natural", rng, aug).ink for ch in letters for _ in range(per_class)]
        return {"X": np.stack([features18(ink, n_points) for ink in inks]),
                "y": np.repeat(np.array(list(letters)), per_class)}

    key = {"kind": "synthetic", "per_class": per_class, "seed": seed, "n_points": n_points, "letters": letters,
           "augment": synthetic_augment().to_dict()}
    arrays = cached_arrays(key, build) if per_class * len(letters) >= 500 else build()
    return arrays["X"], arrays["y"]


def synthetic_splits(per_class: int = 200, seed: int = 0, n_points: int = 64) -> CharSplits:
    """Synthetic a-z: `per_class` training letters per class, a quarter of that for val and test each."""
    if per_class < 1:
        raise InputError("per_class must be at least 1")
    X, y = {}, {}
    for k, split in enumerate(SPLITS):
        n = per_class if split == "train" else max(2, per_class // 4)
        X[split], y[split] = synthetic_letters(n, seed * 10 + k, n_points)  # disjoint seeds per split
    return CharSplits(X, y, {"source": "synthetic", "per_class": per_class, "seed": seed, "n_points": n_points})


# ---------------------------------------------------------------- UNIPEN letters

# What a classifier reads: `az` the lowercase letters of category 1c, `chars` every isolated character of
# categories 1a-1d (digits, capitals, lowercase letters, symbols).
CHARSETS = {"az": (LOWERCASE,), "chars": CHARACTERS}
# Labels that name no character: kai's "\@" marks ligatures, noise and delayed strokes (its .doc says so).
NOT_A_CHARACTER = {"\\@"}


def char_label(label: str) -> str | None:
    """A UNIPEN character label as the character it names ("\\\\" is a backslash), or None."""
    label = label.strip()
    if label in NOT_A_CHARACTER:
        return None
    if label == "\\\\":
        return "\\"
    return label if len(label) == 1 and label.isprintable() else None


def _categories(charset: str) -> tuple[str, ...]:
    if charset not in CHARSETS:
        raise InputError(f"unknown character set {charset!r}", f"choose one of {', '.join(CHARSETS)}")
    return CHARSETS[charset]


def _unipen_letters(root: Path, charset: str = "az") -> list[tuple]:
    """(sample, character) of every usable isolated character of the charset's categories."""
    cats = _categories(charset)
    corpus = load_corpus(root, list(cats))
    out = []
    for cat in cats:
        for s in corpus.of(cat, LEVELS[cat]):
            ch = char_label(s.label)
            if s.ink and ch is not None and (charset != "az" or ch in AZ):
                out.append((s, ch))
    return out


def _unipen_key(root: Path, charset: str = "az") -> dict:
    """Cache key of a UNIPEN folder: the content of its character files and of the files they may include."""
    cats = _categories(charset)
    files = sorted(p for c in cats for p in (root / "data" / c).rglob("*") if p.is_file())
    files += sorted(p for p in (root / "include").rglob("*") if p.is_file())
    # the writers' names come from the paths (contributor folders), so the paths are part of the key
    names = hashlib.sha1("\n".join(str(p.relative_to(root)) for p in files).encode()).hexdigest()[:16]
    key = {"content": content_digest(files), "paths": names}
    return key if charset == "az" else {**key, "charset": charset}


def unipen_letters(root: str | Path | None = None, n_points: int = 64, charset: str = "az") -> dict[str, np.ndarray]:
    """Features, labels and writers of every character of the charset (default: a-z of category 1c; cached)."""
    root = Path(root or unipen_fixture())
    folders = [root / "data" / c for c in _categories(charset)]
    if not any(f.is_dir() for f in folders):
        what = "letters" if charset == "az" else "characters"
        raise InputError(f"no UNIPEN category {', '.join(f.name for f in folders)} {what} at {folders[0]}",
                         "pass unipen:PATH pointing at a folder with data/ and include/")

    def build():
        samples = _unipen_letters(root, charset)
        if not samples:
            raise InputError(f"the UNIPEN data at {root} has no usable characters of set {charset!r}")
        return {"X": np.stack([features18(s.ink, n_points) for s, _ in samples]),
                "y": np.array([ch for _, ch in samples]), "writer": np.array([s.writer for s, _ in samples])}

    return cached_arrays({"kind": "unipen", **_unipen_key(root, charset), "n_points": n_points}, build)


def augment_ink(ink: Ink, rng: np.random.Generator, ranges: dict | None = None, strength: float = 1.0) -> Ink:
    """A randomly rotated, slanted, stretched, warped and jittered copy of one letter (units: its
    height), strokes shifted a little, sometimes written backwards or in another order (REAL_AUGMENT)."""
    r = {k: v * strength for k, v in {**REAL_AUGMENT, **(ranges or {})}.items()}
    pts = np.concatenate(ink)
    height = max(float(np.ptp(pts[:, 1])), 1e-9)
    theta = np.deg2rad(rng.uniform(-r["rotation"], r["rotation"]))
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    shear = np.array([[1.0, rng.uniform(-r["slant"], r["slant"])], [0.0, 1.0]])
    stretch = np.diag([1.0 + rng.uniform(-r["aspect"], r["aspect"]), 1.0])
    m = (stretch @ shear @ rot).T
    centre = pts.mean(axis=0)
    # elastic warp: per axis one sine wave of about one cycle per height, random direction and phase
    freq = rng.normal(0.0, 1.0, (2, 2)) * 2 * np.pi / height
    phase, amp = rng.uniform(0, 2 * np.pi, 2), r["warp"] * height * rng.uniform(-1, 1, 2)

    def move(s: np.ndarray) -> np.ndarray:
        q = (s - centre) @ m + centre
        q = q + amp * np.sin((s - centre) @ freq.T + phase)
        return q + rng.normal(0.0, r["shift"] * height, 2) + rng.normal(0.0, r["jitter"] * height, s.shape)

    out = [move(s) for s in ink]
    flips = rng.random(len(out)) < min(r["reverse"], 1.0)
    out = [s[::-1].copy() if flip else s for s, flip in zip(out, flips)]
    if len(out) > 1 and rng.random() < min(r["reorder"], 1.0):
        out = [out[i] for i in rng.permutation(len(out))]
    return out


def augmented_unipen(root: Path, writers: list[str], copies: int, seed: int, n_points: int,
                     strength: float = 1.0, charset: str = "az") -> dict[str, np.ndarray]:
    """`copies` augmented versions of every letter of `writers`, with the index of the original (cached)."""
    def build():
        samples = [s for s, _ in _unipen_letters(root, charset) if s.writer in set(writers)]
        rng = np.random.default_rng(seed)
        X, origin = [], []
        for i, s in enumerate(samples):
            for _ in range(copies):
                X.append(features18(augment_ink(s.ink, rng, strength=strength), n_points))
                origin.append(i)
        return {"X": np.stack(X), "origin": np.array(origin)}

    key = {"kind": "unipen-aug", **_unipen_key(root, charset), "writers": sorted(writers), "copies": copies, "seed": seed,
           "n_points": n_points, "ranges": REAL_AUGMENT, "strength": strength}
    return cached_arrays(key, build)


def unipen_splits(root: str | Path | None = None, n_points: int = 64, copies: int = 0, synthetic: int = 0,
                  seed: int = 0, val_frac: float = VAL_FRAC, strength: float = 1.0, charset: str = "az") -> CharSplits:
    """UNIPEN isolated characters (`charset`) split by writer (`writer_split`, fixed seed), or by contributor
    on a corpus that holds the test contributors (`contributor_split`: the training corpus).

    `copies` augmented versions of every training letter and `synthetic`
    synthetic letters per class (both seeded by `seed`) join the training
    split only; validation and test are real letters of unseen writers.
    A smaller `val_frac` moves validation writers into training; the test
    writers stay the same (they are drawn first).
    """
    root = Path(root or unipen_fixture())
    letters = unipen_letters(root, n_points, charset)
    if not 0.0 <= val_frac <= 0.5:
        raise InputError(f"val_frac must be in [0, 0.5], got {val_frac}")
    writers = letters["writer"].tolist()
    by_contributor = uses_contributor_split({contributor_of(w) for w in set(writers)})
    groups = contributor_split(writers) if by_contributor else writer_split(writers, val_frac=val_frac)
    if not groups["val"]:
        raise InputError(f"val_frac {val_frac} leaves no validation writer", "use at least 0.05")
    X, y, who = {}, {}, {}
    for split, writers in groups.items():
        mask = np.isin(letters["writer"], writers)
        X[split], y[split], who[split] = letters["X"][mask], letters["y"][mask], letters["writer"][mask]
    group_of = np.arange(len(y["train"]))
    if copies > 0:
        aug = augmented_unipen(root, groups["train"], copies, seed, n_points, strength, charset)
        X["train"] = np.concatenate([X["train"], aug["X"]])
        y["train"] = np.concatenate([y["train"], y["train"][aug["origin"]]])
        group_of = np.concatenate([group_of, aug["origin"]])
    if synthetic > 0:
        Xs, ys = synthetic_letters(synthetic, 7919 + seed, n_points)
        X["train"], y["train"] = np.concatenate([X["train"], Xs]), np.concatenate([y["train"], ys])
        group_of = np.concatenate([group_of, group_of.max() + 1 + np.arange(len(ys))])
    split = ({"split": "by contributor", "test_contributors": list(TEST_CONTRIBUTORS),
              "validation_contributors": list(VALIDATION_CONTRIBUTORS)} if by_contributor
             else {"split": "by writer", "split_seed": SPLIT_SEED})
    description = {"source": f"unipen:{root}", "charset": charset, "n_points": n_points, **split,
                   "writers": groups, "augmented_copies": copies, "augment_strength": strength,
                   "synthetic_per_class": synthetic,
                   "sizes": {s: int(len(y[s])) for s in SPLITS}}
    return CharSplits(X, y, description, group_of, {"val": who["val"], "test": who["test"]})


# ---------------------------------------------------------------- one entry point

def char_splits(source: str, seed: int = 0, per_class: int = 200, n_points: int = 64, copies: int = 0,
                synthetic: int = 0, val_frac: float = VAL_FRAC, strength: float = 1.0, charset: str = "az") -> CharSplits:
    """`synthetic`, a UNIPEN source (`unipen`, `unipen:PATH` of a folder or archive, `unipen-train`) or `npy:DIR`
    as train/val/test splits.

    `seed` seeds synthetic letters and the augmentation of real ones (the
    UNIPEN writer split is fixed); `per_class` sizes synthetic data;
    `copies` (augmented with `strength`) and `synthetic` add to UNIPEN's training split only.
    """
    if source == "synthetic":
        return synthetic_splits(per_class, seed, n_points)
    if is_unipen_source(source):
        return unipen_splits(unipen_folder(source), n_points, copies, synthetic, seed, val_frac, strength, charset)
    if charset != "az":
        raise InputError(f"the character set {charset!r} needs UNIPEN data", f"use {SOURCES_HELP}")
    if source.startswith("npy:") and len(source) > 4:
        return import_npy(source[4:])
    raise InputError(f"unknown character data source {source!r}", f"use synthetic, {SOURCES_HELP} or npy:DIR")
