"""The figure builders: titled, axes labelled, and drawing exactly the data they are given."""
import numpy as np
import pytest

from dashboard import plots

L_SHAPE = [np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[0.0, 0.0], [0.5, 0.0], [1.0, 0.0]])]


def points(trace) -> np.ndarray:
    """(x, y) of a trace's points, the None gaps between strokes dropped."""
    return np.array([(x, y) for x, y in zip(trace.x, trace.y) if x is not None], dtype=float)


def test_ink_figure_numbers_strokes_and_colours_each_from_start_to_end():
    fig = plots.ink_figure(L_SHAPE, "an L")
    path, starts = fig.data[:2]
    assert np.array_equal(points(path), np.concatenate(L_SHAPE))
    assert list(path.marker.color) == [0.0, 1.0, 0.0, 0.0, 0.5, 1.0, 0.0]  # per stroke 0..1; gap rows 0
    assert list(starts.text) == ["1", "2"] and np.array_equal(points(starts), [[0, 1], [0, 0]])
    assert fig.layout.title.text == "an L" and fig.layout.xaxis.title.text == "x"
    assert fig.layout.yaxis.scaleanchor == "x"  # ink keeps its shape


def test_ink_figure_draws_the_pen_so_far_and_labels_letters():
    fig = plots.ink_figure(L_SHAPE, "so far", upto=3, spans=[("l", 0, 2), ("_", 2, 5)])
    assert len(points(fig.data[0])) == 3
    assert [a.text for a in fig.layout.annotations] == ["<b>l</b>", "<b>_</b>"]
    plain = plots.ink_figure(L_SHAPE, "plain", order=False, segments=[(0, 2, "l")])
    assert plain.data[0].mode == "lines" and plain.data[1].name == "l" and len(points(plain.data[1])) == 2


def test_the_pen_so_far_keeps_the_whole_inks_zoom_and_small_plots_keep_their_axes():
    ranges = [(fig.layout.xaxis.range, fig.layout.yaxis.range, fig.layout.xaxis.autorange)
              for fig in (plots.ink_figure(L_SHAPE, "so far", upto=k) for k in (1, 2, 4, 5))]
    assert all(r == ranges[0] for r in ranges) and ranges[0][2] is False
    (x_lo, x_hi), (y_lo, y_hi) = ranges[0][:2]
    assert x_lo < 0.0 and x_hi > 1.0 and y_lo < 0.0 and y_hi > 1.0  # the whole L, with a margin
    small = plots.ink_figure(L_SHAPE, "a small one", small=True)
    assert small.layout.xaxis.visible is not False and small.layout.yaxis.visible is not False
    assert small.layout.xaxis.nticks == 4 and small.layout.yaxis.tickfont.size >= 10
    assert small.layout.xaxis.showticklabels is not False and small.layout.xaxis.automargin
    assert small.layout.xaxis.range[1] > 1.0 and small.layout.yaxis.range[0] < 0.0  # no stroke at the edge


def test_ink_grid_restarts_stroke_numbers_per_cell_and_keeps_cells_apart():
    items = [("a", L_SHAPE), ("b", L_SHAPE[:1]), ("c", L_SHAPE)]
    fig = plots.ink_grid_figure(items, "three", columns=2)
    path, starts, labels = fig.data[:3]
    assert list(starts.text) == ["1", "2", "1", "1", "2"]
    assert list(labels.text) == ["<b>a</b>", "<b>b</b>", "<b>c</b>"]
    pts = points(path)
    x_range, y_range = fig.layout.xaxis.range, fig.layout.yaxis.range
    assert x_range[0] <= pts[:, 0].min() and pts[:, 0].max() <= x_range[1]
    assert y_range[0] <= pts[:, 1].min() and pts[:, 1].max() <= y_range[1]
    first, third = pts[:5], pts[7:]  # cell (0, 0) and cell (1, 0): same column, one row down
    assert np.allclose(first[:, 0], third[:, 0]) and (third[:, 1] < first[:, 1].min()).all()


def test_ink_grid_fit_each_scales_every_sample_into_its_cell():
    small, big = [s * 0.01 for s in L_SHAPE], [s * 100 for s in L_SHAPE]
    pts = points(plots.ink_grid_figure([("s", small), ("b", big), ("empty", [])], "fit", columns=3,
                                       fit="each").data[0])
    assert np.allclose(np.ptp(pts[:5], axis=0), np.ptp(pts[5:], axis=0))  # same size once fitted
    with pytest.raises(ValueError):
        plots.ink_grid_figure([("s", small)], "bad", fit="stretch")


def test_channels_figure_plots_dx_dy_over_frames_and_pen_up_as_bars():
    frames = np.array([[0, 0, 1], [0.5, 0.1, 0], [0.2, -0.3, 0], [0, 0, 1]], dtype=np.float32)
    fig = plots.channels_figure(frames, title="seed encoding")
    assert [t.name for t in fig.data] == ["dx", "dy", "pen_up"] and fig.data[2].type == "bar"
    assert np.allclose(fig.data[1].y, frames[:, 1]) and np.allclose(fig.data[2].y, frames[:, 2])
    assert fig.layout.xaxis2.title.text == "frame" and fig.layout.title.text == "seed encoding"


def test_heatmap_row_scale_maps_each_row_to_0_1_and_hovers_raw_values():
    m = np.array([[0.0, 5.0, 10.0], [-1.0, -1.0, -1.0]])
    fig = plots.heatmap_figure(m, ["wide", "flat"], "rows", row_scale=True)
    assert np.allclose(fig.data[0].z, [[0, 0.5, 1], [0, 0, 0]]) and np.allclose(fig.data[0].customdata, m)
    feats = plots.features_figure(np.random.default_rng(0).normal(size=(64, 18)), [f"f{i}" for i in range(18)])
    assert feats.layout.yaxis.title.text == "feature" and feats.layout.xaxis.title.text == "point"


def test_softmax_figure_marks_the_best_class_of_every_frame():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]])
    fig = plots.softmax_figure(probs, ["blank", "a", "b"], show_argmax=True)
    assert np.allclose(fig.data[0].z, probs.T)
    assert list(fig.data[1].y) == ["blank", "a", "b"]


def test_a_lines_segments_are_labelled_over_their_points_and_frames_marked_over_a_heatmap():
    segments = [(0, 2, "l"), (2, 3, "␣"), (3, 5, "_")]
    fig = plots.ink_figure(L_SHAPE, "aligned", order=False, segments=segments, segment_labels=True)
    assert [a.text for a in fig.layout.annotations] == ["<b>l</b>", "<b>␣</b>", "<b>_</b>"]
    assert not any(t.showlegend for t in fig.data[1:])  # the labels, not a legend
    assert fig.layout.annotations[0].y > 1.0  # above the ink
    heat = plots.mark_frames(plots.heatmap_figure(np.eye(3), ["a", "b", "c"], "marked"), [(0.5, "a"), (2, "c")])
    assert [(a.x, a.text, a.yref) for a in heat.layout.annotations] == [(0.5, "<b>a</b>", "paper"),
                                                                         (2, "<b>c</b>", "paper")]


def test_a_confusion_figure_may_have_other_columns_than_rows():
    fig = plots.confusion_figure(np.array([[3, 1, 0], [0, 2, 1]]), ["a", "b"], columns=["a", "b", "∅"])
    assert list(fig.data[0].y) == ["a", "b"] and list(fig.data[0].x) == ["a", "b", "∅"]
