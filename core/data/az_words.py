"""Words for the a-z reader: the English word list, real letters composed into words, and its data.

Composed words take isolated UNIPEN letters (category 1c) of one writer and
lay them out left to right as that writer might have written the word:
every letter is scaled so its body matches a common x-height, placed on a
common baseline by where its class sits (ascender, x-height, descender),
and separated by a gap drawn around 0.25 x-height. No real word of that
writer is needed, so any string can be composed.

The a-z reader's data (`--data` any UNIPEN source of `core.data.corpus`, or `synthetic`):
every epoch mixes three sources of lowercase words:

* synthetic words in the natural style over all 26 letters, with the
  full augmentation and pen-down ligatures;
* words composed from real UNIPEN letters (category 1c) of one writer at a
  time (`compose_word`);
* the real category 6 words of the training writers.

Words come from the English list (core/data/words_en_10k.txt) and from
random letter strings, so the reader is not tied to a vocabulary. Short
words come first (a curriculum over the first epochs). `invocab` is a fixed
sample of words composed from the training writers' letters. On the
training corpus (`unipen-train`) the split is by contributor
(`core.data.splits`): the test contributors are never read, `heldout` is
the validation contributors' real words and chooses the best epoch,
`test` a fixed sample of the test contributors' words, read after every
epoch for the curve of strangers but never used to choose, and real
words are the larger share of an epoch. On a folder without those
contributors (the small fixture), its test contributor (`art`) is kept out of all
training, letters and words alike: its real words are the `heldout` split.
With `--data synthetic` only synthetic words train and evaluate.
"""
from __future__ import annotations

import re

from dataclasses import replace
from functools import lru_cache
from typing import Sequence

import numpy as np

from core.data.alphabets import AZ, is_seed_alphabet, reader_alphabet
from core.data.corpus import load_corpus, say, unipen_folder
from core.data.seed_words import SEED_VOCAB
from core.data.splits import (
    FIXTURE_TEST_CONTRIBUTOR,
    TEST_CONTRIBUTORS,
    VALIDATION_CONTRIBUTORS,
    contributor_role,
    uses_contributor_split,
)
from core.data.word_data import WordData
from core.errors import InputError
from core.ink.ink import Ink, bounds
from core.ink.unipen_categories import LOWERCASE, WORDS
from core.paths import PACKAGE_DATA
from core.synth.generator import Augment, render_word

WORDS_FILE = PACKAGE_DATA / "words_en_10k.txt"
MIX = {"synthetic": 0.4, "composed": 0.4, "real": 0.2}  # shares of an epoch's words
# With the training corpus's some 50,000 real lowercase words, real words lead.
MIX_CORPUS = {"synthetic": 0.2, "composed": 0.2, "real": 0.6}
TEST_SAMPLE = 500  # test contributors' words read after every epoch (the Train page's curve of strangers)
CURRICULUM_EPOCHS = 4  # longest word grows from 3 letters to 12 over these epochs
RANDOM_SHARE = 0.3     # share of random letter strings among the chosen words
LETTER_GAP = (0.1, 0.45)  # the gap between composed letters, in x-heights (drawn per gap)

# Vertical extent of each letter in x-height units: (top, bottom) relative
# to the baseline at 0 and the x-height at 1.
_ASCENDERS = set("bdhkl")
_DESCENDERS = set("gpqy")
LETTER_EXTENT = {ch: (1.0, 0.0) for ch in AZ}
LETTER_EXTENT.update({ch: (1.75, 0.0) for ch in _ASCENDERS})
LETTER_EXTENT.update({ch: (1.0, -0.75) for ch in _DESCENDERS})
LETTER_EXTENT.update({"t": (1.45, 0.0), "i": (1.35, 0.0), "j": (1.35, -0.75), "f": (1.75, -0.3)})


@lru_cache(maxsize=1)
def english_words() -> tuple[str, ...]:
    """The 10,000 most frequent a-z English words, most frequent first (see core/data/README.md)."""
    return tuple(w for w in WORDS_FILE.read_text(encoding="utf-8").split() if w)


def lexicon_for(words: Sequence[str] = ()) -> list[str]:
    """The default lexicon: the English list plus `words` (e.g. the evaluated words' own vocabulary)."""
    seen = dict.fromkeys(english_words())
    seen.update(dict.fromkeys(w for w in words if w))
    return list(seen)


def place_letter(ink: Ink, ch: str, x_left: float, x_height: float = 1.0, extent: dict | None = None) -> Ink:
    """Scale a letter's ink so its extent matches its class (`extent`: LETTER_EXTENT unless given), then put
    its left edge at `x_left`."""
    x0, y0, x1, y1 = bounds(ink)
    top, bottom = (extent or LETTER_EXTENT).get(ch, (1.0, 0.0))
    height = max(y1 - y0, 1e-9)
    scale = (top - bottom) * x_height / height
    # A flat letter (a dash-like scribble) keeps a sane width instead of exploding.
    scale = min(scale, 3.0 * x_height / max(x1 - x0, 1e-9)) if height < 0.05 * max(x1 - x0, 1e-9) else scale
    offset = np.array([x_left - x0 * scale, bottom * x_height - y0 * scale])
    return [s * scale + offset for s in ink]


