"""A word-bigram language model over the K most frequent words of a count source, smoothed by absolute discounting.

P(w | v) = max(c(v, w) - D, 0) / c(v) + alpha(v) P(w), with P(w) = c(w) / sum of the vocabulary's counts and
alpha(v) = 1 - sum over the vocabulary's recorded pairs (v, .) of max(c(v, w) - D, 0) / c(v): the mass the
discount frees plus the mass of pairs the source never recorded (its counts stop at a cut-off, so every
word has unrecorded followers). Each row sums to 1 over the vocabulary; an unrecorded pair gets
alpha(v) P(w) > 0, a recorded one more. The start of a line has no counts of its own: the first word is
scored by P(w). D defaults to 0: the sources' cut-off (no pair below 100,000 occurrences is recorded)
already leaves most of a row's mass to the unigram (median 92%, 5th percentile 49%), and on the category-8 lines every D tried made
the perplexity worse (D = 0, 25k, 50k, 100k, 200k: 898, 904, 910, 934, 1001 for wordsegment's 20,000
words; `bench/lm_sources.py`).

Words are compared lowercase with surrounding punctuation stripped and apostrophes dropped
(`normalise_word`: "Hello," -> "hello", "don't" -> "dont"), the form the sources count.
"""
from __future__ import annotations

import math
import string
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from core.data.cache import cached_arrays
from core.data.word_counts import LM_SOURCES, source_version, word_counts
from core.errors import InputError

PUNCTUATION = string.punctuation
DEFAULT_SOURCE = "symspellpy"         # chosen by measurement (bench/lm_sources.py; README, decoders)
DEFAULT_SIZE = 20_000                 # the dictionary size of Graves et al. 2009
DEFAULT_DISCOUNT = 0.0
LM_VERSION = 2                        # bump when _build changes what it makes (the cached models are rebuilt)


def normalise_word(token: str) -> str:
    """The LM's form of a written word: surrounding punctuation stripped, apostrophes dropped, lowercase."""
    return token.strip(PUNCTUATION).replace("'", "").lower()


@dataclass(frozen=True, eq=False)
class BigramLM:
    """The smoothed bigram model; words by index (`index`), most frequent first.

    `unigram[w]` is log P(w), `backoff[v]` log alpha(v), `pairs[v * size + w]`
    log P(w | v) of the recorded pairs (`recorded(w, v)`: one integer key, so
    that the cached model loads fast); `log_prob(w, v)` reads them (v -1: no
    previous word).
    """

    source: str
    words: tuple[str, ...]
    discount: float
    unigram: list[float] = field(repr=False)
    backoff: list[float] = field(repr=False)
    pairs: dict[int, float] = field(repr=False)
    index: dict[str, int] = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.words)

    def log_prob(self, word: int, prev: int = -1) -> float:
        """log P(word | prev) by index; prev -1 (a line's start, or after an unknown word) gives log P(word)."""
        if prev < 0:
            return self.unigram[word]
        hit = self.pairs.get(prev * len(self.words) + word)
        return hit if hit is not None else self.backoff[prev] + self.unigram[word]

    def recorded(self, word: int, prev: int) -> bool:
        """Whether the source counted the pair (prev, word)."""
        return prev * len(self.words) + word in self.pairs

    def word_log_prob(self, word: str, prev: str | None = None) -> float | None:
        """log P(word | prev) of written words (normalised first); None when `word` is outside the vocabulary."""
        w = self.index.get(normalise_word(word))
        if w is None:
            return None
        v = self.index.get(normalise_word(prev)) if prev is not None else None
        return self.log_prob(w, -1 if v is None else v)


def _build(source: str, size: int, discount: float | None) -> BigramLM:
    counts = word_counts(source)
    ranked = sorted((w for w in counts.unigrams if w), key=lambda w: (-counts.unigrams[w], w))[:size]
    index = {w: i for i, w in enumerate(ranked)}
    c = np.array([counts.unigrams[w] for w in ranked])
    unigram = np.log(c / c.sum())
    kept = [(index[v], index[w], n) for (v, w), n in counts.bigrams.items() if v in index and w in index]
    d = DEFAULT_DISCOUNT if discount is None else float(discount)
    if d < 0:
        raise InputError(f"the discount must be non-negative, got {d}")
    freed = np.zeros(len(ranked))
    for v, _, n in kept:
        freed[v] += max(n - d, 0.0) / c[v]
    # A source whose pair counts exceed its word counts would leave no mass: scale those rows down.
    shrink = np.where(freed > 0.999, 0.999 / np.maximum(freed, 1e-300), 1.0)
    alpha = 1.0 - freed * shrink
    pairs = {}
    for v, w, n in kept:
        pairs[v * len(ranked) + w] = math.log(max(n - d, 0.0) / c[v] * shrink[v] + alpha[v] * math.exp(unigram[w]))
    return BigramLM(source, tuple(ranked), d, unigram.tolist(), np.log(alpha).tolist(), pairs, index)


def _to_arrays(lm: BigramLM) -> dict[str, np.ndarray]:
    return {"words": np.array(lm.words, dtype=str), "discount": np.array(lm.discount),
            "unigram": np.array(lm.unigram), "backoff": np.array(lm.backoff),
            "pair_keys": np.fromiter(lm.pairs, dtype=np.int64, count=len(lm.pairs)),
            "pair_log_probs": np.array(list(lm.pairs.values()), dtype=np.float64)}


def _from_arrays(source: str, a: dict[str, np.ndarray]) -> BigramLM:
    words = tuple(a["words"].tolist())
    pairs = dict(zip(a["pair_keys"].tolist(), a["pair_log_probs"].tolist()))
    return BigramLM(source, words, float(a["discount"]), a["unigram"].tolist(), a["backoff"].tolist(), pairs,
                    {w: i for i, w in enumerate(words)})


@lru_cache(maxsize=4)
def bigram_lm(source: str = DEFAULT_SOURCE, size: int = DEFAULT_SIZE, discount: float | None = None) -> BigramLM:
    """The bigram model of the `size` most frequent words of `source` (`core.data.word_counts`), built once.

    Building it reads the package's counts (5-15 s); the model is then kept in the cache folder
    (`core.data.cache`, keyed by the source package's version), so a new process loads it in a fraction
    of a second.
    """
    if size < 1:
        raise InputError(f"the vocabulary needs at least one word, got size {size}")
    if source not in LM_SOURCES:  # before any file is named after it
        word_counts(source)
    key = {"kind": "bigram-lm", "source": source, "size": int(size), "discount": discount,
           "package": source_version(source), "lm": LM_VERSION}
    return _from_arrays(source, cached_arrays(key, lambda: _to_arrays(_build(source, int(size), discount))))


@lru_cache(maxsize=4)
def word_list_lm(words: tuple[str, ...]) -> BigramLM:
    """A word list as an LM with no preference: every word (normalised) equally likely, no pairs.

    The `lexicon` decoder of a line reader uses it: each word of the line from the list, spaces between.
    """
    ranked = tuple(dict.fromkeys(w for w in (normalise_word(t) for t in words) if w))
    if not ranked:
        raise InputError("the lexicon holds no word", "give a word list, one word per line")
    flat = [-math.log(len(ranked))] * len(ranked)
    return BigramLM("word list", ranked, 0.0, flat, [0.0] * len(ranked), {}, {w: i for i, w in enumerate(ranked)})
