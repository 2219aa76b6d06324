"""Training speed of the reader presets: samples/s, frames/s and where a step's time goes.

Every preset trains on a fixed set of its own real batches (its data
source's first epoch, drawn with seed 0, the trainer's length-sorted
batches, the first `--batches` of them: the same data every run), from
fresh weights, with the trainer's own step (`core.train.step`). Each batch's
time is split into data preparation (encoding the ink, padding), forward,
CTC and backward (gradient, clip, Adam). `--path packed` runs the LSTM over
a PackedSequence as the trainer did before (`core.models.blstm.packed_lstm`),
`padded` the exact padded path it uses now; `--denormals` adds runs with
`torch.set_flush_denormal(True)`.

    python bench/train_speed.py [--presets text fast-text az-corpus] [--threads 1 2] [--path both]
                                [--batches 20] [--denormals]

`--batches 0` times a whole epoch (for text: 150 batches, the long lines among them). `--scaling` times
instead one training step of the text preset's model on a batch of 16 random sequences of T input frames
(T = 500 ... 3,000), packed and padded: the cost per frame should stay flat as T grows.

Prints one row per preset, path, threads (and denormal setting).
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
import torch  # noqa: E402

from core.ctc.matrix import frames_needed  # noqa: E402
from core.models.inference import encode_ink  # noqa: E402
from core.models.reader import PRESETS, build_reader  # noqa: E402
from core.train.optim import adam_with_schedule  # noqa: E402
from core.train.reader import _batches, word_data  # noqa: E402
from core.train.step import apply_gradient, batch_log_probs, ctc_batch, ctc_of  # noqa: E402

PHASES = ("prep", "forward", "ctc", "backward")


def fixed_batches(name: str, n_batches: int) -> tuple[list[list[tuple]], list[str]]:
    """The first `n_batches` training batches of preset `name`'s first epoch (seed 0): [(ink, text), ...] each."""
    cfg = PRESETS[name]
    data = word_data(cfg)
    rng = np.random.default_rng([0, 1])
    pairs = data.sample_epoch(rng, 1)
    model = build_reader(cfg, data.alphabet)
    index = {c: k for k, c in enumerate(data.alphabet)}
    lengths = [len(encode_ink(cfg, ink)) for ink, _ in pairs]
    out_len = model.output_lengths(torch.tensor(lengths)).tolist()
    keep = [i for i, (_, t) in enumerate(pairs) if t and frames_needed([index[c] for c in t]) <= out_len[i]]
    batches = _batches([lengths[i] for i in keep], cfg.batch_size, rng)
    batches = batches[:n_batches] if n_batches > 0 else batches
    return [[pairs[keep[i]] for i in b] for b in batches], data.alphabet


def measure(name: str, batches, alphabet, threads: int, packed: bool, flush: bool) -> dict:
    cfg = PRESETS[name]
    torch.set_num_threads(threads)
    torch.set_flush_denormal(flush)
    torch.manual_seed(0)
    model = build_reader(cfg, alphabet).train()
    model.packed = packed
    optimizer, schedule = adam_with_schedule(model.parameters(), cfg, {"total": len(batches)})
    index = {c: k for k, c in enumerate(alphabet)}
    times = dict.fromkeys(PHASES, 0.0)
    samples = frames = 0
    for b, pairs in enumerate([batches[0]] + list(batches)):  # the first batch once more, untimed: warm-up
        t0 = time.perf_counter()
        batch = ctc_batch([encode_ink(cfg, ink) for ink, _ in pairs], [[index[c] for c in t] for _, t in pairs])
        t1 = time.perf_counter()
        log_probs = batch_log_probs(model, batch)
        t2 = time.perf_counter()
        loss = ctc_of(model, log_probs, batch, cfg.ctc)
        t3 = time.perf_counter()
        apply_gradient(model, optimizer, loss, cfg.grad_clip)
        schedule.step()
        t4 = time.perf_counter()
        if b:
            for phase, dt in zip(PHASES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                times[phase] += dt
            samples += batch.size
            frames += batch.frames
    torch.set_flush_denormal(False)
    total = sum(times.values())
    return {"samples": samples, "frames": frames, "seconds": total, "samples_s": samples / total,
            "frames_s": frames / total, **{p: times[p] / total for p in PHASES}}


def scaling(lengths=(500, 1000, 1500, 3000), packed_up_to: int = 1500) -> None:
    """Forward and backward seconds of one batch of 16 sequences of T frames, packed and padded (1 thread)."""
    from core.data.alphabets import TEXT, reader_alphabet

    torch.set_num_threads(1)
    print("| input frames T | path | forward s | backward s | ms per frame |\n|---|---|---|---|---|")
    for t in lengths:
        for packed in (True, False):
            if packed and t > packed_up_to:
                continue  # minutes: the quadratic backward pass
            torch.manual_seed(0)
            model = build_reader(PRESETS["text"], reader_alphabet(TEXT)).train()
            model.packed = packed
            lengths_t = torch.full((16,), t)
            lengths_t[1::2] = t * 3 // 4  # mixed lengths, as length-sorted batches still have
            x = torch.randn(16, t, 3)
            t0 = time.perf_counter()
            out = model(x, lengths_t)
            t1 = time.perf_counter()
            out.sum().backward()
            t2 = time.perf_counter()
            frames = int(lengths_t.sum())
            print(f"| {t:,} | {'packed' if packed else 'padded'} | {t1 - t0:.2f} | {t2 - t1:.2f} "
                  f"| {1000 * (t2 - t0) / frames:.3f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presets", nargs="+", default=[p for p in PRESETS if p != "seed"],
                        help="reader presets (default: all but seed, whose 1-word batches say little)")
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--path", choices=("packed", "padded", "both"), default="both")
    parser.add_argument("--batches", type=int, default=20, help="timed batches per preset (0: the whole first epoch)")
    parser.add_argument("--denormals", action="store_true", help="also time with denormals flushed to zero")
    parser.add_argument("--scaling", action="store_true", help="time one batch as its length grows, and stop")
    args = parser.parse_args()
    if args.scaling:
        scaling()
        return
    paths = {"packed": [True], "padded": [False], "both": [True, False]}[args.path]
    print("| preset | LSTM path | threads | flush denormals | samples | mean frames | seconds | samples/s | frames/s "
          "| prep | forward | CTC | backward |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in args.presets:
        batches, alphabet = fixed_batches(name, args.batches)
        for packed in paths:
            for threads in args.threads:
                for flush in ([False, True] if args.denormals else [False]):
                    r = measure(name, batches, alphabet, threads, packed, flush)
                    print(f"| {name} | {'packed' if packed else 'padded'} | {threads} | {'yes' if flush else 'no'} "
                          f"| {r['samples']} | {r['frames'] / r['samples']:.0f} | {r['seconds']:.1f} "
                          f"| {r['samples_s']:.1f} | {r['frames_s']:,.0f} | "
                          + " | ".join(f"{r[p]:.0%}" for p in PHASES) + " |", flush=True)


if __name__ == "__main__":
    main()
