"""The UNIPEN statement reader: a file's text (with its `.INCLUDE`s) to pen components, header fields and segments.

A file is one statement per line (`.KEYWORD arguments`); the lines
between two statements are the first one's data. `.PEN_DOWN` and
`.PEN_UP` each start a component: the pen-down points that follow are
ink, the pen-up points a trajectory in the air. Components are numbered
from 0 over the whole file with every include inlined, counting every
pen-down component and every pen-up component that holds points (a bare
`.PEN_UP` only ends a stroke): that is the numbering `.SEGMENT`
delineations use in every contributor's files of the public corpus.

Pressure: where `.COORD` names a `P` channel, a pen-down point of zero
pressure is the pen in the air (some tablets record a whole line as one
`.PEN_DOWN`, the lifts as runs of zero pressure). Such points keep their
place in the numbering (delineations may count points), and `lifted`
marks them, so that a sample's strokes end and start where the pressure
does.

A file's statements and coordinates do not depend on what came before
it, so a file included by many data files is split and converted once
(`_events`, kept for a few recently read files); `Reader` then plays the
events through the pen state.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from core.ink.unipen_repairs import (
    INDENTED_STATEMENT,
    NOT_COORDINATES,
    ORPHAN_PEN_UP,
    STROKE_LEFT_OPEN,
    Repairs,
    UnipenFileError,
)

HEADER_FIELDS = ("COORD", "WRITER_ID", "X_POINTS_PER_INCH", "Y_POINTS_PER_INCH", "X_POINTS_PER_MM", "Y_POINTS_PER_MM",
                 "POINTS_PER_SECOND", "DATA_SOURCE", "STYLE", "HAND", "SEX", "AGE", "SKILL", "COUNTRY")
ACTIVE = {"PEN_DOWN", "PEN_UP", "INCLUDE", "SEGMENT", *HEADER_FIELDS}  # statements that change what is read
MAX_INCLUDES = 1000  # per file read, includes of includes counted: real files have a few
MAX_DEPTH = 20
EVENT_CACHE_BYTES = 32 * 2**20  # text of recently read files whose events are kept
_STATEMENT = re.compile(r"^([^\S\n]*)\.(\S*)[^\S\n]*([^\n]*)", re.M)
_ODD_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85]")  # line breaks other than \n (str.splitlines' set)
_SEGMENT = re.compile(r'^\.SEGMENT\s+(\S+)\s+(\S+)(?:\s+(\S+))?\s+"(.*)"\s*$')
_ESCAPED = re.compile(r'\\(["\\])')
_NO_POINTS = np.empty((0, 2))


class _Chunk:
    """The lines between two statements, converted to points only when a component takes them."""

    __slots__ = ("text", "line", "_read")

    def __init__(self, text: str, line: int):
        self.text, self.line, self._read = text, line, None

    def read(self) -> tuple[np.ndarray, tuple]:
        """(points of the lines that start with two finite numbers, problems as (line, text, finite))."""
        if self._read is None:
            self._read = _read_lines(self.text, self.line)
        return self._read


def _read_lines(text: str, first: int) -> tuple[np.ndarray, tuple]:
    lines = text.split("\n")
    rows = list(map(str.split, lines))
    widths = set(map(len, rows))
    widths.discard(0)
    if not widths:
        return _NO_POINTS, ()
    if min(widths) >= 2:  # the common case: convert the block at once
        flat = text.split() if widths == {2} else [x for r in rows if r for x in r[:2]]
        try:
            pts = np.array(list(map(float, flat)), dtype=np.float64).reshape(-1, 2)
        except ValueError:
            pts = None
        if pts is not None and np.isfinite(pts).all():
            return pts, ()
    good, problems = [], []
    for i, r in enumerate(rows):
        if not r:
            continue
        try:
            x, y = float(r[0]), float(r[1])
        except (ValueError, IndexError):
            problems.append((first + i, lines[i].strip(), True))
            continue
        if np.isfinite(x) and np.isfinite(y):
            good.append((x, y))
        else:
            problems.append((first + i, lines[i].strip(), False))
    return np.asarray(good, dtype=np.float64).reshape(-1, 2), tuple(problems)


def pressure_column(header: dict) -> int | None:
    """The column of the pressure channel `P` named by a header's `.COORD` (None: no pressure, or it is x or y)."""
    names = header.get("COORD", "").upper().split()
    return names.index("P") if "P" in names and names.index("P") >= 2 else None


