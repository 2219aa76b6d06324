"""Error metrics for word reading: edit distance, CER, word accuracy, edit alignments.

CER follows seed 001's protocol: Levenshtein(pred, target) / len(target)
per sample, averaged over samples; corpus CER is total edits over total
target characters. An empty target has CER 0 for an empty prediction and
len(pred) otherwise (every emitted character is an insertion).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

GAP = "∅"  # the insertion/deletion row and column of a character confusion matrix


def _table(a: Sequence, b: Sequence) -> np.ndarray:
    d = np.zeros((len(a) + 1, len(b) + 1), dtype=np.int32)
    d[:, 0] = np.arange(len(a) + 1)
    d[0, :] = np.arange(len(b) + 1)
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + (a[i - 1] != b[j - 1]))
    return d


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Levenshtein distance (unit insert, delete, substitute) between two sequences."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def cer(pred: str, target: str) -> float:
    """Character error rate of one sample: edits / len(target)."""
    if not target:
        return float(len(pred))
    return edit_distance(pred, target) / len(target)


def corpus_cer(preds: Sequence[str], targets: Sequence[str]) -> float:
    edits = sum(edit_distance(p, t) for p, t in zip(preds, targets))
    return edits / max(1, sum(len(t) for t in targets))


def word_accuracy(preds: Sequence[str], targets: Sequence[str]) -> float:
    return float(np.mean([p == t for p, t in zip(preds, targets)])) if targets else 0.0


def summarise(preds: Sequence[str], targets: Sequence[str]) -> dict:
    """n, mean per-sample CER, corpus CER and word accuracy."""
    n = len(targets)
    return {
        "n": n,
        "cer": float(np.mean([cer(p, t) for p, t in zip(preds, targets)])) if n else 0.0,
        "corpus_cer": corpus_cer(preds, targets),
        "word_acc": word_accuracy(preds, targets),
    }


def align_edits(pred: str, target: str) -> list[tuple[str | None, str | None]]:
    """A minimal edit alignment as (target char, predicted char) pairs.

    (t, t) is a match, (t, p) a substitution, (t, None) a deletion and
    (None, p) an insertion. Ties prefer substitution, then deletion.
    """
    d = _table(target, pred)
    i, j, out = len(target), len(pred), []
    while i > 0 or j > 0:
        if i > 0 and j > 0 and d[i, j] == d[i - 1, j - 1] + (target[i - 1] != pred[j - 1]):
            out.append((target[i - 1], pred[j - 1]))
            i, j = i - 1, j - 1
        elif i > 0 and d[i, j] == d[i - 1, j] + 1:
            out.append((target[i - 1], None))
            i -= 1
        else:
            out.append((None, pred[j - 1]))
            j -= 1
    return out[::-1]


def char_confusion(pairs: Sequence[tuple[str | None, str | None]], alphabet: Sequence[str]
                   ) -> tuple[list[str], np.ndarray]:
    """Counts[true, predicted] over alignment pairs, with a last row/column `GAP` for insert/delete."""
    labels = list(alphabet) + [GAP]
    index = {c: k for k, c in enumerate(labels)}
    counts = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in pairs:
        counts[index.get(t if t is not None else GAP, -1), index.get(p if p is not None else GAP, -1)] += 1
    return labels, counts
