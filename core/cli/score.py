"""`evaluate CHECKPOINT --data ink:DIR | unipen:PATH`: score a model on labelled data it was not split on.

A UNIPEN source counts as other data when it is not the folder the model
trained on (or with `--split all`): then every sample of its categories
that the model can read is scored. A model split by contributor (trained
on the training corpus) scores its own test split the same way: every
sample of its test contributors. Readers read isolated words (category
6) and, when they know the space, text lines (8); classifiers isolated
characters (1a-1d); `--category` chooses others, `--contributors` keeps
only some contributors.

Prints overall figures, then one line per contributor and per writer,
hardest first, then what could not be scored and why; `--json` prints the
same as one object (without the predictions, which `--out` keeps).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from core.cli.reader import read_lexicon
from core.data.az_words import default_lexicon
from core.data.corpus import is_unipen_source, load_corpus, unipen_folder
from core.errors import InputError
from core.files.atomic import write_json
from core.ink.io import load_ink_folder
from core.models.classifier import load_classifier
from core.models.inference import load_reader
from core.train.score import score_classifier, score_reader

KEYS = {"reader": ("n", "cer", "corpus_cer", "word_acc", "wer"),
        "classifier": ("n", "accuracy", "top5", "case_insensitive", "within_group")}


LEVELS = {"1a": "CHARACTER", "1b": "CHARACTER", "1c": "CHARACTER", "1d": "CHARACTER", "2": "CHARACTER",
          "3": "CHARACTER", "6": "WORD", "7": "WORD", "8": "TEXT"}


def trained_folder(ckpt: dict) -> Path | None:
    """The UNIPEN folder a model's splits came from (None for other data)."""
    data = ckpt.get("data") or {}
    source = str(data.get("source") or (ckpt.get("config") or {}).get("data", ""))
    if not is_unipen_source(source):
        return None
    try:
        return unipen_folder(source, progress=lambda message: None).resolve()
    except InputError:
        return None


def is_other_data(source: str | None, ckpt: dict, split: str = "test") -> bool:
    """Data that is not a split of what the model trained on: ink:DIR, or a UNIPEN folder other than its own."""
    if not source:
        return False
    if source.startswith("ink:"):
        return True
    if not is_unipen_source(source):
        return False
    return split == "all" or unipen_folder(source).resolve() != trained_folder(ckpt)


def own_test_contributors(ckpt: dict) -> list[str]:
    """The test contributors of a model split by contributor (the training corpus), else []."""
    return list((ckpt.get("data") or {}).get("test_contributors") or [])


def own_test_split(ckpt: dict, args):
    """`args` narrowed to a contributor-split model's own test split: its training data, its test contributors."""
    own = own_test_contributors(ckpt)
    asked = _names(args.contributors) or own
    if set(asked) - set(own):
        raise InputError(f"{', '.join(sorted(set(asked) - set(own)))} not among this model's test contributors "
                         f"({', '.join(own)})", "add --split all to score contributors it trained on")
    data = args.data or str((ckpt.get("config") or {}).get("data", ""))
    return argparse.Namespace(**{**vars(args), "data": data, "contributors": ",".join(asked)})


def _names(text: str | None) -> list[str] | None:
    return [t.strip() for t in (text or "").split(",") if t.strip()] or None


def default_categories(ckpt: dict) -> list[str]:
    if ckpt["kind"] == "classifier":
        return ["1a", "1b", "1c", "1d"]
    return ["6", "8"] if " " in ckpt["alphabet"] else ["6"]


def labelled_samples(source: str, ckpt: dict, categories: list[str] | None = None,
                     contributors: list[str] | None = None) -> tuple[list, dict[str, int]]:
    """The labelled samples of `ink:DIR` or of a UNIPEN source's categories, and what was not read, by reason."""
    if source.startswith("ink:"):
        return load_ink_folder(source[len("ink:"):])
    if not categories:  # the default ones this folder has
        data = unipen_folder(source) / "data"
        categories = [c for c in default_categories(ckpt) if (data / c).is_dir()] or default_categories(ckpt)
    corpus = load_corpus(source, categories)
    samples = [s for c in categories for s in corpus.of(c, LEVELS.get(c)) if s.ink]
    if contributors:
        samples = [s for s in samples if s.contributor in contributors]
    skipped = {f"unreadable file ({why})": n for why, n in corpus.report.skipped_by_reason().items()}
    if not samples:
        raise InputError(f"{source} holds no samples of categories {', '.join(categories)}"
                         + (f" by {', '.join(contributors)}" if contributors else ""))
    return samples, skipped


def _line(name: str, r: dict, kind: str) -> str:
    if kind == "reader":
        return (f"{name:24s} n={r['n']:6d}  CER {r['cer']:.4f}  corpus CER {r['corpus_cer']:.4f}  "
                f"word accuracy {r['word_acc']:.3f}  WER {r['wer']:.3f}")
    return (f"{name:24s} n={r['n']:6d}  accuracy {r['accuracy']:.4f}  top-5 {r['top5']:.4f}  "
            f"case-insensitive {r['case_insensitive']:.4f}  told the group {r['within_group']:.4f}")


def score_on(source: str, ckpt: dict, model, categories: list[str] | None = None,
             contributors: list[str] | None = None, decoder: str = "greedy", lexicon: list[str] | None = None,
             beam_width: int = 10) -> dict:
    """A loaded reader or classifier (`model`, of checkpoint `ckpt`) scored on every sample of `source` it can
    read: `score_reader`'s or `score_classifier`'s figures, with unreadable files in `skipped` and `data`."""
    samples, unreadable = labelled_samples(source, ckpt, categories, contributors)
    if ckpt["kind"] == "reader":
        result = score_reader(model, samples, decoder, lexicon, beam_width)
    else:
        result = score_classifier(model, samples)
    result["skipped"] = {**unreadable, **result["skipped"]}
    result["data"] = source
    return result


def score_command(ckpt: dict, args) -> int:
    kind = ckpt["kind"]
    if kind == "reader":
        model = load_reader(ckpt)
        lexicon = read_lexicon(args.lexicon, default_lexicon(ckpt)) if args.decoder == "lexicon" else None
    else:
        model, lexicon = load_classifier(ckpt), None
    result = score_on(args.data, ckpt, model, _names(args.category), _names(args.contributors), args.decoder,
                      lexicon, args.beam_width)
    if args.out:
        write_json(args.out, result)
    shown = {k: v for k, v in result.items() if k != "predictions"}
    if args.json:
        print(json.dumps(shown))
        return 0
    print(_line(f"{args.data}", result, kind))
    for group in ("group", "category", "contributor", "writer"):
        if f"by_{group}" not in result:
            continue
        table = result[f"by_{group}"]
        if len(table) > 1 or group == "contributor":
            print(f"by {group}, hardest first ({len(table)}):")
            for name, r in table.items():
                print("  " + _line(name, r, kind))
    if result["skipped"]:
        print("not scored: " + ", ".join(f"{n} {why}" for why, n in result["skipped"].items()))
    return 0
