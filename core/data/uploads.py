"""Files uploaded in the dashboard: their size limits and how each kind is read.

A page hands over an upload's name and bytes and gets back what the
command line would get from the same file (ink, a checkpoint, a seed 000
`.npy` set, UNIPEN samples), or an `InputError` that names the file. No
Streamlit here: tests call these functions directly.

Limits are per file. Text inputs (ink, UNIPEN) share the 20 MB limit their
readers apply on the command line too; checkpoints and `.npy` files may be
larger (a UNIPEN export's X_train.npy is about 40 MB). The largest limit is
the server's `[server] maxUploadSize` in .streamlit/config.toml.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Sequence

from core.data.npy import import_npy
from core.errors import InputError
from core.files.atomic import read_json
from core.ink.ink import Ink, n_points
from core.ink.io import ink_from_bytes
from core.ink.unipen import read_unipen_bytes
from core.paths import runs_dir, unipen_fixture, uploads_dir

MB = 2**20
LIMITS_MB = {"ink": 20, "unipen": 20, "checkpoint": 64, "npy": 64}
SERVER_LIMIT_MB = max(LIMITS_MB.values())  # must equal [server] maxUploadSize
WHAT = {"ink": "ink files", "unipen": "UNIPEN files", "checkpoint": "checkpoints", "npy": ".npy files"}
NPY_FILES = ("X_train.npy", "X_val.npy", "X_test.npy", "y_train.npy", "y_val.npy", "y_test.npy")
NPY_HINT = ("each X_ file holds float features (N, T, F) and its y_ file N labels (strings or integers), "
            "saved with np.save")
KEEP_SETS = 8            # stored .npy sets kept besides those a run names (oldest pruned first)
STALE_SECONDS = 3600     # a hidden half-written set older than this was left by a crash
UNIPEN_HINT = ('a UNIPEN file has .PEN_DOWN, then "X Y" lines, then .PEN_UP, and labels such as '
               '.SEGMENT CHARACTER 0-1 OK "a" (strokes counted from 0)')


def _hinted(exc: InputError, hint: str, message: str | None = None) -> InputError:
    """The same error with a hint (its own, if it has one) and optionally another message."""
    return InputError(message or exc.message, exc.hint or hint)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_size(name: str, data: bytes, kind: str) -> bytes:
    """Refuse an empty file, or one over the limit for its kind ("ink", "unipen", "checkpoint", "npy")."""
    limit = LIMITS_MB[kind]
    if not data:
        raise InputError(f"{name} is empty", "choose the file again; the upload may have failed")
    if len(data) > limit * MB:
        raise InputError(f"{name} is {len(data) / MB:.1f} MB; the limit for {WHAT[kind]} is {limit} MB",
                         "use the command line for larger files" if kind in ("checkpoint", "npy")
                         else "split it into several files")
    return data


def ink_from_upload(name: str, data: bytes) -> tuple[Ink, str | None]:
    """Ink JSON or canvas json_data bytes -> (ink, label), every point kept.

    Drawings of more than 20,000 points are downsampled where they are read
    (`core.models.inference.read`), which says so, exactly as for the canvas.
    """
    ink, label = ink_from_bytes(check_size(name, data, "ink"), name, max_points=None)
    if n_points(ink) < 2:
        raise InputError(f"{name} holds fewer than two points: the ink is empty or a single point",
                         "upload ink with at least one stroke of two points, or draw on the canvas")
    return ink, label


def _npy_by_name(files: Sequence[tuple[str, bytes]]) -> dict[str, bytes]:
    by_name: dict[str, bytes] = {}
    for name, data in files:
        base = Path(name).name
        if base in by_name:
            raise InputError(f"{base} was uploaded twice", "upload each of the six files once")
        by_name[base] = data
    unexpected = sorted(set(by_name) - set(NPY_FILES))
    if unexpected:
        raise InputError(f"unexpected file(s): {', '.join(unexpected)}",
                         f"seed 000's format is exactly these six files: {', '.join(NPY_FILES)}")
    missing = [n for n in NPY_FILES if n not in by_name]
    if missing:
        raise InputError(f"missing {', '.join(missing)}", f"upload all six files: {', '.join(NPY_FILES)}")
    for n in NPY_FILES:
        check_size(n, by_name[n], "npy")
    return by_name


def npy_digest(files: Sequence[tuple[str, bytes]]) -> str:
    """sha256 over the six files by name, so the same set always lands in the same folder."""
    return _digest(_npy_by_name(files))


def _digest(by_name: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for n in NPY_FILES:
        h.update(f"{n}:{len(by_name[n])}:".encode())
        h.update(by_name[n])
    return h.hexdigest()


def store_npy_upload(files: Sequence[tuple[str, bytes]], root: Path | None = None):
    """Validate six uploaded seed 000 files (`core.data.npy.import_npy`) and keep them for training.

    A valid set lands in `root/<sha256 prefix>/` (default `uploads_dir()`):
    written to a hidden temporary folder, checked, then renamed into place,
    so a half-written or invalid set is never seen there. Returns (folder,
    CharSplits); train with `--data npy:<folder>`.
    """
    by_name = _npy_by_name(files)
    root = Path(root or uploads_dir())
    final = root / _digest(by_name)[:16]
    if final.is_dir():
        try:
            splits = import_npy(final)
            os.utime(final)  # used again: the newest, last to be pruned
            return final, splits
        except InputError:
            shutil.rmtree(final, ignore_errors=True)  # damaged on disk: store it again
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".incoming-", dir=root))
    try:
        for n in NPY_FILES:
            (tmp / n).write_bytes(by_name[n])
        try:
            splits = import_npy(tmp)
        except InputError as exc:  # name the uploaded file, not the temporary folder
            raise _hinted(exc, NPY_HINT, exc.message.replace(f"{tmp}{os.sep}", "").replace(str(tmp), "the upload")) \
                from exc
        os.chmod(tmp, 0o755)
        try:
            os.replace(tmp, final)
        except OSError:
            if not final.is_dir():  # not "another session stored the same set first"
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    splits.description["source"] = f"npy:{final}"
    prune_uploads(root, keep={final})
    return final, splits


def _named_by_runs() -> set[Path]:
    """The upload folders that a run's config names as its data (`npy:<folder>`)."""
    named = set()
    for config in runs_dir().glob("*/config.json"):
        data = str((read_json(config) or {}).get("data", ""))
        if data.startswith("npy:"):
            named.add(Path(data[4:]).resolve())
    return named


