"""CTC decoders and forced alignment on one (T, K) matrix of log-probabilities.

`alphabet` is indexed by class; `alphabet[blank]` is the blank (often "").
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Sequence

import numpy as np

NEG_INF = -np.inf


def greedy_decode(log_probs: np.ndarray, alphabet: Sequence[str], blank: int = 0) -> str:
    """Best path decoding (Graves et al. 2006): argmax per frame, collapse repeats, drop blanks."""
    best = np.asarray(log_probs).argmax(axis=1)
    keep = np.ones(len(best), dtype=bool)
    keep[1:] = best[1:] != best[:-1]
    return "".join(alphabet[k] for k in best[keep] if k != blank)


def beam_decode(log_probs: np.ndarray, alphabet: Sequence[str], beam_width: int = 10, blank: int = 0,
                prune: float = -12.0) -> list[tuple[str, float]]:
    """Prefix beam search without a language model (Hannun et al. 2014), best first.

    Each prefix keeps the log-probability of its paths ending in a blank and
    in a non-blank; classes below `prune` (log-probability) at a frame are
    not tried, which keeps the search fast on peaky CTC outputs.
    """
    lp = np.asarray(log_probs, dtype=np.float64)
    beams: dict[tuple, list[float]] = {(): [0.0, NEG_INF]}  # prefix -> [p_blank, p_nonblank]
    for t in range(lp.shape[0]):
        row = lp[t]
        cands = [k for k in np.flatnonzero(row > prune) if k != blank]
        if not cands:
            cands = [int(k) for k in np.argsort(row)[-2:] if k != blank]
        nxt: dict[tuple, list[float]] = {}

        def add(prefix, pb, pnb):
            cur = nxt.setdefault(prefix, [NEG_INF, NEG_INF])
            cur[0] = np.logaddexp(cur[0], pb)
            cur[1] = np.logaddexp(cur[1], pnb)

        for prefix, (pb, pnb) in beams.items():
            total = np.logaddexp(pb, pnb)
            add(prefix, total + row[blank], NEG_INF)
            last = prefix[-1] if prefix else None
            for k in cands:
                p = row[k]
                if k == last:
                    add(prefix, NEG_INF, pnb + p)          # repeat collapses
                    add(prefix + (k,), NEG_INF, pb + p)    # a blank separated the repeat
                else:
                    add(prefix + (k,), NEG_INF, total + p)
        ranked = sorted(nxt.items(), key=lambda kv: -np.logaddexp(*kv[1]))
        beams = dict(ranked[:beam_width])
    out = [("".join(alphabet[k] for k in prefix), float(np.logaddexp(*v))) for prefix, v in beams.items()]
    return sorted(out, key=lambda x: -x[1])


def _logcumsumexp(x: np.ndarray) -> np.ndarray:
    return np.logaddexp.accumulate(x, axis=-1)


@dataclass
class _Node:
    prefix: str
    last: int          # class of the last character (-1 at the root)
    a_char: np.ndarray  # (T,) forward variable of "last character being emitted"
    a_blank: np.ndarray  # (T,) forward variable of "blank after the last character"


def _extend(node: _Node, classes: np.ndarray, lp: np.ndarray, blank: int) -> tuple[np.ndarray, np.ndarray]:
    """Forward variables of children `classes` of `node`, all frames at once.

    a[t] = (a[t-1] + in[t-1]) * y[t] is solved in log space with a cumulative
    log-sum-exp, so no Python loop over frames is needed.
    """
    T = lp.shape[0]
    y = lp[:, classes].T                                   # (C, T)
    C = np.cumsum(y, axis=1)
    same = (classes == node.last)[:, None]
    enter = np.where(same, node.a_blank[None, :], np.logaddexp(node.a_blank, node.a_char)[None, :])
    first = np.full(len(classes), 0.0 if node.last < 0 else NEG_INF)  # at the root a[0] = y[0]
    # log(a[t]/E[t]) = logsumexp(first, enter[tau-1] - C[tau-1] for tau = 1..t)
    terms = np.concatenate([first[:, None], enter[:, :-1] - C[:, :-1]], axis=1)
    a_char = C + _logcumsumexp(terms)
    yb = lp[:, blank][None, :]
    Cb = np.cumsum(np.broadcast_to(yb, a_char.shape), axis=1)
    tb = np.concatenate([np.full((len(classes), 1), NEG_INF), a_char[:, :-1] - Cb[:, :-1]], axis=1)
    a_blank = Cb + _logcumsumexp(tb)
    return a_char, a_blank


def _trie(words: Sequence[str], index: dict[str, int]):
    root: dict = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(index[ch], {})
        node[None] = w
    return root


def lexicon_decode(log_probs: np.ndarray, alphabet: Sequence[str], lexicon: Sequence[str], blank: int = 0,
                   top: int = 5) -> list[tuple[str, float]]:
    """The `top` words of `lexicon` by exact CTC log-likelihood, best first.

    For a single word this is the score token passing computes. The words
    are searched best-first over a trie: a prefix's probability (that the
    labelling starts with it) bounds every word below it, so branches that
    cannot beat the current `top` words are never expanded. Words with
    characters outside the alphabet are skipped.
    """
    lp = np.asarray(log_probs, dtype=np.float64)
    T = lp.shape[0]
    index = {c: k for k, c in enumerate(alphabet) if k != blank}
    words = [w for w in dict.fromkeys(lexicon) if w and all(c in index for c in w)]
    if not words:
        return []
    trie = _trie(words, index)
    root = _Node("", -1, np.full(T, NEG_INF), np.cumsum(lp[:, blank]))
    best: list[tuple[float, str]] = []  # min-heap of (score, word)
    heap: list = [(-0.0, 0, root, trie)]
    counter = 1
    while heap:
        neg_bound, _, node, sub = heapq.heappop(heap)
        if len(best) == top and -neg_bound <= best[0][0]:
            break
        if None in sub:
            score = float(np.logaddexp(node.a_char[-1], node.a_blank[-1]))
            if len(best) < top:
                heapq.heappush(best, (score, sub[None]))
            elif score > best[0][0]:
                heapq.heapreplace(best, (score, sub[None]))
        classes = np.array([k for k in sub if k is not None], dtype=np.int64)
        if not len(classes):
            continue
        a_char, a_blank = _extend(node, classes, lp, blank)
        # Prefix probability: the last character is first emitted at some frame t.
        same = (classes == node.last)[:, None]
        prev = np.where(same, node.a_blank[None, :], np.logaddexp(node.a_blank, node.a_char)[None, :])
        first = np.full((len(classes), 1), 0.0 if node.last < 0 else NEG_INF)
        enter0 = np.concatenate([first, prev[:, :-1]], axis=1)
        bounds = np.logaddexp.reduce(enter0 + lp[:, classes].T, axis=1)
        for i, k in enumerate(classes):
            if len(best) == top and bounds[i] <= best[0][0]:
                continue
            child = _Node(node.prefix + alphabet[k], int(k), a_char[i], a_blank[i])
            heapq.heappush(heap, (-float(bounds[i]), counter, child, sub[int(k)]))
            counter += 1
    return [(w, s) for s, w in sorted(best, reverse=True)]


@dataclass(frozen=True)
class Segment:
    """One character of a forced alignment: frames [start, end) and its mean log-probability."""

    label: str
    start: int
    end: int
    score: float


def forced_align(log_probs: np.ndarray, target: str, alphabet: Sequence[str], blank: int = 0) -> list[Segment]:
    """Viterbi alignment of `target` over the CTC lattice (a blank is required between repeats).

    Returns one Segment per character: the frames [start, end) on which the
    best path emits it, and `score`, the mean log-probability of those frames.
    Raises ValueError when the target cannot fit in the frames.
    """
    lp = np.asarray(log_probs, dtype=np.float64)
    index = {c: k for k, c in enumerate(alphabet)}
    labels = [index[c] for c in target]
    ext = [blank]
    for k in labels:
        ext += [k, blank]
    S, T = len(ext), lp.shape[0]
    ext_a = np.array(ext)
    skip = np.zeros(S, dtype=bool)
    skip[2:] = (ext_a[2:] != blank) & (ext_a[2:] != ext_a[:-2])
    score = np.full((T, S), NEG_INF)
    back = np.zeros((T, S), dtype=np.int64)
    score[0, 0] = lp[0, ext[0]]
    if S > 1:
        score[0, 1] = lp[0, ext[1]]
    for t in range(1, T):
        prev = score[t - 1]
        cand = np.stack([prev, np.concatenate([[NEG_INF], prev[:-1]]),
                         np.where(skip, np.concatenate([[NEG_INF, NEG_INF], prev[:-2]]), NEG_INF)])
        arg = cand.argmax(axis=0)
        score[t] = cand[arg, np.arange(S)] + lp[t, ext_a]
        back[t] = arg
    ends = [S - 1] + ([S - 2] if S > 1 else [])
    s = max(ends, key=lambda e: score[T - 1, e])
    if not np.isfinite(score[T - 1, s]):
        raise ValueError(f"'{target}' needs more frames than the {T} available")
    path = np.empty(T, dtype=np.int64)
    for t in range(T - 1, -1, -1):
        path[t] = s
        s -= back[t, s]
    segments = []
    for i in range(len(labels)):
        frames = np.flatnonzero(path == 2 * i + 1)
        segments.append(Segment(target[i], int(frames[0]), int(frames[-1]) + 1,
                                float(lp[frames, labels[i]].mean())))
    return segments


def confidence(log_probs: np.ndarray, blank: int = 0) -> float:
    """Geometric-mean probability of the best path's frames: 1 when every frame is certain."""
    return float(np.exp(np.asarray(log_probs).max(axis=1).mean()))
