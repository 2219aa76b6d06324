import numpy as np
import pytest

from core.ink.features import FEATURE_NAMES, allocate, features18
from core.synth.generator import render_letter

F = {name: i for i, name in enumerate(FEATURE_NAMES)}


def line(p, q, n=20):
    t = np.linspace(0, 1, n)[:, None]
    return (1 - t) * np.asarray(p, float) + t * np.asarray(q, float)


def circle(n=200, turns=1.0):
    t = np.linspace(0, 2 * np.pi * turns, n)
    return np.stack([np.cos(t), np.sin(t)], axis=1)


def test_shape_dtype_and_positions():
    f = features18([line((0, 0), (1, 1))])
    assert f.shape == (64, 18) and f.dtype == np.float32
    assert f[0, F["pos_sample"]] == 0 and f[-1, F["pos_sample"]] == 1
    assert f[0, F["pos_stroke"]] == 0 and f[-1, F["pos_stroke"]] == 1
    assert f[0, F["pen_up"]] == 1 and f[1:, F["pen_up"]].sum() == 0


def test_straight_line_has_zero_curvature_constant_direction_and_zero_linearity():
    f = features18([line((0, 0), (1, 1))])
    assert np.allclose(f[:, F["curv_cos"]], 1) and np.allclose(f[:, F["curv_sin"]], 0, atol=1e-6)
    assert np.allclose(f[:, F["dir_cos"]], np.sqrt(0.5)) and np.allclose(f[:, F["dir_sin"]], np.sqrt(0.5))
    assert np.allclose(f[:, F["vic_linearity"]], 0, atol=1e-9)
    assert np.allclose(f[:, F["vic_slope_cos"]], np.sqrt(0.5))
    assert np.allclose(f[1:, F["step"]], f[1, F["step"]])  # equal arc-length spacing


def test_vertical_line_aspect_is_one_and_curliness_zero():
    f = features18([line((0, 1), (0, 0))])
    assert np.allclose(f[:, F["vic_aspect"]], 1.0)
    assert np.allclose(f[:, F["vic_curliness"]], 0.0, atol=1e-6)
    assert np.allclose(f[:, F["dir_sin"]], -1.0)  # written downwards


def test_circle_has_constant_curvature_turning_left():
    f = features18([circle()])
    inner = f[2:-2]
    assert np.std(inner[:, F["curv_cos"]]) < 1e-3 and np.std(inner[:, F["curv_sin"]]) < 1e-3
    assert inner[:, F["curv_sin"]].mean() > 0  # anticlockwise turns left
    assert inner[:, F["vic_linearity"]].mean() > 0


def test_hat_marks_points_under_an_i_dot():
    stem = line((0, 0.6), (0, 0))
    dot = line((0, 0.9), (0, 0.88), 3)
    f = features18([stem, dot])
    n_stem = allocate([stem, dot], 64)[1][0]
    assert f[:n_stem, F["hat"]].all() and not f[n_stem:, F["hat"]].any()


def test_at_least_two_points_per_stroke_and_many_strokes_do_not_crash():
    f = features18([line((0, 0), (1, 0)), np.array([[0.5, 1.0]])])
    assert f[:, F["pen_up"]].sum() == 2
    scribble = [line((i, 0), (i + 0.5, 0.3), 3) for i in range(50)]
    f = features18(scribble)
    assert f.shape == (64, 18) and np.isfinite(f).all() and f[:, F["pen_up"]].sum() == 32


@pytest.mark.parametrize("ink", [[np.array([[1.0, 1.0]])], [np.array([[0.0, 0.0], [0.0, 0.0]])]])
def test_degenerate_ink_gives_finite_features(ink):
    assert np.isfinite(features18(ink)).all()


def test_letters_differ():
    a = features18(render_letter("a", "natural", 0).ink)
    b = features18(render_letter("l", "natural", 0).ink)
    assert np.abs(a - b).mean() > 0.05