def prune_uploads(root: Path | None = None, keep: set[Path] = frozenset(), limit: int | None = None) -> list[Path]:
    """Delete the oldest stored .npy sets beyond `limit`, never one in `keep` or named by a run, and
    half-written sets a crash left; returns what was deleted."""
    root, limit = Path(root or uploads_dir()), KEEP_SETS if limit is None else limit
    if not root.is_dir():
        return []
    protected = {Path(k).resolve() for k in keep} | _named_by_runs()
    removed = []
    for d in root.iterdir():
        if d.is_dir() and d.name.startswith(".incoming-") and time.time() - d.stat().st_mtime > STALE_SECONDS:
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    sets = sorted((d for d in root.iterdir() if d.is_dir() and not d.name.startswith(".")),
                  key=lambda d: d.stat().st_mtime, reverse=True)
    for d in sets[limit:]:
        if d.resolve() not in protected:
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


def npy_folder(text: str) -> Path:
    """A folder typed by a user, made absolute (the trainer's working folder may differ from the dashboard's)."""
    try:
        return Path(text.strip()).expanduser().resolve()
    except (ValueError, RuntimeError, OSError) as exc:  # a NUL byte, an unknown ~user
        raise InputError(f"{text.strip()[:80]!r} is not a usable folder path", "type the folder's full path") from exc


def npy_from_folder(text: str):
    """A seed 000 folder typed by a user -> (absolute folder, CharSplits), checked by `import_npy`."""
    folder = npy_folder(text)
    try:
        return folder, import_npy(folder)
    except InputError as exc:
        raise _hinted(exc, NPY_HINT) from exc


def describe_npy(splits) -> dict:
    """What a page shows of a valid set: split sizes, sample shape (T, F) and the classes."""
    return {"sizes": splits.sizes(), "shape": tuple(int(n) for n in splits.X["train"].shape[1:]),
            "classes": splits.classes}


def unipen_from_upload(name: str, data: bytes) -> list:
    """The samples (core.ink.unipen.Sample) of an uploaded UNIPEN file; `.INCLUDE` reads only the shared include folder."""
    try:
        return read_unipen_bytes(check_size(name, data, "unipen"), name, unipen_fixture())
    except InputError as exc:
        raise _hinted(exc, UNIPEN_HINT) from exc
