"""Evaluation: a reader's CER per split and per word, a classifier's accuracy, per class and per writer,
and the views of the Evaluate page (character confusion, worst samples, misclassified letters).

Readers are read through the one read path (`core.models.inference`):
frames -> `read_frames` -> `decode_all`.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from core.data.alphabets import CHAR_GROUPS, char_group, letters_of
from core.errors import InputError
from core.ink.ink import Ink
from core.models.classifier import LoadedClassifier
from core.models.inference import LoadedReader, decode_all, encode_ink, read_frames
from core.models.reader import ReaderConfig, WordReader
from core.train.metrics import align_edits, cer, char_confusion, summarise

# ---------------------------------------------------------------- readers

def per_word_table(preds: Sequence[str], targets: Sequence[str], split: str) -> list[dict]:
    """One row per distinct target word: word, split, n, cer, word_acc."""
    rows = []
    for word in dict.fromkeys(targets):
        idx = [i for i, t in enumerate(targets) if t == word]
        s = summarise([preds[i] for i in idx], [word] * len(idx))
        rows.append({"word": word, "split": split, "n": s["n"], "cer": s["cer"], "word_acc": s["word_acc"]})
    return rows


Progress = Callable[[str, int, int], None]  # (what, done, total)


def read_sets(model: WordReader, sets: dict[str, tuple[list[np.ndarray], list[str]]],
              progress: Progress | None = None) -> dict[str, tuple[list[np.ndarray], list[str]]]:
    """Encoded sets -> (log-probabilities, targets) per split: the model reads every sample once, and every
    decoder then works on the same matrices (on the Evaluate page, switching decoders does not read again)."""
    out = {}
    for split, (frames, targets) in sets.items():
        tell = (lambda done, total, split=split: progress(f"reading {split}", done, total)) if progress else None
        out[split] = (read_frames(model, frames, progress=tell), list(targets))
    return out


def score_read(read: dict[str, tuple[list[np.ndarray], list[str]]], alphabet: list[str], decoder: str = "greedy",
               lexicon: Sequence[str] | None = None, beam_width: int = 10, progress: Progress | None = None) -> dict:
    """Decode read sets (`read_sets`) with one decoder and score them: overall n/cer/corpus_cer/word_acc,
    `splits`, `per_word`, `predictions`. Overall figures pool the samples of every split."""
    splits, per_word, predictions, all_p, all_t = {}, [], [], [], []
    for split, (log_probs, targets) in read.items():
        if not targets:
            continue
        tell = (lambda done, total, split=split: progress(f"decoding {split} ({decoder})", done, total)) \
            if progress else None
        preds = decode_all(log_probs, alphabet, decoder, lexicon, beam_width, progress=tell)
        splits[split] = summarise(preds, targets)
        per_word += per_word_table(preds, targets, split)
        predictions += [{"split": split, "index": i, "target": t, "pred": p}
                        for i, (t, p) in enumerate(zip(targets, preds))]
        all_p += preds
        all_t += targets
    return {**summarise(all_p, all_t), "decoder": decoder, "splits": splits, "per_word": per_word,
            "predictions": predictions}


def evaluate_frames(model: WordReader, alphabet: list[str], sets: dict[str, tuple[list[np.ndarray], list[str]]],
                    decoder: str = "greedy", lexicon: Sequence[str] | None = None, beam_width: int = 10) -> dict:
    """Evaluate encoded samples (`sets`: split -> (frames, targets)); see `score_read`."""
    return score_read(read_sets(model, sets), alphabet, decoder, lexicon, beam_width)


def encode_sets(cfg: ReaderConfig, sets: dict[str, list[tuple[Ink, str]]]
                ) -> dict[str, tuple[list[np.ndarray], list[str]]]:
    """(ink, text) sets -> (frames, texts) sets in the reader's encoding (encoded once, read every epoch)."""
    return {split: ([encode_ink(cfg, ink) for ink, _ in pairs], [t for _, t in pairs])
            for split, pairs in sets.items()}


