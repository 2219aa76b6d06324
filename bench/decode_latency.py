"""Decoding latency: a drawn 5-letter word, canvas JSON to text, one torch thread.

The drawing is a seed-style rendering of a vocabulary word scaled to canvas
pixels (60 px per letter height, y pointing down) and stored as Fabric.js
freedraw paths, as the dashboard's canvas returns them. Each timed call
does what the Draw page does: parse json_data into Ink, encode, run the
reader, decode. Median (and 90th percentile) of many calls per decoder.

    .venv/bin/python bench/decode_latency.py [--checkpoint checkpoints/reader-seed] [--word actin] [--n 300]

Targets (DESIGN.md): greedy <= 5 ms, beam and lexicon <= 20 ms.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from core.data.seed_words import SEED_VOCAB  # noqa: E402
from core.ink.io import ink_from_json  # noqa: E402
from core.models.inference import load_reader  # noqa: E402
from core.synth.generator import Augment, render_word  # noqa: E402

TARGETS_MS = {"greedy": 5.0, "beam": 20.0, "lexicon": 20.0}
PX_PER_UNIT = 60.0
STROKE_WIDTH = 3.0


def fabric_path(points: np.ndarray) -> dict:
    """One Fabric.js freedraw path object for canvas-pixel points (y down).

    Fabric smooths a pointer trace into M p0, Q p_i mid(p_i, p_i+1) ..., L p_last;
    `left`/`top`/`pathOffset` place it where it was drawn.
    """
    path = [["M", *points[0]]]
    for p, q in zip(points[:-1], points[1:]):
        path.append(["Q", *p, *((p + q) / 2)])
    path.append(["L", *points[-1]])
    lo, hi = points.min(axis=0), points.max(axis=0)
    return {"type": "path", "originX": "left", "originY": "top",
            "left": float(lo[0] - STROKE_WIDTH / 2), "top": float(lo[1] - STROKE_WIDTH / 2),
            "width": float(hi[0] - lo[0]), "height": float(hi[1] - lo[1]), "strokeWidth": STROKE_WIDTH,
            "scaleX": 1, "scaleY": 1, "angle": 0, "pathOffset": {"x": float((lo[0] + hi[0]) / 2),
                                                                  "y": float((lo[1] + hi[1]) / 2)},
            "path": [[c[0], *map(float, c[1:])] for c in path]}


def canvas_json(word: str, seed: int) -> dict:
    """json_data of a seed-style rendering of `word`, drawn on a 600x200 canvas."""
    ink = render_word(word, "seed", seed, Augment.seed_style()).ink
    objects = []
    for stroke in ink:
        px = np.column_stack([20 + stroke[:, 0] * PX_PER_UNIT, 150 - stroke[:, 1] * PX_PER_UNIT])
        objects.append(fabric_path(px))
    return {"version": "4.4.0", "objects": objects}


def time_calls(fn, n: int) -> tuple[float, float]:
    for _ in range(10):  # warm-up: first calls allocate and fill caches
        fn()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return statistics.median(times) * 1000, times[int(0.9 * (len(times) - 1))] * 1000


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", default=str(REPO / "checkpoints" / "reader-seed"))
    ap.add_argument("--word", default="actin", help="a 5-letter vocabulary word")
    ap.add_argument("--seed", type=int, default=11, help="seed of the rendering")
    ap.add_argument("--n", type=int, default=300, help="timed calls per decoder")
    ap.add_argument("--beam-width", type=int, default=10)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    reader = load_reader(args.checkpoint)
    json_data = canvas_json(args.word, args.seed)
    n_points = sum(len(o["path"]) for o in json_data["objects"])
    lexicons = {"lexicon": list(SEED_VOCAB)}
    print(f"# decode latency: {args.checkpoint}, word '{args.word}' ({len(json_data['objects'])} strokes, "
          f"{n_points} path commands), 1 torch thread, {args.n} calls, load average {os.getloadavg()[0]:.2f}")
    print("| decoder | text | correct | median ms | p90 ms | target ms | |")
    print("|---|---|---|---|---|---|---|")
    for decoder in ("greedy", "beam", "lexicon"):
        def call():
            ink, _ = ink_from_json(json_data, "canvas")
            return reader.read_text(ink, decoder, lexicons.get(decoder), args.beam_width)["text"]

        text = call()
        med, p90 = time_calls(call, args.n)
        target = TARGETS_MS[decoder]
        print(f"| {decoder} | {text} | {'yes' if text == args.word else 'NO'} | {med:.2f} | {p90:.2f} | "
              f"{target:.0f} | {'met' if med <= target else 'MISSED'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
