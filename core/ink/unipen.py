"""A reader for UNIPEN files (Guyon et al., ICPR 1994): real pen data from tablets.

One statement per line: `.INCLUDE path` inlines `include/path` (recursively),
`.PEN_DOWN` starts a stroke whose points follow as `X Y ...` lines,
`.PEN_UP` ends it (points after it are the pen's path in the air), and
`.SEGMENT LEVEL 14-15:3,17 QUALITY "label"` labels components counted from
0 over the whole file with every include inlined (`core.ink.unipen_parse`;
`15:3` is point 3 of component 15). Levels are CHARACTER, WORD and TEXT;
labels are any printable ASCII, with `\\"` for a quote. Header fields
(`.WRITER_ID`, `.X_POINTS_PER_INCH`, `.POINTS_PER_SECOND`, ...) are kept
with each sample. Y points up.

By default the reader repairs the quirks of real files and counts them
(`core.ink.unipen_repairs`); `strict=True` refuses them. A file that cannot
be read raises `InputError` (a `UnipenFileError`) naming the file and the
line; a folder load skips it and says so in its `LoadReport`.
"""
from __future__ import annotations

import gc
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from core.errors import InputError
from core.ink.ink import Ink
from core.ink.unipen_parse import HEADER_FIELDS, Reader
from core.ink.unipen_categories import LEVELS, LOWERCASE, WORDS
from core.ink.unipen_repairs import MISSING_STROKES, LoadReport, Repair, Repairs, UnipenFileError, count_kinds
from core.paths import unipen_fixture

__all__ = ["HEADER_FIELDS", "LoadReport", "Sample", "FileSamples", "read_unipen_file", "read_unipen_bytes",
           "read_file_samples", "read_folder", "load_letters", "load_words", "unipen_root", "build_samples",
           "tablet", "data_files", "data_file_names", "categories_of"]

UNIPEN_READER_VERSION = 3  # bump when a change here reads other samples from the same files (3: pressure lifts)
MAX_FILE_BYTES = 20 * 1024 * 1024  # per file, as for ink files (core.ink.io)


@dataclass
class Sample:
    """One labelled piece of ink (a character, a word or a line of text) with where it came from.

    `category` is the segment's level (CHARACTER, WORD or TEXT; empty for an
    unsegmented upload); `data_category` the corpus category its file is
    filed under (`1a` ... `8`; empty for uploads). `x_dpi`/`y_dpi` are the
    tablet's points per inch and `points_per_second` its sampling rate,
    None when the file does not say. The ink's arrays are read-only: samples
    of one file share them.
    """

    ink: Ink
    label: str
    writer: str
    contributor: str
    category: str
    source: str
    header: dict = field(default_factory=dict)
    data_category: str = ""
    quality: str = ""
    x_dpi: float | None = None
    y_dpi: float | None = None
    points_per_second: float | None = None


@dataclass
class FileSamples:
    """The samples of one data file as arrays (what the corpus cache keeps), with the repairs made reading it.

    Sample i's ink is `points[a:b]` for each row (a, b) of
    `pieces[bounds[i]:bounds[i + 1]]`; its header is `headers[header_of[i]]`.
    `files` holds (size, mtime_ns) of the file and of every file it includes.
    """

    source: str
    contributor: str
    data_category: str
    points: np.ndarray
    pieces: np.ndarray
    bounds: np.ndarray
    levels: list[str]
    labels: list[str]
    qualities: list[str]
    writers: list[str]
    headers: list[dict]
    header_of: list[int]
    repairs: list[Repair]
    files: dict[str, tuple[int, int]]

    def samples(self, level: str | None = None) -> list[Sample]:
        n = len(self.labels)
        out = build_samples(self.points, self.pieces, self.bounds, self.headers, self.header_of, self.levels,
                            self.labels, self.qualities, self.writers, [self.contributor] * n,
                            [self.data_category] * n, [self.source] * n)
        return out if level is None else [s for s in out if s.category == level]


def _number(value: str | None) -> float | None:
    try:
        v = float(value.split()[0])
    except (AttributeError, IndexError, ValueError):
        return None
    return v if np.isfinite(v) and v > 0 else None


