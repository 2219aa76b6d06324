"""The corpus view's logic (no streamlit): which UNIPEN source, its samples as one table, and one sample's facts.

A whole corpus is about 400,000 samples: `CorpusView` keeps them with a
pandas table of their names (category, contributor, writer, label) built
once, so the page filters and counts with pandas and sends the browser
only aggregates and the one sample it draws.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from core.data.archives import Progress, is_archive
from core.data.corpus import Corpus, load_corpus
from core.errors import InputError
from core.ink.unipen import Sample
from core.ink.unipen_categories import NAMES as CATEGORY_NAMES
from core.paths import unipen_fixture, unipen_train_archive

# What the tolerant reader did about each kind of quirk (core.ink.unipen_repairs).
REPAIR_MEANING = {
    "orphan-pen-up": "a .PEN_UP while the pen was already up: ignored (its points are pen-up motion)",
    "stroke-left-open": "a .PEN_DOWN while the pen was down, or the data ended pen down: the stroke was closed",
    "missing-strokes": "a .SEGMENT named strokes or points the file does not have: that segment was dropped",
    "not-coordinates": "a line inside pen data that is not 'X Y': skipped",
    "indented-statement": "an indented .KEYWORD inside a field's text: read as text, not as a statement",
}
TRAINING = "unipen-train"
FIXTURE = "unipen"


def category_name(category: str) -> str:
    """`1c` -> `1c · isolated lowercase letters` (an unknown category keeps its code)."""
    name = CATEGORY_NAMES.get(category)
    return f"{category} · {name}" if name else category


def default_source() -> str:
    """The training corpus when its archive is present, else the small fixture."""
    return TRAINING if unipen_train_archive().is_file() else FIXTURE


def source_of_path(text: str) -> str:
    """A folder or archive path a person typed -> a UNIPEN source, with a clear error when it cannot be one."""
    text = text.strip().strip("'\"")
    if not text:
        raise InputError("type the path of a UNIPEN folder or archive",
                         "a folder with data/ and include/, or a .tar.xz, .tar.gz or .zip of one")
    path = Path(text).expanduser()
    if not path.exists():
        raise InputError(f"there is no folder or archive at {path}", "check the path: it is read on the server")
    if path.is_file() and not is_archive(path):
        raise InputError(f"{path} is a file but not an archive",
                         "give a folder with data/ and include/, or a .tar.xz, .tar.gz or .zip of one")
    return f"unipen:{path}"


def source_stamp(source: str) -> tuple:
    """What a cached view of `source` is valid for: the modification time of its archive or data folder."""
    if source == TRAINING:
        path = unipen_train_archive()
    elif source == FIXTURE:
        path = unipen_fixture() / "data"
    else:
        path = Path(source.partition(":")[2]).expanduser()
        path = path / "data" if (path / "data").is_dir() else path
    try:
        st = path.stat()
    except OSError:
        return (str(path), None)
    return (str(path), st.st_mtime_ns, st.st_size if path.is_file() else None)


@dataclass
class CorpusView:
    """A loaded corpus and the table of its samples (row i describes `corpus.samples[i]`)."""

    corpus: Corpus
    table: pd.DataFrame
    repairs: dict[str, dict[str, int]]  # data file (its real path) -> repairs by kind

    @classmethod
    def load(cls, source: str, progress: Progress = None) -> CorpusView:
        corpus = load_corpus(source, progress=progress)
        if not corpus.samples:
            raise InputError(f"{corpus.root} has UNIPEN folders but no readable samples: "
                             + corpus.report.summary())
        return cls(corpus, sample_table(corpus.samples),
                   {os.path.realpath(f): kinds for f, kinds in corpus.report.repaired.items()})

    def sample(self, row: int) -> Sample:
        return self.corpus.samples[int(row)]

    def file_repairs(self, sample: Sample) -> dict[str, int]:
        """The repairs made reading the sample's data file, by kind (empty when it needed none)."""
        return self.repairs.get(os.path.realpath(sample.source), {})


