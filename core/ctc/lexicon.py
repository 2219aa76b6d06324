"""CTC decoders and forced alignment, each a small pure function on one (T, K) matrix.

`log_probs` is a (T, K) array of per-frame log-probabilities (a
log-softmax output); `alphabet` is a sequence of strings indexed by class,
and `alphabet[blank]` is the blank (usually ""). Nothing here assumes the
blank's index: it is always the `blank` argument.
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

import numpy as np

from core.errors import InputError

NEG_INF = -math.inf
_FINITE_FLOOR = -1e300
_TINY = 1e-300

# Log-probabilities below this are treated as this (probability e^-10000,
# i.e. impossible), so that cumulative sums over frames stay finite.
_LOG_FLOOR = -1e4


def _matrix(log_probs, alphabet: Sequence[str], blank: int) -> np.ndarray:
    """The (T, K) log-probabilities as float64, checked against the alphabet and blank."""
    lp = np.asarray(log_probs, dtype=np.float64)
    if lp.ndim != 2:
        raise InputError(f"log-probabilities must be a (T, K) matrix, got shape {lp.shape}")
    if lp.shape[1] != len(alphabet):
        raise InputError(f"log-probabilities have {lp.shape[1]} classes but the alphabet has {len(alphabet)}",
                         hint="the alphabet must list every class, blank included, in output order")
    if not 0 <= blank < len(alphabet):
        raise InputError(f"blank index {blank} is outside the {len(alphabet)} classes")
    return lp


def _char_index(alphabet: Sequence[str], blank: int) -> dict[str, int]:
    """Character -> class for the single-character, non-blank entries of the alphabet."""
    return {c: k for k, c in enumerate(alphabet) if k != blank and len(c) == 1}


def _lae(a: float, b: float) -> float:
    """log(exp(a) + exp(b)) on Python floats (faster than numpy on scalars)."""
    if a < b:
        a, b = b, a
    if b == NEG_INF:
        return a
    return a + math.log1p(math.exp(b - a))


# ----------------------------------------------------------------------------
# Greedy and prefix beam search


def best_path(log_probs, blank: int = 0) -> list[int]:
    """Class labels of the best path: argmax per frame, repeats collapsed, blanks dropped."""
    best = np.asarray(log_probs).argmax(axis=1)
    keep = np.ones(len(best), dtype=bool)
    keep[1:] = best[1:] != best[:-1]
    return [int(k) for k in best[keep] if k != blank]


def greedy_decode(log_probs, alphabet: Sequence[str], blank: int = 0) -> str:
    """Best path decoding (Graves et al. 2006, section 3.2): argmax, collapse repeats, drop blanks."""
    lp = _matrix(log_probs, alphabet, blank)
    return "".join(alphabet[k] for k in best_path(lp, blank))


def beam_decode(log_probs, alphabet: Sequence[str], beam_width: int = 10, blank: int = 0,
                prune: float = 1e-3) -> list[tuple[str, float]]:
    """Prefix beam search without a language model (Hannun et al. 2014, arXiv:1408.2873), best first.

    Each prefix carries the log-probability of its paths so far that end in
    a blank and in a non-blank; after every frame the `beam_width` most
    probable prefixes survive. At each frame only characters with
    probability >= `prune` are tried as extensions (0 tries all), which
    keeps the search fast on peaky CTC outputs; the frame's best character
    is always tried. Returns up to `beam_width` (text, log-probability)
    pairs; the log-probability sums the paths the beam kept, so it is a
    lower bound of the text's CTC likelihood.
    """
    lp = _matrix(log_probs, alphabet, blank)
    if beam_width < 1:
        raise InputError(f"beam width must be at least 1, got {beam_width}")
    log_prune = math.log(prune) if prune > 0 else NEG_INF
    K = lp.shape[1]
    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, NEG_INF)}
    for row in lp.tolist():
        best = max((k for k in range(K) if k != blank), key=row.__getitem__, default=None)
        cands = [k for k in range(K) if k != blank and (row[k] >= log_prune or k == best)]
        p_blank = row[blank]
        nxt: dict[tuple[int, ...], list[float]] = {}
        for prefix, (pb, pnb) in beams.items():
            total = _lae(pb, pnb)
            cur = nxt.setdefault(prefix, [NEG_INF, NEG_INF])
            cur[0] = _lae(cur[0], total + p_blank)
            last = prefix[-1] if prefix else -1
            if last >= 0:
                # The last character again without a blank collapses into the same prefix.
                cur[1] = _lae(cur[1], pnb + row[last])
            for k in cands:
                ext = nxt.setdefault(prefix + (k,), [NEG_INF, NEG_INF])
                # A repeated character starts a new one only after a blank.
                ext[1] = _lae(ext[1], (pb if k == last else total) + row[k])
        ranked = heapq.nlargest(beam_width, nxt.items(), key=lambda kv: _lae(kv[1][0], kv[1][1]))
        beams = {p: (v[0], v[1]) for p, v in ranked}
    out = [("".join(alphabet[k] for k in p), _lae(pb, pnb)) for p, (pb, pnb) in beams.items()]
    return sorted((o for o in out if o[1] > NEG_INF), key=lambda x: -x[1])


# ----------------------------------------------------------------------------
# Lexicon decoding


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
    index = _char_index(alphabet, blank)
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


def lexicon_decode(log_probs, alphabet: Sequence[str], lexicon: Lexicon | Sequence[str], blank: int = 0,
                   top: int = 5, margin: float = 12.0) -> list[tuple[str, float]]:
    """The best words of `lexicon` by exact CTC log-likelihood log p(word | x), best first.

    For a single word this is the score token passing computes (Graves et
    al., TPAMI 2009, section 4.2, without a grammar). The search is a
    branch and bound over a trie of the words: the probability that the
    labelling starts with a node's prefix bounds every word below it.
    Open nodes are expanded best bound first, in batches vectorised over
    nodes, children and frames; a child's full forward variables are only
    computed when its bound survives.

    The best word is always found. The list holds, best first, up to `top`
    words whose likelihood is within `margin` nats of the best (default
    12: at least 6e-6 times as likely); all of them are found and scored
    exactly, and nothing outside the margin is searched for (math.inf gives
    the exact top list, at a cost that grows quickly with the margin).
    Words that cannot be emitted in T frames are left out; words with
    characters outside the alphabet are skipped (`build_lexicon(...)
    .skipped` counts them); log-probabilities below -10^4 count as -10^4.

    Cost: a confident output takes a few milliseconds for 10,000 words; a
    very unsure one (an untrained network) may need the whole trie, about
    0.1-0.3 s.
    """
    lp = _matrix(log_probs, alphabet, blank)
    if top < 1:
        raise InputError(f"top must be at least 1, got {top}")
    if not margin >= 0:
        raise InputError(f"margin must be non-negative, got {margin}")
    lex = lexicon if isinstance(lexicon, Lexicon) else build_lexicon(lexicon, alphabet, blank)
    if lex.alphabet != tuple(alphabet) or lex.blank != blank:
        raise InputError("the lexicon was built for another alphabet or blank index",
                         hint="build it with build_lexicon(words, alphabet, blank)")
    T = lp.shape[0]
    if T == 0 or lex.n_nodes == 1:
        return []
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

    def threshold() -> float:
        kth = np.partition(found_score, -top)[-top] if len(found_score) >= top else NEG_INF
        return max(kth, best - margin)

    while len(o_node):
        limit = threshold()
        live = o_bound > limit
        o_node, o_bound, o_label, o_blank = o_node[live], o_bound[live], o_label[live], o_blank[live]
        if not len(o_node):
            break
        # Best bounds first: every node within `_WINDOW` nats of the best open
        # bound. A confident output descends to its word one node at a time
        # (and that word's score then prunes nearly everything); an uncertain
        # one has many close bounds, so its batches are large and vectorise well.
        pick = o_bound >= o_bound.max() - _WINDOW
        if pick.sum() > _MAX_BATCH:
            pick = np.zeros(len(o_node), bool)
            pick[np.argpartition(-o_bound, _MAX_BATCH)[:_MAX_BATCH]] = True
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
    return [(lex.word[found_node[i]], float(found_score[i])) for i in order if found_score[i] >= best - margin]


# ----------------------------------------------------------------------------
# Forced alignment and confidence


@dataclass(frozen=True)
class Segment:
    """One character of a forced alignment.

    It is emitted on frames `start` (inclusive) to `end` (exclusive);
    `score` is the mean log-probability of its class over those frames
    (exp(score) is their geometric-mean probability).
    """

    label: str
    start: int
    end: int
    score: float

    @property
    def length(self) -> int:
        return self.end - self.start


def _labels(target: str | Sequence[int], alphabet: Sequence[str], blank: int) -> list[int]:
    if isinstance(target, str):
        index = _char_index(alphabet, blank)
        bad = sorted({c for c in target if c not in index})
        if bad:
            raise InputError(f"the text uses characters outside the alphabet: {''.join(bad)!r}")
        return [index[c] for c in target]
    labels = [int(k) for k in target]
    if any(k == blank or not 0 <= k < len(alphabet) for k in labels):
        raise InputError("target labels must be non-blank class indices")
    return labels


def viterbi_path(log_probs, labels: Sequence[int], blank: int = 0) -> tuple[np.ndarray, float]:
    """The most probable CTC path emitting `labels`: its extended state per frame and its log-probability.

    Viterbi over the extended sequence (blank, l1, blank, ..., lL, blank)
    with the CTC transitions (stay, advance, or skip a blank between two
    different labels), vectorised over states. State 2i+1 is label i.
    Raises InputError when the labels need more frames than there are.
    """
    lp = np.asarray(log_probs, dtype=np.float64)
    T = lp.shape[0]
    ext = np.full(2 * len(labels) + 1, blank, dtype=np.int64)
    ext[1::2] = labels
    S = len(ext)
    skip = np.zeros(S, dtype=bool)
    skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    need = len(labels) + sum(a == b for a, b in zip(labels, labels[1:]))
    if T < need:
        raise InputError(f"{len(labels)} characters need at least {need} frames, got {T}",
                         hint="a repeated letter needs a blank frame between its copies")
    if T == 0:
        return np.zeros(0, dtype=np.int64), 0.0
    emit = lp[:, ext]
    score = np.full((T, S + 2), NEG_INF)
    back = np.zeros((T, S), dtype=np.int8)            # 0 stay, 1 from s-1, 2 from s-2
    score[0, 2:4] = emit[0, :2]
    cand = np.empty((3, S))
    for t in range(1, T):
        prev = score[t - 1]
        cand[0] = prev[2:]
        cand[1] = prev[1:-1]
        cand[2] = np.where(skip, prev[:-2], NEG_INF)
        arg = cand.argmax(axis=0)
        back[t] = arg
        score[t, 2:] = cand[arg, np.arange(S)] + emit[t]
    final = score[T - 1, 2:]
    s = S - 1 if S == 1 or final[S - 1] >= final[S - 2] else S - 2
    total = float(final[s])
    if total == NEG_INF:
        raise InputError("no path emits these labels: a frame they need has probability 0")
    path = np.empty(T, dtype=np.int64)
    for t in range(T - 1, -1, -1):
        path[t] = s
        s -= back[t, s]
    return path, total


def forced_align(log_probs, target: str, alphabet: Sequence[str], blank: int = 0) -> list[Segment]:
    """One Segment per character of `target`, from the Viterbi path over the CTC lattice.

    Repeated letters are separated by at least one blank frame (the CTC
    rule). Frames on blank states belong to no segment. Source: the CTC
    forced alignment of torchaudio's tutorial (Segment(label, start, end,
    score)), here by Viterbi on the log-probabilities. Raises InputError
    when a character is outside the alphabet or the target needs more
    frames than there are.
    """
    lp = _matrix(log_probs, alphabet, blank)
    labels = _labels(target, alphabet, blank)
    path, _ = viterbi_path(lp, labels, blank)
    segments = []
    for i, k in enumerate(labels):
        frames = np.flatnonzero(path == 2 * i + 1)
        segments.append(Segment(alphabet[k], int(frames[0]), int(frames[-1]) + 1, float(lp[frames, k].mean())))
    return segments


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


def confidence(log_probs, text: str | None = None, alphabet: Sequence[str] | None = None,
               blank: int = 0) -> float:
    """Per-character CTC posterior of a decoded text: p(text | x) ** (1 / max(1, len(text))).

    1 means the network is certain of the text; the root spreads the
    probability over characters so words of different lengths compare.
    `text` defaults to the greedy decoding (no alphabet needed then); a
    given `text` is mapped through `alphabet`. Returns 0 when the text
    cannot be emitted in the frames. Source: the labelling probability
    p(l | x) of Graves et al. 2006, eq. 8.
    """
    lp = np.asarray(log_probs, dtype=np.float64)
    if lp.ndim != 2 or lp.shape[0] == 0:
        raise InputError(f"log-probabilities must be a non-empty (T, K) matrix, got shape {lp.shape}")
    if text is None:
        labels = best_path(lp, blank)
    else:
        if alphabet is None:
            raise InputError("confidence of a given text needs the alphabet")
        _matrix(lp, alphabet, blank)
        labels = _labels(text, alphabet, blank)
    log_p = sequence_log_likelihood(lp, labels, blank)
    return math.exp(log_p / max(1, len(labels))) if log_p > NEG_INF else 0.0
