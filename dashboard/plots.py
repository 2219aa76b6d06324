"""Plotly figure builders shared by the pages: arrays in, figures out (no streamlit)."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

LAYOUT = dict(margin=dict(l=40, r=10, t=40, b=35), template="plotly_white")


def ink_figure(ink, title: str = "", order: bool = True, height: int = 260,
               segments: Sequence[tuple[int, int, str]] | None = None, upto: int | None = None,
               compact: bool = False) -> go.Figure:
    """Ink with y up. `order` numbers strokes and colours each from start (light) to end (dark).

    `segments` colours point ranges [start, end) of the flattened points with a label;
    `upto` draws only the first `upto` points (pen drawn so far).
    """
    fig = go.Figure()
    offset = 0
    for k, s in enumerate(ink):
        s = np.asarray(s)
        n = len(s)
        if upto is not None:
            s = s[:max(0, min(n, upto - offset))]
        if len(s):
            if order:
                colours = sample_colorscale("Viridis", np.linspace(0.0, 0.9, max(len(s), 2)))[:len(s)]
                fig.add_trace(go.Scatter(x=s[:, 0], y=s[:, 1], mode="lines+markers", showlegend=False,
                                         line=dict(color="rgba(90,90,90,0.45)", width=2),
                                         marker=dict(size=4, color=colours), hoverinfo="skip"))
                fig.add_annotation(x=s[0, 0], y=s[0, 1], text=str(k + 1), showarrow=False, yshift=10,
                                   font=dict(size=11, color="#d62728"))
            else:
                fig.add_trace(go.Scatter(x=s[:, 0], y=s[:, 1], mode="lines", showlegend=False,
                                         line=dict(color="#333", width=2), hoverinfo="skip"))
        offset += n
    if segments:
        pts = np.concatenate([np.asarray(s) for s in ink])
        palette = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324"]
        for i, (a, b, label) in enumerate(segments):
            seg = pts[a:b]
            if len(seg):
                fig.add_trace(go.Scatter(x=seg[:, 0], y=seg[:, 1], mode="markers", name=label,
                                         marker=dict(size=7, color=palette[i % len(palette)])))
    if compact:  # small multiples: no axes, a square box around the letter
        pts = np.concatenate([np.asarray(s) for s in ink]) if ink else np.zeros((1, 2))
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        centre, half = (lo + hi) / 2, 0.56 * max(hi - lo) + 1e-3
        fig.update_layout(title=dict(text=title, font=dict(size=13)), height=height, width=height - 24,
                          margin=dict(l=4, r=4, t=28, b=4), template="plotly_white")
        fig.update_xaxes(visible=False, range=[centre[0] - half, centre[0] + half])
        fig.update_yaxes(visible=False, range=[centre[1] - half, centre[1] + half])
        return fig
    fig.update_layout(title=title, height=height, **LAYOUT)
    fig.update_yaxes(scaleanchor="x", scaleratio=1, showgrid=False, zeroline=False, title="y")
    fig.update_xaxes(showgrid=False, zeroline=False, title="x")
    return fig


def channels_figure(frames: np.ndarray, names=("dx", "dy", "pen_up"), title: str = "Encoded channels") -> go.Figure:
    fig = go.Figure()
    for i, name in enumerate(names):
        fig.add_trace(go.Scatter(y=frames[:, i], mode="lines", name=name))
    fig.update_layout(title=title, height=260, xaxis_title="frame", yaxis_title="value", **LAYOUT)
    return fig


def heatmap_figure(matrix: np.ndarray, y_labels: Sequence[str], title: str, x_title: str = "frame",
                   colorbar: str = "", height: int = 320, zmin=None, zmax=None) -> go.Figure:
    """A (rows x frames) heatmap, rows labelled (classes, features)."""
    fig = go.Figure(go.Heatmap(z=matrix, y=list(y_labels), colorscale="Viridis", zmin=zmin, zmax=zmax,
                               colorbar=dict(title=colorbar)))
    fig.update_layout(title=title, height=height, xaxis_title=x_title, **LAYOUT)
    fig.update_yaxes(type="category", autorange="reversed")
    return fig


def curves_figure(df, x: str, ys: Sequence[str], title: str, y_title: str, log_y: bool = False,
                  names: dict | None = None) -> go.Figure:
    fig = go.Figure()
    for y in ys:
        if y in df:
            fig.add_trace(go.Scatter(x=df[x], y=df[y], mode="lines+markers", name=(names or {}).get(y, y)))
    fig.update_layout(title=title, height=300, xaxis_title=x, yaxis_title=y_title, **LAYOUT)
    if log_y:
        fig.update_yaxes(type="log")
    return fig


def confusion_figure(counts: np.ndarray, labels: Sequence[str], normalise: bool = False, hide_below: float = 0.0,
                     title: str = "Confusion matrix") -> go.Figure:
    """Rows true, columns predicted. Row-normalised values are percentages; small cells hidden."""
    m = counts.astype(float)
    if normalise:
        m = 100 * m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    shown = np.where(m >= max(hide_below, 1e-12), m, np.nan)
    text = np.where(np.isnan(shown), "", np.vectorize(lambda v: f"{v:.0f}")(np.nan_to_num(shown)))
    fig = go.Figure(go.Heatmap(z=shown, x=list(labels), y=list(labels), colorscale="Blues", text=text,
                               texttemplate="%{text}", colorbar=dict(title="%" if normalise else "count")))
    fig.update_layout(title=title, height=max(360, 22 * len(labels) + 120), xaxis_title="predicted",
                      yaxis_title="true", **LAYOUT)
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category", autorange="reversed")
    return fig
