"""Character data for the classifier: synthetic and UNIPEN letters, and seed 000's `.npy` format.

Every set is train/val/test features `(N, T, F)` float32 (for letters made
here, `core.features.features18`: `(N, 64, 18)`) with string labels.

* Synthetic: the generator's 26 natural-style letters, augmented; a fixed
  number per class and split, seeded.
* UNIPEN category 1c letters, split by writer with a fixed seed, stratified
  by contributor (the contributors used different tablets): no writer is in
  two splits, and the test writers do not depend on the training seed, so
  no training or validation split ever sees them. The training split can
  grow with augmented copies of its letters and with synthetic letters.
* Seed 000's format: `X_{train,val,test}.npy` and `y_{...}.npy`, always
  loaded with `allow_pickle=False`; labels are unicode strings or integers.

Feature sets that take seconds to build are cached as `.npz` files under
`CACHE_DIR` (env `HWLAB_CACHE`), keyed by every parameter that shapes them.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from core.errors import InputError
from core.features import features18
from core.ink import Ink

SPLITS = ("train", "val", "test")
AZ = "abcdefghijklmnopqrstuvwxyz"
CACHE_DIR = Path(os.environ.get("HWLAB_CACHE", Path.home() / ".cache" / "hwlab"))
CACHE_VERSION = 3  # bump when a split or augmentation rule here changes
_CODE = ("features.py", "ink.py", "generator.py", "glyphs.py", "unipen.py")  # their edits invalidate the cache
SPLIT_SEED = 0  # the UNIPEN writer split: fixed, so the test writers never change
VAL_FRAC = TEST_FRAC = 0.15
# Augmentation of real letters: ranges of uniform draws (degrees; shear; relative width), sigmas in
# heights (point jitter; each stroke's own offset, as where a writer puts an i's dot or a t's bar),
# the amplitude of a smooth elastic warp (in heights), modest so an 'n' stays an 'n'; and the
# probabilities that a stroke is written backwards and that a letter's strokes come in another
# order (writers differ in both). `strength` scales them all (0: copies equal the original).
REAL_AUGMENT = {"rotation": 8.0, "slant": 0.25, "aspect": 0.15, "jitter": 0.01, "shift": 0.03, "warp": 0.03,
                "reverse": 0.05, "reorder": 0.2}


@dataclass
class CharSplits:
    """Train/val/test features and string labels, plus what they are.

    `groups` optionally maps each training sample to its original letter
    (augmented copies share the index of their original); the trainer draws
    one version of every letter per epoch. `writers` optionally names the
    writer of every validation and test sample (UNIPEN), for per-writer results.
    """

    X: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    description: dict = field(default_factory=dict)
    groups: np.ndarray | None = None
    writers: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def classes(self) -> list[str]:
        """Every label of every split (as seed 000's label encoder), integers in numeric order."""
        return sort_labels(set(np.concatenate([self.y[s] for s in SPLITS]).tolist()))

    def sizes(self) -> dict[str, int]:
        return {s: int(len(self.y[s])) for s in SPLITS}


def sort_labels(labels) -> list[str]:
    """Labels in order; labels that are all integers sort numerically ("2" before "10")."""
    labels = [str(c) for c in labels]
    if labels and all(c.lstrip("-").isdigit() for c in labels):
        return sorted(labels, key=int)
    return sorted(labels)


# ---------------------------------------------------------------- caching

def _code_stamp() -> str:
    """A digest of the modules that shape the features, so editing one of them rebuilds the cache."""
    here = Path(__file__).resolve().parent
    return hashlib.sha1(b"".join((here / name).read_bytes() for name in _CODE)).hexdigest()[:12]


def _cached(key: dict, build: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Arrays built once per `key` and kept as an .npz file (written atomically)."""
    full = {**key, "v": CACHE_VERSION, "code": _code_stamp()}
    digest = hashlib.sha1(json.dumps(full, sort_keys=True).encode()).hexdigest()[:16]
    path = CACHE_DIR / f"chars-{key.get('kind', 'set')}-{digest}.npz"
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError):
            pass  # a damaged cache file is rebuilt
    arrays = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home only costs the rebuild next time
    return arrays


# ---------------------------------------------------------------- synthetic letters

def synthetic_augment():
    """The generator's augmentation for single synthetic letters (wider than for words)."""
    from core.generator import Augment

    return Augment(jitter=0.01, slant=0.3, scale=0.1, aspect=0.2, rotation=8.0, density=1.0, allograph=0.6)


def synthetic_letters(per_class: int, seed: int, n_points: int = 64, letters: str = AZ) -> tuple[np.ndarray, np.ndarray]:
    """`per_class` augmented natural-style renderings of every letter: features and labels."""
    from core.generator import render_letter

    def build():
        rng = np.random.default_rng(seed)
        aug = synthetic_augment()
        inks = [render_letter(ch, "natural", rng, aug).ink for ch in letters for _ in range(per_class)]
        return {"X": np.stack([features18(ink, n_points) for ink in inks]),
                "y": np.repeat(np.array(list(letters)), per_class)}

    key = {"kind": "synthetic", "per_class": per_class, "seed": seed, "n_points": n_points, "letters": letters,
           "augment": synthetic_augment().to_dict()}
    arrays = _cached(key, build) if per_class * len(letters) >= 500 else build()
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

def writer_split(writers, seed: int = SPLIT_SEED, val_frac: float = VAL_FRAC,
                 test_frac: float = TEST_FRAC) -> dict[str, list[str]]:
    """Writers ("contributor/writer") into train/val/test, stratified by contributor.

    Per contributor with n writers: round(test_frac * n) test writers (at
    least one when n >= 3), then round(val_frac * n) validation writers,
    the rest train. Deterministic for a seed; no writer is in two splits.
    """
    by_contributor: dict[str, list[str]] = {}
    for w in sorted(set(writers)):
        by_contributor.setdefault(w.split("/")[0], []).append(w)
    rng = np.random.default_rng(seed)
    out: dict[str, list[str]] = {s: [] for s in SPLITS}
    for contributor in sorted(by_contributor):
        pool = by_contributor[contributor]
        order = [pool[i] for i in rng.permutation(len(pool))]
        n = len(pool)
        n_test = max(1 if n >= 3 else 0, int(round(test_frac * n)))
        n_val = min(int(round(val_frac * n)), n - n_test - 1)
        out["test"] += order[:n_test]
        out["val"] += order[n_test:n_test + max(n_val, 0)]
        out["train"] += order[n_test + max(n_val, 0):]
    return {s: sorted(v) for s, v in out.items()}


def _unipen_letters(root: Path) -> list:
    from core.unipen import load_letters

    return [s for s in load_letters(root) if s.label in AZ]


def _unipen_key(root: Path) -> dict:
    """Cache key of a UNIPEN folder: its path and the size and time of its files."""
    files = sorted(p for p in (root / "data" / "1c").rglob("*") if p.is_file())
    stamp = hashlib.sha1("".join(f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files).encode())
    return {"root": str(root.resolve()), "files": stamp.hexdigest()[:12]}


def unipen_letters(root: str | Path | None = None, n_points: int = 64) -> dict[str, np.ndarray]:
    """Features, labels and writers of every a-z letter of UNIPEN category 1c (cached)."""
    from core.unipen import DEFAULT_UNIPEN

    root = Path(root or DEFAULT_UNIPEN)
    if not (root / "data" / "1c").is_dir():
        raise InputError(f"no UNIPEN category 1c letters at {root / 'data' / '1c'}",
                         "pass unipen:PATH pointing at a folder with data/ and include/")

    def build():
        samples = _unipen_letters(root)
        return {"X": np.stack([features18(s.ink, n_points) for s in samples]),
                "y": np.array([s.label for s in samples]), "writer": np.array([s.writer for s in samples])}

    return _cached({"kind": "unipen", **_unipen_key(root), "n_points": n_points}, build)


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
                     strength: float = 1.0) -> dict[str, np.ndarray]:
    """`copies` augmented versions of every letter of `writers`, with the index of the original (cached)."""
    def build():
        samples = [s for s in _unipen_letters(root) if s.writer in set(writers)]
        rng = np.random.default_rng(seed)
        X, origin = [], []
        for i, s in enumerate(samples):
            for _ in range(copies):
                X.append(features18(augment_ink(s.ink, rng, strength=strength), n_points))
                origin.append(i)
        return {"X": np.stack(X), "origin": np.array(origin)}

    key = {"kind": "unipen-aug", **_unipen_key(root), "writers": sorted(writers), "copies": copies, "seed": seed,
           "n_points": n_points, "ranges": REAL_AUGMENT, "strength": strength}
    return _cached(key, build)


def unipen_splits(root: str | Path | None = None, n_points: int = 64, copies: int = 0, synthetic: int = 0,
                  seed: int = 0, val_frac: float = VAL_FRAC, strength: float = 1.0) -> CharSplits:
    """UNIPEN category 1c letters split by writer (`writer_split`, fixed seed).

    `copies` augmented versions of every training letter and `synthetic`
    synthetic letters per class (both seeded by `seed`) join the training
    split only; validation and test are real letters of unseen writers.
    A smaller `val_frac` moves validation writers into training; the test
    writers stay the same (they are drawn first).
    """
    from core.unipen import DEFAULT_UNIPEN

    root = Path(root or DEFAULT_UNIPEN)
    letters = unipen_letters(root, n_points)
    if not 0.0 <= val_frac <= 0.5:
        raise InputError(f"val_frac must be in [0, 0.5], got {val_frac}")
    groups = writer_split(letters["writer"].tolist(), val_frac=val_frac)
    if not groups["val"]:
        raise InputError(f"val_frac {val_frac} leaves no validation writer", "use at least 0.05")
    X, y, who = {}, {}, {}
    for split, writers in groups.items():
        mask = np.isin(letters["writer"], writers)
        X[split], y[split], who[split] = letters["X"][mask], letters["y"][mask], letters["writer"][mask]
    group_of = np.arange(len(y["train"]))
    if copies > 0:
        aug = augmented_unipen(root, groups["train"], copies, seed, n_points, strength)
        X["train"] = np.concatenate([X["train"], aug["X"]])
        y["train"] = np.concatenate([y["train"], y["train"][aug["origin"]]])
        group_of = np.concatenate([group_of, aug["origin"]])
    if synthetic > 0:
        Xs, ys = synthetic_letters(synthetic, 7919 + seed, n_points)
        X["train"], y["train"] = np.concatenate([X["train"], Xs]), np.concatenate([y["train"], ys])
        group_of = np.concatenate([group_of, group_of.max() + 1 + np.arange(len(ys))])
    description = {"source": f"unipen:{root}", "n_points": n_points, "split_seed": SPLIT_SEED,
                   "writers": groups, "augmented_copies": copies, "augment_strength": strength,
                   "synthetic_per_class": synthetic,
                   "sizes": {s: int(len(y[s])) for s in SPLITS}}
    return CharSplits(X, y, description, group_of, {"val": who["val"], "test": who["test"]})


# ---------------------------------------------------------------- seed 000's .npy format

def export_npy(splits: CharSplits, out: str | Path) -> Path:
    """Write X_{train,val,test}.npy (float32) and y_{...}.npy (unicode strings: no pickle needed)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    for s in SPLITS:
        np.save(out / f"X_{s}.npy", np.asarray(splits.X[s], dtype=np.float32), allow_pickle=False)
        np.save(out / f"y_{s}.npy", np.asarray(splits.y[s]).astype(str), allow_pickle=False)
    return out


def _load_npy(path: Path) -> np.ndarray:
    if not path.is_file():
        raise InputError(f"{path} is missing",
                         "a seed-format folder holds X_train, X_val, X_test, y_train, y_val and y_test .npy files")
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc):
            raise InputError(f"{path.name} holds Python objects and needs pickle to load, which is refused",
                             f"re-save it with plain labels, e.g. np.save('{path.name}', y.astype(str)) "
                             "or y.astype(int)") from exc
        raise InputError(f"{path} is not a valid .npy file ({exc})") from exc
    except (OSError, EOFError) as exc:
        raise InputError(f"{path} is not a valid .npy file (truncated or corrupted)") from exc


def _check_split(split: str, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if X.ndim != 3 or min(X.shape) == 0:
        raise InputError(f"X_{split}.npy has shape {X.shape}; expected (N, T, F) with N, T, F > 0",
                         "one row per sample, one time step per point, one column per feature")
    if X.dtype.kind not in "fiu":
        raise InputError(f"X_{split}.npy has dtype {X.dtype}; expected floating-point features",
                         f"re-save it with np.save('X_{split}.npy', X.astype(np.float32))")
    if not np.isfinite(X).all():
        bad = int((~np.isfinite(X)).any(axis=(1, 2)).sum())
        raise InputError(f"X_{split}.npy contains NaN or infinite values (in {bad} of {len(X)} samples)",
                         "drop or repair those samples")
    if y.ndim != 1:
        raise InputError(f"y_{split}.npy has shape {y.shape}; expected one label per sample, shape ({len(X)},)")
    if len(y) != len(X):
        raise InputError(f"y_{split}.npy has {len(y)} labels but X_{split}.npy has {len(X)} samples: "
                         "the lengths must match")
    if y.dtype.kind not in "Uiu":
        raise InputError(f"y_{split}.npy has dtype {y.dtype}; expected strings or integers",
                         f"re-save it with np.save('y_{split}.npy', y.astype(str))")
    return X.astype(np.float32), y.astype(str)


def import_npy(folder: str | Path) -> CharSplits:
    """Read any seed 000 folder; the feature count, length and classes come from the files."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder", "npy:DIR names a folder of X_/y_ .npy files")
    X, y = {}, {}
    for s in SPLITS:
        X[s], y[s] = _check_split(s, _load_npy(folder / f"X_{s}.npy"), _load_npy(folder / f"y_{s}.npy"))
    shapes = {s: X[s].shape[1:] for s in SPLITS}
    if len(set(shapes.values())) > 1:
        raise InputError("the splits' samples differ in shape (T, F): "
                         + ", ".join(f"{s} {shapes[s]}" for s in SPLITS), "every split needs the same T and F")
    if X["train"].shape[1] < 2:
        raise InputError(f"the samples have {X['train'].shape[1]} time step(s); the model needs at least 2")
    return CharSplits(X, y, {"source": f"npy:{folder}", "sizes": {s: int(len(y[s])) for s in SPLITS}})


# ---------------------------------------------------------------- one entry point

def char_splits(source: str, seed: int = 0, per_class: int = 200, n_points: int = 64, copies: int = 0,
                synthetic: int = 0, val_frac: float = VAL_FRAC, strength: float = 1.0) -> CharSplits:
    """`synthetic`, `unipen[:PATH]` or `npy:DIR` as train/val/test splits.

    `seed` seeds synthetic letters and the augmentation of real ones (the
    UNIPEN writer split is fixed); `per_class` sizes synthetic data;
    `copies` (augmented with `strength`) and `synthetic` add to UNIPEN's training split only.
    """
    if source == "synthetic":
        return synthetic_splits(per_class, seed, n_points)
    if source == "unipen" or source.startswith("unipen:"):
        from core.unipen import unipen_root

        return unipen_splits(unipen_root(source), n_points, copies, synthetic, seed, val_frac, strength)
    if source.startswith("npy:") and len(source) > 4:
        return import_npy(source[4:])
    raise InputError(f"unknown character data source {source!r}", "use synthetic, unipen[:PATH] or npy:DIR")
