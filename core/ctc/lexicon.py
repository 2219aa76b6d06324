"""Lexicon decoding: the best words of a word list by exact CTC likelihood (branch and bound over a trie,
optionally bounded by a node budget that falls back to a beam over the trie)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

import numpy as np

from core.ctc.matrix import NEG_INF, char_index, check_log_probs
from core.ctc.trie_forward import children_closed_form, children_scaled, log_add_arrays, parent_inflow, prefix_bounds
from core.errors import InputError

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
    lp, lex = _search_inputs(log_probs, alphabet, lexicon, blank, top, margin, budget)
    T = lp.shape[0]
    if T == 0 or lex.n_nodes == 1:
        return LexiconResult([], True, 0)
    lp = np.maximum(lp, _LOG_FLOOR)
    cum = np.cumsum(lp, axis=0)
    probs = np.exp(lp)
    # The root: no letter yet, so its label state is impossible and its blank state holds every frame's blank.
    frontier = _Frontier(np.zeros(1, np.int64), np.zeros(1), np.full((1, T), NEG_INF), cum[None, :, blank].copy())
    found = _Found(top, margin)
    spent, exact = 0, True
    while len(frontier):
        limit = found.threshold()
        frontier.keep(frontier.bound > limit)
        if not len(frontier):
            break
        if budget is not None and spent >= budget:
            # Budget spent: every open node is expanded, but only the best few stay open.
            if len(frontier) > FALLBACK_BEAM:
                exact = False
                frontier.keep(np.argpartition(-frontier.bound, FALLBACK_BEAM)[:FALLBACK_BEAM])
            pick = np.ones(len(frontier), bool)
        else:
            pick = _best_first(frontier.bound, budget, spent)
        kids = _expand(lex, frontier.split(pick), lp, cum, probs, limit)
        if kids is None:
            continue
        spent += len(kids)
        words = lex.is_word[kids.node]
        found.add(kids.node[words], log_add_arrays(kids.label[words, -1], kids.blank[words, -1]))
        kids.keep((lex.n_kids[kids.node] > 0) & (kids.bound > found.threshold()))
        frontier.add(kids)
    return LexiconResult(found.words(lex), exact, spent)


def _search_inputs(log_probs, alphabet: Sequence[str], lexicon: Lexicon | Sequence[str], blank: int, top: int,
                   margin: float, budget: int | None) -> tuple[np.ndarray, Lexicon]:
    """The checked (T, K) log-probabilities and the lexicon's trie, or an InputError saying what is wrong."""
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
    return lp, lex


@dataclass
class _Frontier:
    """Trie nodes of the search as parallel arrays: node, bound and forward variables (one row per node)."""

    node: np.ndarray
    bound: np.ndarray
    label: np.ndarray
    blank: np.ndarray

    def __len__(self) -> int:
        return len(self.node)

    def keep(self, which: np.ndarray) -> None:
        """Keep only the nodes `which` selects (a mask or indices)."""
        self.node, self.bound, self.label, self.blank = (self.node[which], self.bound[which], self.label[which],
                                                         self.blank[which])

    def split(self, mask: np.ndarray) -> "_Frontier":
        """The nodes `mask` selects, as a frontier of their own; this one keeps the rest."""
        taken = _Frontier(self.node[mask], self.bound[mask], self.label[mask], self.blank[mask])
        self.keep(~mask)
        return taken

    def add(self, other: "_Frontier") -> None:
        self.node, self.bound = np.concatenate([self.node, other.node]), np.concatenate([self.bound, other.bound])
        self.label, self.blank = np.concatenate([self.label, other.label]), np.concatenate([self.blank, other.blank])


class _Found:
    """The words scored so far (as trie nodes) and the score a bound must beat to matter: the `top`-th best
    score, or `margin` below the best, whichever is higher."""

    def __init__(self, top: int, margin: float):
        self.top, self.margin = top, margin
        self.score, self.node, self.best = np.empty(0), np.empty(0, np.int64), NEG_INF

    def threshold(self) -> float:
        kth = np.partition(self.score, -self.top)[-self.top] if len(self.score) >= self.top else NEG_INF
        return max(kth, self.best - self.margin)

    def add(self, nodes: np.ndarray, score: np.ndarray) -> None:
        ok = score > NEG_INF
        if ok.any():
            self.score, self.node = np.concatenate([self.score, score[ok]]), np.concatenate([self.node, nodes[ok]])
            self.best = max(self.best, float(score[ok].max()))

    def words(self, lex: Lexicon) -> list[tuple[str, float]]:
        order = np.argsort(-self.score, kind="stable")[:self.top]
        return [(lex.word[self.node[i]], float(self.score[i])) for i in order
                if self.score[i] >= self.best - self.margin]


def _best_first(bound: np.ndarray, budget: int | None, spent: int) -> np.ndarray:
    """Which open nodes to expand next: every node within `_WINDOW` nats of the best open bound, at most a cap.

    A confident output descends to its word one node at a time (and that
    word's score then prunes nearly everything); an uncertain one has many
    close bounds, so its batches are large and vectorise well.
    """
    pick = bound >= bound.max() - _WINDOW
    cap = _MAX_BATCH if budget is None else max(1, (budget - spent) // 4)
    if pick.sum() > cap:
        pick = np.zeros(len(bound), bool)
        pick[np.argpartition(-bound, cap)[:cap]] = True
    return pick


def _expand(lex: Lexicon, parents: _Frontier, lp: np.ndarray, cum: np.ndarray, probs: np.ndarray,
            limit: float) -> _Frontier | None:
    """The children of `parents` whose prefix bound beats `limit` and that end a word or lead to one, with
    their bounds and forward variables; None if there are none."""
    nodes = parents.node
    counts = lex.n_kids[nodes]
    # The parents' lists of children (CSR), flattened: each child's parent row and its own node.
    row = np.repeat(np.arange(len(nodes)), counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    kids = lex.child[lex.first[nodes][row] + offset]
    if not len(kids):
        return None
    cls = lex.label[kids]
    same = cls == lex.label[nodes][row]
    enter_diff, enter_same = parent_inflow(parents.label, parents.blank, nodes == 0)
    bound = np.where(same, prefix_bounds(enter_same, probs)[row, cls], prefix_bounds(enter_diff, probs)[row, cls])
    keep = (bound > limit) & (lex.is_word[kids] | (lex.n_kids[kids] > 0))
    if not keep.any():
        return None
    kids, cls, bound, row, same = kids[keep], cls[keep], bound[keep], row[keep], same[keep]
    enter = np.where(same[:, None], enter_same[row], enter_diff[row])
    if len(kids) >= _LOOP_MIN_CHILDREN:
        label, blank_state = children_scaled(probs, enter, cls, lex.blank)
    else:
        label, blank_state = children_closed_form(lp, cum, enter, cls, lex.blank)
    return _Frontier(kids, bound, label, blank_state)


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
        diff, same = parent_inflow(label, blank_state, np.array([i == 0]))
        label, blank_state = children_closed_form(lp, cum, same if k == previous else diff,
                                                   np.array([k]), blank)
        previous = k
    return float(log_add_arrays(label[:, -1], blank_state[:, -1])[0])
