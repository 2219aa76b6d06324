"""Plotly figure builders shared by the pages: arrays in, figures out (no streamlit).

Sections: ink (strokes drawn with their order), encodings and features,
model outputs, training curves, evaluation. Every figure has a title and
axis titles, and uses the same template, margins and colours.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

LAYOUT = dict(margin=dict(l=50, r=10, t=45, b=40), template="plotly_white",
              font=dict(family="Source Sans 3, sans-serif", size=12), title_font=dict(size=15))
ALONG_STROKE = "Viridis"  # colour of a point by its position in its stroke: start (purple) to end (yellow)
STROKE_NUMBER = "#d6336c"  # the number printed at the start of every stroke
PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324"]
LEGEND_TOP = dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0)
# Below the x axis: a legend of several long names never runs into the title.
LEGEND_BELOW = dict(orientation="h", yanchor="top", y=-0.28, xanchor="left", x=0.0)


# --- ink -------------------------------------------------------------------------------------------------------------

def _flat(ink) -> np.ndarray:
    """All points of `ink` in writing order, shape (n, 2)."""
    strokes = [np.asarray(s, dtype=float).reshape(-1, 2) for s in ink]
    return np.concatenate(strokes) if strokes else np.zeros((0, 2))


def _truncate(ink, upto: int | None) -> list[np.ndarray]:
    """The strokes as drawn after `upto` points (all of them if None), empty strokes dropped."""
    out, left = [], np.inf if upto is None else max(0, upto)
    for s in ink:
        s = np.asarray(s, dtype=float).reshape(-1, 2)[:int(min(len(s), left))]
        left -= len(s)
        if len(s):
            out.append(s)
    return out


def _joined(strokes: Sequence[np.ndarray]) -> tuple[list, list, list]:
    """x, y and along-stroke position (0..1) of every point, with a None gap between strokes (one trace)."""
    xs, ys, ts = [], [], []
    for s in strokes:
        xs += list(s[:, 0]) + [None]
        ys += list(s[:, 1]) + [None]
        ts += list(np.linspace(0.0, 1.0, len(s))) + [0.0]
    return xs, ys, ts


def _stroke_traces(strokes: Sequence[np.ndarray], order: bool, colourbar: bool = False,
                   numbers: Sequence[int] | None = None) -> list[go.Scatter]:
    """Traces for strokes: grey pen path plus coloured points and start numbers, or plain dark lines.

    `numbers` labels each stroke (default 1, 2, ...); one trace holds every stroke, so a grid stays light.
    """
    xs, ys, ts = _joined(strokes)
    if not order:
        return [go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#222", width=2), showlegend=False,
                           hoverinfo="skip")]
    # a small horizontal colour bar above the plot, so it takes no width from the ink
    bar = dict(title=dict(text="along a stroke", side="top"), tickvals=[0, 1], ticktext=["start", "end"],
               orientation="h", x=1.0, xanchor="right", y=1.0, yanchor="bottom", len=0.3, thickness=8) \
        if colourbar else None
    path = go.Scatter(x=xs, y=ys, mode="lines+markers", showlegend=False, hoverinfo="skip",
                      line=dict(color="rgba(80,80,80,0.35)", width=1.5),
                      marker=dict(size=4, color=ts, colorscale=ALONG_STROKE, cmin=0, cmax=1,
                                  showscale=colourbar, colorbar=bar))
    starts = np.array([s[0] for s in strokes]) if len(strokes) else np.zeros((0, 2))
    starts_trace = go.Scatter(x=starts[:, 0], y=starts[:, 1], mode="markers+text",
                              text=[str(k) for k in (numbers or range(1, len(strokes) + 1))],
                              textposition="top left", textfont=dict(color=STROKE_NUMBER, size=12),
                              marker=dict(size=8, color="rgba(0,0,0,0)", line=dict(color=STROKE_NUMBER, width=1.5)),
                              showlegend=False, hoverinfo="skip")
    return [path, starts_trace]


def ink_figure(ink, title: str = "", order: bool = True, height: int = 260,
               segments: Sequence[tuple[int, int, str]] | None = None, upto: int | None = None,
               compact: bool = False, spans: Sequence[tuple[str, int, int]] | None = None,
               small: bool = False, segment_labels: bool = False) -> go.Figure:
    """Ink with y up and equal x/y scale.

    `order` numbers the strokes at their start and colours each point from
    its stroke's start (purple) to its end (yellow); otherwise plain lines.
    `segments` marks point ranges [start, end) of the flattened points with a
    label (e.g. forced-alignment segments); `spans` writes each letter under
    its points ((char, start, end), e.g. a rendering's letter_spans); `upto`
    draws only the first `upto` points (the pen so far) in the frame of the
    whole ink, so that the zoom stays fixed while `upto` changes; `compact`
    hides the axes for small multiples; `small` keeps their ticks (few,
    no axis titles: the page says what x and y are) for a narrow column;
    `segment_labels` writes each segment's label over its points instead of
    a legend (a line's thirty characters).
    """
    fig = go.Figure(_stroke_traces(_truncate(ink, upto), order))
    pts = _flat(ink)
    for i, (a, b, label) in enumerate(segments or []):
        seg = pts[a:b]
        if len(seg):
            fig.add_trace(go.Scatter(x=seg[:, 0], y=seg[:, 1], mode="markers", name=label,
                                     marker=dict(size=5 if segment_labels else 7, color=PALETTE[i % len(PALETTE)]),
                                     showlegend=not segment_labels))
    if segment_labels and len(pts):  # each label above its points; one close to the last one goes a row higher
        top, step = float(pts[:, 1].max()), 0.12 * max(float(np.ptp(pts[:, 1])), 1e-9)
        near = 0.015 * max(float(np.ptp(pts[:, 0])), 1e-9)
        last_x, row = -np.inf, 1
        for i, (a, b, label) in enumerate(segments or []):
            if len(pts[a:b]):
                x = float(pts[a:b, 0].mean())
                row = 3 - row if abs(x - last_x) < near else 1
                last_x = x
                fig.add_annotation(x=x, y=top + step * row, text=f"<b>{label}</b>", showarrow=False, yanchor="bottom",
                                   font=dict(size=13, color=PALETTE[i % len(PALETTE)]))
    if spans and len(pts):
        below = pts[:, 1].min() - 0.08 * np.ptp(pts[:, 1])
        for ch, a, b in spans:
            if b > a:
                fig.add_annotation(x=float(pts[a:b, 0].mean()), y=below, text=f"<b>{ch}</b>", showarrow=False,
                                   font=dict(size=13, color="#555"), yanchor="top")
    fig.update_layout(title=title, height=height, **LAYOUT)
    if segments and not segment_labels:
        fig.update_layout(legend=dict(title="letter"))
    fig.update_xaxes(showgrid=False, zeroline=False, title="x", constrain="domain")
    fig.update_yaxes(showgrid=False, zeroline=False, title="y (up)", scaleanchor="x", scaleratio=1,
                     constrain="domain")
    if (upto is not None or small) and len(pts):  # the whole ink with a margin, whatever is drawn of it
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        pad = 0.05 * max(float((hi - lo).max()), 1e-9)
        fig.update_xaxes(range=[lo[0] - pad, hi[0] + pad], autorange=False)
        fig.update_yaxes(range=[lo[1] - pad, hi[1] + pad], autorange=False)
    if small:  # ticks only: in a narrow plot the axis titles run into the tick labels (the page says x, y up)
        fig.update_layout(margin=dict(l=10, r=10, t=36, b=10), title_font=dict(size=12))
        axis = dict(title_text="", tickfont=dict(size=11, color="#444"), automargin=True, ticks="outside",
                    ticklen=3, showline=True, linecolor="#bbb")
        fig.update_xaxes(nticks=4, **axis)
        fig.update_yaxes(nticks=3, **axis)
    if compact:
        fig.update_layout(margin=dict(l=4, r=4, t=28, b=4), title_font=dict(size=13))
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    return fig


def ink_grid_figure(items: Sequence[tuple[str, Sequence]], title: str, columns: int = 8, fit: str = "common",
                    order: bool = True, width_px: int = 1000, row_labels: Sequence[str] | None = None) -> go.Figure:
    """Many labelled inks in one figure, a cell each, filled row by row (small multiples, one chart).

    fit="common" keeps every ink in its own units and places it by its own
    coordinates, so letters share a baseline and keep their relative sizes
    (glyph templates); fit="each" scales every ink to fill its cell (real
    samples of different tablets and sizes). `width_px` is the expected
    width on the page, used to pick a height that keeps cells square-ish.
    """
    if fit not in ("common", "each"):
        raise ValueError(f"fit must be 'common' or 'each', not {fit!r}")
    inks = [[np.asarray(s, dtype=float).reshape(-1, 2) for s in ink if len(s)] for _, ink in items]
    if fit == "each":
        placed = []
        for ink in inks:
            pts = _flat(ink)
            lo, hi = (pts.min(axis=0), pts.max(axis=0)) if len(pts) else (np.zeros(2), np.ones(2))
            size = max(float((hi - lo).max()), 1e-9)
            placed.append([(s - (lo + hi) / 2) / size + 0.5 for s in ink])  # into the unit box
        inks, lo, hi = placed, np.zeros(2), np.ones(2)
    else:
        pts = np.concatenate([_flat(ink) for ink in inks]) if inks else np.zeros((1, 2))
        lo, hi = pts.min(axis=0), pts.max(axis=0)
    size = max(float((hi - lo).max()), 1e-9)
    pad, top = 0.1 * size, 0.2 * size  # margin around each ink; room above it for its label
    cw, ch = (hi - lo) + 2 * pad + np.array([0.0, top])
    rows = max(1, -(-len(items) // columns))
    strokes, numbers, labels = [], [], []
    for k, ink in enumerate(inks):
        r, c = divmod(k, columns)
        shift = np.array([c * cw + pad - lo[0], -r * ch - top - pad - hi[1]])
        strokes += [s + shift for s in ink]
        numbers += range(1, len(ink) + 1)
        labels.append((c * cw + cw / 2, -r * ch - top / 2, items[k][0]))
    fig = go.Figure(_stroke_traces(strokes, order, colourbar=order, numbers=numbers))
    fig.add_trace(go.Scatter(x=[x for x, _, _ in labels], y=[y for _, y, _ in labels], mode="text",
                             text=[f"<b>{t}</b>" for _, _, t in labels], textfont=dict(size=12, color="#333"),
                             showlegend=False, hoverinfo="skip"))
    for r, label in enumerate(row_labels or []):
        fig.add_annotation(x=0, y=-r * ch - ch / 2, text=f"<b>{label}</b>", textangle=-90, showarrow=False,
                           xanchor="right", xshift=-6, font=dict(size=12))
    top_margin = 95 if order else 45  # the colour bar sits above the plot
    fig.update_layout(title=title, height=int(rows * width_px / columns * ch / cw) + top_margin + 40, **LAYOUT)
    fig.update_layout(margin=dict(l=30 if row_labels else 10, r=10, t=top_margin, b=40))
    fig.update_xaxes(range=[0, columns * cw], showticklabels=False, showgrid=False, zeroline=False, constrain="domain")
    # the x-axis label as a paper annotation: plotly draws a real axis title inside a constrained plot
    fig.add_annotation(text="one cell per sample, x and y at equal scale; a ringed number marks where each stroke "
                            "starts", xref="paper", yref="paper", x=0.5, y=0, yanchor="top", yshift=-6, showarrow=False,
                       font=dict(size=13, color="#555"))
    fig.update_yaxes(range=[-rows * ch, 0], showticklabels=False, showgrid=False, zeroline=False,
                     title="y (up)", scaleanchor="x", scaleratio=1, constrain="domain")
    return fig


# --- encodings and features -------------------------------------------------------------------------------------

def channels_figure(frames: np.ndarray, names=("dx", "dy", "pen_up"), title: str = "Encoded channels") -> go.Figure:
    """The (T, 3) encoding: dx and dy as lines over frames, pen_up as bars below (1 = a stroke starts)."""
    frames = np.asarray(frames)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.72, 0.28], vertical_spacing=0.06)
    t = np.arange(len(frames))
    for i, name in enumerate(names[:-1]):
        fig.add_trace(go.Scatter(x=t, y=frames[:, i], mode="lines", name=name, line=dict(width=1.5)), row=1, col=1)
    fig.add_trace(go.Bar(x=t, y=frames[:, len(names) - 1], name=names[-1], marker_color="#d6336c"), row=2, col=1)
    fig.update_layout(title=title, height=320, legend=LEGEND_TOP, bargap=0, **LAYOUT)
    fig.update_yaxes(title_text="offset (ink units)", row=1, col=1)
    fig.update_yaxes(title_text=names[-1], range=[0, 1.05], tickvals=[0, 1], row=2, col=1)
    fig.update_xaxes(title_text="frame", row=2, col=1)
    return fig


def heatmap_figure(matrix: np.ndarray, y_labels: Sequence[str], title: str, x_title: str = "frame",
                   colorbar: str = "", height: int = 320, zmin=None, zmax=None, y_title: str = "",
                   row_scale: bool = False, colorscale: str = "Viridis") -> go.Figure:
    """A (rows x columns) heatmap with labelled rows (classes, features), first row at the top.

    `row_scale` maps every row to 0..1 on its own (min to max) so rows of
    different units can share one colour scale; hovering shows the raw value.
    """
    m = np.asarray(matrix, dtype=float)
    z, hover = m, "%{y}, " + x_title + " %{x}: %{z:.3g}<extra></extra>"
    if row_scale:
        lo, hi = m.min(axis=1, keepdims=True), m.max(axis=1, keepdims=True)
        z = (m - lo) / np.where(hi > lo, hi - lo, 1.0)
        hover = "%{y}, " + x_title + " %{x}: %{customdata:.3g}<extra></extra>"
    fig = go.Figure(go.Heatmap(z=z, y=list(y_labels), customdata=m if row_scale else None, colorscale=colorscale,
                               zmin=0 if row_scale else zmin, zmax=1 if row_scale else zmax,
                               colorbar=dict(title=colorbar), hovertemplate=hover))
    fig.update_layout(title=title, height=height, xaxis_title=x_title, yaxis_title=y_title, **LAYOUT)
    # every row labelled (plotly would skip some when rows are tight)
    fig.update_yaxes(type="category", autorange="reversed", dtick=1, tickfont=dict(size=10 if len(m) > 20 else 12))
    return fig


def mark_frames(fig: go.Figure, marks: Sequence[tuple[float, str]]) -> go.Figure:
    """Labels written over a frames heatmap at frame positions (e.g. each aligned character at its middle)."""
    for i, (x, label) in enumerate(marks):
        fig.add_annotation(x=x, y=1.0, yref="paper", yanchor="bottom", yshift=2 + 13 * (i % 2), text=f"<b>{label}</b>",
                           showarrow=False, font=dict(size=12, color=PALETTE[i % len(PALETTE)]))
    fig.update_layout(margin=dict(LAYOUT["margin"], t=75))
    return fig


def features_figure(features: np.ndarray, names: Sequence[str], title: str = "features18") -> go.Figure:
    """The (T, 18) per-point features as a heatmap, features by points, each feature scaled to its own range."""
    return heatmap_figure(np.asarray(features).T, names, title, x_title="point", y_title="feature",
                          colorbar="min→max<br>per feature", height=460, row_scale=True)


# --- model outputs ----------------------------------------------------------------------------------------------------

def softmax_figure(probs: np.ndarray, labels: Sequence[str], title: str = "Softmax per frame",
                   show_argmax: bool = False) -> go.Figure:
    """(T, C) class probabilities as a classes x frames heatmap; `show_argmax` marks the best class per frame."""
    probs = np.asarray(probs, dtype=float)
    fig = heatmap_figure(probs.T, labels, title, x_title="frame", y_title="class", colorbar="p", zmin=0, zmax=1,
                         height=220 + 14 * len(labels))
    if show_argmax and len(probs):
        best = probs.argmax(axis=1)
        fig.add_trace(go.Scatter(x=np.arange(len(best)), y=[labels[k] for k in best], mode="markers",
                                 name="argmax", marker=dict(symbol="x", size=6, color="#ff4b4b")))
        fig.update_layout(legend=LEGEND_TOP)
    return fig


# --- training curves --------------------------------------------------------------------------------------------------

def curves_figure(df, x: str, ys: Sequence[str], title: str, y_title: str, log_y: bool = False,
                  names: dict | None = None) -> go.Figure:
    """One line per column of `ys` (those present in `df`) against column `x`."""
    fig = go.Figure()
    for y in ys:
        if y in df:
            fig.add_trace(go.Scatter(x=df[x], y=df[y], mode="lines+markers", name=(names or {}).get(y, y)))
    fig.update_layout(title=title, height=340, xaxis_title=x, yaxis_title=y_title, legend=LEGEND_BELOW, **LAYOUT)
    fig.update_layout(margin=dict(LAYOUT["margin"], b=95))
    if log_y:
        fig.update_yaxes(type="log")
    return fig



def sweep_figure(table, x: str, metric: str, colour: str | None = None) -> go.Figure:
    """A sweep's final `metric` against the swept option `x`: every seed a dot, the mean over seeds a line,
    one line per value of the second option `colour` (if any)."""
    fig = go.Figure()
    groups = [(None, table)] if colour is None else list(table.groupby(colour, sort=True))
    for i, (value, part) in enumerate(groups):
        name = metric if value is None else f"{colour} = {value}"
        mean = part.groupby(x, sort=True)[metric].mean()
        c = PALETTE[i % len(PALETTE)]
        fig.add_trace(go.Scatter(x=part[x], y=part[metric], mode="markers", marker=dict(color=c, size=7, opacity=0.5),
                                 name=name + " (each seed)", showlegend=colour is not None))
        fig.add_trace(go.Scatter(x=mean.index, y=mean.values, mode="lines+markers", line=dict(color=c),
                                 name=name + " (mean)"))
    fig.update_layout(title=f"{metric} against {x}", height=320, xaxis_title=x, yaxis_title=metric,
                      legend=LEGEND_TOP, **LAYOUT)
    if x in table and table[x].dtype.kind in "iuf" and (table[x] > 0).all() and table[x].max() / table[x].min() >= 8:
        fig.update_xaxes(type="log")
    return fig

# --- evaluation -------------------------------------------------------------------------------------------------------

def confusion_figure(counts: np.ndarray, labels: Sequence[str], normalise: bool = False, hide_below: float = 0.0,
                     title: str = "Confusion matrix", columns: Sequence[str] | None = None) -> go.Figure:
    """Rows true, columns predicted. Row-normalised values are percentages; small cells hidden.

    `columns` names the columns when they are not the rows (a few true characters against all they are read as).
    """
    m = counts.astype(float)
    if normalise:
        m = 100 * m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    shown = np.where(m >= max(hide_below, 1e-12), m, np.nan)
    text = np.where(np.isnan(shown), "", np.vectorize(lambda v: f"{v:.0f}")(np.nan_to_num(shown)))
    fig = go.Figure(go.Heatmap(z=shown, x=list(labels if columns is None else columns), y=list(labels),
                               colorscale="Blues", text=text,
                               texttemplate="%{text}", colorbar=dict(title="%" if normalise else "count")))
    fig.update_layout(title=title, height=max(360, 22 * len(labels) + 120), xaxis_title="predicted",
                      yaxis_title="true", **LAYOUT)
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category", autorange="reversed")
    return fig
