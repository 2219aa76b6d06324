"""The input encodings compared on the same training budget: delta, delta-line and graves25.

Each encoding trains the `fast-real` recipe (lowercase words of the training
corpus split by contributor, az-quick's strided conv + 2x96 BLSTM, 16
epochs of 1,200 words, one thread) from fresh weights, in its own process:

    python -m core train reader --preset fast-real --encoding E --spacing S --run-dir <tmp>

The spacings give each encoding about the same number of frames per
character (graves25 resamples in corpus heights, delta in ink heights).
Per encoding the table gives the frames per character of the validation
words, the trainer's clock, the best epoch's greedy CER on the validation
contributors' words (what chooses recipes) and, once, the test
contributors' live curve (500 words) at that epoch.

    .venv/bin/python bench/input_encodings.py [--encodings delta,delta-line,graves25] [--epochs 16] [--json OUT]
"""
from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPACING = {"delta": 0.1, "delta-line": 0.1, "graves25": 0.3}


def run_once(encoding: str, epochs: int, root: Path, seed: int) -> dict:
    run_dir = root / encoding
    cmd = [sys.executable, "-m", "core", "train", "reader", "--preset", "fast-real", "--encoding", encoding,
           "--spacing", str(SPACING[encoding]), "--epochs", str(epochs), "--seed", str(seed),
           "--run-dir", str(run_dir)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"error: {' '.join(cmd)} failed:\n{proc.stderr.strip()[-2000:]}")
    with open(run_dir / "metrics.csv", newline="") as fh:
        rows = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(fh)]
    best = min(rows, key=lambda r: (r["heldout_cer"], -r["epoch"]))
    return {"encoding": encoding, "spacing": SPACING[encoding], "frames_per_char": frames_per_char(encoding),
            "wall_s": wall, "train_s": rows[-1]["seconds"], "best_epoch": int(best["epoch"]),
            "val_cer": best["heldout_cer"], "val_word_acc": best["heldout_word_acc"], "test_cer": best["test_cer"],
            "last_val_cer": rows[-1]["heldout_cer"]}


def frames_per_char(encoding: str, n: int = 300) -> float:
    from core.data.az_words import az_word_data
    from core.ink.encodings import encode
    from core.models.reader import preset
    data = az_word_data(preset("fast-real"))
    pairs = data.eval_sets["heldout"][:n]
    return sum(len(encode(ink, encoding, SPACING[encoding])) for ink, _ in pairs) / sum(len(t) for _, t in pairs)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--encodings", default="delta,delta-line,graves25")
    ap.add_argument("--epochs", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None, help="also write the rows to this JSON file")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for enc in args.encodings.split(","):
            print(f"training fast-real with {enc} ...", file=sys.stderr, flush=True)
            rows.append(run_once(enc, args.epochs, Path(tmp), args.seed))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(f"\nfast-real recipe, {args.epochs} epochs, seed {args.seed}, fresh weights, one thread\n")
    print("| encoding | spacing | frames per character | trainer s | best epoch | validation CER | validation word acc "
          "| test CER (500 words) | last epoch's validation CER |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['encoding']} | {r['spacing']} | {r['frames_per_char']:.1f} | {r['train_s']:.0f} | "
              f"{r['best_epoch']} | {r['val_cer']:.3f} | {r['val_word_acc']:.3f} | {r['test_cer']:.3f} | "
              f"{r['last_val_cer']:.3f} |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
