import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InputError
from core.ink.io import ink_from_canvas, limit_points, load_ink_file, write_ink_json


def path_obj(path, **kw):
    return {"type": "path", "path": path, **kw}


def test_pointer_samples_are_m_q_controls_and_final_l():
    # Fabric adds Q end points at midpoints; the pointer samples are M, Q controls and L.
    path = [["M", 10, 20], ["Q", 10, 20, 15, 25], ["Q", 20, 30, 25, 35], ["L", 30, 40]]
    ink = ink_from_canvas({"objects": [path_obj(path)]})
    assert np.allclose(ink[0], [[10, -20], [10, -20], [20, -30], [30, -40]])


def test_moved_and_scaled_paths_are_placed_like_fabric():
    path = [["M", 0, 0], ["Q", 0, 0, 5, 5], ["L", 10, 10]]
    # Unmoved: left/top are the bounding box corner minus half the stroke width.
    still = ink_from_canvas({"objects": [path_obj(path, left=-1, top=-1, width=10, height=10, strokeWidth=2)]})
    assert np.allclose(still[0], [[0, 0], [0, 0], [10, -10]])
    moved = ink_from_canvas({"objects": [path_obj(path, left=99, top=49, width=10, height=10, strokeWidth=2)]})
    assert np.allclose(moved[0] - still[0], [100, -50])
    scaled = ink_from_canvas({"objects": [path_obj(path, left=-2, top=-2, width=10, height=10, strokeWidth=2,
                                                   scaleX=2, scaleY=2)]})
    assert np.allclose(scaled[0][-1] - scaled[0][0], [20, -20])


def test_non_path_objects_are_ignored():
    assert ink_from_canvas({"objects": [{"type": "rect"}]}) == []


@pytest.mark.parametrize("bad", [None, [], {"objects": 3}, {"objects": [3]},
                                 {"objects": [path_obj([["Z"]])]}, {"objects": [path_obj([["M", "a", 1]])]},
                                 {"objects": [path_obj([])]}, {"objects": [path_obj([["M", 1e400, 1]])]}])
def test_malformed_canvas_json_is_an_input_error(bad):
    with pytest.raises(InputError):
        ink_from_canvas(bad)


json_like = st.recursive(st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=3),
                         lambda c: st.lists(c, max_size=4) | st.dictionaries(st.sampled_from(
                             ["objects", "type", "path", "left", "top", "scaleX", "width", "strokes"]), c, max_size=4),
                         max_leaves=20)


@given(json_like)
@settings(max_examples=200, deadline=None)
def test_canvas_reader_raises_only_input_errors(obj):
    try:
        ink_from_canvas(obj if not isinstance(obj, dict) else {"objects": [obj | {"type": "path"}]})
    except InputError:
        pass


def test_ink_json_round_trip_and_errors(tmp_path):
    f = tmp_path / "w.json"
    write_ink_json(f, [np.array([[0.0, 1.0], [2.0, 3.0]])], "ab")
    ink, label = load_ink_file(f)
    assert label == "ab" and np.allclose(ink[0], [[0, 1], [2, 3]])
    f.write_text('{"strokes": [[[0, 1], [2')
    with pytest.raises(InputError, match="line 1"):
        load_ink_file(f)
    f.write_text(json.dumps({"strokes": [[[0, "x"]]]}))
    with pytest.raises(InputError):
        load_ink_file(f)
    with pytest.raises(InputError):
        load_ink_file(tmp_path / "missing.json")


def test_huge_drawings_are_downsampled_keeping_every_stroke():
    ink = [np.random.default_rng(0).normal(size=(15_000, 2)) for _ in range(3)]
    out = limit_points(ink, 20_000)
    assert len(out) == 3 and sum(len(s) for s in out) <= 20_000


def test_a_drawing_recorded_in_a_real_browser():
    """tests/fixtures/canvas_drawing.json was drawn with Playwright's mouse (tests/test_browser_canvas.py)."""
    from pathlib import Path

    from test_browser_canvas import check_fixture

    fixtures = Path(__file__).resolve().parent / "fixtures"
    json_data = json.loads((fixtures / "canvas_drawing.json").read_text())
    strokes = json.loads((fixtures / "canvas_drawing_pointer.json").read_text())
    check_fixture(json_data, strokes)
