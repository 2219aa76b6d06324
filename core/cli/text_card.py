"""The line reader's card: a fresh evaluation of the test contributors' lines and words, per decoder.

The figures are `score_on`'s (the code behind `python -m core evaluate
CHECKPOINT --data unipen-train --decoder D --json`) on the test
contributors of `core.data.splits`, labs no split trained on: text lines
(category 8, written on one line) and isolated words of any case
(category 6), for every decoder (greedy, beam, lexicon, lm), overall, per
contributor (hardest first, with its writers) and per writer. Word
accuracy for lines is Graves et al.'s: 1 - WER (word edits over the
target's words); for words it is the share read exactly.
"""
from __future__ import annotations

from pathlib import Path

from core.cli.score import labelled_samples, score_on
from core.data.az_words import default_lexicon
from core.data.splits import TEST_CONTRIBUTORS
from core.models.checkpoint import load_checkpoint
from core.models.inference import DECODERS, load_reader
from core.train.score import score_reader

CATEGORIES = {"8": "lines", "6": "words"}
_KEYS = ("n", "cer", "corpus_cer", "wer", "word_acc")


def _round(r: dict) -> dict:
    return {k: round(float(r[k]), 4) if k != "n" else int(r[k]) for k in _KEYS}


def _writers(r: dict, contributor: str) -> int:
    return sum(w.startswith(contributor + "/") for w in r["by_writer"])


def text_reader_test(path: str | Path, source: str = "unipen-train", decoders=DECODERS,
                     contributors=TEST_CONTRIBUTORS, progress=print) -> dict:
    """{category: {decoder: figures, with by_contributor and by_writer}} of the line reader at `path`."""
    ckpt = load_checkpoint(path, kind="reader")
    reader = load_reader(ckpt)
    lexicon = default_lexicon(ckpt)
    out = {"data": source, "contributors": list(contributors), "lexicon_words": len(lexicon), "categories": {}}
    for category, what in CATEGORIES.items():
        table = {}
        for decoder in decoders:
            progress(f"scoring {what} with {decoder} ...")
            r = score_on(source, ckpt, reader, [category], list(contributors), decoder,
                         lexicon if decoder == "lexicon" else None)
            table[decoder] = {**_round(r), "writers": len(r["by_writer"]),
                              "by_contributor": {c: _round(v) | {"writers": _writers(r, c)}
                                                 for c, v in r["by_contributor"].items()},
                              "by_writer": {w: _round(v) for w, v in r["by_writer"].items()},
                              "skipped": r["skipped"]}
        out["categories"][category] = table
    # The words a lowercase reader (reader-az) is tested on: should the Draw page open on this reader?
    samples, _ = labelled_samples(source, ckpt, ["6"], list(contributors))
    lower = [s for s in samples if s.label.isascii() and s.label.isalpha() and s.label.islower()]
    progress(f"scoring {len(lower)} lowercase words with greedy ...")
    r = score_reader(reader, lower, "greedy")
    out["lowercase_words"] = {"greedy": {**_round(r), "writers": len(r["by_writer"]),
                                         "by_contributor": {c: _round(v) | {"writers": _writers(r, c)}
                                                            for c, v in r["by_contributor"].items()}}}
    return out


def text_reader_card(path: str | Path, name: str, summary: str, command: str, test: dict | None = None,
                     training: dict | None = None) -> dict:
    """The card of the line reader at `path`; its headline comes from `test` (a fresh `text_reader_test`);
    `training` says how it was trained (samples seen, hours, where), as the person who trained it knows."""
    ckpt = load_checkpoint(path, kind="reader")
    test = test or text_reader_test(path)
    lines, words = test["categories"]["8"], test["categories"]["6"]
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
