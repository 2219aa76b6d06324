"""Character classifier: the `seed` recipe against `fast`, and the `last` readout against the others.

For each data set (synthetic letters, UNIPEN letters split by writer) both
presets train on the same splits, one run at a time in this process. After
every epoch the current model is scored on the test split (that time is
left out of the trainer's clock), so the table can give the wall time at
which `fast` first reaches the `seed` recipe's final test accuracy (the
accuracy of its best-by-validation epoch, as the seed reports it). Target
(DESIGN.md, Performance targets): half the seed recipe's wall time or less.
Then the fast recipe with each readout: `last` (seed 000's), `mean`
(fast's own), `max` and `ends`.

    .venv/bin/python bench/classifier.py [--sets synthetic,unipen] [--per-class 200] [--seed 0]
                                         [--threads 1] [--no-readouts] [--json OUT]

Timings only mean something on an otherwise idle machine.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.classifier import READOUTS, preset  # noqa: E402
from core.train_classifier import load_data, train_classifier  # noqa: E402


def run(name: str, cfg, data) -> dict:
    """Train once; returns the figures and the (seconds, test accuracy now) curve."""
    index = {c: k for k, c in enumerate(data.classes)}
    truth = np.array([index[c] for c in data.y["test"]])
    curve = []

    def score(clf, row):
        curve.append((row["seconds"], float((clf.probabilities(data.X["test"]).argmax(1) == truth).mean())))

    t0 = time.perf_counter()
    res = train_classifier(cfg, data=data, on_epoch=score)
    print(f"  {name}: {res['last']['epoch']} epochs, {res['seconds']:.0f} s, test {res['test']['accuracy']:.4f} "
          f"({time.perf_counter() - t0:.0f} s with scoring)", file=sys.stderr, flush=True)
    return {"run": name, "readout": cfg.readout, "epochs": int(res["last"]["epoch"]),
            "best_epoch": int(res["best"]["epoch"]), "train_s": res["seconds"], "test_acc": res["test"]["accuracy"],
            "test_top5": res["test"]["top5"], "curve": curve}


def first_reach(curve: list[tuple[float, float]], target: float) -> float:
    return next((t for t, acc in curve if acc >= target), float("nan"))


def bench_set(source: str, per_class: int, seed: int, threads: int, readouts: bool) -> list[dict]:
    base = {"data": source, "per_class": per_class, "seed": seed, "threads": threads}
    data = load_data(preset("seed", **base))
    print(f"{source}: {data.sizes()}", file=sys.stderr, flush=True)
    rows = [run("seed", preset("seed", **base), data), run("fast", preset("fast", **base), data)]
    target = rows[0]["test_acc"]
    rows[1]["reach_s"] = first_reach(rows[1]["curve"], target)
    rows[1]["reach_ratio"] = rows[1]["reach_s"] / rows[0]["train_s"]
    if readouts:
        for r in READOUTS:
            if r != preset("fast").readout:
                rows.append(run(f"fast, readout {r}", preset("fast", readout=r, **base), data))
    for row in rows:
        row["data"] = source
        row["sizes"] = data.sizes()
    return rows


def table(rows: list[dict]) -> str:
    head = ("| data | run | readout | epochs (best) | wall s | test acc | top-5 | s to seed's acc | share of seed's time |\n"
            "|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        reach = f"{r['reach_s']:.0f}" if "reach_s" in r and np.isfinite(r["reach_s"]) else ("never" if "reach_s" in r else "")
        ratio = f"{r['reach_ratio']:.2f}" if "reach_ratio" in r and np.isfinite(r["reach_ratio"]) else ""
        lines.append(f"| {r['data']} | {r['run']} | {r['readout']} | {r['epochs']} ({r['best_epoch']}) | "
                     f"{r['train_s']:.0f} | {r['test_acc']:.4f} | {r['test_top5']:.4f} | {reach} | {ratio} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="synthetic,unipen", help="comma-separated: synthetic, unipen[:PATH], npy:DIR")
    ap.add_argument("--per-class", type=int, default=200, help="synthetic training letters per class")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-readouts", dest="readouts", action="store_false", help="skip the readout comparison")
    ap.add_argument("--json", default=None, help="also write every figure and curve to this file")
    args = ap.parse_args(argv)
    rows = []
    for source in args.sets.split(","):
        rows += bench_set(source.strip(), args.per_class, args.seed, args.threads, args.readouts)
        print(table(rows), file=sys.stderr, flush=True)
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
