"""`evaluate CHECKPOINT --data ink:DIR`: score a model on labelled data it was not split on.

Prints overall figures, then one line per contributor and per writer,
hardest first, then what could not be scored and why; `--json` prints the
same as one object (without the predictions, which `--out` keeps).
"""
from __future__ import annotations

import json

from core.cli.reader import read_lexicon
from core.data.az_words import default_lexicon
from core.files.atomic import write_json
from core.ink.io import load_ink_folder
from core.models.classifier import load_classifier
from core.models.inference import load_reader
from core.train.score import score_classifier, score_reader

KEYS = {"reader": ("n", "cer", "corpus_cer", "word_acc", "wer"), "classifier": ("n", "accuracy", "top5")}


def is_other_data(source: str | None) -> bool:
    """Data that is not a split of what the model trained on: a folder of Ink JSON files."""
    return bool(source) and source.startswith("ink:")


def labelled_samples(source: str) -> tuple[list, dict[str, int]]:
    """The labelled samples of `ink:DIR`, and the files that are not, counted by reason."""
    return load_ink_folder(source[len("ink:"):])


def _line(name: str, r: dict, kind: str) -> str:
    if kind == "reader":
        return (f"{name:24s} n={r['n']:6d}  CER {r['cer']:.4f}  corpus CER {r['corpus_cer']:.4f}  "
                f"word accuracy {r['word_acc']:.3f}  WER {r['wer']:.3f}")
    return f"{name:24s} n={r['n']:6d}  accuracy {r['accuracy']:.4f}  top-5 {r['top5']:.4f}"


def score_command(ckpt: dict, args) -> int:
    samples, unreadable = labelled_samples(args.data)
    kind = ckpt["kind"]
    if kind == "reader":
        reader = load_reader(ckpt)
        lexicon = read_lexicon(args.lexicon, default_lexicon(ckpt)) if args.decoder == "lexicon" else None
        result = score_reader(reader, samples, args.decoder, lexicon, args.beam_width)
    else:
        result = score_classifier(load_classifier(ckpt), samples)
    result["skipped"] = {**unreadable, **result["skipped"]}
    result["data"] = args.data
    if args.out:
        write_json(args.out, result)
    shown = {k: v for k, v in result.items() if k != "predictions"}
    if args.json:
        print(json.dumps(shown))
        return 0
    print(_line(f"{args.data}", result, kind))
    for group in ("contributor", "writer"):
        table = result[f"by_{group}"]
        if len(table) > 1 or group == "contributor":
            print(f"by {group}, hardest first ({len(table)}):")
            for name, r in table.items():
                print("  " + _line(name, r, kind))
    if result["skipped"]:
        print("not scored: " + ", ".join(f"{n} {why}" for why, n in result["skipped"].items()))
    return 0
