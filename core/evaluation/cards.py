"""The shipped models' cards: what a fresh evaluation on the test contributors measures, written down.

Every figure is `score_on`'s (the code behind `python -m core evaluate
CHECKPOINT --data unipen-train [--decoder D] --json`) on the test
contributors of `core.data.splits`, labs no split trained on, overall, per
contributor (hardest first, with its writers) and per writer:

* a classifier's card: every isolated character (categories 1a-1d), also
  per group (digits, capitals, lowercase, symbols) and case-insensitive;
* the line reader's card: text lines (category 8, written on one line)
  and isolated words of any case (category 6), for every decoder (greedy,
  beam, lexicon, lm). Word accuracy for lines is Graves et al.'s: 1 - WER
  (word edits over the target's words); for words it is the share read
  exactly.

`tests/test_cards.py` checks each card against a fresh evaluation of one
test contributor.
"""
from __future__ import annotations

import random
from pathlib import Path

from core.data.az_words import default_lexicon
from core.data.splits import TEST_CONTRIBUTORS
from core.evaluation.scoring import score_classifier, score_reader
from core.evaluation.sources import labelled_samples, score_on
from core.files.atomic import write_json
from core.ink.unipen_categories import CHARACTERS, LINES, WORDS
from core.models.checkpoint import load_checkpoint
from core.models.classifier import load_classifier
from core.models.inference import DECODERS, load_reader

CLASSIFIER_CATEGORIES = list(CHARACTERS)
TEXT_READER_CATEGORIES = {LINES: "lines", WORDS: "words"}  # category -> what the line reader's card calls it
_CLASSIFIER_KEYS = ("n", "accuracy", "top5", "case_insensitive", "within_group")
_READER_KEYS = ("n", "cer", "corpus_cer", "wer", "word_acc")


def write_card(folder: str | Path, card: dict) -> Path:
    """The card as `card.json` in a model's folder (where the Models page and `core.train.shipped` read it)."""
    out = Path(folder) / "card.json"
    write_json(out, card)
    return out


def _writers(r: dict, contributor: str) -> int:
    return sum(w.startswith(contributor + "/") for w in r["by_writer"])


# ---------------------------------------------------------------- a classifier's card

def _round_classifier(r: dict) -> dict:
    return {k: (round(r[k], 4) if isinstance(r[k], float) else r[k]) for k in _CLASSIFIER_KEYS}


def classifier_test(path: str | Path, source: str = "unipen-train", limit: int | None = None) -> dict:
    """The test contributors' figures of the classifier at `path` (a .pt file or a folder holding one);
    `limit`: only that many of its characters, drawn at random (seeded), for a quick look."""
    ckpt = load_checkpoint(path, kind="classifier")
    if limit:
        samples, _ = labelled_samples(source, ckpt, CLASSIFIER_CATEGORIES, list(TEST_CONTRIBUTORS))
        keep = set(random.Random(0).sample(range(len(samples)), min(limit, len(samples))))
        r = score_classifier(load_classifier(ckpt), [s for i, s in enumerate(samples) if i in keep])
    else:
        r = score_on(source, ckpt, load_classifier(ckpt), CLASSIFIER_CATEGORIES, list(TEST_CONTRIBUTORS))
    return {"data": source, "categories": CLASSIFIER_CATEGORIES, "contributors": list(r["by_contributor"]),
            "writers": len(r["by_writer"]), **_round_classifier(r),
            "by_group": {g: _round_classifier(v) for g, v in r["by_group"].items()},
            "by_contributor": {c: _round_classifier(v) | {"writers": _writers(r, c)}
                               for c, v in r["by_contributor"].items()},
            "by_writer": {w: _round_classifier(v) for w, v in r["by_writer"].items()},
            "skipped": r["skipped"]}


