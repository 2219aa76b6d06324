"""Error metrics for word reading: edit distance, CER, word accuracy, edit alignments, confusions.

CER follows seed 001's protocol: Levenshtein(pred, target) / len(target)
per sample, averaged over samples; corpus CER is total edits over total
target characters. Edits are unit-cost insertions, deletions and
substitutions (Levenshtein 1966; the dynamic programme of Wagner and
Fischer 1974).

Empty targets: a sample's CER divides by max(1, len(target)), so an empty
target scores 0 for an empty prediction and len(pred) otherwise (every
emitted character is an insertion). Corpus CER divides by max(1, total
target characters) in the same way.
"""
from __future__ import annotations

from typing import Hashable, Sequence

import numpy as np

from core.errors import InputError

GAP = "∅"  # the insertion/deletion row and column of a character confusion matrix

Pair = tuple[Hashable | None, Hashable | None]


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Levenshtein distance between two sequences (strings, lists, tuples) with unit costs.

    One row of the Wagner-Fischer table at a time, over the shorter
    sequence: O(len(a) * len(b)) time, O(min) memory. Plain Python beats
    numpy here because words are short and each cell depends on its left
    neighbour.
    """
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        left = i
        for j, y in enumerate(b, 1):
            left = min(prev[j] + 1, left + 1, prev[j - 1] + (x != y))
            cur.append(left)
        prev = cur
    return prev[-1]


def cer(pred: Sequence, target: Sequence) -> float:
    """Character error rate of one sample: edit_distance(pred, target) / max(1, len(target))."""
    return edit_distance(pred, target) / max(1, len(target))


def _pairs(preds: Sequence, targets: Sequence) -> None:
    if len(preds) != len(targets):
        raise InputError(f"{len(preds)} predictions for {len(targets)} targets")


def corpus_cer(preds: Sequence[Sequence], targets: Sequence[Sequence]) -> float:
    """Total edits over total target characters (at least 1) across a corpus."""
    _pairs(preds, targets)
    edits = sum(edit_distance(p, t) for p, t in zip(preds, targets))
    return edits / max(1, sum(len(t) for t in targets))


def word_accuracy(preds: Sequence[Sequence], targets: Sequence[Sequence]) -> float:
    """Share of exact matches; 0.0 for an empty corpus."""
    _pairs(preds, targets)
    return sum(p == t for p, t in zip(preds, targets)) / len(targets) if len(targets) else 0.0


def word_error_rate(preds: Sequence[str], targets: Sequence[str]) -> float:
    """Edits between the space-separated words of predictions and targets over the targets' words (at least 1)."""
    _pairs(preds, targets)
    edits = sum(edit_distance(p.split(), t.split()) for p, t in zip(preds, targets))
    return edits / max(1, sum(len(t.split()) for t in targets))


def summarise(preds: Sequence[Sequence], targets: Sequence[Sequence]) -> dict:
    """`n`, mean per-sample `cer`, `corpus_cer` and `word_acc` of a corpus (all 0.0 when it is empty)."""
    _pairs(preds, targets)
    n = len(targets)
    return {
        "n": n,
        "cer": float(np.mean([cer(p, t) for p, t in zip(preds, targets)])) if n else 0.0,
        "corpus_cer": corpus_cer(preds, targets),
        "word_acc": word_accuracy(preds, targets),
    }


def align_edits(pred: Sequence, target: Sequence) -> list[Pair]:
    """A minimal edit alignment of `pred` to `target` as (target item, predicted item) pairs.

    (t, t) is a match, (t, p) a substitution, (t, None) a deletion (the
    target's item is missing from the prediction) and (None, p) an
    insertion. The number of non-matching pairs equals edit_distance. The
    full table is backtraced from the end; ties prefer a diagonal step
    (match or substitution), then a deletion, then an insertion.
    """
    n, m = len(target), len(pred)
    d = [list(range(m + 1))] + [[i] + [0] * m for i in range(1, n + 1)]
    for i in range(1, n + 1):
        ti, row, up = target[i - 1], d[i], d[i - 1]
        for j in range(1, m + 1):
            row[j] = min(up[j] + 1, row[j - 1] + 1, up[j - 1] + (ti != pred[j - 1]))
    i, j, out = n, m, []
    while i > 0 or j > 0:
        if i > 0 and j > 0 and d[i][j] == d[i - 1][j - 1] + (target[i - 1] != pred[j - 1]):
            out.append((target[i - 1], pred[j - 1]))
            i, j = i - 1, j - 1
        elif i > 0 and d[i][j] == d[i - 1][j] + 1:
            out.append((target[i - 1], None))
            i -= 1
        else:
            out.append((None, pred[j - 1]))
            j -= 1
    return out[::-1]


