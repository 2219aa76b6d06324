"""Lexicon decoding: the best words of a word list by exact CTC likelihood (branch and bound over a trie,
optionally bounded by a node budget that falls back to a beam over the trie)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

import numpy as np

from core.ctc.matrix import NEG_INF, char_index, check_log_probs
from core.errors import InputError

_FINITE_FLOOR = -1e300
_TINY = 1e-300

# Log-probabilities below this are treated as this (probability e^-10000,
# i.e. impossible), so that cumulative sums over frames stay finite.
_LOG_FLOOR = -1e4


@dataclass(frozen=True, eq=False)
class Lexicon:
    """A word list as a trie over class labels, ready for `lexicon_decode`.

    `skipped` counts the distinct words left out because they are empty or
    use a character outside the alphabet (`skipped_examples` shows a few).
    Node 0 is the root; node n > 0 ends in class `label[n]` below `parent[n]`;
    its children are `child[first[n]:first[n + 1]]`; `word[n]` is the word
    ending there, or None.
    """

    alphabet: tuple[str, ...]
    blank: int
    words: tuple[str, ...]
    skipped: int
    skipped_examples: tuple[str, ...]
    label: np.ndarray = field(repr=False)
    parent: np.ndarray = field(repr=False)
    first: np.ndarray = field(repr=False)
    child: np.ndarray = field(repr=False)
    word: tuple = field(repr=False)
    is_word: np.ndarray = field(repr=False)
    n_kids: np.ndarray = field(repr=False)

    @property
    def n_nodes(self) -> int:
        return len(self.label)


@lru_cache(maxsize=8)
def _build_lexicon(words: tuple[str, ...], alphabet: tuple[str, ...], blank: int) -> Lexicon:
    index = char_index(alphabet, blank)
    kept, skipped = [], []
    for w in dict.fromkeys(words):
        (kept if w and all(c in index for c in w) else skipped).append(w)
    nodes: dict[str, int] = {}
    label, parent, word = [-1], [-1], [None]
    for w in kept:
        up = 0
        for i in range(1, len(w) + 1):
            node = nodes.get(w[:i])
            if node is None:
                node = nodes[w[:i]] = len(label)
                label.append(index[w[i - 1]])
                parent.append(up)
                word.append(None)
            up = node
        word[up] = w
    parent_a = np.array(parent, dtype=np.int64)
    # Children grouped by parent (CSR layout); the root's parent -1 sorts first and is dropped.
    order = np.argsort(parent_a, kind="stable")[1:]
    counts = np.bincount(parent_a[1:], minlength=len(label))
    first = np.concatenate([[0], np.cumsum(counts)])
    return Lexicon(alphabet, blank, tuple(kept), len(skipped), tuple(skipped[:5]), np.array(label, np.int64),
                   parent_a, first, order.astype(np.int64), tuple(word), np.array([w is not None for w in word]),
                   np.diff(first))


def build_lexicon(words: Sequence[str], alphabet: Sequence[str], blank: int = 0) -> Lexicon:
    """The trie of `words` over `alphabet` (cached: the same list and alphabet are built once).

    Words that are empty or contain a character that is not a
    single-character, non-blank alphabet entry are skipped and counted.
    """
    if isinstance(words, str):
        raise InputError("the lexicon must be a list of words, not one string")
    return _build_lexicon(tuple(words), tuple(alphabet), int(blank))


def _logaddexp(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise log(exp(a) + exp(b)) from vectorised exp/log1p (numpy's logaddexp is scalar and slow)."""
    hi = np.maximum(a, b)
    with np.errstate(invalid="ignore"):
        out = hi + np.log1p(np.exp(np.minimum(a, b) - hi))
    return np.where(hi == NEG_INF, NEG_INF, out)


def _parent_inflow(par_label: np.ndarray, par_blank: np.ndarray, is_root: np.ndarray):
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
    diff[:, 1:] = _logaddexp(par_blank[:, :-1], par_label[:, :-1])
    same[:, 1:] = par_blank[:, :-1]
    return diff, same


def _prefix_bounds(enter: np.ndarray, probs: np.ndarray) -> np.ndarray:
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


def _children_closed_form(lp: np.ndarray, cum: np.ndarray, enter: np.ndarray, cls: np.ndarray, blank: int):
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


def _children_scaled(probs: np.ndarray, enter: np.ndarray, cls: np.ndarray, blank: int):
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


# Batches of at least this many children use the frame loop; fewer use the closed form.
_LOOP_MIN_CHILDREN = 48
# Open nodes whose bound is within this many nats of the best are expanded together, at most _MAX_BATCH.
_WINDOW = 2.0
_MAX_BATCH = 4096


