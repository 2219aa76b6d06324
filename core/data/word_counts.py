"""English word and word-pair counts from a maintained package, by source name (the word-bigram LM's data).

Both sources hold counts of Google's Web 1T corpus (Brants and Franz 2006,
as Norvig's `count_1w` / `count_2w`), lowercase, without apostrophes:

* `wordsegment` (Apache 2.0): 333,213 words and 258,437 pairs (its
  `load()`; `UNIGRAMS`, `BIGRAMS`), every token of the corpus lists,
  single letters and web tokens (html, faq, usr) included;
* `symspellpy` (MIT): the same counts filtered to 82,765 dictionary
  words and 242,342 pairs (`frequency_dictionary_en_82_765.txt`,
  `frequency_bigramdictionary_en_243_342.txt`). Its pair counts are
  wordsegment's times 64 exactly (measured on all 242,342 shared pairs)
  while its word counts are unscaled, so they are divided by 64 here:
  then both sources give a pair's relative frequency c(v, w) / c(v) alike.
  Its dictionary also lacks the apostrophe-less contractions (dont, im,
  youre), which a line of handwriting is full of: they are taken, with
  their pairs, from wordsegment's counts (the same corpus on the same scale).

Which one the lab uses is measured in `bench/lm_sources.py` (README, decoders).
"""
from __future__ import annotations

from functools import lru_cache
from importlib import metadata, resources
from typing import NamedTuple

import wordsegment

from core.errors import InputError

LM_SOURCES = ("wordsegment", "symspellpy")
_SYMSPELL_PAIR_SCALE = 64.0
CONTRACTIONS = ("dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "cant", "couldnt", "wouldnt",
                "shouldnt", "wont", "havent", "hasnt", "hadnt", "im", "ive", "id", "ill", "youre", "youve", "youll",
                "youd", "hes", "shes", "its", "were", "theyre", "theyve", "theyll", "weve", "well", "thats", "whats",
                "theres", "heres", "lets", "aint", "wheres", "whos", "hows")


class WordCounts(NamedTuple):
    """`unigrams` word -> count and `bigrams` (v, w) -> count, on one scale (c(v, w) <= c(v))."""

    source: str
    unigrams: dict[str, float]
    bigrams: dict[tuple[str, str], float]


def _wordsegment() -> WordCounts:
    wordsegment.load()
    pairs = {}
    for key, n in wordsegment.BIGRAMS.items():
        v, _, w = key.partition(" ")
        if w:
            pairs[(v, w)] = float(n)
    return WordCounts("wordsegment", {w: float(n) for w, n in wordsegment.UNIGRAMS.items()}, pairs)


def _symspell() -> WordCounts:
    folder = resources.files("symspellpy")
    words = {}
    for line in (folder / "frequency_dictionary_en_82_765.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2:
            words[parts[0]] = float(parts[1])
    pairs = {}
    for line in (folder / "frequency_bigramdictionary_en_243_342.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 3:
            pairs[(parts[0], parts[1])] = float(parts[2]) / _SYMSPELL_PAIR_SCALE
    full = _wordsegment_cached()
    added = {w for w in CONTRACTIONS if w not in words and w in full.unigrams}
    words.update({w: full.unigrams[w] for w in added})
    for (v, w), n in full.bigrams.items():
        if (v in added or w in added) and v in words and w in words:
            pairs.setdefault((v, w), n)
    return WordCounts("symspellpy", words, pairs)


def source_version(source: str) -> str:
    """The installed version of the packages a source's counts come from (symspellpy adds wordsegment's)."""
    names = {"wordsegment": ("wordsegment",), "symspellpy": ("symspellpy", "wordsegment")}.get(source, ())
    return " ".join(f"{n}=={metadata.version(n)}" for n in names)


@lru_cache(maxsize=1)
def _wordsegment_cached() -> WordCounts:
    return _wordsegment()


@lru_cache(maxsize=2)
def word_counts(source: str = "symspellpy") -> WordCounts:
    """The counts of one source (`LM_SOURCES`), read once per process."""
    if source == "wordsegment":
        return _wordsegment_cached()
    if source == "symspellpy":
        return _symspell()
    raise InputError(f"unknown language-model source {source!r}", f"choose one of {', '.join(LM_SOURCES)}")
