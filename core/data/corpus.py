"""UNIPEN corpora as people get them: a folder, an archive of one, or the training corpus; parsed once, then cached.

Sources (every `--data`/`--source` that takes UNIPEN):

* `unipen`: the small fixture (`core.paths.unipen_fixture`);
* `unipen:PATH`: a folder with `data/` and `include/` (or holding one such
  folder), or an archive of one (`.tar.xz`, `.tar.gz`, `.zip`, ...: the
  public distribution is downloaded as one), unpacked once into the cache
  folder (`core.data.archives`);
* `unipen-train`: the training corpus's archive (`core.paths.unipen_train_archive`).

`load_corpus` reads a folder's data files with the tolerant reader and
keeps the result in the cache folder, per category: a JSON manifest (every
data file's size and modification time and those of the files it
includes, its repairs or why it was refused, where its samples are; the
headers; the tables of labels, levels, qualities and writers) and plain
`.npy` arrays (points, pieces, sample bounds, indices into those tables).
Only files that changed are parsed again; `CORPUS_CACHE_VERSION` and the
reader's version invalidate everything. No pickle: JSON and arrays only.
"""
from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from core.data.archives import Progress, is_archive, unpacked
from core.errors import InputError
from core.files.atomic import replace_with, write_text
from core.ink.unipen import (
    UNIPEN_READER_VERSION,
    LoadReport,
    Sample,
    build_samples,
    categories_of,
    data_file_names,
    read_file_samples,
)
from core.ink.unipen_categories import LEVELS, LOWERCASE, WORDS
from core.ink.unipen_repairs import count_kinds
from core.paths import cache_dir, unipen_fixture, unipen_train_archive

CORPUS_CACHE_VERSION = 1  # bump when the cache's layout or what it keeps changes
SOURCES_HELP = "unipen, unipen:PATH (a folder or a .tar.xz/.tar.gz/.zip archive of one) or unipen-train"
_VERSIONS = {"cache": CORPUS_CACHE_VERSION, "reader": UNIPEN_READER_VERSION}
_ARRAYS = ("points", "pieces", "bounds", "header_of", "file_of", "level_of", "label_of", "quality_of", "writer_of")
_CODES = {"levels": "level_of", "labels": "label_of", "qualities": "quality_of", "writers": "writer_of"}
_COLUMNS = tuple(_CODES)  # per-sample strings, kept as a table of the distinct ones and an index array each


def say(message: str) -> None:
    """The default progress: a line on stderr (the command line's own output stays clean)."""
    print(message, file=sys.stderr, flush=True)


def is_unipen_source(source: str) -> bool:
    return source in ("unipen", "unipen-train") or (source.startswith("unipen:") and len(source) > 7)


def unipen_folder(source: str, progress: Progress = say) -> Path:
    """A UNIPEN source (see the module docstring) -> a folder with data/ and include/ (unpacking an archive)."""
    if source == "unipen":
        return unipen_fixture()
    if source == "unipen-train":
        path = unipen_train_archive()
        if not path.is_file():
            raise InputError(f"the UNIPEN training corpus is not at {path}",
                             "set HWLAB_UNIPEN_TRAIN to its archive, or pass unipen:PATH")
    elif source.startswith("unipen:") and len(source) > 7:
        path = Path(source[7:]).expanduser()
    else:
        raise InputError(f"unknown UNIPEN source {source!r}", f"use {SOURCES_HELP}")
    return corpus_root(path, progress)


def corpus_root(path: str | Path, progress: Progress = say) -> Path:
    """A folder or an archive -> the folder holding data/ (the folder itself, or its one subfolder that does)."""
    path = Path(path)
    if path.is_file() and is_archive(path):
        path = unpacked(path, progress)
    elif not path.exists():
        raise InputError(f"no UNIPEN folder or archive at {path}", f"use {SOURCES_HELP}")
    elif not path.is_dir():
        raise InputError(f"{path} is neither a folder nor a .tar.xz, .tar.gz or .zip archive")
    if (path / "data").is_dir():
        return path
    inner = [d for d in sorted(path.iterdir()) if d.is_dir() and (d / "data").is_dir()]
    return inner[0] if len(inner) == 1 else path  # else the reader says what is missing