def _lifted_points(text: str, column: int) -> np.ndarray:
    """For the point rows of a data chunk (as `_read_lines` keeps them), whether their pressure is zero."""
    out = []
    for r in map(str.split, text.split("\n")):
        try:
            if len(r) < 2 or not (np.isfinite(float(r[0])) and np.isfinite(float(r[1]))):
                continue
        except ValueError:
            continue
        try:
            out.append(len(r) > column and float(r[column]) <= 0.0)
        except ValueError:
            out.append(False)
    return np.asarray(out, dtype=bool)


def _split(text: str) -> list:
    """A file's text as events: `_Chunk`s of data lines and (line, indented, keyword, rest, statement) tuples."""
    if _ODD_BREAKS.search(text):
        text = "\n".join(text.splitlines())
    events: list = []
    body, body_line = 0, 1
    for m in _STATEMENT.finditer(text):
        start = m.start()
        if start > body:
            events.append(_Chunk(text[body:start], body_line))
        line = body_line + text.count("\n", body, start)
        indent, keyword, rest = m.groups()
        events.append((line, bool(indent), keyword, rest.strip(), m.group(0).strip()))
        body, body_line = m.end() + 1, line + 1
    if body < len(text):
        events.append(_Chunk(text[body:], body_line))
    return events


_events_kept: OrderedDict = OrderedDict()  # (path, size, mtime_ns) -> (characters, events)
_kept_chars = [0]


def _events(key, text: str) -> list:
    """The events of a file's text, kept by `key` (path, size, mtime) for the most recently read files."""
    if key is not None and key in _events_kept:
        _events_kept.move_to_end(key)
        return _events_kept[key][1]
    events = _split(text)
    if key is not None and len(text) <= EVENT_CACHE_BYTES // 4:
        _events_kept[key] = (len(text), events)
        _kept_chars[0] += len(text)
        while _kept_chars[0] > EVENT_CACHE_BYTES:
            _kept_chars[0] -= _events_kept.popitem(last=False)[1][0]
    return events


@dataclass
class _Component:
    down: bool
    header: dict
    where: tuple
    chunks: list = field(default_factory=list)
    lifted: list = field(default_factory=list)   # per chunk: which points have zero pressure (pressure files)


