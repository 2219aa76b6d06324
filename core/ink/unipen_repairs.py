"""What the tolerant UNIPEN reader repairs, the error of a file it cannot read, and the report of a folder load.

Real files of the public corpus have quirks that a strict reader refuses.
The tolerant reader (the default) repairs those it can repair without
guessing, counts every repair by kind and file, and reads the rest; with
`strict=True` the first quirk is raised as `UnipenFileError` with the
message a strict reader has always given. The kinds:

| kind | what the file does | the repair |
|---|---|---|
| `orphan-pen-up` | `.PEN_UP` while the pen is up (often the first statement of an include) | none needed: its points are a pen-up trajectory, never ink |
| `stroke-left-open` | `.PEN_DOWN` while the pen is down, or the pen data ends with the pen down | the open stroke ends there |
| `missing-strokes` | a `.SEGMENT` names strokes or points the file does not have | the segment is dropped |
| `not-coordinates` | a line inside pen-down data that is not `X Y` (text, one number) | the line is skipped |
| `indented-statement` | a line of a field's text (e.g. `.PAD` in a `.doc` include) starts with blanks and a `.KEYWORD` | read as text: UNIPEN statements start a line |

A file that cannot be read at all (or whose repairs leave no sample) is
refused with its file, line and reason; a folder load skips it and says so.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from core.errors import InputError

ORPHAN_PEN_UP = "orphan-pen-up"
STROKE_LEFT_OPEN = "stroke-left-open"
MISSING_STROKES = "missing-strokes"
NOT_COORDINATES = "not-coordinates"
INDENTED_STATEMENT = "indented-statement"
REPAIR_KINDS = (ORPHAN_PEN_UP, STROKE_LEFT_OPEN, MISSING_STROKES, NOT_COORDINATES, INDENTED_STATEMENT)


class UnipenFileError(InputError):
    """A UNIPEN file that cannot be read: `file`, `line` (None when no line is to blame) and `reason`."""

    def __init__(self, file: str | Path, line: int | None, reason: str, hint: str | None = None,
                 message: str | None = None):
        self.file, self.line, self.reason = str(file), line, reason
        where = f"{file}, line {line}" if line else f"{file}"
        super().__init__(message or f"{where}: {reason}", hint)


@dataclass(frozen=True)
class Repair:
    """One repair: its kind, where it was made and what a strict reader says there."""

    kind: str
    file: str
    line: int | None
    message: str


class Repairs:
    """The repairs made while reading one file; with `strict` the first one is raised instead."""

    def __init__(self, strict: bool = False):
        self.strict = strict
        self.done: list[Repair] = []

    def note(self, kind: str, file: str | Path, line: int | None, message: str) -> None:
        if self.strict:
            raise UnipenFileError(file, line, message)
        self.done.append(Repair(kind, str(file), line, message))

    def refuse_if(self, nothing_left: bool) -> None:
        """A file whose repairs leave nothing to read is refused with its first problem."""
        if nothing_left and self.done:
            first = self.done[0]
            raise UnipenFileError(first.file, first.line, first.message)


@dataclass(frozen=True)
class Skipped:
    """A data file a folder load could not read."""

    file: str
    line: int | None
    reason: str


def count_kinds(repairs: Iterable[Repair]) -> dict[str, int]:
    """Repairs by kind, in the order the kinds were first met."""
    return dict(Counter(r.kind for r in repairs))


def reason_pattern(reason: str) -> str:
    """A reason with its particulars (quoted text, numbers) blanked, to count skips by kind of reason."""
    return re.sub(r"\d+", "N", re.sub(r"'[^']*'|\"[^\"]*\"", "'...'", reason))


@dataclass
class LoadReport:
    """What loading a UNIPEN folder did: files read, repaired (by kind), skipped (file, line, reason), samples.

    `samples` and `files` count by corpus category (`1c`, `6`, ...);
    `repaired` maps a data file to its repairs by kind; `from_cache` is the
    number of files whose samples came from the corpus cache unparsed.
    """

    root: str = ""
    strict: bool = False
    files: Counter = field(default_factory=Counter)
    read: int = 0
    with_samples: int = 0
    repaired: dict[str, dict[str, int]] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    samples: Counter = field(default_factory=Counter)
    from_cache: int = 0

    def add_read(self, file: str, category: str, n_samples: int, repairs: Mapping[str, int]) -> None:
        """A data file read: its samples and its repairs by kind (`count_kinds` of its `Repair`s)."""
        self.files[category] += 1
        self.read += 1
        self.with_samples += n_samples > 0
        self.samples[category] += n_samples
        if repairs:
            self.repaired[file] = dict(repairs)

    def add_skipped(self, file: str, category: str, err: InputError) -> None:
        self.files[category] += 1
        line, reason = getattr(err, "line", None), getattr(err, "reason", None) or err.message
        self.skipped.append(Skipped(getattr(err, "file", None) or file, line, reason))

    def merge(self, other: "LoadReport") -> None:
        self.files.update(other.files)
        self.read += other.read
        self.with_samples += other.with_samples
        self.repaired.update(other.repaired)
        self.skipped.extend(other.skipped)
        self.samples.update(other.samples)
        self.from_cache += other.from_cache

    @property
    def seen(self) -> int:
        return self.read + len(self.skipped)

    def repairs_by_kind(self) -> Counter:
        """Repairs made, by kind, over all files."""
        out: Counter = Counter()
        for kinds in self.repaired.values():
            out.update(kinds)
        return out

    def files_by_kind(self) -> Counter:
        """Files with at least one repair of each kind."""
        return Counter(k for kinds in self.repaired.values() for k in kinds)

    def skipped_by_reason(self) -> Counter:
        return Counter(reason_pattern(s.reason) for s in self.skipped)

    def summary(self) -> str:
        """One paragraph for a person: how many files were read, repaired and skipped, and why."""
        parts = [f"read {self.read:,} of {self.seen:,} UNIPEN data files"
                 f" ({self.with_samples:,} with samples; {sum(self.samples.values()):,} samples)"]
        if self.repaired:
            kinds = ", ".join(f"{k} {n:,}" for k, n in self.files_by_kind().most_common())
            parts.append(f"{len(self.repaired):,} repaired ({kinds})")
        if self.skipped:
            first = self.skipped[0]
            where = f"{first.file}, line {first.line}" if first.line else first.file
            parts.append(f"{len(self.skipped):,} skipped, e.g. {where}: {first.reason}")
        return "; ".join(parts)