@dataclass
class Corpus:
    """Every sample of a folder's categories, in file order, and the report of the load."""

    root: Path
    samples: list[Sample]
    report: LoadReport

    def of(self, category: str | None = None, level: str | None = None) -> list[Sample]:
        """Samples of one corpus category (`1c`, `6`, ...) and/or one level (CHARACTER, WORD, TEXT)."""
        return [s for s in self.samples if (category is None or s.data_category == category)
                and (level is None or s.category == level)]

    def letters(self) -> list[Sample]:
        """Category 1c characters with ink (as `core.ink.unipen.load_letters`)."""
        return [s for s in self.of(LOWERCASE, LEVELS[LOWERCASE]) if s.ink]

    def words(self, lowercase_only: bool = False) -> list[Sample]:
        """Category 6 words with ink (as `core.ink.unipen.load_words`)."""
        words = [s for s in self.of(WORDS, LEVELS[WORDS]) if s.ink]
        return [s for s in words if re.fullmatch(r"[a-z]+", s.label)] if lowercase_only else words


# ---------------------------------------------------------------- the cache files

def corpus_cache_file(root: Path, category: str, strict: bool = False) -> Path:
    """The manifest of one category of a folder's cache; its arrays sit beside it."""
    digest = hashlib.sha1(str(Path(root).resolve()).encode()).hexdigest()[:16]
    return cache_dir() / "unipen-corpus" / digest / f"{category}{'-strict' if strict else ''}.json"


def _array_file(manifest: Path, gen: str, name: str) -> Path:
    return manifest.with_name(f"{manifest.stem}.{gen}.{name}.npy")


@contextmanager
def _no_gc():
    """Building hundreds of thousands of objects that hold no cycles: collections would only rescan them."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _read_cache(manifest: Path, strict: bool) -> tuple[dict, dict] | None:
    try:
        with _no_gc():
            meta = json.loads(manifest.read_bytes())
        if meta.get("versions") != _VERSIONS or meta.get("strict") != strict:
            return None
        arrays = {k: np.load(_array_file(manifest, meta["gen"], k), allow_pickle=False) for k in _ARRAYS}
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing, damaged or half replaced: rebuilt
    arrays["points"] = arrays["points"].astype(np.float64, copy=False)
    return meta, arrays


def _write_cache(manifest: Path, meta: dict, arrays: dict) -> None:
    """Arrays first, under a new generation's names, then the manifest that names them, then old arrays go."""
    gen = uuid.uuid4().hex[:12]
    try:
        for name in _ARRAYS:
            a = arrays[name]
            if name == "points" and len(a) and np.array_equal(a, a.astype(np.int32)):
                a = a.astype(np.int32)  # the tablets' integer coordinates: half the bytes, read back exactly
            replace_with(_array_file(manifest, gen, name), lambda fh, a=a: np.save(fh, a, allow_pickle=False))
        write_text(manifest, json.dumps({**meta, "gen": gen}, separators=(",", ":")))
        for old in manifest.parent.glob(f"{manifest.stem}.*.npy"):
            if old.name.split(".")[-3] != gen:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache folder only costs the parse next time


class _Stat:
    """Size and modification time of files, each asked once."""

    def __init__(self):
        self.seen: dict[str, list[int] | None] = {}

    def __call__(self, path: str) -> list[int] | None:
        if path not in self.seen:
            try:
                st = os.stat(path)
                self.seen[path] = [st.st_size, st.st_mtime_ns]
            except OSError:
                self.seen[path] = None
        return self.seen[path]


def _fresh(entry: dict, stat: _Stat) -> bool:
    """A cached file entry still holds: the file and every file it read have their recorded size and time."""
    return all(stat(f) == sig for f, sig in entry["deps"].items())


# ---------------------------------------------------------------- parts: one data file's share of a category

def _part_of_cache(meta: dict, arrays: dict, i: int) -> dict:
    e = meta["files"][i]
    (p0, p1), (k0, k1), (s0, s1) = e["p"], e["k"], e["s"]
    tables = meta["tables"]
    cols = {c: [tables[c][j] for j in arrays[_CODES[c]][s0:s1].tolist()]
            for c in _COLUMNS}
    return {"entry": e, "points": arrays["points"][p0:p1], "pieces": arrays["pieces"][k0:k1] - p0,
            "bounds": arrays["bounds"][s0:s1 + 1] - k0, "headers": meta["headers"],
            "header_of": arrays["header_of"][s0:s1], **cols}


