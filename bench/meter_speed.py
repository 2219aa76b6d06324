"""How fast the ByteDMD meter is: the Fenwick-tree `Tracer` against the plain-list `ListTracer` on the same step.

Each row traces one word's BLSTM+CTC training step (`core.movement.traced_step.training_step`, float32,
K = 11) with both meters on tiny settings, checks that they agree, and prints the seconds of each; the
list meter scans its stack for every element read, so its time grows as (elements read) x (stack length).
Larger settings (seed 001's word among them) are traced with the fast meter only, and the list meter's
time is estimated from the largest tiny setting's rate per element read and stack element.

    python bench/meter_speed.py [--tiny 6,3,2 10,4,2 16,6,3] [--large 40,16,3 77,64,5]

Settings are T,H,L: frames, hidden units per direction, letters.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from core.movement.meter import ListTracer, Tracer  # noqa: E402
from core.movement.traced_step import BLSTMParams, training_step  # noqa: E402


def trace(meter, T: int, H: int, L: int) -> tuple[object, float]:
    """One training step traced by `meter` (a new Tracer or ListTracer) and the seconds it took."""
    rng = np.random.default_rng(0)
    params = BLSTMParams.random(3, H, 11, rng)
    t0 = time.perf_counter()
    training_step(meter, params, rng.normal(size=(T, 3)), [int(c) for c in rng.integers(1, 11, L)])
    return meter, time.perf_counter() - t0


def elements_read(meter) -> int:
    return sum(meter.bytes_read.values()) // 4


def stack_elements(meter) -> int:
    return meter._total // 4


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", nargs="+", default=["6,3,2", "10,4,2", "16,6,3"])
    ap.add_argument("--large", nargs="+", default=["40,16,3", "77,64,5"])
    args = ap.parse_args(argv)
    print("| T | H | L | elements read | stack at the end | Fenwick s | list s | agree | speed-up |")
    print("|---|---|---|---|---|---|---|---|---|")
    rate = None
    for spec in args.tiny:
        T, H, L = map(int, spec.split(","))
        fast, fast_s = trace(Tracer(), T, H, L)
        slow, slow_s = trace(ListTracer(), T, H, L)
        agree = abs(fast.cost - slow.cost) <= 1e-9 * slow.cost
        reads, stack = elements_read(fast), stack_elements(fast)
        rate = slow_s / (reads * stack)
        print(f"| {T} | {H} | {L} | {reads:,} | {stack:,} | {fast_s:.3f} | {slow_s:.2f} | {agree} | "
              f"{slow_s / fast_s:.0f}x |")
    for spec in args.large:
        T, H, L = map(int, spec.split(","))
        fast, fast_s = trace(Tracer(), T, H, L)
        reads, stack = elements_read(fast), stack_elements(fast)
        guess = f"~{rate * reads * stack:,.0f} (estimated)" if rate else "-"
        print(f"| {T} | {H} | {L} | {reads:,} | {stack:,} | {fast_s:.2f} | {guess} | - | "
              f"{'~%.0fx' % (rate * reads * stack / fast_s) if rate else '-'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
