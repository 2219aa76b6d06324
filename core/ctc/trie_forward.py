"""Forward variables of CTC over a trie of words, vectorised over nodes and frames (`core.ctc.lexicon`'s kernels).

A trie node ending in class c has two states per frame: its label state (the path's last emission is c)
and its trailing blank. A parent's states flow into its children (`parent_inflow`); the probability that a
labelling starts with a node's prefix bounds every word below it (`prefix_bounds`); the children's own
states come from a closed form over all frames (few children) or a scaled loop over frames (many).
"""
from __future__ import annotations

import math

import numpy as np

from core.ctc.matrix import NEG_INF

_FINITE_FLOOR = -1e300
_TINY = 1e-300


def log_add_arrays(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise log(exp(a) + exp(b)) from vectorised exp/log1p (numpy's logaddexp is scalar and slow)."""
    hi = np.maximum(a, b)
    with np.errstate(invalid="ignore"):
        out = hi + np.log1p(np.exp(np.minimum(a, b) - hi))
    return np.where(hi == NEG_INF, NEG_INF, out)


def parent_inflow(par_label: np.ndarray, par_blank: np.ndarray, is_root: np.ndarray):
    """enter[p, t]: log-mass stepping from parent p's states at frame t-1 into a child's label at t.

    Two variants per parent: into a different letter (from the parent's
    label or blank) and into the parent's own letter again (from its blank
    only, as CTC needs a blank between repeats). At t = 0 only the root's
    children can be entered: a path may start with a letter.
    """
    P, T = par_label.shape
    start = np.where(is_root, 0.0, NEG_INF)
    diff, same = np.empty((P, T)), np.empty((P, T))
    diff[:, 0] = same[:, 0] = start
    diff[:, 1:] = log_add_arrays(par_blank[:, :-1], par_label[:, :-1])
    same[:, 1:] = par_blank[:, :-1]
    return diff, same


def prefix_bounds(enter: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """(P, K) upper bounds on log sum_t exp(enter[p, t]) * y_k(t).

    That sum is the probability that the labelling starts with parent p's
    prefix followed by k. It is computed relative to each row's peak;
    terms that underflow there are each below e^-700 of the peak, so T
    times that much is added back and the result never falls below the
    exact value, which keeps the search exact.
    """
    peak = enter.max(axis=1)
    safe = np.where(peak > NEG_INF, peak, 0.0)
    with np.errstate(divide="ignore", under="ignore"):
        # A stack of row-times-matrix products: numpy runs them itself, where one
        # large product would go to a multithreaded BLAS that stalls on busy cores.
        rows = np.exp(enter - safe[:, None])[:, None, :]
        total = np.matmul(rows, probs)[:, 0]
        total += len(probs) * math.exp(-700.0)
        return np.where(peak[:, None] > NEG_INF, np.log(total) + safe[:, None], NEG_INF)


def children_closed_form(lp: np.ndarray, cum: np.ndarray, enter: np.ndarray, cls: np.ndarray, blank: int):
    """Forward variables of trie children, solved over all frames at once (good for few children).

    A child ending in class c has a label state a(t) = (a(t-1) + in(t)) * y_c(t)
    and a trailing blank b(t) = (b(t-1) + a(t-1)) * y_blank(t). Both
    first-order linear recurrences are solved with cumulative sums of the
    log-probabilities and a cumulative log-sum-exp: exact in log space.
    """
    C, T = enter.shape
    y = lp[:, cls].T
    c_incl = cum[:, cls].T                              # sum of log y_c over frames 0..t
    label = c_incl + np.logaddexp.accumulate(enter - (c_incl - y), axis=1)
    d_incl = cum[:, blank]
    shifted = np.empty((C, T))
    shifted[:, 0] = NEG_INF
    shifted[:, 1:] = label[:, :-1]
    blank_state = d_incl + np.logaddexp.accumulate(shifted - (d_incl - lp[:, blank]), axis=1)
    return label, blank_state


def children_scaled(probs: np.ndarray, enter: np.ndarray, cls: np.ndarray, blank: int):
    """The same forward variables by a loop over frames, vectorised over many children.

    Each child keeps its two states as probabilities relative to its own
    scale (the larger of the two, in log), renormalised every frame, so a
    frame costs a few array operations on all children at once and nothing
    underflows that matters: a state is only lost when it falls below
    e^-690 of its own child's other state.
    """
    C, T = enter.shape
    enter_t = np.ascontiguousarray(enter.T)             # (T, C)
    y = probs[:, cls]                                   # (T, C)
    y_blank = probs[:, blank]
    L_s, B_s, scale = np.empty((T, C)), np.empty((T, C)), np.empty((T, C))
    L, B = np.zeros(C), np.zeros(C)
    g = np.full(C, _FINITE_FLOOR)                       # log scale; finite so that g - g is 0
    g_new, r, e, m = np.empty(C), np.empty(C), np.empty(C), np.empty(C)
    with np.errstate(under="ignore", divide="ignore"):
        for t in range(T):
            np.maximum(g, enter_t[t], out=g_new)
            np.subtract(g, g_new, out=r)
            np.exp(r, out=r)
            Bn, Ln = B_s[t], L_s[t]
            np.add(B, L, out=Bn)
            Bn *= r
            Bn *= y_blank[t]
            np.subtract(enter_t[t], g_new, out=e)
            np.exp(e, out=e)
            np.multiply(L, r, out=Ln)
            Ln += e
            Ln *= y[t]
            np.maximum(Ln, Bn, out=m)
            np.maximum(m, _TINY, out=m)
            Ln /= m
            Bn /= m
            np.log(m, out=m)
            np.add(g_new, m, out=scale[t])
            L, B, g = Ln, Bn, scale[t]
        label = (np.log(L_s) + scale).T
        blank_state = (np.log(B_s) + scale).T
    return label, blank_state
