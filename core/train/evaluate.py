"""Evaluation views shared by the Evaluate page and scripts: per-word tables, confusions, worst samples."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from core.metrics import GAP, align_edits, cer, char_confusion


def reader_eval_data(reader, data: str | None = None, seed: int | None = None):
    """The evaluation sets a reader is measured on (its own data source unless `data` is given)."""
    from core.train_reader import word_data

    over = {k: v for k, v in (("data", data), ("seed", seed)) if v is not None}
    cfg = reader.config.replace(**over) if over else reader.config
    return word_data(cfg)


def evaluate_reader(reader, sets: dict, decoder: str = "greedy", lexicon: Sequence[str] | None = None,
                    beam_width: int = 10) -> dict:
    from core.train_reader import evaluate_sets

    return evaluate_sets(reader, sets, decoder, lexicon, beam_width)


def reader_confusion(predictions: Sequence[dict], alphabet: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Character confusion of predictions against targets by edit alignment (with ∅ for insert/delete)."""
    pairs = [p for row in predictions for p in align_edits(row["pred"], row["target"])]
    return char_confusion(pairs, [c for c in alphabet if c])


def worst_samples(predictions: Sequence[dict], sets: dict, k: int = 8) -> list[dict]:
    """The `k` predictions with the highest CER, each with its ink."""
    counters: dict[str, int] = {}
    rows = []
    for row in predictions:
        i = counters.get(row["split"], 0)
        counters[row["split"]] = i + 1
        rows.append({**row, "cer": cer(row["pred"], row["target"]), "ink": sets[row["split"]][i][0]})
    rows.sort(key=lambda r: -r["cer"])
    return [r for r in rows[:k] if r["cer"] > 0]


def misclassified(y_true: Sequence[str], y_pred: Sequence[str], k: int = 12) -> list[int]:
    """Indices of the first `k` misclassified samples."""
    return [i for i, (t, p) in enumerate(zip(y_true, y_pred)) if t != p][:k]


__all__ = ["GAP", "reader_eval_data", "evaluate_reader", "reader_confusion", "worst_samples", "misclassified"]
