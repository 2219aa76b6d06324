"""How long each training preset takes on this machine: the Train page's and `--preset` help's time promises.

Each preset is trained for real, as the Train page starts it (`python -m core train KIND --preset NAME`, with
the preset's own torch threads), for its first `--epochs` epochs (default 1) in a temporary run folder. The
run's wall time splits into the start (interpreter, imports, loading and encoding the data, building
the model: everything before the first epoch's clock) and the epochs (the run folder's `seconds`
column, each epoch's training and evaluation). The promise is start + the preset's epochs x the mean
epoch: an upper bound for presets that stop early (the classifier's patience).

    python bench/preset_times.py [--kinds reader classifier] [--presets az-quick fast-text] [--epochs 1]
                                 [--write]

Prints one row per preset; `--write` also keeps the figures in core/models/preset_times.json, which
`core.models.preset_times` reads for the promises (a preset missing there promises no time).
"""
from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.models import classifier, reader  # noqa: E402
from core.models.preset_times import TIMES_FILE, estimate_seconds  # noqa: E402

PRESETS = {"reader": reader.PRESETS, "classifier": classifier.PRESETS}


def time_preset(kind: str, name: str, epochs: int) -> dict:
    """Train `name` for `epochs` epochs in a temporary folder; its start and mean epoch in seconds."""
    full = PRESETS[kind][name].epochs
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
        began = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "core", "train", kind, "--preset", name, "--epochs",
                               str(min(epochs, full)), "--run-dir", str(run)],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - began
        if done.returncode != 0:
            raise SystemExit(f"{kind} {name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        seconds = [float(row["seconds"]) for row in csv.DictReader((run / "metrics.csv").open())]
    per_epoch = seconds[-1] / len(seconds)
    return {"start_s": round(wall - seconds[-1], 1), "epoch_s": round(per_epoch, 1), "epochs": full,
            "measured_epochs": len(seconds)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kinds", nargs="+", default=list(PRESETS), choices=list(PRESETS))
    ap.add_argument("--presets", nargs="+", help="only these preset names (default: every preset)")
    ap.add_argument("--epochs", type=int, default=1, help="epochs timed per preset")
    ap.add_argument("--write", action="store_true", help=f"keep the figures in {TIMES_FILE.relative_to(ROOT)}")
    args = ap.parse_args(argv)
    kept = json.loads(TIMES_FILE.read_text()) if TIMES_FILE.is_file() else {}
    print("| kind | preset | start (s) | epoch (s) | epochs | promise (min) |\n|---|---|---|---|---|---|")
    for kind in args.kinds:
        for name in PRESETS[kind]:
            if args.presets and name not in args.presets:
                continue
            t = time_preset(kind, name, args.epochs)
            kept.setdefault(kind, {})[name] = t
            print(f"| {kind} | {name} | {t['start_s']:.0f} | {t['epoch_s']:.1f} | {t['epochs']} | "
                  f"{estimate_seconds(t) / 60:.1f} |", flush=True)
    if args.write:
        kept["measured"] = {"on": f"{platform.machine()}, {os.cpu_count()} cores, each preset with its own torch "
                                  f"threads, load average {os.getloadavg()[0]:.1f} at the end",
                            "date": datetime.date.today().isoformat(), "command": "python bench/preset_times.py"}
        TIMES_FILE.write_text(json.dumps(kept, indent=1) + "\n")
        print(f"wrote {TIMES_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
