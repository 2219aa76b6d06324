"""Line normalisation on synthetic lines with a known baseline, corpus height, slope and slant."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InputError
from core.ink.lines import estimate_line, extrema, normalise_line, robust_line
from core.synth.generator import Augment, render_word

PLAIN = Augment(jitter=0.0, slant=0.0, scale=0.0, aspect=0.0, rotation=0.0, baseline=0.0, allograph=0.0)
X_HEIGHT = 0.5  # the natural glyphs' corpus height; their baseline is y = 0


def line(words: str, seed: int = 0, augment: Augment = PLAIN):
    """Words rendered side by side on the baseline y = 0, a space of one corpus height between them."""
    ink, x = [], 0.0
    for k, w in enumerate(words.split()):
        strokes = render_word(w, "natural", seed + k, augment).ink
        left = min(s[:, 0].min() for s in strokes)
        ink += [s - np.array([left - x, 0.0]) for s in strokes]
        x = max(s[:, 0].max() for s in ink) + 2 * X_HEIGHT
    return ink


def transformed(ink, slope=0.0, shift=0.0, scale=1.0, shear=0.0):
    """Sheared by x += shear * y, then scaled, then rotated so the baseline rises by `slope`, then shifted."""
    theta = np.arctan(slope)
    rot = np.array([[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]])
    return [((s + np.stack([shear * s[:, 1], np.zeros(len(s))], 1)) * scale) @ rot + np.array([3.0, shift])
            for s in ink]


TEXT = "the quick brown fox jumps over a lazy dog"


def test_a_level_line_has_its_baseline_at_zero_and_the_x_height_as_corpus_height():
    f = estimate_line(line(TEXT))
    assert f.intercept == pytest.approx(0.0, abs=0.02) and f.slope == pytest.approx(0.0, abs=0.005)
    assert f.corpus_height == pytest.approx(X_HEIGHT, rel=0.1) and f.slant == pytest.approx(0.0, abs=0.05)


@pytest.mark.parametrize("slope", [-0.15, 0.08, 0.2])
def test_a_drifting_line_gives_its_slope_and_is_levelled(slope):
    ink = transformed(line(TEXT, 3), slope=slope, shift=-4.0, scale=30.0)
    f = estimate_line(ink)
    assert f.slope == pytest.approx(slope, abs=0.01)
    assert f.corpus_height == pytest.approx(30.0 * X_HEIGHT, rel=0.12)
    flat = normalise_line(ink, f)
    lows, _ = extrema(flat)
    # the bottoms of letters sit on y = 0 (descenders below it), measured in corpus heights
    assert np.median(lows[:, 1]) == pytest.approx(0.0, abs=0.08)
    assert min(s[:, 0].min() for s in flat) == pytest.approx(0.0)


def test_one_scale_fits_a_short_word_and_a_long_line():
    short = estimate_line(transformed(line("mom", 1), scale=10.0)).corpus_height
    long = estimate_line(transformed(line("typography helps by judging glyphs", 1), scale=10.0)).corpus_height
    assert short == pytest.approx(long, rel=0.15) == pytest.approx(10.0 * X_HEIGHT, rel=0.15)


@pytest.mark.parametrize("shear", [-0.3, 0.25, 0.5])
def test_the_slant_is_found_and_removed(shear):
    ink = transformed(line(TEXT, 5), shear=shear, scale=5.0, slope=0.05)
    f = estimate_line(ink)
    assert f.slant == pytest.approx(shear, abs=0.1)
    assert abs(estimate_line(normalise_line(ink, f)).slant) < 0.06


def test_robust_line_ignores_a_third_of_outliers_on_one_side():
    x = np.linspace(0, 10, 60)
    y = 0.3 * x + 1.0
    y[::3] -= 5.0  # descenders
    a, b = robust_line(x, y)
    assert a == pytest.approx(1.0, abs=1e-6) and b == pytest.approx(0.3, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.tuples(st.floats(-1e4, 1e4), st.floats(-1e4, 1e4)), min_size=1, max_size=12),
                min_size=1, max_size=5))
def test_any_ink_gives_a_finite_frame_or_a_clear_error(strokes):
    ink = [np.array(s, dtype=float) for s in strokes]
    try:
        f = estimate_line(ink)
    except InputError:
        assert sum(len(s) for s in ink) < 2
        return
    assert np.isfinite([f.intercept, f.slope, f.corpus_height, f.slant]).all() and f.corpus_height > 0
    assert all(np.isfinite(s).all() for s in normalise_line(ink, f))


@pytest.mark.parametrize("seed", range(4))
def test_jittered_augmented_lines_keep_their_scale_and_slope(seed):
    from core.synth.generator import default_augment

    ink = transformed(line(TEXT, 10 * seed, default_augment("natural")), slope=0.1, scale=20.0)
    f = estimate_line(ink)
    assert f.slope == pytest.approx(0.1, abs=0.01)
    assert f.corpus_height == pytest.approx(20.0 * X_HEIGHT, rel=0.1)  # pen jitter makes no turns


def test_delta_line_draws_a_word_at_one_scale_however_it_is_written():
    """delta-line's frames do not change with the ink's size, position, drift or slant; delta's change with
    the ink's height, so "mom" (no ascenders) and "hold" get different scales under delta but one under delta-line."""
    from core.ink.encodings import LINE_SCALE, encode, line_view
    word = line("the quick brown", 2)
    plain = encode(word, "delta-line", 0.1)
    moved = encode(transformed(word, slope=0.08, shift=-40.0, scale=7.0, shear=0.3), "delta-line", 0.1)
    assert len(moved) == pytest.approx(len(plain), rel=0.06)
    assert np.abs(moved[:, :2]).sum() == pytest.approx(np.abs(plain[:, :2]).sum(), rel=0.06)
    assert plain[0, 2] == 1.0 and set(np.unique(plain[:, 2])) <= {0.0, 1.0}
    # the baseline sits at -LINE_SCALE / 2 and the corpus line at +LINE_SCALE / 2 for a short word and a long line
    for text in ("mom", "typography helps by judging glyphs"):
        lows, highs = extrema(line_view(transformed(line(text, 1), slope=0.05, scale=10.0)))
        assert np.median(lows[:, 1]) == pytest.approx(-LINE_SCALE / 2, abs=0.05 * LINE_SCALE)
        assert np.median(highs[:, 1]) == pytest.approx(LINE_SCALE / 2, abs=0.25 * LINE_SCALE)
    # under delta a word without ascenders ("mom") is blown up to the height "hold" has: more frames per letter
    ratio = {t: len(encode(line(t, 1), "delta", 0.1)) / len(encode(line(t, 1), "delta-line", 0.1))
             for t in ("mom", "hold")}
    assert ratio["mom"] > 1.3 * ratio["hold"]


def test_delta_line_refuses_empty_ink_and_keeps_a_single_point():
    from core.ink.encodings import encode
    with pytest.raises(InputError):
        encode([], "delta-line", 0.1)
    assert encode([np.array([[3.0, 4.0]])], "delta-line", 0.1).tolist() == [[0.0, 0.0, 1.0]]


@pytest.mark.parametrize("encoding", ["seed", "delta", "delta-line", "graves25"])
def test_every_frame_has_the_point_it_was_computed_from(encoding):
    from core.ink.encodings import encode, frame_points
    from core.ink.ink import n_points
    ink = transformed(line("the quick brown", 2), slope=0.05, scale=30.0)
    assert n_points(frame_points(ink, encoding, 0.1)) == len(encode(ink, encoding, 0.1))