def compose_word(letters: Sequence[tuple[str, Ink]], rng: np.random.Generator,
                 gap: tuple[float, float] = LETTER_GAP, baseline_jitter: float = 0.06,
                 size_jitter: float = 0.08, extent: dict | None = None) -> tuple[Ink, list[tuple[str, int, int]]]:
    """Lay out (char, ink) letters left to right on a common baseline.

    Returns the word's ink and its letter spans (char, first point, end point)
    in the flattened point order, as the generator's renderings do.
    """
    word_ink: Ink = []
    spans: list[tuple[str, int, int]] = []
    x, n = 0.0, 0
    for ch, ink in letters:
        size = 1.0 + rng.uniform(-size_jitter, size_jitter)
        placed = place_letter(ink, ch, x, size, extent)
        lift = rng.normal(0.0, baseline_jitter)
        placed = [s + np.array([0.0, lift]) for s in placed]
        count = sum(len(s) for s in placed)
        spans.append((ch, n, n + count))
        n += count
        word_ink.extend(placed)
        x = bounds(placed)[2] + rng.uniform(*gap)
    return word_ink, spans


def letters_by_writer(samples) -> dict[str, dict[str, list]]:
    """Group letter samples as writer -> letter -> [ink, ...] (a-z labels only)."""
    table: dict[str, dict[str, list]] = {}
    for s in samples:
        label = s.label.strip()
        if len(label) == 1 and label in AZ and len(s.ink) > 0:
            table.setdefault(s.writer, {}).setdefault(label, []).append(s.ink)
    return table


def compose_from_writer(word: str, letters: dict[str, list], rng: np.random.Generator) -> Ink:
    """Compose `word` from one writer's letters (each letter drawn at random among that writer's)."""
    chosen = [(ch, letters[ch][rng.integers(len(letters[ch]))]) for ch in word]
    return compose_word(chosen, rng)[0]


def default_lexicon(ckpt: dict) -> list[str]:
    """A reader's default lexicon: its vocabulary for the seed protocol, else English plus its eval words.

    The one answer for `decode`, `evaluate` and every page.
    """
    data = ckpt.get("data") or {}
    if data.get("source") == "seed" or is_seed_alphabet(ckpt.get("alphabet", [])):
        return list(SEED_VOCAB)
    vocabulary = data.get("eval_vocabulary", [])
    if data.get("charset") == "text":  # a line reader's eval lines hold numbers and symbols: only their words
        vocabulary = [w for w in vocabulary if re.fullmatch(r"[A-Za-z]+(?:'[a-z]+)?", w)]
    return lexicon_for(vocabulary)


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


def az_word_data(cfg, progress=say):
    """WordData for the a-z reader (see the module docstring); `progress(message)` hears how loading goes."""
    aug = _natural_augment(cfg)
    per_epoch = 300 * cfg.repeats
    synthetic_only = cfg.data == "synthetic"
    letters, real_words, test_words, test_sample = {}, [], [], []
    held = {"test_contributor": FIXTURE_TEST_CONTRIBUTOR}
    mix = MIX
    if not synthetic_only:
        root = unipen_folder(cfg.data, progress)
        corpus = load_corpus(root, [LOWERCASE, WORDS], progress=progress)
        words = corpus.words(lowercase_only=True)
        if uses_contributor_split({s.contributor for s in corpus.samples}):
            # The training corpus: train on the training contributors only; held-out words are the
            # validation contributors' (they choose the epoch); the test contributors are never read.
            role = contributor_role
            held = {"test_contributors": list(TEST_CONTRIBUTORS), "validation_contributors":
                    list(VALIDATION_CONTRIBUTORS), "heldout_is": "validation contributors' words"}
            mix = MIX_CORPUS
        else:
            def role(c):
                return "test" if c == FIXTURE_TEST_CONTRIBUTOR else "train"
        letters = {w: t for w, t in letters_by_writer(s for s in corpus.letters() if role(s.contributor) == "train")
                   .items() if len(t) >= 20}
        real_words = [(s.ink, s.label) for s in words if role(s.contributor) == "train"]
        test_role = "val" if "validation_contributors" in held else "test"
        test_words = [(s.ink, s.label) for s in words if role(s.contributor) == test_role]
        if test_role == "val":  # a fixed sample of the test contributors' words: a live curve, never a choice
            strangers = [(s.ink, s.label) for s in words if role(s.contributor) == "test"]
            pick = np.random.default_rng(0).permutation(len(strangers))[:TEST_SAMPLE]
            test_sample = [strangers[i] for i in sorted(pick)]
            held["test_sample_words"] = len(test_sample)
        if not letters or not test_words:
            raise InputError(f"the UNIPEN data at {root} has no usable letters or held-out words")
    writers = sorted(letters)

    def composed(word: str, rng) -> Ink | None:
        for _ in range(4):
            table = letters[writers[int(rng.integers(len(writers)))]]
            if all(ch in table for ch in word):
                return compose_from_writer(word, table, rng)
        return None

    def sample_epoch(rng: np.random.Generator, epoch: int) -> list[tuple[Ink, str]]:
        max_len = 12 if epoch > CURRICULUM_EPOCHS else 3 + (epoch - 1) * 9 // CURRICULUM_EPOCHS
        shares = {"synthetic": 1.0} if synthetic_only else mix
        out: list[tuple[Ink, str]] = []
        for source, share in shares.items():
            n = int(round(share * per_epoch))
            if source == "real":
                if not real_words:
                    continue
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
    description = {"source": "synthetic" if synthetic_only else cfg.data, **held,
                   "training_writers": len(writers), "real_training_words": len(real_words),
                   "test_words": len(heldout), "eval_vocabulary": vocabulary, "mix": mix,
                   "words_per_epoch": per_epoch}
    sets = {"invocab": invocab, "heldout": heldout} | ({"test": test_sample} if test_sample else {})
    return WordData(reader_alphabet(AZ), sample_epoch, sets, description,
                    lexicon_for(vocabulary), select_on="heldout" if "validation_contributors" in held else "invocab")
