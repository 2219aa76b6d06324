"""Word data for the a-z reader of real handwriting (`--data unipen[:PATH]` or `--data synthetic`).

Every epoch mixes three sources of lowercase words:

* synthetic words in the natural style over all 26 letters, with the
  full augmentation and pen-down ligatures;
* words composed from real UNIPEN letters (category 1c) of one writer at a
  time (core.wordsets.compose_word);
* the real category 6 words of the training writers.

Words come from the English list (core/data/words_en_10k.txt) and from
random letter strings, so the reader is not tied to a vocabulary. Short
words come first (a curriculum over the first epochs). Contributor `art`
is kept out of all training, letters and words alike: its real words are
the `heldout` split (writers never seen); `invocab` is a fixed sample of
words composed from the training writers' letters. With `--data
synthetic` only synthetic words train and evaluate.
"""
from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from core.errors import InputError
from core.generator import Augment, render_word
from core.ink import Ink
from core.wordsets import AZ, compose_from_writer, english_words, letters_by_writer, lexicon_for

TEST_CONTRIBUTOR = "art"
MIX = {"synthetic": 0.4, "composed": 0.4, "real": 0.2}  # shares of an epoch's words
CURRICULUM_EPOCHS = 4  # longest word grows from 3 letters to 12 over these epochs
RANDOM_SHARE = 0.3     # share of random letter strings among the chosen words


def _pick_words(n: int, rng: np.random.Generator, max_len: int) -> list[str]:
    words = [w for w in english_words() if len(w) <= max_len]
    out = []
    for _ in range(n):
        if rng.random() < RANDOM_SHARE:
            k = int(rng.integers(1, max_len + 1))
            out.append("".join(rng.choice(list(AZ), size=k)))
        else:
            out.append(words[int(rng.integers(len(words)))])
    return out


def _natural_augment(cfg) -> Augment:
    aug = Augment.from_dict(cfg.augment) if cfg.style == "natural" else Augment()
    return replace(aug, ligature=max(aug.ligature, 0.3), allograph=max(aug.allograph, 0.5))


def az_word_data(cfg):
    """WordData for the a-z reader (see the module docstring)."""
    from core.reader import reader_alphabet
    from core.train_reader import WordData

    aug = _natural_augment(cfg)
    per_epoch = 300 * cfg.repeats
    synthetic_only = cfg.data == "synthetic"
    letters, real_words, test_words = {}, [], []
    if not synthetic_only:
        from core.unipen import load_letters, load_words, unipen_root

        root = unipen_root(cfg.data)
        samples = load_letters(root)
        letters = {w: t for w, t in letters_by_writer(s for s in samples if s.contributor != TEST_CONTRIBUTOR).items()
                   if len(t) >= 20}
        words = [s for s in load_words(root) if re.fullmatch(r"[a-z]+", s.label)]
        real_words = [(s.ink, s.label) for s in words if s.contributor != TEST_CONTRIBUTOR]
        test_words = [(s.ink, s.label) for s in words if s.contributor == TEST_CONTRIBUTOR]
        if not letters or not test_words:
            raise InputError(f"the UNIPEN data at {root} has no usable letters or test words")
    writers = sorted(letters)

    def composed(word: str, rng) -> Ink | None:
        for _ in range(4):
            table = letters[writers[int(rng.integers(len(writers)))]]
            if all(ch in table for ch in word):
                return compose_from_writer(word, table, rng)
        return None

    def sample_epoch(rng: np.random.Generator, epoch: int) -> list[tuple[Ink, str]]:
        max_len = 12 if epoch > CURRICULUM_EPOCHS else 3 + (epoch - 1) * 9 // CURRICULUM_EPOCHS
        shares = {"synthetic": 1.0} if synthetic_only else MIX
        out: list[tuple[Ink, str]] = []
        for source, share in shares.items():
            n = int(round(share * per_epoch))
            if source == "real":
                short = [p for p in real_words if len(p[1]) <= max_len] or real_words
                out += [short[int(i)] for i in rng.integers(len(short), size=n)]
                continue
            for w in _pick_words(n, rng, max_len):
                ink = render_word(w, "natural", rng, aug).ink if source == "synthetic" else composed(w, rng)
                if ink is not None:
                    out.append((ink, w))
        return [out[i] for i in rng.permutation(len(out))]

    eval_rng = np.random.default_rng(cfg.seed + 99_991)
    if synthetic_only:
        invocab = [(render_word(w, "natural", eval_rng, aug).ink, w) for w in _pick_words(200, eval_rng, 10)]
        heldout = [(render_word(w, "natural", eval_rng, Augment()).ink, w) for w in english_words()[:200]]
    else:
        invocab = [(ink, w) for w in _pick_words(300, eval_rng, 10) if (ink := composed(w, eval_rng)) is not None]
        heldout = test_words
    vocabulary = sorted({w for _, w in heldout})
    description = {"source": "synthetic" if synthetic_only else cfg.data, "test_contributor": TEST_CONTRIBUTOR,
                   "training_writers": len(writers), "real_training_words": len(real_words),
                   "test_words": len(heldout), "eval_vocabulary": vocabulary, "mix": MIX,
                   "words_per_epoch": per_epoch}
    return WordData(reader_alphabet(AZ), sample_epoch, {"invocab": invocab, "heldout": heldout}, description,
                    lexicon_for(vocabulary))