def tablet(header: dict) -> tuple[float | None, float | None, float | None]:
    """(x points per inch, y points per inch, points per second) from a header, None where it does not say."""
    out = []
    for axis in "XY":
        inch, mm = _number(header.get(f"{axis}_POINTS_PER_INCH")), _number(header.get(f"{axis}_POINTS_PER_MM"))
        out.append(inch if inch is not None else mm * 25.4 if mm is not None else None)
    return out[0], out[1], _number(header.get("POINTS_PER_SECOND"))


def build_samples(points: np.ndarray, pieces: np.ndarray, bounds: np.ndarray, headers: Sequence[dict],
                  header_of: Sequence[int], levels: Sequence[str], labels: Sequence[str], qualities: Sequence[str],
                  writers: Sequence[str], contributors: Sequence[str], data_categories: Sequence[str],
                  sources: Sequence[str]) -> list[Sample]:
    """Samples from arrays: the one way both a fresh parse and the corpus cache make them."""
    points.setflags(write=False)
    starts, ends = pieces[:, 0].tolist(), pieces[:, 1].tolist()
    b = bounds.tolist()
    tablets = [tablet(h) for h in headers]
    out = []
    collecting = gc.isenabled()
    gc.disable()  # hundreds of thousands of new objects, none cyclic: collections would only rescan them
    try:
        for i in range(len(labels)):
            ink = [points[starts[k]:ends[k]] for k in range(b[i], b[i + 1])]
            h = header_of[i]
            out.append(Sample(ink, labels[i], writers[i], contributors[i], levels[i], sources[i], dict(headers[h]),
                              data_categories[i], qualities[i], *tablets[h]))
    finally:
        if collecting:
            gc.enable()
    return out


def _position(text: str) -> tuple[int, int | None]:
    stroke, _, point = text.partition(":")
    return int(stroke), int(point) if point else None


def _pieces(delineation: str, lengths: list[int], where, repairs: Repairs) -> list[tuple[int, int, int]] | None:
    """(component, first point, end point) of every range of a delineation; None when it names missing ones."""
    out = []
    n = len(lengths)
    for part in delineation.split(","):
        a, _, b = part.partition("-")
        try:
            (lo, lo_p), (hi, hi_p) = _position(a), _position(b or a)
        except ValueError:
            raise UnipenFileError(*where, f"malformed delineation {delineation!r}") from None
        if lo < 0 or hi < lo or hi >= n:
            repairs.note(MISSING_STROKES, *where,
                         f"delineation {delineation!r} refers to strokes the file does not have ({n})")
            return None
        if (lo_p is not None and not 0 <= lo_p < lengths[lo]) or (hi_p is not None and not 0 <= hi_p < lengths[hi]) \
                or (lo == hi and lo_p is not None and hi_p is not None and hi_p < lo_p):
            repairs.note(MISSING_STROKES, *where, f"delineation {delineation!r} refers to points the file does not have")
            return None
        first, last = lo_p or 0, lengths[hi] - 1 if hi_p is None else hi_p
        for c in range(lo, hi + 1):
            out.append((c, first if c == lo else 0, last + 1 if c == hi else lengths[c]))
    return out


def _pressed_runs(lifted: np.ndarray | None, a: int, b: int) -> list[tuple[int, int]]:
    """The runs of points a..b-1 of a component whose pressure is not zero (all of them without a pressure mask)."""
    if lifted is None:
        return [(a, b)]
    down = ~lifted[a:b]
    edges = np.flatnonzero(np.diff(np.concatenate([[False], down, [False]]).astype(np.int8)))
    return [(a + int(lo), a + int(hi)) for lo, hi in zip(edges[::2], edges[1::2])]