def evaluate_sets(reader: LoadedReader, sets: dict[str, list[tuple[Ink, str]]], decoder: str = "greedy",
                  lexicon: Sequence[str] | None = None, beam_width: int = 10) -> dict:
    """Evaluate a loaded reader on (ink, text) sets; see `score_read`."""
    return evaluate_frames(reader.model, reader.alphabet, encode_sets(reader.config, sets), decoder, lexicon,
                           beam_width)


# ---------------------------------------------------------------- classifiers

def evaluate_classifier(clf: LoadedClassifier, X: np.ndarray, y: np.ndarray, writers=None) -> dict:
    """Accuracy, top-5, per-class accuracy, scikit-learn's classification report, the confusion matrix
    (counts and row-normalised) and the true and predicted labels; with `writers` (one per sample)
    also `per_writer`: writer -> {"n", "accuracy"}."""
    # scikit-learn takes about half a second to import: only classifier reports need it, not the reader's trainer
    from sklearn.metrics import classification_report, confusion_matrix

    index = {c: k for k, c in enumerate(clf.classes)}
    y = np.asarray(y).astype(str)
    unknown = sorted(set(y.tolist()) - set(index))
    if unknown:
        raise InputError(f"the data has labels the model does not know: {', '.join(unknown[:10])}",
                         f"the model knows {', '.join(clf.classes[:30])}")
    if len(y) != len(X) or len(y) == 0:
        raise InputError(f"{len(X)} samples but {len(y)} labels: need the same, and at least one")
    p = clf.probabilities(X)
    true = np.array([index[c] for c in y])
    pred = p.argmax(axis=1)
    top5 = np.argsort(-p, axis=1, kind="stable")[:, :5]
    labels = list(range(len(clf.classes)))
    cm = confusion_matrix(true, pred, labels=labels)
    per_class = {c: float((pred[true == k] == k).mean()) for k, c in enumerate(clf.classes) if (true == k).any()}
    right = pred == true
    extra = {}
    if writers is not None and len(writers):
        writers = np.asarray(writers).astype(str)
        if len(writers) != len(y):
            raise InputError(f"{len(y)} samples but {len(writers)} writers")
        extra["per_writer"] = {w: {"n": int((writers == w).sum()), "accuracy": float(right[writers == w].mean())}
                               for w in sorted(set(writers.tolist()))}
    return {**extra, "n": int(len(y)), "accuracy": float(right.mean()),
            "top5": float((top5 == true[:, None]).any(axis=1).mean()), "per_class": per_class,
            "report": classification_report(true, pred, labels=labels, target_names=clf.classes, output_dict=True,
                                            zero_division=0),
            "classes": clf.classes, "confusion": cm.tolist(),
            "confusion_normalised": (cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)).round(4).tolist(),
            "y_true": [clf.classes[i] for i in true], "y_pred": [clf.classes[i] for i in pred]}



# ---------------------------------------------------------------- the Evaluate page's views

def reader_confusion(predictions: Sequence[dict], alphabet: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Character confusion of predictions against targets by edit alignment (with ∅ for insert/delete)."""
    pairs = [p for row in predictions for p in align_edits(row["pred"], row["target"])]
    return char_confusion(pairs, letters_of(alphabet))


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


def by_char_group(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, dict]:
    """Per character group of the true label (digits, capitals, lowercase, symbols): n, accuracy and
    case-insensitive accuracy (an o read as O counts), for the groups that occur."""
    kinds = [char_group(t) for t in y_true]
    out = {}
    for g in CHAR_GROUPS:
        idx = [i for i, k in enumerate(kinds) if k == g]
        if idx:
            out[g] = {"n": len(idx), "accuracy": float(np.mean([y_true[i] == y_pred[i] for i in idx])),
                      "case_insensitive": float(np.mean([y_true[i].lower() == y_pred[i].lower() for i in idx]))}
    return out


def group_confusion(confusion: np.ndarray, classes: Sequence[str], group: str) -> tuple[np.ndarray, list[str]]:
    """The rows and columns of a confusion matrix whose classes are in one character group."""
    keep = [i for i, c in enumerate(classes) if char_group(c) == group]
    return np.asarray(confusion)[np.ix_(keep, keep)], [classes[i] for i in keep]