def classifier_card(path: str | Path, name: str, summary: str, command: str, test: dict | None = None) -> dict:
    """The card of the classifier at `path`: its headline comes from `test` (a fresh `classifier_test`)."""
    ckpt = load_checkpoint(path, kind="classifier")
    test = test or classifier_test(path)
    who = f"{test['writers']} writers, {len(test['contributors'])} unseen labs"
    headline = {f"top-1, strangers ({who})": f"{test['accuracy']:.3f}",
                "case-insensitive top-1": f"{test['case_insensitive']:.3f}"}
    if len(test["by_group"]) > 1:
        headline["top-1 told the group"] = f"{test['within_group']:.3f}"
    n_params = sum(v.numel() for v in ckpt["state_dict"].values() if v.is_floating_point())
    return {"kind": "classifier", "name": name, "summary": summary, "headline": headline, "command": command,
            "config": ckpt.get("config"), "metrics": ckpt.get("metrics"), "data": ckpt.get("data"),
            "classes": len(ckpt["alphabet"]) if ckpt.get("alphabet") else None, "parameters": n_params,
            "test": test}


# ---------------------------------------------------------------- the line reader's card

def _round_reader(r: dict) -> dict:
    return {k: round(float(r[k]), 4) if k != "n" else int(r[k]) for k in _READER_KEYS}


def _reader_figures(r: dict, by_writer: bool = True) -> dict:
    """A reader's rounded figures with its writers, per contributor and (unless not asked) per writer."""
    out = {**_round_reader(r), "writers": len(r["by_writer"]),
           "by_contributor": {c: _round_reader(v) | {"writers": _writers(r, c)}
                              for c, v in r["by_contributor"].items()}}
    return out | ({"by_writer": {w: _round_reader(v) for w, v in r["by_writer"].items()}} if by_writer else {})


def text_reader_test(path: str | Path, source: str = "unipen-train", decoders=DECODERS,
                     contributors=TEST_CONTRIBUTORS, progress=print) -> dict:
    """{category: {decoder: figures, with by_contributor and by_writer}} of the line reader at `path`."""
    ckpt = load_checkpoint(path, kind="reader")
    reader = load_reader(ckpt)
    lexicon = default_lexicon(ckpt)
    out = {"data": source, "contributors": list(contributors), "lexicon_words": len(lexicon), "categories": {}}
    for category, what in TEXT_READER_CATEGORIES.items():
        table = {}
        for decoder in decoders:
            progress(f"scoring {what} with {decoder} ...")
            r = score_on(source, ckpt, reader, [category], list(contributors), decoder,
                         lexicon if decoder == "lexicon" else None)
            table[decoder] = {**_reader_figures(r), "skipped": r["skipped"]}
        out["categories"][category] = table
    # The words a lowercase reader (reader-az) is tested on: should the Draw page open on this reader?
    samples, _ = labelled_samples(source, ckpt, [WORDS], list(contributors))
    lower = [s for s in samples if s.label.isascii() and s.label.isalpha() and s.label.islower()]
    progress(f"scoring {len(lower)} lowercase words with greedy ...")
    r = score_reader(reader, lower, "greedy")
    out["lowercase_words"] = {"greedy": _reader_figures(r, by_writer=False)}
    return out


def text_reader_card(path: str | Path, name: str, summary: str, command: str, test: dict | None = None,
                     training: dict | None = None) -> dict:
    """The card of the line reader at `path`; its headline comes from `test` (a fresh `text_reader_test`);
    `training` says how it was trained (samples seen, hours, where), as the person who trained it knows."""
    ckpt = load_checkpoint(path, kind="reader")
    test = test or text_reader_test(path)
    lines, words = test["categories"][LINES], test["categories"][WORDS]
    who = f"{lines['greedy']['writers']} writers, {len(lines['greedy']['by_contributor'])} unseen labs"
    headline = {f"greedy CER, lines ({who})": f"{lines['greedy']['cer']:.3f}",
                "lm CER / WER, lines": f"{lines['lm']['cer']:.3f} / {lines['lm']['wer']:.3f}",
                f"greedy CER, words of any case ({words['greedy']['writers']} writers)":
                    f"{words['greedy']['cer']:.3f}"}
    n_params = sum(v.numel() for k, v in ckpt["state_dict"].items() if k not in ("in_mean", "in_std"))
    return {"kind": "reader", "name": name, "summary": summary, "headline": headline, "command": command,
            **({"training": training} if training else {}),
            "epoch": (ckpt.get("metrics") or {}).get("epoch"), "config": ckpt.get("config"),
            "metrics": ckpt.get("metrics"), "data": {k: v for k, v in (ckpt.get("data") or {}).items()
                                                     if k != "eval_vocabulary"},
            "alphabet": "".join(ckpt["alphabet"][1:]), "parameters": n_params, "test": test}
