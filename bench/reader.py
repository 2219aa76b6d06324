"""Word reader on seed 001's protocol: the `seed` and `fast` presets over several seeds.

Each run is the real command, `python -m core train reader --preset P --seed S
--threads T --run-dir <tmp>`, in its own process, one at a time. The table
gives, per run: the command's wall time (process start to exit, imports
included), the trainer's own clock at the last epoch, the trainer's clock
at the first epoch whose in-vocabulary CER is <= 0.10, and the final
epoch's CER and word accuracy per split; then the median per preset and
the fast preset's targets (docs: DESIGN.md, Performance targets).

    .venv/bin/python bench/reader.py [--presets seed,fast] [--seeds 0,1,2] [--threads 2] [--json OUT]

Timings only mean something on an otherwise idle machine.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGETS = {  # the fast preset, median over seeds (DESIGN.md)
    "t_cer_0.10": (5.0, "<="), "train_s": (30.0, "<="), "invocab_cer": (0.005, "<="),
    "heldout_cer": (0.02, "<="), "heldout_word_acc": (0.95, ">="),
}


def run_once(preset: str, seed: int, threads: int, root: Path, extra: list[str]) -> dict:
    run_dir = root / f"{preset}-{seed}"
    cmd = [sys.executable, "-m", "core", "train", "reader", "--preset", preset, "--seed", str(seed),
           "--threads", str(threads), "--run-dir", str(run_dir), *extra]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"error: {' '.join(cmd)} failed:\n{proc.stderr.strip()[-2000:]}")
    with open(run_dir / "metrics.csv", newline="") as fh:
        rows = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(fh)]
    last = rows[-1]
    reach = next((r["seconds"] for r in rows if r["invocab_cer"] <= 0.10), float("nan"))
    return {"preset": preset, "seed": seed, "wall_s": wall, "train_s": last["seconds"], "t_cer_0.10": reach,
            "epochs": int(last["epoch"]), "invocab_cer": last["invocab_cer"],
            "invocab_word_acc": last["invocab_word_acc"], "heldout_cer": last["heldout_cer"],
            "heldout_word_acc": last["heldout_word_acc"]}


COLUMNS = [("preset", "{}"), ("seed", "{}"), ("wall_s", "{:.1f}"), ("train_s", "{:.1f}"), ("t_cer_0.10", "{:.1f}"),
           ("epochs", "{}"), ("invocab_cer", "{:.4f}"), ("invocab_word_acc", "{:.3f}"), ("heldout_cer", "{:.4f}"),
           ("heldout_word_acc", "{:.3f}")]
HEADERS = ["preset", "seed", "wall s", "train s", "s to CER<=.10", "epochs", "in-vocab CER", "in-vocab word",
           "held-out CER", "held-out word"]


def median_row(rows: list[dict]) -> dict:
    out = {"preset": rows[0]["preset"], "seed": "median"}
    for key, _ in COLUMNS[2:]:
        vals = [r[key] for r in rows]
        # A run that never reached CER 0.10 counts as infinitely slow, not as missing.
        vals = [v if v == v else float("inf") for v in vals]
        out[key] = statistics.median(vals)
    return out


def fmt(row: dict) -> list[str]:
    cells = []
    for key, f in COLUMNS:
        v = row[key]
        cells.append("never" if isinstance(v, float) and (v != v or v == float("inf")) else f.format(v))
    return cells


def print_table(rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [HEADERS] + rows) for i in range(len(HEADERS))]
    line = lambda cells: "| " + " | ".join(c.rjust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    print(line(HEADERS))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--presets", default="seed,fast")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--threads", type=int, default=2, help="torch threads per run (default 2: the whole machine)")
    ap.add_argument("--json", default=None, help="also write every row as JSON to this file")
    ap.add_argument("extra", nargs="*", help="more `train reader` flags after --, e.g. -- --epochs 10")
    args = ap.parse_args(argv)
    presets = [p for p in args.presets.split(",") if p]
    seeds = [int(s) for s in args.seeds.split(",") if s]
    print(f"# reader bench: presets {presets}, seeds {seeds}, {args.threads} torch thread(s), "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start", flush=True)
    results, table = [], []
    with tempfile.TemporaryDirectory(prefix="bench-reader-") as tmp:
        for preset in presets:
            rows = []
            for seed in seeds:
                r = run_once(preset, seed, args.threads, Path(tmp), args.extra)
                print("  " + "  ".join(f"{h}={c}" for h, c in zip(HEADERS, fmt(r))), file=sys.stderr, flush=True)
                rows.append(r)
            results += rows
            table += [fmt(r) for r in rows] + ([fmt(median_row(rows))] if len(rows) > 1 else [])
    print_table(table)
    fast = [r for r in results if r["preset"] == "fast"]
    if fast:
        med = median_row(fast)
        print("\nfast preset targets (median over seeds):")
        for key, (target, op) in TARGETS.items():
            ok = med[key] <= target if op == "<=" else med[key] >= target
            print(f"  {key:18s} {med[key]:8.4f}  target {op} {target:<6}  {'met' if ok else 'MISSED'}")
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
