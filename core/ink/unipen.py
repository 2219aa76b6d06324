"""A reader for UNIPEN files (Guyon et al., ICPR 1994): real pen data from tablets.

One statement per line: `.INCLUDE path` inlines `include/path` (recursively),
`.PEN_DOWN` starts a stroke whose points follow as `X Y ...` lines,
`.PEN_UP` ends it, and `.SEGMENT LEVEL 14-15,17 QUALITY "label"` labels
pen-down strokes counted from 0 over the whole file with every include
inlined. Header fields (`.WRITER_ID`, `.X_POINTS_PER_INCH`,
`.POINTS_PER_SECOND`, ...) are kept with each sample. Y points up.
A malformed file raises `InputError` naming the file and the line.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from core.errors import InputError
from core.ink.ink import Ink
from core.paths import unipen_fixture

UNIPEN_READER_VERSION = 1  # bump when a change here reads other samples from the same files
HEADER_FIELDS = ("WRITER_ID", "X_POINTS_PER_INCH", "Y_POINTS_PER_INCH", "X_POINTS_PER_MM", "Y_POINTS_PER_MM",
                 "POINTS_PER_SECOND", "DATA_SOURCE", "STYLE")
CATEGORIES = {"1c": "CHARACTER", "6": "WORD"}
MAX_FILE_BYTES = 20 * 1024 * 1024  # per file, as for ink files (core.ink.io)
MAX_INCLUDES = 1000  # per file read, includes of includes counted: real files have a few
_SEGMENT = re.compile(r'^\.SEGMENT\s+(\S+)\s+(\S+)(?:\s+(\S+))?\s+"(.*)"\s*$')


@dataclass
class Sample:
    """One labelled piece of ink (a letter or a word) with where it came from."""

    ink: Ink
    label: str
    writer: str
    contributor: str
    category: str
    source: str
    header: dict = field(default_factory=dict)


@dataclass
class _State:
    root: Path
    strokes: list = field(default_factory=list)
    stroke_header: list = field(default_factory=list)
    header: dict = field(default_factory=dict)
    segments: list = field(default_factory=list)  # (level, delineation, label, header, where)
    current: list | None = None
    depth: int = 0
    includes: int = 0


def _fail(path: Path, line_no: int, message: str):
    raise InputError(f"{path}, line {line_no}: {message}")


def _parse(path: Path, st: _State) -> None:
    if st.depth > 20:
        raise InputError(f"{path}: .INCLUDE nested more than 20 deep (a cycle?)")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"UNIPEN file {path} is {size / 2**20:.1f} MB; the limit is "
                             f"{MAX_FILE_BYTES / 2**20:.0f} MB", "split it into several files")
        text = path.read_text(encoding="latin-1")
    except OSError as exc:
        raise InputError(f"cannot read UNIPEN file {path}: {exc.strerror or exc}") from exc
    _parse_text(text, path, st)


def _parse_text(text: str, path: Path | str, st: _State) -> None:
    """The statements of one file's text; `path` names it in messages."""
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("."):
            if st.current is not None:
                parts = line.split()
                try:
                    x, y = float(parts[0]), float(parts[1])
                except (ValueError, IndexError):
                    _fail(path, no, f"expected 'X Y' pen coordinates, found {line[:40]!r}")
                if not (math.isfinite(x) and math.isfinite(y)):
                    _fail(path, no, f"pen coordinates must be finite numbers, found {line[:40]!r}")
                st.current.append((x, y))
            continue
        keyword, _, rest = line[1:].partition(" ")
        keyword, rest = keyword.strip(), rest.strip()
        if keyword == "PEN_DOWN":
            if st.current is not None:
                _fail(path, no, ".PEN_DOWN while the pen is already down")
            st.current = []
        elif keyword == "PEN_UP":
            if st.current is None:
                _fail(path, no, ".PEN_UP without .PEN_DOWN")
            st.strokes.append(np.asarray(st.current, dtype=np.float64).reshape(-1, 2))
            st.stroke_header.append(dict(st.header))
            st.current = None
        elif keyword == "INCLUDE":
            try:
                target = (st.root / "include" / rest).resolve()
                found = target.is_file()
            except (OSError, ValueError):  # a name too long, or with a NUL byte
                target, found = st.root / "include", False
            if not rest or not target.is_relative_to((st.root / "include").resolve()):
                _fail(path, no, f".INCLUDE {rest[:60]!r} points outside the UNIPEN include folder")
            st.includes += 1
            if st.includes > MAX_INCLUDES:
                _fail(path, no, f"more than {MAX_INCLUDES} .INCLUDE statements")
            if not found:
                _fail(path, no, f".INCLUDE {rest[:60]!r}: no such file")
            st.depth += 1
            _parse(target, st)
            st.depth -= 1
        elif keyword == "SEGMENT":
            m = _SEGMENT.match(line)
            if not m:
                _fail(path, no, f"malformed .SEGMENT statement {line[:60]!r}")
            st.segments.append((m.group(1), m.group(2), m.group(4), dict(st.header), (path, no)))
        elif keyword in HEADER_FIELDS:
            st.header[keyword] = rest