@dataclass(frozen=True)
class LexiconResult:
    """What a lexicon search found: the words, best first, and whether the search was exhaustive.

    `exact` is False when a budget cut the search short: the words are then
    the best of those scored (each score is still exact), not proven best.
    `children` counts the trie nodes whose forward variables were computed
    (the search's cost).
    """

    words: list[tuple[str, float]]
    exact: bool
    children: int


# The beam the bounded search falls back to once its budget is spent (see lexicon_search).
FALLBACK_BEAM = 16


def lexicon_decode(log_probs, alphabet: Sequence[str], lexicon: Lexicon | Sequence[str], blank: int = 0,
                   top: int = 5, margin: float = 12.0, budget: int | None = None) -> list[tuple[str, float]]:
    """The best words of `lexicon` by exact CTC log-likelihood log p(word | x), best first.

    `lexicon_search(...).words`; see there for the search, `margin`, `top`
    and `budget` (None: exact).
    """
    return lexicon_search(log_probs, alphabet, lexicon, blank, top, margin, budget).words


def lexicon_search(log_probs, alphabet: Sequence[str], lexicon: Lexicon | Sequence[str], blank: int = 0,
                   top: int = 5, margin: float = 12.0, budget: int | None = None) -> LexiconResult:
    """The best words of `lexicon` by exact CTC log-likelihood log p(word | x), best first.

    For a single word this is the score token passing computes (Graves et
    al., TPAMI 2009, section 4.2, without a grammar). The search is a
    branch and bound over a trie of the words: the probability that the
    labelling starts with a node's prefix bounds every word below it.
    Open nodes are expanded best bound first, in batches vectorised over
    nodes, children and frames; a child's full forward variables are only
    computed when its bound survives.

    Without a budget the best word is always found. The list holds, best
    first, up to `top` words whose likelihood is within `margin` nats of the
    best (default 12: at least 6e-6 times as likely); all of them are found
    and scored exactly, and nothing outside the margin is searched for
    (math.inf gives the exact top list, at a cost that grows quickly with
    the margin). Words that cannot be emitted in T frames are left out;
    words with characters outside the alphabet are skipped
    (`build_lexicon(...).skipped` counts them); log-probabilities below
    -10^4 count as -10^4.

    `budget` bounds the cost: once about that many trie nodes have been
    computed, the search keeps only the `FALLBACK_BEAM` open nodes of best
    bound at every step (a beam over the trie, which reaches whole words in
    at most one step per letter) and returns the best words it has scored
    (`exact` False if it dropped a node that could still have held a
    better word). A confident output needs a few hundred nodes, so a budget
    of a few thousand changes nothing there; a very unsure one (an
    untrained network) may otherwise search the whole trie, about 24,000
    nodes for 10,000 English words and 0.1-1 s.
    """
    lp = check_log_probs(log_probs, alphabet, blank)
    if top < 1:
        raise InputError(f"top must be at least 1, got {top}")
    if not margin >= 0:
        raise InputError(f"margin must be non-negative, got {margin}")
    if budget is not None and budget < 1:
        raise InputError(f"the lexicon search budget must be at least 1 node, got {budget}")
    lex = lexicon if isinstance(lexicon, Lexicon) else build_lexicon(lexicon, alphabet, blank)
    if lex.alphabet != tuple(alphabet) or lex.blank != blank:
        raise InputError("the lexicon was built for another alphabet or blank index",
                         hint="build it with build_lexicon(words, alphabet, blank)")
    T = lp.shape[0]
    if T == 0 or lex.n_nodes == 1:
        return LexiconResult([], True, 0)
    lp = np.maximum(lp, _LOG_FLOOR)
    cum = np.cumsum(lp, axis=0)
    probs = np.exp(lp)
    n_kids, is_word = lex.n_kids, lex.is_word

    # The open frontier as arrays: node, bound and forward variables (rows).
    o_node = np.zeros(1, np.int64)
    o_bound = np.zeros(1)
    o_label = np.full((1, T), NEG_INF)
    o_blank = cum[None, :, blank].copy()
    found_score = np.empty(0)
    found_node = np.empty(0, np.int64)
    best = NEG_INF
    spent, exact = 0, True

    def threshold() -> float:
        kth = np.partition(found_score, -top)[-top] if len(found_score) >= top else NEG_INF
        return max(kth, best - margin)

    while len(o_node):
        limit = threshold()
        live = o_bound > limit
        o_node, o_bound, o_label, o_blank = o_node[live], o_bound[live], o_label[live], o_blank[live]
        if not len(o_node):
            break
        beam = budget is not None and spent >= budget
        if beam:
            # Budget spent: every open node is expanded, but only the best few stay open.
            if len(o_node) > FALLBACK_BEAM:
                exact = False
                keep_open = np.argpartition(-o_bound, FALLBACK_BEAM)[:FALLBACK_BEAM]
                o_node, o_bound = o_node[keep_open], o_bound[keep_open]
                o_label, o_blank = o_label[keep_open], o_blank[keep_open]
            pick = np.ones(len(o_node), bool)
        else:
            # Best bounds first: every node within `_WINDOW` nats of the best open
            # bound. A confident output descends to its word one node at a time
            # (and that word's score then prunes nearly everything); an uncertain
            # one has many close bounds, so its batches are large and vectorise well.
            pick = o_bound >= o_bound.max() - _WINDOW
            cap = _MAX_BATCH if budget is None else max(1, (budget - spent) // 4)
            if pick.sum() > cap:
                pick = np.zeros(len(o_node), bool)
                pick[np.argpartition(-o_bound, cap)[:cap]] = True
        nodes, p_label, p_blank = o_node[pick], o_label[pick], o_blank[pick]
        o_node, o_bound, o_label, o_blank = o_node[~pick], o_bound[~pick], o_label[~pick], o_blank[~pick]

        counts = n_kids[nodes]
        row = np.repeat(np.arange(len(nodes)), counts)
        offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        kids = lex.child[lex.first[nodes][row] + offset]
        if not len(kids):
            continue
        cls = lex.label[kids]
        same = cls == lex.label[nodes][row]
        enter_diff, enter_same = _parent_inflow(p_label, p_blank, nodes == 0)
        bound = np.where(same, _prefix_bounds(enter_same, probs)[row, cls],
                         _prefix_bounds(enter_diff, probs)[row, cls])
        keep = (bound > limit) & (is_word[kids] | (n_kids[kids] > 0))
        if not keep.any():
            continue
        kids, cls, bound, row, same = kids[keep], cls[keep], bound[keep], row[keep], same[keep]
        enter = np.where(same[:, None], enter_same[row], enter_diff[row])
        if len(kids) >= _LOOP_MIN_CHILDREN:
            label, blank_state = _children_scaled(probs, enter, cls, blank)
        else:
            label, blank_state = _children_closed_form(lp, cum, enter, cls, blank)
        spent += len(kids)
        words = is_word[kids]
        if words.any():
            score = _logaddexp(label[words, -1], blank_state[words, -1])
            ok = score > NEG_INF
            found_score = np.concatenate([found_score, score[ok]])
            found_node = np.concatenate([found_node, kids[words][ok]])
            if ok.any():
                best = max(best, float(score[ok].max()))
        limit = threshold()
        more = (n_kids[kids] > 0) & (bound > limit)
        o_node = np.concatenate([o_node, kids[more]])
        o_bound = np.concatenate([o_bound, bound[more]])
        o_label = np.concatenate([o_label, label[more]])
        o_blank = np.concatenate([o_blank, blank_state[more]])

    order = np.argsort(-found_score, kind="stable")[:top]
    words = [(lex.word[found_node[i]], float(found_score[i])) for i in order if found_score[i] >= best - margin]
    return LexiconResult(words, exact, spent)


def sequence_log_likelihood(log_probs, labels: Sequence[int], blank: int = 0) -> float:
    """log p(labels | x) of one (T, K) matrix: the exact CTC forward probability, -inf if it cannot fit.

    The word's path through a trie, one letter at a time, each solved over
    all frames at once (the closed form `lexicon_decode` uses): a few array
    operations per letter instead of a loop over frames, which is what makes
    it cheap for long inputs. Log-probabilities below -10^4 count as -10^4.
    """
    lp = np.maximum(np.asarray(log_probs, dtype=np.float64), _LOG_FLOOR)
    T = lp.shape[0]
    if T == 0:
        return 0.0 if len(labels) == 0 else NEG_INF
    cum = np.cumsum(lp, axis=0)
    label, blank_state = np.full((1, T), NEG_INF), cum[None, :, blank]
    previous = -1
    for i, k in enumerate(labels):
        diff, same = _parent_inflow(label, blank_state, np.array([i == 0]))
        label, blank_state = _children_closed_form(lp, cum, same if k == previous else diff,
                                                   np.array([k]), blank)
        previous = k
    return float(_logaddexp(label[:, -1], blank_state[:, -1])[0])
