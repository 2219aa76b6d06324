"""graves25: each channel on a shape whose answer is known, then the whole encoding on written lines."""
import numpy as np
import pytest

from core.errors import InputError
from core.ink.graves import GRAVES25, context, graves25, graves25_points, resample_with_speed
from core.ink.lines import LineFrame
from core.synth.generator import render_word

CH = {name: k for k, name in enumerate(GRAVES25)}


def line_pts(p, q, n):
    return np.linspace(p, q, n)


def test_there_are_25_named_channels():
    assert len(GRAVES25) == 25 == len(set(GRAVES25))


def test_pen_up_marks_the_first_point_of_every_stroke():
    f = graves25_points([line_pts((0, 0), (1, 0), 5), line_pts((2, 0), (3, 0), 4)])
    assert f[:, CH["pen_up"]].tolist() == [1, 0, 0, 0, 0, 1, 0, 0, 0]


def test_hat_is_one_under_a_later_stroke_only():
    stem = line_pts((0, 0), (0, 1), 11)
    bar = line_pts((-0.3, 0.6), (0.3, 0.6), 7)
    f = graves25_points([stem, bar])
    hat = f[:, CH["hat"]]
    assert hat[:11][stem[:, 1] < 0.6].all() and not hat[:11][stem[:, 1] > 0.6].any()
    assert not hat[11:].any()  # nothing is written after the bar


def test_speed_is_the_path_per_original_sample():
    slow = line_pts((0, 0), (1, 0), 11)            # steps of 0.1 per sample
    fast = line_pts((1.2, 0), (3.2, 0), 11)        # steps of 0.2 per sample
    strokes, speeds = resample_with_speed([slow, fast], 0.05)
    assert np.allclose(speeds[0], 0.1) and np.allclose(speeds[1], 0.2)
    f = graves25_points(strokes, speeds)
    assert np.allclose(f[:len(strokes[0]), CH["speed"]], 0.1)


def test_x_is_high_passed_and_y_is_kept():
    pts = line_pts((0, 0.5), (10, 0.5), 101)
    f = graves25_points([pts])
    assert np.allclose(f[20:-20, CH["x_highpass"]], 0.0, atol=1e-9)  # a steady line has no x detail
    assert np.allclose(f[:, CH["y_baseline"]], 0.5)


@pytest.mark.parametrize("p, q, cos, sin", [((0, 0), (1, 0), 1, 0), ((0, 1), (0, 0), 0, -1),
                                            ((0, 0), (1, 1), 0.5 ** 0.5, 0.5 ** 0.5)])
def test_direction_and_slope_of_straight_lines(p, q, cos, sin):
    f = graves25_points([line_pts(p, q, 20)])
    mid = slice(3, -3)
    assert np.allclose(f[mid, CH["dir_cos"]], cos) and np.allclose(f[mid, CH["dir_sin"]], sin)
    assert np.allclose(f[mid, CH["vic_slope_cos"]], cos) and np.allclose(f[mid, CH["vic_slope_sin"]], sin)
    assert np.allclose(f[mid, CH["curv_cos"]], 1) and np.allclose(f[mid, CH["curv_sin"]], 0, atol=1e-12)
    # curliness: path length over the larger side of the box, minus 1 (sqrt 2 - 1 on a diagonal)
    assert np.allclose(f[mid, CH["vic_curliness"]], np.hypot(cos, sin) / max(abs(cos), abs(sin)) - 1, atol=1e-9)
    assert np.allclose(f[mid, CH["vic_linearity"]], 0, atol=1e-12)


def test_curvature_of_a_circle_is_its_turn_per_step():
    t = np.linspace(0, 2 * np.pi, 73)              # 5 degrees per step, anticlockwise
    f = graves25_points([np.stack([np.cos(t), np.sin(t)], 1)])
    mid = slice(3, -3)
    assert np.allclose(f[mid, CH["curv_cos"]], np.cos(np.deg2rad(5)))
    assert np.allclose(f[mid, CH["curv_sin"]], np.sin(np.deg2rad(5)))
    assert (f[mid, CH["vic_curliness"]] > 0).all() and (f[mid, CH["vic_linearity"]] > 0).all()


def test_vicinity_aspect_of_vertical_and_horizontal_strokes():
    v = graves25_points([line_pts((0, 0), (0, 1), 20)])
    h = graves25_points([line_pts((0, 0), (1, 0), 20)])
    assert np.allclose(v[2:-2, CH["vic_aspect"]], 1) and np.allclose(h[2:-2, CH["vic_aspect"]], -1)


def test_ascenders_and_descenders_are_seen_from_their_column_only():
    body = line_pts((0, 0.1), (4, 0.1), 81)             # x-height ink on the baseline
    ascender = line_pts((1.1, 0), (1.1, 1.9), 39)       # an l at x = 1.1
    descender = line_pts((3.1, 0), (3.1, -0.9), 19)     # a p's stem at x = 3.1
    f = graves25_points([body, ascender, descender])
    x = np.concatenate([body[:, 0], ascender[:, 0], descender[:, 0]])
    asc, desc = f[:, CH["ascenders"]], f[:, CH["descenders"]]
    assert (asc[np.abs(x - 1.1) < 0.3] > 0).all() and (asc[np.abs(x - 3.1) < 0.3] == 0).all()
    assert (desc[np.abs(x - 3.1) < 0.3] > 0).all() and (desc[np.abs(x - 1.1) < 0.3] == 0).all()


def test_the_context_map_is_the_share_of_points_around_the_point():
    lone = np.array([[10.2, 10.2], [10.3, 10.3]])                   # two points in one cell, nothing near
    c = context(lone)[:, 2:]
    assert np.allclose(c.sum(axis=1), 1) and np.allclose(c[:, 4], 1)  # all in the centre cell
    row = np.array([[0.2, 0.2], [0.7, 0.2], [1.2, 0.2]])             # three cells side by side
    c = context(row)[:, 2:]
    assert c[1, 3] == c[1, 4] == c[1, 5] == pytest.approx(1 / 3)      # the middle point sees left, centre, right
    assert c[0, 3] == 0 and c[0, 4] == c[0, 5] == pytest.approx(0.5)


def test_a_written_line_gives_finite_features_of_its_own_length():
    ink = render_word("handwriting", "natural", 3).ink
    f = graves25(ink)
    assert f.shape[1] == 25 and f.dtype == np.float32 and np.isfinite(f).all()
    assert f[:, CH["pen_up"]].sum() == len(ink)
    assert f[:, CH["y_baseline"]].min() < -0.3 and f[:, CH["y_baseline"]].max() > 1.5  # g below, h and d above
    # scale and position do not matter: the line's own frame is the unit
    moved = graves25([s * 40 + np.array([500.0, -200.0]) for s in ink])
    assert np.allclose(f, moved, atol=1e-4)
    given = graves25(ink, frame=LineFrame(0.0, 0.0, 0.5, 0.0))
    assert given.shape[1] == 25


def test_bad_ink_is_an_input_error_and_a_dot_is_one_pen_down_frame():
    with pytest.raises(InputError):
        graves25([])
    dot = graves25([np.zeros((1, 2))])  # a lone dot has no line: one frame that only says the pen came down
    assert dot.shape == (1, 25) and dot[0, 0] == 1.0 and not dot[0, 1:].any()
    with pytest.raises(InputError):
        graves25(render_word("a", "natural", 0).ink, spacing=0)
