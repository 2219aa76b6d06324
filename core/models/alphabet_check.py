"""Does a drawing probably hold characters its reader cannot read (a capital or a digit for reader-az)?

A reader only ever emits letters of its alphabet, so a capital H written for
reader-az comes back as the nearest lowercase reading ("ltello" for
"Hello") without a word of doubt. Three measurable cues say when that is
likely:

* the confidence of the text returned (the lexicon's word when a lexicon is
  used): characters the reader does not know fit no word well;
* the confidence of the greedy reading: the reader is unsure even of its own
  letters;
* how tall the strokes are against the whole word (the median stroke's
  height over the ink's height, for drawings of at least three strokes):
  capitals and digits are as tall as the word, most lowercase strokes are
  half its height.

They are combined by a logistic score whose weights were fitted (classes
balanced) to reader-az's readings, with its default lexicon, of the 889
isolated words of the training corpus's validation contributors ceb, par and
rim (388 of them hold capitals, digits or punctuation), whom it never trained
on: `python bench/alphabet_check.py` fits them and measures the rule. Each
contributor's words flagged by weights fitted on the others: ceb 54% of
those with other characters and 10% of the lowercase ones, par 26% and 6%
(mostly a capital first letter, the rest lowercase), rim 97% (all capitals).
For other readers it is a rough guide: their confidences are not calibrated
alike.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.ctc.align import confidence
from core.ink.ink import Ink

# (log confidence of the text, log confidence of the greedy reading, median stroke height, 1)
WEIGHTS = (-2.24, -0.17, 1.87, -3.19)
_EPS = 1e-4                 # confidences of 0 stay finite in the log
MIN_STROKES = 3             # fewer strokes (a joined word) say nothing about letter heights
NEUTRAL_HEIGHT = 0.5        # the stroke height cue of a drawing with fewer strokes


@dataclass(frozen=True)
class AlphabetCheck:
    """The cues, the score (log-odds) and whether the drawing probably holds unknown characters."""

    likely: bool
    score: float
    text_confidence: float
    greedy_confidence: float
    stroke_height: float


def stroke_height(ink: Ink) -> float:
    """The median stroke's height over the ink's height (NEUTRAL_HEIGHT with fewer than MIN_STROKES strokes)."""
    strokes = [np.asarray(s, float).reshape(-1, 2) for s in ink if len(s) > 1]
    if len(strokes) < MIN_STROKES:
        return NEUTRAL_HEIGHT
    ys = np.concatenate([s[:, 1] for s in strokes])
    height = float(np.ptp(ys))
    if height <= 0:
        return NEUTRAL_HEIGHT
    return float(np.median([np.ptp(s[:, 1]) / height for s in strokes]))


def alphabet_check(log_probs: np.ndarray, alphabet, text: str, greedy: str, ink: Ink) -> AlphabetCheck:
    """The cues of one reading: `text` is the text returned, `greedy` the best path's, `ink` what was read."""
    c_text = confidence(log_probs, text, alphabet)
    c_greedy = confidence(log_probs, greedy, alphabet)
    height = stroke_height(ink)
    cues = (math.log(c_text + _EPS), math.log(c_greedy + _EPS), height, 1.0)
    score = float(sum(w * c for w, c in zip(WEIGHTS, cues)))
    return AlphabetCheck(score > 0, score, c_text, c_greedy, height)
