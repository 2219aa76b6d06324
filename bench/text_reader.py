"""The line reader's speed: decoding latency for a line of about 30 characters, and training time.

Latency: validation lines of 25-35 characters (category 8 of the validation contributors, written on one
line), each read the way the Draw page reads it, one torch thread: the ink encoded, the model run, then
each decoder alone (greedy, beam 10, lexicon over the reader's default lexicon, lm with the 20,000-word
bigram LM). Median and 90th percentile of the model and of each decoder, and of the whole read with lm.

Training: from a run folder's metrics.csv (`python -m core train reader --preset text`), the seconds of
every epoch and the wall time at which the validation CER first reached the shipped epoch's.

    python bench/text_reader.py [--checkpoint checkpoints/reader-text] [--lines 40] [--run RUN]

Targets (issue 15): greedy <= 10 ms and lm <= 50 ms median per line.
"""
from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from core.ctc.lexicon import build_lexicon  # noqa: E402
from core.data.az_words import default_lexicon  # noqa: E402
from core.data.corpus import load_corpus  # noqa: E402
from core.data.splits import VALIDATION_CONTRIBUTORS  # noqa: E402
from core.data.text_lines import one_line, text_label  # noqa: E402
from core.ink.unipen_categories import LEVELS, LINES  # noqa: E402
from core.models.checkpoint import load_checkpoint  # noqa: E402
from core.models.inference import decode, load_reader  # noqa: E402

TARGETS = {"greedy": 10.0, "lm": 50.0}


def lines_of_about_30(n: int) -> list[tuple]:
    out = []
    for s in load_corpus("unipen-train", [LINES]).of(LINES, LEVELS[LINES]):
        text = text_label(s.label) if s.label else None
        if s.contributor in VALIDATION_CONTRIBUTORS and text and 25 <= len(text) <= 35 and one_line(s.ink, text):
            out.append((s.ink, text))
    pick = np.random.default_rng(0).permutation(len(out))[:n]
    return [out[i] for i in sorted(pick)]


def _ms(xs: list[float]) -> str:
    return f"{statistics.median(xs):.1f} | {np.percentile(xs, 90):.1f}"


def latency(path: str, n: int) -> None:
    torch.set_num_threads(1)
    ckpt = load_checkpoint(path, kind="reader")
    reader = load_reader(ckpt)
    lexicon = build_lexicon(default_lexicon(ckpt), reader.alphabet)
    lines = lines_of_about_30(n)
    times: dict[str, list[float]] = {k: [] for k in ("model", "greedy", "beam", "lexicon", "lm", "read with lm")}
    decode(reader.log_probs(lines[0][0]), reader.alphabet, "lm")  # builds the LM and its trie once
    for ink, _ in lines:
        t0 = time.perf_counter()
        lp = reader.log_probs(ink)
        model = time.perf_counter() - t0
        times["model"].append(1000 * model)
        for d in ("greedy", "beam", "lexicon", "lm"):
            t = time.perf_counter()
            decode(lp, reader.alphabet, d, lexicon if d == "lexicon" else None, 10)
            times[d].append(1000 * (time.perf_counter() - t))
        times["read with lm"].append(1000 * model + times["lm"][-1])
    chars = statistics.mean(len(t) for _, t in lines)
    print(f"\n{len(lines)} validation lines of 25-35 characters (mean {chars:.1f}), {path}, one thread\n")
    print("| step | median ms | p90 ms | target |\n|---|---|---|---|")
    for k, xs in times.items():
        target = f"<= {TARGETS[k]:.0f} ms median" if k in TARGETS else ""
        print(f"| {k} | {_ms(xs)} | {target} |")


def training(run: str, path: str) -> None:
    with open(Path(run) / "metrics.csv", newline="") as fh:
        rows = [{k: float(v) for k, v in r.items() if v not in ("", None)} for r in csv.DictReader(fh)]
    shipped = (load_checkpoint(path, kind="reader").get("metrics") or {}).get("heldout_cer")
    print(f"\ntraining run {run}\n")
    print("| epoch | seconds this epoch | wall s | validation CER | test lines CER |\n|---|---|---|---|---|")
    before = 0.0
    for r in rows:
        print(f"| {int(r['epoch'])} | {r['seconds'] - before:.0f} | {r['seconds']:.0f} | {r['heldout_cer']:.3f} | "
              f"{r.get('test_cer', float('nan')):.3f} |")
        before = r["seconds"]
    if shipped is not None:
        reached = next((r for r in rows if r["heldout_cer"] <= shipped + 1e-9), None)
        if reached:
            print(f"\nshipped quality (validation CER {shipped:.3f}) first reached at epoch {int(reached['epoch'])}, "
                  f"{reached['seconds'] / 60:.0f} min")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", default="checkpoints/reader-text")
    ap.add_argument("--lines", type=int, default=40)
    ap.add_argument("--run", default=None, help="a run folder: also print its training time per epoch")
    args = ap.parse_args()
    latency(args.checkpoint, args.lines)
    if args.run:
        training(args.run, args.checkpoint)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
