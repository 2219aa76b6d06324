"""`evaluate CHECKPOINT --data ink:DIR | unipen:PATH`: score a model on labelled data it was not split on.

Which samples are scored, and how, is `core.evaluation`'s (`score_on`):
readers read isolated words (category 6) and, when they know the space,
text lines (8); classifiers isolated characters (1a-1d); `--category`
chooses others, `--contributors` keeps only some contributors. A model
split by contributor scores its own test split the same way.

Prints overall figures, then one line per contributor and per writer,
hardest first, then what could not be scored and why; `--json` prints the
same as one object (without the predictions, which `--out` keeps).
"""
from __future__ import annotations

import argparse
import json

from core.cli.reader import read_lexicon
from core.data.az_words import default_lexicon
from core.evaluation.sources import own_test_selection, score_on
from core.files.atomic import write_json
from core.models.classifier import load_classifier
from core.models.inference import load_reader


def own_test_split(ckpt: dict, args):
    """`args` narrowed to a contributor-split model's own test split: its training data, its test contributors."""
    asked = own_test_selection(ckpt, _names(args.contributors), "add --split all to score contributors it trained on")
    data = args.data or str((ckpt.get("config") or {}).get("data", ""))
    return argparse.Namespace(**{**vars(args), "data": data, "contributors": ",".join(asked)})


def _names(text: str | None) -> list[str] | None:
    return [t.strip() for t in (text or "").split(",") if t.strip()] or None


def _line(name: str, r: dict, kind: str) -> str:
    if kind == "reader":
        return (f"{name:24s} n={r['n']:6d}  CER {r['cer']:.4f}  corpus CER {r['corpus_cer']:.4f}  "
                f"word accuracy {r['word_acc']:.3f}  WER {r['wer']:.3f}")
    return (f"{name:24s} n={r['n']:6d}  accuracy {r['accuracy']:.4f}  top-5 {r['top5']:.4f}  "
            f"case-insensitive {r['case_insensitive']:.4f}  told the group {r['within_group']:.4f}")


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