def _part_of_parse(fs) -> dict:
    entry = {"source": fs.source, "deps": {f: list(sig) for f, sig in fs.files.items()},
             "contributor": fs.contributor, "category": fs.data_category, "repairs": count_kinds(fs.repairs),
             "skip": None}
    return {"entry": entry, "points": fs.points, "pieces": fs.pieces, "bounds": fs.bounds, "headers": fs.headers,
            "header_of": np.asarray(fs.header_of, dtype=np.int64), "levels": fs.levels, "labels": fs.labels,
            "qualities": fs.qualities, "writers": fs.writers}


def _part_of_refusal(err: InputError, file: Path, category: str) -> dict:
    source = str(file.resolve())
    deps = {f: list(sig) for f, sig in getattr(err, "files", {}).items()}
    try:
        st = file.stat()
        deps.setdefault(source, [st.st_size, st.st_mtime_ns])
    except OSError:
        deps.setdefault(source, None)  # unreadable now: read again once it can be
    skip = [getattr(err, "file", None) or str(file), getattr(err, "line", None),
            getattr(err, "reason", None) or err.message]
    entry = {"source": source, "deps": deps, "contributor": "", "category": category, "repairs": {}, "skip": skip}
    return {"entry": entry, "points": np.empty((0, 2)), "pieces": np.empty((0, 2), dtype=np.int64),
            "bounds": np.zeros(1, dtype=np.int64), "headers": [], "header_of": np.empty(0, dtype=np.int64),
            **{c: [] for c in _COLUMNS}}


def _assemble(parts: list[dict], strict: bool) -> tuple[dict, dict]:
    """One category's parts (one per data file, in order) as the cache's manifest and arrays."""
    header_index: dict[str, int] = {}
    headers: list[dict] = []
    tables: dict[str, dict[str, int]] = {c: {} for c in _COLUMNS}
    codes: dict[str, list[int]] = {c: [] for c in _COLUMNS}
    points, pieces, bounds, header_of, file_of = [], [], [np.zeros(1, dtype=np.int64)], [], []
    files = []
    p_off = k_off = s_off = 0
    for i, part in enumerate(parts):
        n = len(part["labels"])
        if n:
            uniq, inverse = np.unique(part["header_of"], return_inverse=True)
            local = []
            for u in uniq.tolist():
                key = json.dumps(part["headers"][u])
                if key not in header_index:
                    header_index[key] = len(headers)
                    headers.append(part["headers"][u])
                local.append(header_index[key])
            header_of.append(np.asarray(local, dtype=np.int64)[inverse])
        for c in _COLUMNS:
            table = tables[c]
            codes[c] += [table.setdefault(v, len(table)) for v in part[c]]
        points.append(part["points"])
        pieces.append(part["pieces"] + p_off)
        bounds.append(part["bounds"][1:] + k_off)
        file_of.append(np.full(n, i, dtype=np.int64))
        k = len(part["pieces"])
        files.append({**part["entry"], "p": [p_off, p_off + len(part["points"])], "k": [k_off, k_off + k],
                      "s": [s_off, s_off + n]})
        p_off, k_off, s_off = p_off + len(part["points"]), k_off + k, s_off + n

    def joined(arrays: list, shape: tuple, dtype) -> np.ndarray:
        return np.concatenate(arrays).astype(dtype, copy=False).reshape(shape) if arrays else np.empty(shape, dtype)

    arrays = {"points": joined(points, (-1, 2), np.float64), "pieces": joined(pieces, (-1, 2), np.int64),
              "bounds": joined(bounds, (-1,), np.int64), "header_of": joined(header_of, (-1,), np.int64),
              "file_of": joined(file_of, (-1,), np.int64),
              **{_CODES[c]: np.asarray(codes[c], dtype=np.int32)
                 for c in _COLUMNS}}
    meta = {"versions": _VERSIONS, "strict": strict, "files": files, "headers": headers,
            "tables": {c: list(t) for c, t in tables.items()}}
    return meta, arrays


class _Refusal(InputError):
    """A refusal read back from the cache, as the report records it."""

    def __init__(self, file: str, line: int | None, reason: str):
        self.file, self.line, self.reason = file, line, reason
        super().__init__(reason)


