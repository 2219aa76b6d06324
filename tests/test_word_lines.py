"""Lines built from real words (core/data/word_lines.py): layouts measured from lines, words laid out by them."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.data.word_lines import (LineLayout, augment_line, ink_runs, lay_out_words, measure_layout, split_words,
                                  writer_scale)
from core.ink.ink import bounds
from core.ink.lines import normalise_line


def _word(n_letters: int, height: float = 10.0, x: float = 0.0, y: float = 0.0) -> list[np.ndarray]:
    """A cursive-looking word: one stroke of `n_letters` arches one corpus height (`height`) tall."""
    t = np.linspace(0, n_letters, 40 * n_letters)
    return [np.stack([x + t * height * 0.8, y + height * np.abs(np.sin(np.pi * t))], axis=1)]


def test_ink_runs_group_strokes_that_overlap_in_x():
    ink = [np.array([[0.0, 0], [2, 1]]), np.array([[1.0, 3], [1.5, 4]]), np.array([[5.0, 0], [6, 1]])]
    assert ink_runs(ink) == [[0, 1], [2]]


def test_split_words_cuts_at_the_widest_gaps_only():
    ink = [np.array([[0.0, 0], [1, 1]]), np.array([[1.3, 0], [2, 1]]), np.array([[4.0, 0], [5, 1]])]
    words = split_words(ink, 2)
    assert [len(w) for w in words] == [2, 1]
    assert split_words(ink, 4) is None  # fewer runs of ink than words
    assert split_words([np.array([[0.0, 0], [1, 1]]), np.array([[1.05, 0], [2, 1]])], 2) is None  # no real gap


def test_laid_out_words_never_overlap_and_keep_the_layouts_gaps_drift_and_sizes():
    layout = LineLayout(gaps=(0.0, 1.5, 0.8), offsets=(0.0, 0.3, -0.2), sizes=(1.0, 1.5, 0.8), slope=0.0)
    words = [_word(3, x=500.0, y=40.0), _word(4, x=-20.0), _word(2, x=7.0, y=-3.0)]
    line = lay_out_words(words, 10.0, layout)
    pieces = [line[0:1], line[1:2], line[2:3]]
    spans = [bounds(p) for p in pieces]
    for (a, b), gap in zip(zip(spans, spans[1:]), layout.gaps[1:]):
        assert b[0] - a[2] == pytest.approx(gap)  # gaps in the writer's corpus heights
    for p, offset, size in zip(pieces, layout.offsets, layout.sizes):
        ys = np.concatenate(p)[:, 1]
        assert ys.min() == pytest.approx(offset, abs=0.05)            # baseline shifted by the drift
        assert np.ptp(ys) == pytest.approx(size, rel=0.05)            # one corpus height grown or shrunk


def test_a_layout_with_fewer_words_lends_its_figures_again():
    layout = LineLayout(gaps=(0.0, 2.0), offsets=(0.0, 0.0), sizes=(1.0, 1.0), slope=0.0)
    line = lay_out_words([_word(2, x=float(k)) for k in range(5)], 10.0, layout)
    spans = [bounds([s]) for s in line]
    assert [b[0] - a[2] for a, b in zip(spans, spans[1:])] == pytest.approx([2.0] * 4)


@settings(max_examples=20, deadline=None)
@given(gaps=st.lists(st.floats(0.6, 3.0), min_size=1, max_size=5), slope=st.floats(-0.05, 0.05),
       seed=st.integers(0, 100))
def test_measuring_a_laid_out_line_gives_its_layout_back(gaps, slope, seed):
    rng = np.random.default_rng(seed)
    n = len(gaps) + 1
    layout = LineLayout((0.0, *gaps), (0.0,) * n, (1.0,) * n, slope)  # drift and sizes: the test above
    words = [_word(int(rng.integers(2, 5)), height=7.0) for _ in range(n)]
    line = lay_out_words(words, 7.0, layout)
    found = measure_layout(line, " ".join("w" * 3 for _ in range(n)))
    assert found is not None
    assert found.slope == pytest.approx(slope, abs=0.01)
    assert np.array(found.gaps[1:]) == pytest.approx(np.array(gaps), abs=0.15)


def test_writer_scale_is_the_median_corpus_height():
    words = [_word(3, height=h) for h in (9.0, 10.0, 10.5, 11.0, 30.0)]
    assert writer_scale(words) == pytest.approx(10.5, rel=0.05)


def test_augmented_line_changes_gaps_but_keeps_every_stroke_and_its_words_apart():
    line = lay_out_words([_word(3), _word(2), _word(4)], 10.0,
                         LineLayout((0.0, 1.5, 1.5), (0.0, 0.0, 0.0), (1.0, 1.0, 1.0), 0.0))
    out = augment_line(line, "abc de fghi", np.random.default_rng(0))
    assert [len(s) for s in out] == [len(s) for s in line]
    assert split_words(normalise_line(out, deslant=False), 3) is not None
    assert not all(np.allclose(a, b) for a, b in zip(out, normalise_line(line, deslant=False)))
