"""Word data for the reader: seed 001's protocol, kept exactly comparable.

Alphabet c o l i t n m a e u (CTC blank is class 0, letters 1..10), a
47-word vocabulary, and a held-out split drawn with
``numpy.random.default_rng(seed).permutation(47)``: its first
``round(holdout_frac * 47)`` indices are held out, both lists kept in
vocabulary order. Training renders fresh words every epoch; evaluation
uses fixed renderings (8 per word) from a generator seeded apart from
training, so the two never share a rendering.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from core.generator import Augment, Rendering, render_word

SEED_ALPHABET = "coltinmaeu"
SEED_VOCAB: tuple[str, ...] = tuple("""
ant ill tan lot mit nan tic tin out ate eat tea ice lit non nun men mat net moo
moon loom noon name nice cone tone lane amen main mine lent tent team lime time mile tail lion into icon
actin tonic milne linen matte atone""".split())
EVAL_SEED_OFFSET = 1_000_003  # evaluation renderings use rng(seed + this): disjoint from training


def split_vocab(seed: int, holdout_frac: float = 0.2, vocab: Sequence[str] = SEED_VOCAB
                ) -> tuple[list[str], list[str]]:
    """(in-vocabulary, held-out) words of the seed protocol for `seed`, both in vocabulary order."""
    n_held = int(round(holdout_frac * len(vocab)))
    held = set(np.random.default_rng(seed).permutation(len(vocab))[:n_held].tolist())
    train = [w for i, w in enumerate(vocab) if i not in held]
    heldout = [w for i, w in enumerate(vocab) if i in held]
    return train, heldout


@dataclass
class Sample:
    """One rendered word with its split ("invocab" / "heldout" / "train")."""

    word: str
    split: str
    rendering: Rendering


def protocol_eval_set(train_words: Sequence[str], heldout_words: Sequence[str], seed: int,
                      repeats: int = 8, style: str = "seed", augment: Augment | None = None) -> list[Sample]:
    """Fixed evaluation renderings: `repeats` of every word, in-vocabulary then held-out."""
    rng = np.random.default_rng(seed + EVAL_SEED_OFFSET)
    out = []
    for split, words in (("invocab", train_words), ("heldout", heldout_words)):
        for w in words:
            for _ in range(repeats):
                out.append(Sample(w, split, render_word(w, style, rng, augment)))
    return out


def letter_cuts(word: str, min_len: int = 1) -> list[str]:
    """Every contiguous piece of `word` cut at letter boundaries (the word itself included)."""
    n = len(word)
    return [word[i:j] for i in range(n) for j in range(i + min_len, n + 1)]


def epoch_words(train_words: Sequence[str], repeats: int, rng: np.random.Generator,
                cut_fraction: float = 0.0, min_cut: int = 1) -> list[str]:
    """The words to render in one epoch, shuffled.

    Each in-vocabulary word appears `repeats` times; with `cut_fraction` > 0
    that share of the list is replaced by random letter-boundary pieces of
    in-vocabulary words (fair: pieces of words the model may see).
    """
    words = [w for w in train_words for _ in range(repeats)]
    n_cut = int(round(cut_fraction * len(words)))
    if n_cut:
        pieces = sorted({p for w in train_words for p in letter_cuts(w, min_cut) if p != w})
        idx = rng.choice(len(words), size=n_cut, replace=False)
        for i in idx:
            words[i] = pieces[rng.integers(len(pieces))]
    order = rng.permutation(len(words))
    return [words[i] for i in order]


def random_letter_strings(n: int, rng: np.random.Generator, letters: str = "abcdefghijklmnopqrstuvwxyz",
                          min_len: int = 2, max_len: int = 8) -> list[str]:
    """Random strings over `letters`, so an a-z reader is not tied to a vocabulary."""
    lengths = rng.integers(min_len, max_len + 1, size=n)
    chars = np.array(list(letters))
    return ["".join(chars[rng.integers(len(letters), size=k)]) for k in lengths]
