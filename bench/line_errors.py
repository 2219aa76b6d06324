"""What a line reader gets wrong: its character errors on validation lines, by kind.

Reads a fixed sample of the validation contributors' text lines (category 8, written on one line;
never the test contributors') with greedy decoding and splits the character errors of a minimal edit
alignment into spaces deleted, spaces inserted, case-only substitutions (a capital inside a word, a
lowercase letter for a capital) and the rest (`core.train.metrics.error_kinds`), per 100 target
characters, for each checkpoint given.

    python bench/line_errors.py checkpoints/reader-text [RUN_OR_CHECKPOINT ...] [--lines 300]
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from core.data.corpus import load_corpus  # noqa: E402
from core.data.splits import VALIDATION_CONTRIBUTORS  # noqa: E402
from core.data.text_lines import one_line, text_label  # noqa: E402
from core.ink.unipen_categories import LEVELS, LINES  # noqa: E402
from core.models.inference import decode_all, load_reader  # noqa: E402
from core.train.metrics import ERROR_KINDS, error_kinds  # noqa: E402


def validation_lines(n: int) -> list[tuple]:
    out = []
    for s in load_corpus("unipen-train", [LINES]).of(LINES, LEVELS[LINES]):
        text = text_label(s.label)
        if s.contributor in VALIDATION_CONTRIBUTORS and text and len(s.ink) and one_line(s.ink, text):
            out.append((s.ink, text))
    pick = np.random.default_rng(0).permutation(len(out))[:n]
    return [out[i] for i in sorted(pick)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoints", nargs="+")
    ap.add_argument("--lines", type=int, default=300)
    args = ap.parse_args()
    torch.set_num_threads(1)
    lines = validation_lines(args.lines)
    chars = sum(len(t) for _, t in lines)
    print(f"{len(lines)} validation lines, {chars:,} characters ({chars / len(lines):.0f} a line), greedy\n")
    print("| checkpoint | CER (corpus) | " + " | ".join(ERROR_KINDS) + " |")
    print("|---|---|" + "---|" * len(ERROR_KINDS))
    for path in args.checkpoints:
        reader = load_reader(path if not Path(path).is_dir() or not (Path(path) / "best.pt").exists()
                             else Path(path) / "best.pt")
        texts = decode_all(reader.log_probs_batch([ink for ink, _ in lines]), reader.alphabet, "greedy")
        totals = dict.fromkeys(ERROR_KINDS, 0)
        for pred, (_, target) in zip(texts, lines):
            for k, v in error_kinds(pred, target).items():
                totals[k] += v
        errors = sum(totals.values())
        print(f"| {Path(path).name} | {errors / chars:.3f} | "
              + " | ".join(f"{100 * totals[k] / chars:.1f}" for k in ERROR_KINDS) + " |", flush=True)


if __name__ == "__main__":
    main()
