"""Seed 001's word protocol, kept exactly comparable (`--data seed`).

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

from core.data.alphabets import SEED_ALPHABET, reader_alphabet
from core.data.word_data import WordData
from core.errors import InputError
from core.ink.ink import Ink
from core.synth.generator import Augment, Rendering, render_word

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


def cut_share(cfg, epoch: int) -> float:
    """The share of epoch `epoch`'s words cut at letter boundaries.

    During the first `cut_warmup` epochs it falls linearly from 1.0 (only
    pieces: the reader first learns letters and pairs of letters) to
    `cut_fraction`.
    """
    if cfg.cut_warmup > 0 and epoch <= cfg.cut_warmup:
        return 1.0 - (1.0 - cfg.cut_fraction) * (epoch - 1) / cfg.cut_warmup
    return cfg.cut_fraction


def seed_protocol_data(cfg, progress=None) -> WordData:
    """Seed 001's protocol: train on in-vocabulary words and their letter-boundary pieces
    (never a piece that spells a held-out word); evaluate on fixed renderings of in-vocabulary
    and held-out words, in the seed style."""
    train_words, heldout = split_vocab(cfg.seed, cfg.holdout_frac)
    if not train_words:
        raise InputError("the held-out fraction leaves no training words", "lower holdout_frac")
    train_aug = Augment.from_dict(cfg.augment)
    # The protocol's test renderings are always seed 001's: only training may vary.
    eval_seed = cfg.seed if cfg.eval_seed is None else cfg.eval_seed
    evals = protocol_eval_set(train_words, heldout, eval_seed, cfg.eval_repeats, "seed", Augment.seed_style())

    # A piece of an in-vocabulary word can spell a held-out word ("tone" in "atone"): such
    # pieces are never trained on alone, so held-out words stay unseen as words.
    held = set(heldout)
    allowed = sorted({p for w in train_words for p in letter_cuts(w, cfg.min_cut)} - held - set(train_words))

    def sample_epoch(rng: np.random.Generator, epoch: int) -> list[tuple[Ink, str]]:
        words = epoch_words(train_words, cfg.repeats, rng, cut_share(cfg, epoch), cfg.min_cut)
        words = [allowed[rng.integers(len(allowed))] if w in held else w for w in words]
        return [(render_word(w, cfg.style, rng, train_aug).ink, w) for w in words]

    sets = {split: [(s.rendering.ink, s.word) for s in evals if s.split == split]
            for split in ("invocab", "heldout")}
    description = {"source": "seed", "train_words": train_words, "heldout_words": heldout,
                   "style": cfg.style, "eval_repeats": cfg.eval_repeats, "eval_seed": eval_seed,
                   "cut_fraction": cfg.cut_fraction, "cut_warmup": cfg.cut_warmup}
    return WordData(reader_alphabet(SEED_ALPHABET), sample_epoch, sets, description, list(SEED_VOCAB))
