"""Words for the a-z reader: the English word list, and real letters composed into words.

Composed words take isolated UNIPEN letters (category 1c) of one writer and
lay them out left to right as that writer might have written the word:
every letter is scaled so its body matches a common x-height, placed on a
common baseline by where its class sits (ascender, x-height, descender),
and separated by a gap drawn around 0.25 x-height. No real word of that
writer is needed, so any string can be composed.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from core.ink import Ink, bounds

WORDS_FILE = Path(__file__).resolve().parent / "data" / "words_en_10k.txt"
AZ = "abcdefghijklmnopqrstuvwxyz"

# Vertical extent of each letter in x-height units: (top, bottom) relative
# to the baseline at 0 and the x-height at 1.
_ASCENDERS = set("bdhkl")
_DESCENDERS = set("gpqy")
_EXTENT = {ch: (1.0, 0.0) for ch in AZ}
_EXTENT.update({ch: (1.75, 0.0) for ch in _ASCENDERS})
_EXTENT.update({ch: (1.0, -0.75) for ch in _DESCENDERS})
_EXTENT.update({"t": (1.45, 0.0), "i": (1.35, 0.0), "j": (1.35, -0.75), "f": (1.75, -0.3)})


@lru_cache(maxsize=1)
def english_words() -> tuple[str, ...]:
    """The 10,000 most frequent a-z English words, most frequent first (see core/data/README.md)."""
    return tuple(w for w in WORDS_FILE.read_text(encoding="utf-8").split() if w)


def lexicon_for(words: Sequence[str] = ()) -> list[str]:
    """The default lexicon: the English list plus `words` (e.g. the evaluated words' own vocabulary)."""
    seen = dict.fromkeys(english_words())
    seen.update(dict.fromkeys(w for w in words if w))
    return list(seen)


def place_letter(ink: Ink, ch: str, x_left: float, x_height: float = 1.0) -> Ink:
    """Scale a letter's ink so its extent matches its class, then put its left edge at `x_left`."""
    x0, y0, x1, y1 = bounds(ink)
    top, bottom = _EXTENT.get(ch, (1.0, 0.0))
    height = max(y1 - y0, 1e-9)
    scale = (top - bottom) * x_height / height
    # A flat letter (a dash-like scribble) keeps a sane width instead of exploding.
    scale = min(scale, 3.0 * x_height / max(x1 - x0, 1e-9)) if height < 0.05 * max(x1 - x0, 1e-9) else scale
    offset = np.array([x_left - x0 * scale, bottom * x_height - y0 * scale])
    return [s * scale + offset for s in ink]


def compose_word(letters: Sequence[tuple[str, Ink]], rng: np.random.Generator,
                 gap: tuple[float, float] = (0.1, 0.45), baseline_jitter: float = 0.06,
                 size_jitter: float = 0.08) -> tuple[Ink, list[tuple[str, int, int]]]:
    """Lay out (char, ink) letters left to right on a common baseline.

    Returns the word's ink and its letter spans (char, first point, end point)
    in the flattened point order, as the generator's renderings do.
    """
    word_ink: Ink = []
    spans: list[tuple[str, int, int]] = []
    x, n = 0.0, 0
    for ch, ink in letters:
        size = 1.0 + rng.uniform(-size_jitter, size_jitter)
        placed = place_letter(ink, ch, x, size)
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


def composable(word: str, letters: dict[str, list]) -> bool:
    return all(ch in letters for ch in word)


def compose_from_writer(word: str, letters: dict[str, list], rng: np.random.Generator) -> Ink:
    """Compose `word` from one writer's letters (each letter drawn at random among that writer's)."""
    chosen = [(ch, letters[ch][rng.integers(len(letters[ch]))]) for ch in word]
    return compose_word(chosen, rng)[0]


def default_lexicon(ckpt: dict) -> list[str]:
    """A reader's default lexicon: its vocabulary for the seed protocol, else English plus its eval words."""
    data = ckpt.get("data") or {}
    if data.get("source") == "seed" or "".join(ckpt.get("alphabet", [])) == "coltinmaeu":
        from core.datasets import SEED_VOCAB

        return list(SEED_VOCAB)
    return lexicon_for(data.get("eval_vocabulary", []))
