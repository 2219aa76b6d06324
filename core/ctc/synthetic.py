"""Realistic CTC posteriors of a known text, for measuring decoders before a text reader is trained.

Every character of the text becomes 2-4 peak frames followed by 1-4 blank frames (a line of 30
characters: about 150-200 frames). A peak frame's logits are Gaussian noise over all classes plus a
peak on its character and some blank (a blank frame: a higher peak on the blank); with probability `confuse` the peak goes to a visually similar
character (o/0/a, l/1/I, e/c, u/v, n/h, s/5, g/9, a comma for a full stop, "rn" read as "m" and back)
and the true character is the close runner-up on all of its frames (0.3-2 logits behind), as a reader that hesitates would give. `noise` is
the noise's standard deviation in logits. Then log-softmax per frame.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from core.ctc.matrix import char_index
from core.errors import InputError

SIMILAR = {
    "o": "0ae", "0": "oO", "O": "0QD", "a": "od", "e": "co", "c": "eo", "l": "1It", "1": "lI7", "I": "l1",
    "i": "jl", "j": "i", "u": "vn", "v": "ur", "n": "hur", "h": "nb", "b": "h6", "s": "5", "5": "sS",
    "S": "5s", "z": "2", "2": "z", "g": "9q", "9": "g", "q": "g", "t": "f+", "f": "t", "r": "v", "m": "w",
    "w": "m", "y": "g", "d": "a", "k": "h", "B": "8", "8": "B", "6": "b", "7": "1", ",": ".", ".": ",",
    "C": "c", "U": "u", "V": "v", "W": "w", "X": "x", "x": "X", "P": "p", "p": "P", "K": "k", "Z": "z",
}
MULTI = {"rn": "m", "m": "rn", "cl": "d"}
# Noise levels of the README's table: name -> (confusion probability per character, logit noise).
LEVELS = {"clean": (0.0, 0.5), "low": (0.05, 1.0), "mid": (0.15, 1.5), "high": (0.3, 2.0)}

# Logit peaks: a blank frame's blank, a peak frame's character and its blank (a peaky, trained-looking output).
_BLANK_PEAK, _PEAK, _BLANK_ON_PEAK = 12.0, 10.0, 5.0


def _units(text: str, index: dict[str, int], confuse: float, rng: np.random.Generator) -> list[tuple[int, int]]:
    """(peak class, runner-up class or -1) per emitted character."""
    out, i = [], 0
    while i < len(text):
        two = text[i:i + 2]
        if len(two) == 2 and MULTI.get(two, "") in index and rng.random() < confuse:
            out.append((index[MULTI[two]], index[two[0]]))
            i += 2
            continue
        ch = text[i]
        if ch in MULTI and all(c in index for c in MULTI[ch]) and rng.random() < confuse / 3:
            out += [(index[c], index[ch]) for c in MULTI[ch]]
        elif ch in SIMILAR and rng.random() < confuse:
            options = [c for c in SIMILAR[ch] if c in index]
            out.append((index[str(rng.choice(options))], index[ch]) if options else (index[ch], -1))
        else:
            out.append((index[ch], -1))
        i += 1
    return out


def synthetic_log_probs(text: str, alphabet: Sequence[str], rng: np.random.Generator, confuse: float = 0.0,
                        noise: float = 0.5, blank: int = 0) -> np.ndarray:
    """(T, K) log-probabilities whose best path reads `text` but for the confusions drawn."""
    index = char_index(alphabet, blank)
    bad = sorted({c for c in text if c not in index})
    if bad:
        raise InputError(f"the text uses characters outside the alphabet: {''.join(bad)!r}")
    K = len(alphabet)
    rows: list[tuple[int, int, float]] = [(blank, -1, 0.0)] * int(rng.integers(2, 6))
    for peak, runner in _units(text, index, confuse, rng):
        # One gap per character: a hesitating reader prefers the wrong character on all its frames.
        rows += [(peak, runner, float(rng.uniform(0.3, 2.0)))] * int(rng.integers(2, 5))
        rows += [(blank, -1, 0.0)] * int(rng.integers(1, 5))
    logits = rng.normal(0.0, noise, size=(len(rows), K))
    for t, (peak, runner, gap) in enumerate(rows):
        if peak == blank:
            logits[t, blank] += _BLANK_PEAK
            continue
        logits[t, peak] += _PEAK
        logits[t, blank] += _BLANK_ON_PEAK
        if runner >= 0:
            logits[t, runner] += _PEAK - gap
    logits -= logits.max(axis=1, keepdims=True)
    return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
