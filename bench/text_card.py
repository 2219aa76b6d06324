"""The line reader on strangers: test contributors' lines and words, per decoder and per contributor.

Every figure is `python -m core evaluate CHECKPOINT --data unipen-train --decoder D --json`'s, on the
test contributors of `core.data.splits` (labs no split trained on): text lines written on one line
(category 8) and isolated words of any case (category 6). Word accuracy for lines is 1 - WER (Graves et
al. 2009 count it so); for words, the share read exactly. `--card` writes the checkpoint folder's
card.json from the same figures (`core/evaluation/cards.py`).

    python bench/text_card.py checkpoints/reader-text [--card NAME SUMMARY COMMAND] [--training JSON]

`--training` is how it was trained, as JSON (samples seen, hours, where), kept in the card as given.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from core.evaluation.cards import TEXT_READER_CATEGORIES, text_reader_card, text_reader_test, write_card  # noqa: E402


def show(test: dict) -> None:
    for category, what in TEXT_READER_CATEGORIES.items():
        table = test["categories"][category]
        g = table["greedy"]
        print(f"\n### {what} (category {category}): {g['n']:,} by {g['writers']} writers of "
              f"{len(g['by_contributor'])} test contributors\n")
        print("| decoder | CER | corpus CER | WER | word accuracy (1 - WER) | exact |\n|---|---|---|---|---|---|")
        for decoder, r in table.items():
            print(f"| {decoder} | {r['cer']:.3f} | {r['corpus_cer']:.3f} | {r['wer']:.3f} | {1 - r['wer']:.3f} | "
                  f"{r['word_acc']:.3f} |")
        print("\nper contributor, hardest first (greedy CER / lm CER, lm 1 - WER); not scored: "
              + (", ".join(f"{n} {why}" for why, n in g["skipped"].items()) or "none") + "\n")
        print("| contributor | writers | n | greedy CER | lm CER | lm 1 - WER |\n|---|---|---|---|---|---|")
        for c, r in g["by_contributor"].items():
            lm = table["lm"]["by_contributor"][c]
            print(f"| {c} | {r['writers']} | {r['n']:,} | {r['cer']:.3f} | {lm['cer']:.3f} | {1 - lm['wer']:.3f} |")
    low = test.get("lowercase_words", {}).get("greedy")
    if low:
        print(f"\n### lowercase words (the words reader-az is tested on): {low['n']:,} by {low['writers']} writers\n")
        print(f"greedy CER {low['cer']:.3f} (corpus CER {low['corpus_cer']:.3f}, read exactly {low['word_acc']:.3f}); "
              "per contributor: " + ", ".join(f"{c} {r['cer']:.3f}" for c, r in low["by_contributor"].items()))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoint")
    ap.add_argument("--card", nargs=3, metavar=("NAME", "SUMMARY", "COMMAND"), default=None)
    ap.add_argument("--training", type=json.loads, default=None, help="how it was trained, as a JSON object")
    args = ap.parse_args()
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    test = text_reader_test(args.checkpoint, progress=lambda m: print(m, file=sys.stderr, flush=True))
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; scored in {time.perf_counter() - t0:.0f} s")
    show(test)
    if args.card:
        name, summary, command = args.card
        card = text_reader_card(args.checkpoint, name, summary, command, test, args.training)
        out = write_card(Path(args.checkpoint), card)
        print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