def _samples_and_report(root: Path, category: str, meta: dict, arrays: dict, report: LoadReport) -> list[Sample]:
    files = meta["files"]
    folder = f"{root}/data/{category}/"
    for e in files:
        if e["skip"] is None:
            report.add_read(folder + e["rel"], category, e["s"][1] - e["s"][0], e["repairs"])
        else:
            report.add_skipped(folder + e["rel"], category, _Refusal(*e["skip"]))
    file_of = arrays["file_of"].tolist()
    tables = meta["tables"]
    with _no_gc():
        cols = {c: [tables[c][j] for j in arrays[_CODES[c]].tolist()]
                for c in _COLUMNS}
        per_file = [[files[i][k] for i in file_of] for k in ("contributor", "category", "source")]
    return build_samples(arrays["points"], arrays["pieces"], arrays["bounds"], meta["headers"],
                         arrays["header_of"].tolist(), cols["levels"], cols["labels"], cols["qualities"],
                         cols["writers"], *per_file)


# ---------------------------------------------------------------- loading

def load_corpus(source: str | Path = "unipen", categories: Sequence[str] | None = None, strict: bool = False,
                progress: Progress = say) -> Corpus:
    """Every sample of a UNIPEN source's categories (all by default), from the cache where files are unchanged.

    `source` is a source name (`unipen`, `unipen:PATH`, `unipen-train`) or
    a folder or archive. The result equals `core.ink.unipen.read_folder` on
    the same folder; `report.from_cache` counts the files not parsed again.
    """
    root = unipen_folder(source, progress) if isinstance(source, str) else corpus_root(source, progress)
    cats = categories_of(root, categories)
    report = LoadReport(root=str(root), strict=strict)
    stat = _Stat()
    plans, todo = {}, []
    for cat in cats:
        cached = _read_cache(corpus_cache_file(root, cat, strict), strict)
        meta, arrays = cached if cached else ({"files": []}, {})
        by_rel = {e["rel"]: i for i, e in enumerate(meta["files"])}
        names = data_file_names(root, cat)
        plan = []
        for rel in names:
            i = by_rel.get(rel)
            if i is not None and _fresh(meta["files"][i], stat):
                plan.append(("cached", i))
            else:
                plan.append(("parse", len(todo)))
                todo.append((rel, cat))
        unchanged = cached is not None and len(names) == len(meta["files"]) and \
            all(kind == "cached" and i == j for j, (kind, i) in enumerate(plan))
        plans[cat] = (meta, arrays, plan, unchanged, names)
    parsed = _parse_all(root, todo, strict, progress)
    samples: list[Sample] = []
    for cat in cats:
        meta, arrays, plan, unchanged, names = plans[cat]
        if not unchanged:
            parts = [_part_of_cache(meta, arrays, i) if kind == "cached" else parsed[i] for kind, i in plan]
            for part, rel in zip(parts, names):
                part["entry"]["rel"] = rel
            meta, arrays = _assemble(parts, strict)
            _write_cache(corpus_cache_file(root, cat, strict), meta, arrays)
        report.from_cache += sum(kind == "cached" for kind, _ in plan)
        samples.extend(_samples_and_report(root, cat, meta, arrays, report))
    return Corpus(root, samples, report)


def _parse_all(root: Path, todo: list[tuple[str, str]], strict: bool, progress: Progress) -> list[dict]:
    """Parse the files that changed, in the order of their place inside the category folders: data files of
    several categories that include the same pen data then come one after another, and it is split once."""
    out: list[dict] = [{}] * len(todo)
    t0 = last = time.perf_counter()
    if progress and len(todo) > 200:
        progress(f"parsing {len(todo):,} UNIPEN data files of {root} (once: the cache keeps them)")
    for done, j in enumerate(sorted(range(len(todo)), key=lambda j: todo[j]), 1):
        rel, cat = todo[j]
        f = root / "data" / cat / rel
        try:
            out[j] = _part_of_parse(read_file_samples(f, root, strict))
        except InputError as err:
            out[j] = _part_of_refusal(err, f, cat)
        now = time.perf_counter()
        if progress and now - last > 15:
            progress(f"  {done:,} of {len(todo):,} files parsed ({now - t0:.0f} s)")
            last = now
    return out
