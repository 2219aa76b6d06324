"""The letter sets and the CTC blank: the one definition every model, data source and page uses.

A reader's alphabet is a list of class labels whose class 0 is the blank
(`BLANK`, the empty string), then one class per letter; it travels in the
checkpoint, and decoding never assumes it. A classifier's classes are the
labels of its data, without a blank.
"""
from __future__ import annotations

from typing import Sequence

BLANK = ""                            # the CTC blank's label, always class 0 of a reader's alphabet
BLANK_INDEX = 0
AZ = "abcdefghijklmnopqrstuvwxyz"     # lowercase a-z: the real-handwriting models' letters
SEED_ALPHABET = "coltinmaeu"          # seed 001's ten letters (its glyphs and 47-word vocabulary)


def reader_alphabet(letters: str) -> list[str]:
    """A reader's classes: the blank first, then one per letter."""
    return [BLANK, *letters]


def letters_of(alphabet: Sequence[str]) -> list[str]:
    """The letters a reader knows: its alphabet without the blank."""
    return [c for c in alphabet if c != BLANK]


def class_names(alphabet: Sequence[str]) -> list[str]:
    """A reader's classes as axis labels: "blank" for the blank, then its letters."""
    return ["blank" if c == BLANK else c for c in alphabet]


def is_seed_alphabet(alphabet: Sequence[str]) -> bool:
    """A reader of seed 001's protocol (its ten letters, in any order)."""
    letters = letters_of(alphabet)
    return len(letters) == len(SEED_ALPHABET) and set(letters) == set(SEED_ALPHABET)


CHAR_GROUPS = ("digits", "capitals", "lowercase", "symbols")  # UNIPEN categories 1a, 1b, 1c, 1d


def char_group(ch: str) -> str:
    """The group of one character: digits, capitals, lowercase (a-z) or symbols (any other)."""
    if len(ch) == 1 and ch.isascii():
        if ch.isdigit():
            return "digits"
        if ch.isupper():
            return "capitals"
        if ch.islower():
            return "lowercase"
    return "symbols"

# The text reader's letters: every printable ASCII character, the space first; each occurs in the labels of
# the training corpus's text lines (category 8), so the set is that corpus's, fixed here once.
TEXT = "".join(chr(i) for i in range(32, 127))
