"""UNIPEN's corpus categories: the one definition of their codes, the segment level each holds, their names.

The UNIPEN training corpus (train_r01_v07) files its data by category
(`data/1a/...`, `data/6/...`); the segments of a category's files are of
one level, CHARACTER, WORD or TEXT, which is what a reader of its files
asks for (`core.data.corpus.Corpus.of(category, level)`).
"""
from __future__ import annotations

DIGITS, CAPITALS, LOWERCASE, SYMBOLS = "1a", "1b", "1c", "1d"
MIXED_CHARACTERS, CHARACTERS_IN_WORDS = "2", "3"
WORDS, TEXT_WORDS, LINES = "6", "7", "8"

# The isolated characters: what a classifier of every character reads.
CHARACTERS = (DIGITS, CAPITALS, LOWERCASE, SYMBOLS)

# category -> the level of its segments (the order is the corpus's)
LEVELS = {DIGITS: "CHARACTER", CAPITALS: "CHARACTER", LOWERCASE: "CHARACTER", SYMBOLS: "CHARACTER",
          MIXED_CHARACTERS: "CHARACTER", CHARACTERS_IN_WORDS: "CHARACTER", WORDS: "WORD", TEXT_WORDS: "WORD",
          LINES: "TEXT"}

# category -> what it holds, in words
NAMES = {DIGITS: "isolated digits", CAPITALS: "isolated capitals", LOWERCASE: "isolated lowercase letters",
         SYMBOLS: "isolated symbols", MIXED_CHARACTERS: "characters of every kind, mixed",
         CHARACTERS_IN_WORDS: "characters in the context of words", WORDS: "isolated words",
         TEXT_WORDS: "the words of written text", LINES: "text lines and sentences"}
