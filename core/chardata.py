"""Character data for the classifier: synthetic and UNIPEN letters, and seed 000's `.npy` format.

Every set is `(N, T, 18)` float32 features (core.features.features18) with
string labels. UNIPEN letters are split by writer, so no writer is in two
splits and the test split measures writer-independent accuracy. `.npy`
files are always loaded with `allow_pickle=False`.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import InputError
from core.features import features18

SPLITS = ("train", "val", "test")
AZ = "abcdefghijklmnopqrstuvwxyz"
CACHE_DIR = Path(os.environ.get("HWLAB_CACHE", Path.home() / ".cache" / "hwlab"))


@dataclass
class CharSplits:
    """Train/val/test features and string labels, plus what they are."""

    X: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    description: dict = field(default_factory=dict)

    @property
    def classes(self) -> list[str]:
        return sorted(set(np.concatenate([self.y[s] for s in SPLITS]).tolist()))


def synthetic_letters(per_class: int, seed: int, n_points: int = 64, letters: str = AZ):
    """`per_class` augmented natural-style renderings of every letter."""
    from core.generator import Augment, render_letter

    rng = np.random.default_rng(seed)
    aug = Augment(jitter=0.01, slant=0.3, scale=0.1, aspect=0.2, rotation=8.0, density=1.0, allograph=0.6)
    inks, labels = [], []
    for ch in letters:
        for _ in range(per_class):
            inks.append(render_letter(ch, "natural", rng, aug).ink)
            labels.append(ch)
    return np.stack([features18(ink, n_points) for ink in inks]), np.array(labels)


def synthetic_splits(per_class: int = 200, seed: int = 0, n_points: int = 64) -> CharSplits:
    X, y = {}, {}
    for k, split in enumerate(SPLITS):
        n = per_class if split == "train" else max(1, per_class // 4)
        X[split], y[split] = synthetic_letters(n, seed * 10 + k, n_points)
    return CharSplits(X, y, {"source": "synthetic", "per_class": per_class, "seed": seed})


def writer_split(writers: list[str], seed: int, val_frac: float = 0.15, test_frac: float = 0.15,
                 test_writers: list[str] | None = None) -> dict[str, list[str]]:
    """Writers into train/val/test; `test_writers` (if given) are held out for test."""
    everyone = sorted(set(writers))
    pool = sorted(set(everyone) - set(test_writers or []))
    order = [pool[i] for i in np.random.default_rng(seed).permutation(len(pool))]
    n_val = max(1, int(round(val_frac * len(everyone))))
    if test_writers is None:
        n_test = max(1, int(round(test_frac * len(everyone))))
        test_writers, order = order[:n_test], order[n_test:]
    return {"test": sorted(test_writers), "val": sorted(order[:n_val]), "train": sorted(order[n_val:])}


def _cached(key: dict, build):
    digest = hashlib.sha1(repr(sorted(key.items())).encode()).hexdigest()[:16]
    path = CACHE_DIR / f"chars-{digest}.npz"
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        except (OSError, ValueError):
            pass
    arrays = build()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)
    return arrays


def unipen_splits(root: str | Path | None = None, seed: int = 0, n_points: int = 64,
                  test_writers: list[str] | None = None) -> CharSplits:
    """UNIPEN category 1c letters (labels a-z), split by writer."""
    from core.unipen import DEFAULT_UNIPEN, load_letters

    root = Path(root or DEFAULT_UNIPEN)

    def build():
        samples = [s for s in load_letters(root) if s.label in AZ]
        return {"X": np.stack([features18(s.ink, n_points) for s in samples]),
                "y": np.array([s.label for s in samples]), "writer": np.array([s.writer for s in samples])}

    arrays = _cached({"root": str(root.resolve()), "n_points": n_points, "v": 1}, build)
    groups = writer_split(arrays["writer"].tolist(), seed, test_writers=test_writers)
    X, y = {}, {}
    for split, writers in groups.items():
        mask = np.isin(arrays["writer"], writers)
        X[split], y[split] = arrays["X"][mask], arrays["y"][mask]
    return CharSplits(X, y, {"source": f"unipen:{root}", "seed": seed, "writers": groups})


def export_npy(splits: CharSplits, out: str | Path) -> Path:
    """Write X_{train,val,test}.npy and y_{...}.npy (labels as unicode strings, no pickle needed)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for s in SPLITS:
        np.save(out / f"X_{s}.npy", splits.X[s].astype(np.float32))
        np.save(out / f"y_{s}.npy", np.asarray(splits.y[s]).astype(str))
    return out


def _load(path: Path) -> np.ndarray:
    if not path.is_file():
        raise InputError(f"{path} is missing", "a seed-format folder holds X_/y_ train, val and test .npy files")
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc):
            raise InputError(f"{path} needs pickle to load, which is refused",
                             "re-save it with plain labels, e.g. np.save(path, y.astype(str))") from exc
        raise InputError(f"{path} is not a valid .npy file ({exc})") from exc
    except (OSError, EOFError) as exc:
        raise InputError(f"{path} is not a valid .npy file (truncated or corrupted)") from exc


def import_npy(folder: str | Path) -> CharSplits:
    """Read seed 000's format; feature count and classes come from the files."""
    folder = Path(folder)
    X, y = {}, {}
    for s in SPLITS:
        xs, ys = _load(folder / f"X_{s}.npy"), _load(folder / f"y_{s}.npy")
        if xs.ndim != 3 or xs.shape[0] == 0:
            raise InputError(f"X_{s}.npy has shape {xs.shape}; expected (N, T, F) with N > 0")
        if not np.issubdtype(xs.dtype, np.floating) and not np.issubdtype(xs.dtype, np.integer):
            raise InputError(f"X_{s}.npy has dtype {xs.dtype}; expected floats")
        if not np.isfinite(xs).all():
            raise InputError(f"X_{s}.npy contains NaN or infinite values")
        if ys.ndim != 1 or len(ys) != len(xs):
            raise InputError(f"y_{s}.npy has shape {ys.shape}; expected ({len(xs)},) to match X_{s}.npy")
        if ys.dtype.kind not in "UiuS":
            raise InputError(f"y_{s}.npy has dtype {ys.dtype}; expected strings or integers")
        X[s], y[s] = xs.astype(np.float32), ys.astype(str)
    shapes = {X[s].shape[1:] for s in SPLITS}
    if len(shapes) > 1:
        raise InputError(f"the splits have different (T, F) shapes: {sorted(shapes)}")
    return CharSplits(X, y, {"source": f"npy:{folder}"})


def char_splits(source: str, seed: int = 0, per_class: int = 200, n_points: int = 64) -> CharSplits:
    """`synthetic`, `unipen[:PATH]` or `npy:DIR`."""
    if source == "synthetic":
        return synthetic_splits(per_class, seed, n_points)
    if source == "unipen" or source.startswith("unipen:"):
        from core.unipen import unipen_root

        return unipen_splits(unipen_root(source), seed, n_points)
    if source.startswith("npy:"):
        return import_npy(source[4:])
    raise InputError(f"unknown character data source {source!r}", "use synthetic, unipen[:PATH] or npy:DIR")
