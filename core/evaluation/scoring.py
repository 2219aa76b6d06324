"""Score a model on any labelled samples: a UNIPEN folder of other writers, or a folder of Ink JSON files.

Unlike a model's own test split, these samples may hold what the model
cannot read: characters outside its alphabet or classes, unreadable ink.
Such samples are counted by reason in `skipped`, never silently dropped.
Every figure is given overall and per category, contributor and writer,
so a figure always says whose handwriting it stands for.

Samples are anything with `ink`, `label`, `category`, `contributor` and
`writer` (core.ink.unipen.Sample).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Sequence

import numpy as np

from core.data.alphabets import CHAR_GROUPS, char_group, letters_of
from core.data.letters import char_label
from core.data.text_lines import one_line, text_label
from core.errors import InputError
from core.ink.ink import n_points
from core.ink.unipen_categories import LINES
from core.models.classifier import LoadedClassifier, check_reads_ink, classify_inks
from core.models.inference import LoadedReader, decode_all, encode_ink, read_frames
from core.train.metrics import summarise, word_error_rate

GROUPS = ("category", "contributor", "writer")


SEVERAL_LINES = "written on several lines (a list or a paragraph)"


def _line_sample(sample) -> tuple[object | None, str]:
    """A line reader's view of a labelled sample: (the sample with its label's UNIPEN escapes read, "") or
    (None, why it cannot be scored): a character it cannot write, or a text written on several lines."""
    text = text_label(sample.label)
    if text is None:
        return None, "characters the model does not know"
    if group_of(sample, "category") == LINES and not one_line(sample.ink, text):
        return None, SEVERAL_LINES
    return (sample if text == sample.label else replace(sample, label=text)), ""


def _readable(samples, known: set[str], whole_label: bool, lines: bool = False) -> tuple[list, Counter]:
    """The samples a model can be scored on, and the others counted by reason (`lines`: a line reader)."""
    keep, skipped = [], Counter()
    for s in samples:
        if lines and s.label:
            s, why = _line_sample(s)
            if s is None:
                skipped[why] += 1
                continue
        label = s.label
        if not label:
            skipped["no label"] += 1
        elif (whole_label and label not in known) or (not whole_label and not set(label) <= known):
            skipped["characters the model does not know"] += 1
        elif n_points(s.ink) < 2:
            skipped["fewer than two points"] += 1
        else:
            keep.append(s)
    return keep, skipped


def group_of(sample, group: str) -> str:
    """A sample's name in a group; a UNIPEN sample's category is its corpus category ("6", "8", "1c", ...)."""
    if group == "category":
        return str(getattr(sample, "data_category", "") or sample.category)
    return str(getattr(sample, group))


def _grouped(samples, figures) -> dict:
    """{group: {name: figures of that name's samples}} for category, contributor and writer."""
    out = {}
    for group in GROUPS:
        names = [group_of(s, group) for s in samples]
        table = {name: figures([i for i, n in enumerate(names) if n == name]) for name in dict.fromkeys(names)}
        out[f"by_{group}"] = table
    return out


def _hardest_first(table: dict, key: str, higher_is_worse: bool) -> dict:
    return dict(sorted(table.items(), key=lambda kv: (-kv[1][key] if higher_is_worse else kv[1][key], kv[0])))


def score_reader(reader: LoadedReader, samples: Sequence, decoder: str = "greedy",
                 lexicon: Sequence[str] | None = None, beam_width: int = 10) -> dict:
    """`n`, `cer`, `corpus_cer`, `word_acc`, `wer`, the same `by_category`, `by_contributor` and `by_writer`
    (hardest first), `skipped` (reason -> count) and `predictions` of a reader on labelled samples."""
    keep, skipped = _readable(samples, set(letters_of(reader.alphabet)), whole_label=False,
                              lines=" " in reader.alphabet)
    frames, scored = [], []
    for s in keep:
        try:
            frames.append(encode_ink(reader.config, s.ink))
            scored.append(s)
        except InputError:
            skipped["unreadable ink"] += 1
    if not scored:
        raise InputError(f"none of the {len(samples)} samples can be scored by this reader: "
                         + ", ".join(f"{n} {why}" for why, n in skipped.items()),
                         f"it reads {''.join(letters_of(reader.alphabet))!r}")
    preds = decode_all(read_frames(reader.model, frames), reader.alphabet, decoder, lexicon, beam_width)
    targets = [s.label for s in scored]

    def figures(idx: list[int]) -> dict:
        p, t = [preds[i] for i in idx], [targets[i] for i in idx]
        return {**summarise(p, t), "wer": word_error_rate(p, t)}

    groups = {k: _hardest_first(v, "cer", True) for k, v in _grouped(scored, figures).items()}
    return {**figures(list(range(len(scored)))), "decoder": decoder, **groups, "skipped": dict(skipped),
            "predictions": [{"target": t, "pred": p, **{g: group_of(s, g) for g in GROUPS}}
                            for s, t, p in zip(scored, targets, preds)]}


def score_classifier(clf: LoadedClassifier, samples: Sequence) -> dict:
    """`n`, `accuracy`, `top5`, `case_insensitive` (o for O counts), `within_group` (the best class of the
    character's own group: the accuracy when the writer says a digit or a capital is coming), the same `by_group` (digits, capitals,
    lowercase, symbols), `by_category`, `by_contributor` and `by_writer` (hardest first), `skipped` and
    `predictions` of a classifier on labelled characters (labels outside its classes are skipped)."""
    check_reads_ink(clf)
    samples = [_as_character(s) for s in samples]
    keep, skipped = _readable(samples, set(clf.classes), whole_label=True)
    if not keep:
        raise InputError(f"none of the {len(samples)} samples can be scored by this classifier: "
                         + ", ".join(f"{n} {why}" for why, n in skipped.items()),
                         f"it knows {' '.join(clf.classes[:40])}")
    p = classify_inks(clf, [s.ink for s in keep])
    index = {c: k for k, c in enumerate(clf.classes)}
    true = np.array([index[s.label] for s in keep])
    guess = p.argmax(axis=1)
    right = guess == true
    top5 = (np.argsort(-p, axis=1, kind="stable")[:, :5] == true[:, None]).any(axis=1)
    folded = np.array([clf.classes[g].lower() == s.label.lower() for g, s in zip(guess, keep)])
    kinds = [char_group(s.label) for s in keep]
    # told the group (a digit is expected, say), the best class of that group
    class_group = np.array([char_group(c) for c in clf.classes])
    told = np.array([np.where(class_group == k, p[i], -1.0).argmax() == true[i] for i, k in enumerate(kinds)],
                    dtype=bool)

    def figures(idx: list[int]) -> dict:
        return {"n": len(idx), "accuracy": float(right[idx].mean()), "top5": float(top5[idx].mean()),
                "case_insensitive": float(folded[idx].mean()), "within_group": float(told[idx].mean())}

    groups = {k: _hardest_first(v, "accuracy", False) for k, v in _grouped(keep, figures).items()}
    by_group = _hardest_first({g: figures([i for i, k in enumerate(kinds) if k == g]) for g in CHAR_GROUPS
                               if g in kinds}, "accuracy", False)
    return {**figures(list(range(len(keep)))), "by_group": by_group, **groups, "skipped": dict(skipped),
            "predictions": [{"target": s.label, "pred": clf.classes[g], "group": k,
                             **{name: group_of(s, name) for name in GROUPS}}
                            for s, g, k in zip(keep, guess, kinds)]}


def _as_character(sample):
    """A character sample with its label as the character it names (UNIPEN's "\\\\" is a backslash);
    labels that name no character are left as they are, and counted as unknown."""
    ch = char_label(sample.label) if sample.label else None
    return replace(sample, label=ch) if ch is not None and ch != sample.label else sample