def _strokes_of(delineation: str, n_strokes: int, where) -> list[int]:
    out = []
    for part in delineation.split(","):
        a, _, b = part.partition("-")
        try:
            lo = int(a.split(":")[0])
            hi = int(b.split(":")[0]) if b else lo
        except ValueError:
            _fail(*where, f"malformed delineation {delineation!r}")
        if lo < 0 or hi < lo or hi >= n_strokes:
            _fail(*where, f"delineation {delineation!r} refers to strokes the file does not have ({n_strokes})")
        out.extend(range(lo, hi + 1))
    return out


@lru_cache(maxsize=2048)
def _read_cached(path: Path, root: Path, mtime: float) -> tuple:
    st = _State(root=root)
    _parse(path, st)
    if st.current is not None:
        raise InputError(f"{path}: the file ends with the pen down (missing .PEN_UP)")
    return tuple(st.strokes), tuple(st.stroke_header), tuple(st.segments)


def read_unipen_file(path: str | Path, root: str | Path | None = None, level: str | None = None) -> list[Sample]:
    """Every segment of one data file (optionally only one level, e.g. CHARACTER)."""
    path, root = Path(path).resolve(), Path(root or unipen_fixture()).resolve()
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise InputError(f"cannot read UNIPEN file {path}") from exc
    strokes, headers, segments = _read_cached(path, root, mtime)
    contributor = path.relative_to(root / "data").parts[1] if path.is_relative_to(root / "data") else "?"
    fallback = re.sub(r"(trn|tst)$", "", path.stem)
    return _samples(strokes, headers, segments, contributor, fallback, str(path), level)


def _samples(strokes, headers, segments, contributor: str, fallback: str, source: str,
             level: str | None) -> list[Sample]:
    out = []
    for lvl, delineation, label, header, where in segments:
        if level is not None and lvl != level:
            continue
        idx = _strokes_of(delineation, len(strokes), where)
        ink = [strokes[i] for i in idx if len(strokes[i])]
        writer = headers[idx[0]].get("WRITER_ID") or header.get("WRITER_ID") or fallback
        out.append(Sample(ink, label, f"{contributor}/{writer}", contributor, lvl, source,
                          {**headers[idx[0]], **{k: v for k, v in header.items() if k not in headers[idx[0]]}}))
    return out


def read_unipen_bytes(data: bytes, name: str, root: str | Path | None = None) -> list[Sample]:
    """The samples of one UNIPEN file's contents (an upload); messages name it `name`.

    `.INCLUDE` statements are read only from `root`/include. A file with pen
    strokes but no `.SEGMENT` gives one sample of every stroke (label "").
    """
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"UNIPEN file {name} is {len(data) / 2**20:.1f} MB; the limit is "
                         f"{MAX_FILE_BYTES / 2**20:.0f} MB", "split it into several files")
    st = _State(root=Path(root or unipen_fixture()).resolve())
    _parse_text(data.decode("latin-1"), name, st)
    if st.current is not None:
        raise InputError(f"{name}: the file ends with the pen down (missing .PEN_UP)")
    if not any(len(s) for s in st.strokes):
        raise InputError(f"{name} holds no pen strokes",
                         "a UNIPEN file has .PEN_DOWN, then 'X Y' lines, then .PEN_UP")
    writer = st.header.get("WRITER_ID") or Path(name).stem
    if not st.segments:
        return [Sample([s for s in st.strokes if len(s)], "", f"upload/{writer}", "upload", "", name, dict(st.header))]
    return _samples(st.strokes, st.stroke_header, st.segments, "upload", Path(name).stem, name, None)


def _load(root: Path, category: str) -> list[Sample]:
    root = Path(root)
    folder = root / "data" / category
    if not folder.is_dir():
        raise InputError(f"no UNIPEN category {category} data at {folder}",
                         "pass unipen:PATH pointing at a folder with data/ and include/")
    samples = []
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        samples.extend(read_unipen_file(f, root, CATEGORIES[category]))
    return samples


def load_letters(root: str | Path | None = None) -> list[Sample]:
    """Category 1c: isolated lowercase letters."""
    return [s for s in _load(Path(root or unipen_fixture()), "1c") if s.ink]


def load_words(root: str | Path | None = None, lowercase_only: bool = False) -> list[Sample]:
    """Category 6: isolated words (optionally only those labelled with lowercase a-z)."""
    words = [s for s in _load(Path(root or unipen_fixture()), "6") if s.ink]
    if lowercase_only:
        words = [s for s in words if re.fullmatch(r"[a-z]+", s.label)]
    return words


def unipen_root(source: str) -> Path:
    """`unipen` or `unipen:PATH` -> the data folder."""
    _, _, path = source.partition(":")
    return Path(path) if path else unipen_fixture()