def _file_samples(reader: Reader, source: str, contributor: str, data_category: str, fallback: str) -> FileSamples:
    comps = reader.components
    lengths = [len(p) for _, p, _ in comps]
    pool, offset, used = [], 0, {}
    pieces, bounds, levels, labels, qualities, writers, header_of = [], [0], [], [], [], [], []
    headers, header_index = [], {}
    for level, delineation, quality, label, seg_header, where in reader.segments:
        parts = _pieces(delineation, lengths, where, reader.repairs)
        if parts is None:
            continue
        first_header = comps[parts[0][0]][2]
        for c, a, b in parts:
            if comps[c][0] and b > a:
                if c not in used:
                    used[c], offset = offset, offset + lengths[c]
                    pool.append(comps[c][1])
                pieces += [(used[c] + lo, used[c] + hi) for lo, hi in _pressed_runs(reader.lifted.get(c), a, b)]
        key = (id(first_header), id(seg_header))
        if key not in header_index:
            header_index[key] = len(headers)
            headers.append({**first_header, **{k: v for k, v in seg_header.items() if k not in first_header}})
        bounds.append(len(pieces))
        levels.append(level)
        labels.append(label)
        qualities.append(quality)
        writers.append(f"{contributor}/{first_header.get('WRITER_ID') or seg_header.get('WRITER_ID') or fallback}")
        header_of.append(header_index[key])
    points = np.concatenate(pool) if pool else np.empty((0, 2))
    return FileSamples(source, contributor, data_category, points, np.asarray(pieces, dtype=np.int64).reshape(-1, 2),
                       np.asarray(bounds, dtype=np.int64), levels, labels, qualities, writers, headers, header_of,
                       list(reader.repairs.done), dict(reader.files))


def _load_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UnipenFileError(path, None, "too large", "split it into several files",
                                  f"UNIPEN file {path} is {size / 2**20:.1f} MB; the limit is "
                                  f"{MAX_FILE_BYTES / 2**20:.0f} MB")
        return path.read_text(encoding="latin-1")
    except OSError as exc:
        raise UnipenFileError(path, None, f"cannot be read: {exc.strerror or exc}",
                              message=f"cannot read UNIPEN file {path}: {exc.strerror or exc}") from exc


def read_file_samples(path: str | Path, root: str | Path | None = None, strict: bool = False) -> FileSamples:
    """One data file's samples as arrays, with its repairs (uncached: `read_unipen_file` keeps recent ones).

    A refusal (`InputError`) carries `files`: the files read until then.
    """
    path, root = Path(path).resolve(), Path(root or unipen_fixture()).resolve()
    parts = path.relative_to(root / "data").parts if path.is_relative_to(root / "data") else ()
    category, contributor = (parts[0] if len(parts) > 1 else ""), (parts[1] if len(parts) > 2 else "?")
    reader = Reader(root, _load_text, strict)
    try:
        reader.read_file(path)
        reader.finish(path)
        fs = _file_samples(reader, str(path), contributor, category, re.sub(r"(trn|tst)$", "", path.stem))
        reader.repairs.refuse_if(not fs.labels)
    except InputError as err:
        err.files = dict(reader.files)  # what a cache of the refusal depends on
        raise
    return fs


@lru_cache(maxsize=512)
def _read_cached(path: Path, root: Path, size: int, mtime_ns: int, strict: bool) -> FileSamples:
    return read_file_samples(path, root, strict)


def _recent(path: str | Path, root: str | Path | None, strict: bool) -> FileSamples:
    """A file's samples, parsed again only when its size or modification time changed."""
    path, root = Path(path).resolve(), Path(root or unipen_fixture()).resolve()
    try:
        st = path.stat()
    except OSError as exc:
        raise UnipenFileError(path, None, "cannot be read", message=f"cannot read UNIPEN file {path}") from exc
    return _read_cached(path, root, st.st_size, st.st_mtime_ns, strict)


def read_unipen_file(path: str | Path, root: str | Path | None = None, level: str | None = None,
                     strict: bool = False) -> list[Sample]:
    """Every segment of one data file (optionally only one level, e.g. CHARACTER)."""
    return _recent(path, root, strict).samples(level)


