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
                                         [--threads 1] [--parts both|recipes|readouts] [--json OUT]

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

from core.models.classifier import READOUTS, preset  # noqa: E402
from core.train.classifier import load_data, train_classifier  # noqa: E402


def run(name: str, cfg, data) -> dict:
    """Train once; returns the figures and the (wall s, CPU s, test accuracy now) curve.

    CPU seconds are this process's own (one torch thread): unlike wall time
    they do not grow when other programs share the cores.
    """
    index = {c: k for k, c in enumerate(data.classes)}
    truth = np.array([index[c] for c in data.y["test"]])
    curve, scoring = [], {"cpu": 0.0}
    cpu0 = time.process_time()

    def score(clf, row):
        c = time.process_time()
        acc = float((clf.probabilities(data.X["test"]).argmax(1) == truth).mean())
        curve.append((row["seconds"], c - cpu0 - scoring["cpu"], acc))
        scoring["cpu"] += time.process_time() - c

    t0 = time.perf_counter()
    res = train_classifier(cfg, data=data, on_epoch=score)
    cpu = time.process_time() - cpu0 - scoring["cpu"]
    print(f"  {name}: {res['last']['epoch']} epochs, {res['seconds']:.0f} s wall, {cpu:.0f} s CPU, test "
          f"{res['test']['accuracy']:.4f} ({time.perf_counter() - t0:.0f} s with scoring)", file=sys.stderr, flush=True)
    return {"run": name, "readout": cfg.readout, "epochs": int(res["last"]["epoch"]),
            "best_epoch": int(res["best"]["epoch"]), "train_s": res["seconds"], "cpu_s": cpu,
            "test_acc": res["test"]["accuracy"], "test_top5": res["test"]["top5"], "curve": curve}


def first_reach(curve: list[tuple], target: float, column: int = 0) -> float:
    """The wall (column 0) or CPU (column 1) seconds at which the test accuracy first reaches `target`."""
    return next((point[column] for point in curve if point[-1] >= target), float("nan"))


def bench_set(source: str, per_class: int, seed: int, threads: int, parts: str, done=None) -> list[dict]:
    """`parts`: "both" (seed against fast, then the readouts), "recipes" or "readouts" (the fast recipe
    with every other readout); `done(rows)` is called after every run."""
    base = {"data": source, "per_class": per_class, "seed": seed, "threads": threads}
    data = load_data(preset("seed", **base))
    print(f"{source}: {data.sizes()}", file=sys.stderr, flush=True)
    rows = []

    def add(row):
        rows.append({**row, "data": source, "sizes": data.sizes()})
        if done:
            done(rows)

    if parts in ("both", "recipes"):
        add(run("seed", preset("seed", **base), data))
        fast = run("fast", preset("fast", **base), data)
        fast["reach_s"] = first_reach(fast["curve"], rows[0]["test_acc"])
        fast["reach_ratio"] = fast["reach_s"] / rows[0]["train_s"]
        fast["reach_cpu_s"] = first_reach(fast["curve"], rows[0]["test_acc"], 1)
        fast["reach_cpu_ratio"] = fast["reach_cpu_s"] / rows[0]["cpu_s"]
        add(fast)
    if parts in ("both", "readouts"):
        for r in READOUTS:
            if r != preset("fast").readout:
                add(run(f"fast, readout {r}", preset("fast", readout=r, **base), data))
    return rows


def _fmt(r: dict, key: str, digits: int = 0) -> str:
    if key not in r:
        return ""
    return f"{r[key]:.{digits}f}" if np.isfinite(r[key]) else "never"


def table(rows: list[dict]) -> str:
    head = ("| data | run | readout | epochs (best) | wall s | CPU s | test acc | top-5 | to seed's acc: wall s (share) "
            "| CPU s (share) |\n|---|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        wall = f"{_fmt(r, 'reach_s')} ({_fmt(r, 'reach_ratio', 2)})" if "reach_s" in r else ""
        cpu = f"{_fmt(r, 'reach_cpu_s')} ({_fmt(r, 'reach_cpu_ratio', 2)})" if "reach_cpu_s" in r else ""
        lines.append(f"| {r['data']} | {r['run']} | {r['readout']} | {r['epochs']} ({r['best_epoch']}) | "
                     f"{r['train_s']:.0f} | {_fmt(r, 'cpu_s')} | {r['test_acc']:.4f} | {r['test_top5']:.4f} | {wall} | {cpu} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="synthetic,unipen", help="comma-separated: synthetic, unipen[:PATH], npy:DIR")
    ap.add_argument("--per-class", type=int, default=200, help="synthetic training letters per class")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--parts", choices=("both", "recipes", "readouts"), default="both",
                    help="recipes: seed against fast; readouts: the fast recipe with the other readouts")
    ap.add_argument("--json", default=None, help="also write every figure and curve to this file")
    args = ap.parse_args(argv)
    rows: list[dict] = []

    def save(set_rows):
        if args.json:  # after every run, so a long benchmark keeps what it measured
            Path(args.json).write_text(json.dumps(rows + set_rows, indent=1) + "\n")

    for source in args.sets.split(","):
        rows += bench_set(source.strip(), args.per_class, args.seed, args.threads, args.parts, save)
        print(table(rows), file=sys.stderr, flush=True)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
