"""Forced alignment (Viterbi over the CTC lattice) and the confidence of a decoded text."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from core.ctc.greedy import best_path
from core.ctc.lexicon import sequence_log_likelihood
from core.ctc.matrix import NEG_INF, check_log_probs, frames_needed, text_labels
from core.errors import InputError


@dataclass(frozen=True)
class Segment:
    """One character of a forced alignment.

    It is emitted on frames `start` (inclusive) to `end` (exclusive);
    `score` is the mean log-probability of its class over those frames
    (exp(score) is their geometric-mean probability).
    """

    label: str
    start: int
    end: int
    score: float

    @property
    def length(self) -> int:
        return self.end - self.start



def viterbi_path(log_probs, labels: Sequence[int], blank: int = 0) -> tuple[np.ndarray, float]:
    """The most probable CTC path emitting `labels`: its extended state per frame and its log-probability.

    Viterbi over the extended sequence (blank, l1, blank, ..., lL, blank)
    with the CTC transitions (stay, advance, or skip a blank between two
    different labels), vectorised over states. State 2i+1 is label i.
    Raises InputError when the labels need more frames than there are.
    """
    lp = np.asarray(log_probs, dtype=np.float64)
    T = lp.shape[0]
    ext = np.full(2 * len(labels) + 1, blank, dtype=np.int64)
    ext[1::2] = labels
    S = len(ext)
    skip = np.zeros(S, dtype=bool)
    skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    need = frames_needed(labels)
    if T < need:
        raise InputError(f"{len(labels)} characters need at least {need} frames, got {T}",
                         hint="a repeated letter needs a blank frame between its copies")
    if T == 0:
        return np.zeros(0, dtype=np.int64), 0.0
    emit = lp[:, ext]
    score = np.full((T, S + 2), NEG_INF)
    back = np.zeros((T, S), dtype=np.int8)            # 0 stay, 1 from s-1, 2 from s-2
    score[0, 2:4] = emit[0, :2]
    cand = np.empty((3, S))
    for t in range(1, T):
        prev = score[t - 1]
        cand[0] = prev[2:]
        cand[1] = prev[1:-1]
        cand[2] = np.where(skip, prev[:-2], NEG_INF)
        arg = cand.argmax(axis=0)
        back[t] = arg
        score[t, 2:] = cand[arg, np.arange(S)] + emit[t]
    final = score[T - 1, 2:]
    s = S - 1 if S == 1 or final[S - 1] >= final[S - 2] else S - 2
    total = float(final[s])
    if total == NEG_INF:
        raise InputError("no path emits these labels: a frame they need has probability 0")
    path = np.empty(T, dtype=np.int64)
    for t in range(T - 1, -1, -1):
        path[t] = s
        s -= back[t, s]
    return path, total


def forced_align(log_probs, target: str, alphabet: Sequence[str], blank: int = 0) -> list[Segment]:
    """One Segment per character of `target`, from the Viterbi path over the CTC lattice.

    Repeated letters are separated by at least one blank frame (the CTC
    rule). Frames on blank states belong to no segment. Source: the CTC
    forced alignment of torchaudio's tutorial (Segment(label, start, end,
    score)), here by Viterbi on the log-probabilities. Raises InputError
    when a character is outside the alphabet or the target needs more
    frames than there are.
    """
    lp = check_log_probs(log_probs, alphabet, blank)
    labels = text_labels(target, alphabet, blank)
    path, _ = viterbi_path(lp, labels, blank)
    segments = []
    for i, k in enumerate(labels):
        frames = np.flatnonzero(path == 2 * i + 1)
        segments.append(Segment(alphabet[k], int(frames[0]), int(frames[-1]) + 1, float(lp[frames, k].mean())))
    return segments



def confidence(log_probs, text: str | None = None, alphabet: Sequence[str] | None = None,
               blank: int = 0) -> float:
    """Per-character CTC posterior of a decoded text: p(text | x) ** (1 / max(1, len(text))).

    1 means the network is certain of the text; the root spreads the
    probability over characters so words of different lengths compare.
    `text` defaults to the greedy decoding (no alphabet needed then); a
    given `text` is mapped through `alphabet`. Returns 0 when the text
    cannot be emitted in the frames. Source: the labelling probability
    p(l | x) of Graves et al. 2006, eq. 8.
    """
    lp = np.asarray(log_probs, dtype=np.float64)
    if lp.ndim != 2 or lp.shape[0] == 0:
        raise InputError(f"log-probabilities must be a non-empty (T, K) matrix, got shape {lp.shape}")
    if text is None:
        labels = best_path(lp, blank)
    else:
        if alphabet is None:
            raise InputError("confidence of a given text needs the alphabet")
        check_log_probs(lp, alphabet, blank)
        labels = text_labels(text, alphabet, blank)
    log_p = sequence_log_likelihood(lp, labels, blank)
    return math.exp(log_p / max(1, len(labels))) if log_p > NEG_INF else 0.0