def sample_table(samples: list[Sample]) -> pd.DataFrame:
    """One row per sample: category, contributor, writer, label, level and quality (categoricals: small)."""
    columns = {"category": [s.data_category for s in samples], "contributor": [s.contributor for s in samples],
               "writer": [s.writer for s in samples], "level": [s.category for s in samples],
               "quality": [s.quality for s in samples]}
    table = pd.DataFrame({k: pd.Categorical(v) for k, v in columns.items()})
    table["label"] = [s.label for s in samples]
    return table


def category_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per category: its name, contributors, writers and samples."""
    g = table.groupby("category", observed=True)
    out = pd.DataFrame({"contributors": g["contributor"].nunique(), "writers": g["writer"].nunique(),
                        "samples": g.size()}).reset_index()
    out.insert(1, "what", [CATEGORY_NAMES.get(c, "") for c in out["category"]])
    return out


def by_contributor(table: pd.DataFrame, count: str = "samples") -> pd.DataFrame:
    """Contributors (rows) by categories (columns): samples or writers of each, 0 where it has none."""
    g = table.groupby(["contributor", "category"], observed=True)
    counts = g.size() if count == "samples" else g["writer"].nunique()
    wide = counts.unstack("category", fill_value=0)
    wide.columns = [str(c) for c in wide.columns]
    total = table.groupby("contributor", observed=True)
    wide["all"] = total.size() if count == "samples" else total["writer"].nunique()
    return wide.reset_index().sort_values("contributor", ignore_index=True)


def matching(table: pd.DataFrame, category: str, contributor: str | None = None, writer: str | None = None,
             query: str = "") -> np.ndarray:
    """Rows of the samples of a category, optionally one contributor and writer, whose label contains `query`."""
    keep = table["category"] == category
    if contributor:
        keep &= table["contributor"] == contributor
    if writer:
        keep &= table["writer"] == writer
    if query:
        keep &= table["label"].str.contains(query, regex=False)
    return np.flatnonzero(keep.to_numpy())


def counts_of(table: pd.DataFrame, rows: np.ndarray, column: str) -> dict[str, int]:
    """How many of `rows` each value of `column` has, sorted by value."""
    counts = table[column].iloc[rows].value_counts()
    return {str(k): int(v) for k, v in sorted(counts[counts > 0].items())}


def tablet_facts(sample: Sample) -> list[tuple[str, str]]:
    """The tablet's and the file's facts about one sample, as (what, value) rows, for a person."""
    def dpi(v):
        return "not stated" if v is None else f"{v:g} points per inch"

    ink = [s for s in sample.ink if len(s)]
    pts = np.concatenate(ink) if ink else np.zeros((0, 2))
    facts = [("x resolution", dpi(sample.x_dpi)), ("y resolution", dpi(sample.y_dpi)),
             ("sampling rate", "not stated" if sample.points_per_second is None
              else f"{sample.points_per_second:g} points per second"),
             ("strokes, points", f"{len(ink)} stroke{'' if len(ink) == 1 else 's'}, {len(pts)} points")]
    if len(pts):
        w, h = np.ptp(pts, axis=0)
        size = f"{w:g} × {h:g} tablet units"
        if sample.x_dpi and sample.y_dpi:
            size += f" ({w / sample.x_dpi * 25.4:.1f} × {h / sample.y_dpi * 25.4:.1f} mm)"
        facts.append(("size", size))
        if sample.points_per_second:
            facts.append(("time to write (pen down)", f"{len(pts) / sample.points_per_second:.2f} s"))
    facts += [("level", sample.category or "(none)"), ("quality", sample.quality or "(not stated)")]
    shown = {"X_POINTS_PER_INCH", "Y_POINTS_PER_INCH", "POINTS_PER_SECOND"}
    facts += [(k.lower().replace("_", " "), str(v)) for k, v in sample.header.items() if k not in shown]
    facts.append(("file", sample.source))
    return facts