ERROR_KINDS = ("space deleted", "space inserted", "case only", "other substituted", "other deleted",
               "other inserted")


def error_kinds(pred: str, target: str) -> dict[str, int]:
    """A line's character errors by kind (`ERROR_KINDS`): a minimal edit alignment's spaces lost or added,
    substitutions that only change a letter's case, and the rest. They add up to the edit distance."""
    out = dict.fromkeys(ERROR_KINDS, 0)
    for t, p in align_edits(pred, target):
        if t == p:
            continue
        if t == " " and p is None:
            out["space deleted"] += 1
        elif t is None and p == " ":
            out["space inserted"] += 1
        elif t is not None and p is not None and t.lower() == p.lower():
            out["case only"] += 1
        else:
            out["other substituted" if t is not None and p is not None else
                "other deleted" if p is None else "other inserted"] += 1
    return out


def char_confusion(pairs_list: Sequence, alphabet: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Counts[target, predicted] over edit alignments, with a last row and column `GAP` ("∅").

    `pairs_list` is a list of alignments (each a list of `align_edits`
    pairs) or one flat list of pairs. Row `GAP` counts insertions (no
    target character), column `GAP` deletions (no predicted character); the
    (GAP, GAP) cell is always 0. Labels are the alphabet's non-empty
    entries in order (so a reader's blank "" is left out), then any other
    character met, sorted, then GAP. The counts sum to the total number of
    pairs.
    """
    pairs: list[Pair] = []
    for item in pairs_list:
        if isinstance(item, tuple) and len(item) == 2 and all(x is None or isinstance(x, str) for x in item):
            pairs.append(item)
        else:
            pairs.extend(item)
    labels = [c for c in dict.fromkeys(alphabet) if c != ""]
    known = set(labels)
    extra = sorted({c for pair in pairs for c in pair if c is not None and c not in known})
    labels += extra + [GAP]
    index = {c: k for k, c in enumerate(labels)}
    gap = len(labels) - 1
    counts = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in pairs:
        counts[gap if t is None else index[t], gap if p is None else index[p]] += 1
    return labels, counts


# ---------------------------------------------------------------- lines: word-level figures and confusions

def line_wer(pred: str, target: str) -> float:
    """Word error rate of one line: word-level edit distance / number of target words (at least 1)."""
    return word_error_rate([pred], [target])


def word_alignment(pred: str, target: str) -> list[tuple[str | None, str | None]]:
    """A minimal word-level alignment of a reading to its target: (target word, read word) pairs.

    Words are split on white space; (w, w) is a word read right, (w, v) a
    word read as another, (w, None) a target word missing from the reading
    and (None, v) a word the reading inserted. Dropping the Nones gives back
    both word lists, and the number of unequal pairs is the word-level edit
    distance (`align_edits` over words).
    """
    return align_edits(pred.split(), target.split())


def word_confusions(preds: Sequence[str], targets: Sequence[str]) -> list[tuple[str | None, str | None, int]]:
    """(target word, read as, count) of every word-level error over a corpus of lines, most frequent first
    (ties by target word, then reading; None stands for a missing or an inserted word)."""
    _pairs(preds, targets)
    counts: dict[tuple[str | None, str | None], int] = {}
    for p, t in zip(preds, targets):
        for pair in word_alignment(p, t):
            if pair[0] != pair[1]:
                counts[pair] = counts.get(pair, 0) + 1
    return sorted(((t, p, n) for (t, p), n in counts.items()),
                  key=lambda r: (-r[2], r[0] is None, r[0] or "", r[1] is None, r[1] or ""))


def misread_words(preds: Sequence[str], targets: Sequence[str]) -> list[dict]:
    """Per target word: `word`, `n` (times in the targets), `misread` (times not read as itself: read as
    another word or missing), `share` (misread / n) and `read_as` (its most frequent wrong reading, None
    for missing); the most often misread first (ties: the higher share, then the word), words never
    misread left out."""
    _pairs(preds, targets)
    seen: dict[str, int] = {}
    wrong: dict[str, dict[str | None, int]] = {}
    for p, t in zip(preds, targets):
        for target, read in word_alignment(p, t):
            if target is None:
                continue
            seen[target] = seen.get(target, 0) + 1
            if read != target:
                readings = wrong.setdefault(target, {})
                readings[read] = readings.get(read, 0) + 1
    rows = []
    for word, readings in wrong.items():
        misread = sum(readings.values())
        read_as = min(readings, key=lambda r: (-readings[r], r is None, r or ""))
        rows.append({"word": word, "n": seen[word], "misread": misread, "share": misread / seen[word],
                     "read_as": read_as})
    return sorted(rows, key=lambda r: (-r["misread"], -r["share"], r["word"]))