def read_unipen_bytes(data: bytes, name: str, root: str | Path | None = None, strict: bool = False) -> list[Sample]:
    """The samples of one UNIPEN file's contents (an upload); messages name it `name`.

    `.INCLUDE` statements are read only from `root`/include. A file with pen
    strokes but no `.SEGMENT` gives one sample of every stroke (label "").
    """
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"UNIPEN file {name} is {len(data) / 2**20:.1f} MB; the limit is "
                         f"{MAX_FILE_BYTES / 2**20:.0f} MB", "split it into several files")
    reader = Reader(Path(root or unipen_fixture()), _load_text, strict)
    reader.read_text(data.decode("latin-1"), name)
    reader.finish(name)
    pen = [p for down, p, _ in reader.components if down and len(p)]
    if not pen:
        reader.repairs.refuse_if(True)
        raise InputError(f"{name} holds no pen strokes", "a UNIPEN file has .PEN_DOWN, then 'X Y' lines, then .PEN_UP")
    writer = reader.header.get("WRITER_ID") or Path(name).stem
    if not reader.segments:
        return [Sample(pen, "", f"upload/{writer}", "upload", "", name, dict(reader.header), "", "",
                       *tablet(reader.header))]
    fs = _file_samples(reader, name, "upload", "", Path(name).stem)
    reader.repairs.refuse_if(not fs.labels)
    return fs.samples()


def data_file_names(root: Path, category: str) -> list[str]:
    """The data files of one category folder as paths relative to it (`apb/apb02/app0237.dat`), in the order
    every load reads them: sorted as paths, folder by folder."""
    top = os.path.join(root, "data", category)
    names = []
    for folder, _, files in os.walk(top):
        rel = os.path.relpath(folder, top)
        names += [f if rel == "." else f"{rel}/{f}" for f in files]
    return sorted(names, key=lambda n: n.split("/"))


def data_files(root: Path, category: str) -> list[Path]:
    """The data files of one category folder, in the order every load reads them."""
    return [Path(root) / "data" / category / n for n in data_file_names(root, category)]


def categories_of(root: Path, categories: Sequence[str] | None = None) -> list[str]:
    """The corpus categories to read: those asked for (each must exist), or every folder of data/."""
    data = root / "data"
    if categories is None:
        found = sorted(p.name for p in data.iterdir() if p.is_dir()) if data.is_dir() else []
        if not found:
            raise InputError(f"no UNIPEN data at {root}", "pass unipen:PATH pointing at a folder with data/ and include/")
        return found
    for category in categories:
        if not (data / category).is_dir():
            raise InputError(f"no UNIPEN category {category} data at {data / category}",
                             "pass unipen:PATH pointing at a folder with data/ and include/")
    return list(categories)


def read_folder(root: str | Path | None = None, categories: Sequence[str] | None = None, level: str | None = None,
                strict: bool = False) -> tuple[list[Sample], LoadReport]:
    """Every sample of a folder's categories (all by default; optionally one level) and the report of the load.

    A file that cannot be read is skipped (file, line and reason in the
    report), in strict mode too: one bad file never stops a folder.
    """
    root = Path(root or unipen_fixture())
    report = LoadReport(root=str(root), strict=strict)
    samples: list[Sample] = []
    for category in categories_of(root, categories):
        for f in data_files(root, category):
            try:
                fs = _recent(f, root, strict)
            except InputError as err:
                report.add_skipped(str(f), category, err)
                continue
            report.add_read(str(f), category, len(fs.labels), count_kinds(fs.repairs))
            samples.extend(fs.samples(level))
    return samples, report


def load_letters(root: str | Path | None = None, strict: bool = False) -> list[Sample]:
    """Category 1c: isolated lowercase letters."""
    return [s for s in read_folder(root, [LOWERCASE], LEVELS[LOWERCASE], strict)[0] if s.ink]


def load_words(root: str | Path | None = None, lowercase_only: bool = False, strict: bool = False) -> list[Sample]:
    """Category 6: isolated words (optionally only those labelled with lowercase a-z)."""
    words = [s for s in read_folder(root, [WORDS], LEVELS[WORDS], strict)[0] if s.ink]
    if lowercase_only:
        words = [s for s in words if re.fullmatch(r"[a-z]+", s.label)]
    return words


def unipen_root(source: str) -> Path:
    """`unipen` or `unipen:PATH` -> the folder (archives and `unipen-train`: `core.data.corpus.unipen_folder`)."""
    _, _, path = source.partition(":")
    return Path(path) if path else unipen_fixture()
