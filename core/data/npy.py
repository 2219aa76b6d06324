"""Seed 000's character format: `X_{train,val,test}.npy` features and `y_{...}.npy` labels.

Always loaded with `allow_pickle=False`; labels are unicode strings or
integers; the feature count, length and classes come from the files.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from core.data.splits import SPLITS, CharSplits
from core.errors import InputError


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
