import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InputError
from core.ink.ink import as_ink, encode_delta, encode_seed, ink_from_frames, normalise, resample, resample_stroke


def test_normalise_puts_left_edge_at_zero_centre_at_zero_and_height_one():
    ink = [np.array([[10.0, 5.0], [14.0, 9.0]]), np.array([[12.0, 7.0], [20.0, 6.0]])]
    out = np.concatenate(normalise(ink))
    assert out[:, 0].min() == pytest.approx(0.0)
    assert out[:, 1].max() - out[:, 1].min() == pytest.approx(1.0)
    assert (out[:, 1].max() + out[:, 1].min()) / 2 == pytest.approx(0.0)


def test_flat_ink_is_guarded():
    dash = [np.array([[0.0, 3.0], [10.0, 3.0]])]
    out = normalise(dash)[0]
    assert np.isfinite(out).all()
    assert out[:, 0].max() == pytest.approx(20.0)  # height floored at 5% of the width
    dot = normalise([np.array([[2.0, 2.0]])])[0]
    assert np.allclose(dot, 0.0)


def test_resample_gives_equal_spacing_and_keeps_ends():
    stroke = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    out = resample_stroke(stroke, 0.1)
    steps = np.hypot(*np.diff(out, axis=0).T)
    assert np.allclose(steps, steps[0]) and steps[0] == pytest.approx(0.1)
    assert np.allclose(out[0], stroke[0]) and np.allclose(out[-1], stroke[-1])
    assert len(resample_stroke(np.array([[1.0, 1.0], [1.0, 1.0]]), 0.1)) == 1


def test_seed_encoding_marks_stroke_starts_with_zero_steps():
    ink = [np.array([[0.0, 0.0], [1.0, 2.0], [2.0, 2.0]]), np.array([[5.0, 5.0], [5.0, 4.0]])]
    f = encode_seed(ink)
    assert f.shape == (5, 3)
    assert f[:, 2].tolist() == [1, 0, 0, 1, 0]
    assert f[0, :2].tolist() == [0, 0] and f[3, :2].tolist() == [0, 0]
    assert f[1, :2].tolist() == [1, 2] and f[4, :2].tolist() == [0, -1]


def test_delta_encoding_keeps_the_pen_up_jump():
    ink = [np.array([[0.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 1.0], [1.0, 0.0]])]
    f = encode_delta(ink, spacing=0.5)
    starts = np.flatnonzero(f[:, 2])
    assert starts.tolist() == [0, 3]
    assert f[3, :2] == pytest.approx([1.0, 0.0])  # from (0, 1) to (1, 1) after normalising (height 1)
    back = ink_from_frames(f)
    assert len(back) == 2 and np.allclose(back[1][0] - back[0][-1], [1.0, 0.0])


def test_as_ink_rejects_bad_points():
    with pytest.raises(InputError):
        as_ink([[[0, 0], [1, float("nan")]]])
    with pytest.raises(InputError):
        as_ink([[1, 2, 3]])
    assert as_ink([[], [[0, 0], [1, 1]]])[0].shape == (2, 2)


points = st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)), min_size=1, max_size=30)


@given(st.lists(points, min_size=1, max_size=5))
@settings(max_examples=60, deadline=None)
def test_normalise_and_encode_are_finite_for_any_ink(strokes):
    ink = as_ink(strokes)
    out = normalise(ink)
    pts = np.concatenate(out)
    assert np.isfinite(pts).all() and pts[:, 0].min() == pytest.approx(0.0, abs=1e-9)
    assert pts[:, 1].max() - pts[:, 1].min() <= 1.0 + 1e-9
    f = encode_delta(ink)
    assert np.isfinite(f).all() and f[0, 2] == 1
    assert int(f[:, 2].sum()) == len(resample(normalise(ink)))
