"""The Alignment page for a line reader (its alphabet has the space): which ink, which target, which rows.

The ink is a line of the reader's evaluation data, an uploaded Ink JSON
file or a rendered a-z word; the target is typed freely, starting from the
sample's label (or, without one, the greedy reading). A line's heatmaps
show only the rows that matter (the blank, the target's characters and
those the reader emits), since 96 rows of a mostly empty alphabet hide the
few that carry the reading.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import streamlit as st

from core.data.uploads import LIMITS_MB, ink_from_upload
from core.ink.ink import Ink, n_points
from core.models.alignment import frame_points, frame_stride
from core.models.inference import LoadedReader
from core.synth.generator import render_word
from dashboard.eval_data import eval_data
from dashboard.evaluate_lines import SPACE

LINE_SOURCES = {"data": "a line of its evaluation data", "upload": "an Ink JSON file",
                "rendered": "a rendered word (a-z)"}
SPLITS = {"test": "test (test contributors' lines)", "heldout": "held-out (validation lines and words)",
          "invocab": "in-vocabulary (training lines)"}
TYPICAL = (25, 45)  # the first sample shown is a line of about thirty characters
SHOWN_P = 0.05      # a class whose probability reaches this at some frame gets a row


def typical_line(texts: Sequence[str], lo: int = TYPICAL[0], hi: int = TYPICAL[1]) -> int:
    """The index of the first text of `lo`..`hi` characters (0 if none is)."""
    return next((i for i, t in enumerate(texts) if lo <= len(t) <= hi), 0)


def pick_line_ink(picked, reader: LoadedReader) -> tuple[Ink, str | None, str]:
    """The widgets that choose the ink: (ink, its label or None, an identity that changes with the choice)."""
    source = st.radio("Ink", list(LINE_SOURCES), format_func=LINE_SOURCES.get, horizontal=True,
                      key="align_line_source")
    if source == "data":
        data = eval_data(picked.key, reader)
        splits = [s for s in SPLITS if data.eval_sets.get(s)] + [s for s in data.eval_sets
                                                                 if s not in SPLITS and data.eval_sets[s]]
        c1, c2 = st.columns([2, 5])
        split = c1.selectbox("Set", splits, format_func=lambda s: SPLITS.get(s, s), key="align_line_split")
        samples = data.eval_sets[split]
        texts = [t for _, t in samples]
        i = c2.selectbox(f"Sample ({len(samples):,}; type to search)", range(len(samples)), index=typical_line(texts),
                         format_func=lambda k: f"{k + 1}: {texts[k]}", key=f"align_line_sample_{split}")
        return samples[i][0], samples[i][1], f"{picked.key}|{split}|{i}"
    if source == "upload":
        f = st.file_uploader("Ink JSON or canvas json_data", type=["json"], key="align_line_upload",
                             max_upload_size=LIMITS_MB["ink"],
                             help="a file with \"strokes\" (and a \"label\", the target it starts from)")
        if f is None:
            st.info("Upload an Ink JSON file of a line (the Collect page downloads them).",
                    icon=":material/upload_file:")
            st.stop()
        ink, label = ink_from_upload(f.name, f.getvalue())
        return ink, label, f"upload|{f.file_id}"
    c1, c2 = st.columns([3, 1])
    word = c1.text_input("Word to render (a-z)", value="handwriting", key="align_line_word").strip()
    seed = c2.number_input("Seed", 0, 100_000, 0, key="align_line_seed")
    return render_word(word, "natural", int(seed)).ink, word, f"rendered|{word}|{seed}"


def target_input(default: str, identity: str) -> str:
    """The target text, typed freely; it starts again from `default` whenever the ink changes."""
    if st.session_state.get("align_target_of") != identity:
        st.session_state["align_target_of"] = identity
        st.session_state["align_target"] = default
    return st.text_input("Target text", key="align_target",
                         help="what the forced alignment and the CTC posteriors explain: the sample's label, or "
                              "the greedy reading when it has none; type any text of the reader's characters")


def frame_ink(reader: LoadedReader, ink: Ink) -> Ink:
    """The points behind the reader's input frames, one per frame (delta-line: the line as the reader sees it)."""
    return frame_points(ink, reader.config.encoding, reader.config.spacing)


def point_segments(reader: LoadedReader, pts: Ink, segments) -> list[tuple[int, int, str]]:
    """Forced-alignment segments (output frames) as point ranges of `pts`, the space shown as ␣."""
    total, stride = n_points(pts), frame_stride(reader)
    return [(min(s.start * stride, total), min(s.end * stride, total), SPACE if s.label == " " else s.label)
            for s in segments]


def shown_rows(alphabet: Sequence[str], target: str, probs: np.ndarray, min_p: float = SHOWN_P) -> list[int]:
    """The classes worth a row: the blank, the target's characters and any class that reaches `min_p` at some
    frame (probs: classes x frames), in alphabet order."""
    wanted = set(target)
    reached = probs.max(axis=1) >= min_p
    return [k for k, c in enumerate(alphabet) if k == 0 or c in wanted or reached[k]]


def ink_height(pts: Ink, width_px: int = 950, margins_px: int = 90, extra: float = 0.0) -> int:
    """A figure height that lets ink at equal x/y scale fill a plot `width_px` wide (a line is wide and low);
    `extra` adds that share of the ink's height above it (room for labels)."""
    flat = np.concatenate([np.asarray(s, dtype=float).reshape(-1, 2) for s in pts])
    span = flat.max(axis=0) - flat.min(axis=0)
    pad = 0.1 * float(span.max())
    ratio = (float(span[1]) * (1 + extra) + pad) / max(float(span[0]) + pad, 1e-9)
    return int(np.clip(margins_px + width_px * ratio, 160, 480))


def row_names(names: Sequence[str]) -> list[str]:
    """Class names with the space shown as ␣."""
    return [SPACE if n == " " else n for n in names]
