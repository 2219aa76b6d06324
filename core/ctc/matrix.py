"""The (T, K) matrix every decoder reads, and the facts about it that they share.

`log_probs` is a (T, K) array of per-frame log-probabilities (a
log-softmax output); `alphabet` is a sequence of strings indexed by class,
and `alphabet[blank]` is the blank (usually ""). Nothing here assumes the
blank's index: it is always the `blank` argument.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from core.errors import InputError

NEG_INF = -math.inf


def check_log_probs(log_probs, alphabet: Sequence[str], blank: int) -> np.ndarray:
    """The (T, K) log-probabilities as float64, checked against the alphabet and blank."""
    lp = np.asarray(log_probs, dtype=np.float64)
    if lp.ndim != 2:
        raise InputError(f"log-probabilities must be a (T, K) matrix, got shape {lp.shape}")
    if lp.shape[1] != len(alphabet):
        raise InputError(f"log-probabilities have {lp.shape[1]} classes but the alphabet has {len(alphabet)}",
                         hint="the alphabet must list every class, blank included, in output order")
    if not 0 <= blank < len(alphabet):
        raise InputError(f"blank index {blank} is outside the {len(alphabet)} classes")
    return lp


def char_index(alphabet: Sequence[str], blank: int) -> dict[str, int]:
    """Character -> class for the single-character, non-blank entries of the alphabet."""
    return {c: k for k, c in enumerate(alphabet) if k != blank and len(c) == 1}


def text_labels(target: str | Sequence[int], alphabet: Sequence[str], blank: int) -> list[int]:
    """The class labels of a text (or checked labels given directly); InputError on a character
    outside the alphabet."""
    if isinstance(target, str):
        index = char_index(alphabet, blank)
        bad = sorted({c for c in target if c not in index})
        if bad:
            raise InputError(f"the text uses characters outside the alphabet: {''.join(bad)!r}")
        return [index[c] for c in target]
    labels = [int(k) for k in target]
    if any(k == blank or not 0 <= k < len(alphabet) for k in labels):
        raise InputError("target labels must be non-blank class indices")
    return labels


def frames_needed(labels: Sequence) -> int:
    """The fewest frames that can emit `labels`: one per label plus a blank between equal neighbours."""
    labels = list(labels)
    return len(labels) + sum(1 for a, b in zip(labels, labels[1:]) if a == b)


def log_add(a: float, b: float) -> float:
    """log(exp(a) + exp(b)) on Python floats (faster than numpy on scalars)."""
    if a < b:
        a, b = b, a
    if b == NEG_INF:
        return a
    return a + math.log1p(math.exp(b - a))