class Reader:
    """Reads one data file with its includes into components, segments and header fields.

    `load(path)` returns a file's text (size limits and error messages are
    the caller's). After `read_file` or `read_text` and `finish`:
    `components` holds (pen down, (n, 2) points, header) in numbering
    order, `lifted` the components with zero-pressure points (index ->
    mask of those points), `segments` (level, delineation, quality, label,
    header, where), `files` the size and modification time of every file
    read.
    """

    def __init__(self, root: Path, load: Callable[[Path], str], strict: bool = False):
        self.root, self.load, self.strict = Path(root).resolve(), load, strict
        self.include = (self.root / "include").resolve()
        self.repairs = Repairs(strict)
        self.components: list[tuple[bool, np.ndarray, dict]] = []
        self.lifted: dict[int, np.ndarray] = {}
        self.segments: list[tuple] = []
        self.header: dict = {}
        self.files: dict[str, tuple[int, int]] = {}
        self.current: _Component | None = None
        self.depth = 0
        self.includes = 0

    def read_file(self, path: Path) -> None:
        if self.depth > MAX_DEPTH:
            raise UnipenFileError(path, None, f".INCLUDE nested more than {MAX_DEPTH} deep (a cycle?)")
        text = self.load(path)
        try:
            st = path.stat()
            key = (str(path), st.st_size, st.st_mtime_ns)
            self.files[str(path)] = key[1:]
        except OSError:
            key = None
        self._play(_events(key, text), path)

    def read_text(self, text: str, name: str) -> None:
        self._play(_split(text), name)

    def finish(self, path) -> None:
        """End of the data file: a stroke still open is closed (tolerant, when segments follow) or refused."""
        if self.current is not None and self.current.down:
            message = "the file ends with the pen down (missing .PEN_UP)"
            if self.strict or not self.segments:  # without labels after it, the file was probably cut short
                raise UnipenFileError(path, None, message)
            self.repairs.note(STROKE_LEFT_OPEN, *self.current.where, message)
        self._close()

    def _close(self) -> None:
        c = self.current
        if c is None:
            return
        pts = c.chunks[0] if len(c.chunks) == 1 else np.concatenate(c.chunks) if c.chunks else _NO_POINTS
        if c.down or len(pts):
            if c.lifted and any(m.any() for m in c.lifted):
                self.lifted[len(self.components)] = np.concatenate(c.lifted)
            self.components.append((c.down, pts, c.header))
        self.current = None

    def _take(self, chunk: _Chunk, path) -> None:
        pts, problems = chunk.read()
        if self.current.down:
            for line, text, parsed in problems:
                if not parsed:
                    raise UnipenFileError(path, line, f"pen coordinates must be finite numbers, found {text[:40]!r}")
                self.repairs.note(NOT_COORDINATES, path, line, f"expected 'X Y' pen coordinates, found {text[:40]!r}")
        if len(pts):
            self.current.chunks.append(pts)
            column = pressure_column(self.current.header) if self.current.down else None
            if column is not None:
                lifted = _lifted_points(chunk.text, column)
                self.current.lifted.append(lifted if len(lifted) == len(pts) else np.zeros(len(pts), bool))

    def _play(self, events: list, path) -> None:
        for ev in events:
            if type(ev) is _Chunk:
                if self.current is not None:
                    self._take(ev, path)
                continue
            line, indented, keyword, rest, statement = ev
            if keyword not in ACTIVE:
                continue
            if indented and not self.strict and (self.current is None or not self.current.down):
                self.repairs.note(INDENTED_STATEMENT, path, line,
                                  f"indented {statement[:40]!r} read as the text of the field before it")
            elif keyword == "PEN_DOWN":
                if self.current is not None and self.current.down:
                    self.repairs.note(STROKE_LEFT_OPEN, path, line, ".PEN_DOWN while the pen is already down")
                self._close()
                self.current = _Component(True, self.header, (path, line))
            elif keyword == "PEN_UP":
                if self.current is None or not self.current.down:
                    self.repairs.note(ORPHAN_PEN_UP, path, line, ".PEN_UP without .PEN_DOWN")
                self._close()
                self.current = _Component(False, self.header, (path, line))
            elif keyword == "INCLUDE":
                self._include(rest, path, line)
            elif keyword == "SEGMENT":
                m = _SEGMENT.match(statement)
                if not m:
                    raise UnipenFileError(path, line, f"malformed .SEGMENT statement {statement[:60]!r}")
                label = _ESCAPED.sub(r"\1", m.group(4))
                self.segments.append((m.group(1), m.group(2), m.group(3) or "", label, self.header, (path, line)))
            else:  # a header field: a new dict, so components keep the fields they started with
                self.header = {**self.header, keyword: rest}

    def _include(self, rest: str, path, line: int) -> None:
        try:
            target = (self.root / "include" / rest).resolve()
            found = target.is_file()
        except (OSError, ValueError):  # a name too long, or with a NUL byte
            target, found = self.include, False
        if not rest or not target.is_relative_to(self.include):
            raise UnipenFileError(path, line, f".INCLUDE {rest[:60]!r} points outside the UNIPEN include folder")
        self.includes += 1
        if self.includes > MAX_INCLUDES:
            raise UnipenFileError(path, line, f"more than {MAX_INCLUDES} .INCLUDE statements")
        if not found:
            raise UnipenFileError(path, line, f".INCLUDE {rest[:60]!r}: no such file")
        self.depth += 1
        self.read_file(target)
        self.depth -= 1
