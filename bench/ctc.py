"""Numpy CTC against torch's ctc_loss, and decoder latency.

    .venv/bin/python bench/ctc.py [--batch 32] [--frames 100] [--label-len 5] [--repeats 60]

Table 1 times loss + gradient for a batch of random log-probabilities:
`numpy` is `core.ctc.ctc_loss_batch` (float64, loss and closed-form
gradient), `torch` is `torch.nn.functional.ctc_loss` forward + backward on
a float32 leaf (what the trainer runs). `bridge` rows time the whole
training step's CTC part either way: log_softmax, loss and backward to the
logits, through `numpy_ctc_loss` or torch's. Timings are medians of
interleaved runs (numpy, torch, numpy, ...) so that load from other
processes hits both alike; the ratio is numpy / torch. The differences
are the largest absolute loss and gradient (w.r.t. the logits) differences
between the numpy code and torch in float64.

Table 2 times the decoders on one (T, 27) matrix of a confident reading of
a 5-letter word (and, for the lexicon, an unsure one), single thread,
decoding only (no model).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.ctc.align import confidence, forced_align
from core.ctc.autograd import numpy_ctc_loss  # noqa: E402
from core.ctc.beam import beam_decode
from core.ctc.greedy import greedy_decode
from core.ctc.lexicon import build_lexicon, lexicon_decode
from core.ctc.loss import ctc_loss_batch  # noqa: E402
from core.data.az_words import english_words  # noqa: E402

F = torch.nn.functional


def interleaved(fns: dict, repeats: int) -> dict[str, float]:
    """Median milliseconds of each function, run in turn `repeats` times after a warm-up."""
    for fn in fns.values():
        fn()
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: 1e3 * statistics.median(ts) for name, ts in times.items()}


def ctc_rows(batch: int, frames: int, label_len: int, classes: int, repeats: int, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(frames, batch, classes))
    targets = rng.integers(1, classes, size=(batch, label_len))
    il = torch.full((batch,), frames, dtype=torch.long)
    tl = torch.full((batch,), label_len, dtype=torch.long)
    tg = torch.from_numpy(targets)
    lp64 = torch.from_numpy(logits).log_softmax(-1)
    lp_np = lp64.numpy()
    lp32 = lp64.float()

    def numpy_core():
        ctc_loss_batch(lp_np, targets, il.numpy(), tl.numpy())

    def torch_core():
        x = lp32.detach().requires_grad_()
        F.ctc_loss(x, tg, il, tl, reduction="sum").backward()

    x32 = torch.from_numpy(logits).float().requires_grad_()

    def bridge(fn):
        def run():
            x32.grad = None
            fn(x32.log_softmax(-1), tg, il, tl, reduction="mean").backward()
        return run

    t_core = interleaved({"numpy": numpy_core, "torch": torch_core}, repeats)
    t_bridge = interleaved({"numpy": bridge(numpy_ctc_loss), "torch": bridge(F.ctc_loss)}, repeats)

    # Agreement in float64, gradient w.r.t. the logits through log_softmax.
    out = []
    for fn in (F.ctc_loss, numpy_ctc_loss):
        x = torch.from_numpy(logits).requires_grad_()
        loss = fn(x.log_softmax(-1), tg, il, tl, reduction="none")
        loss.sum().backward()
        out.append((loss.detach().numpy(), x.grad.numpy()))
    d_loss = float(np.abs(out[0][0] - out[1][0]).max())
    d_grad = float(np.abs(out[0][1] - out[1][1]).max())
    return [
        {"what": "loss+grad", "K": classes, **t_core, "dloss": d_loss, "dgrad": d_grad},
        {"what": "bridge step", "K": classes, **t_bridge, "dloss": d_loss, "dgrad": d_grad},
    ]


def drawn(word: str, alphabet: list[str], frames: int, rng, sharpness: float = 20.0) -> np.ndarray:
    """Log-probabilities of a reading of `word`: each letter peaks on two frames, blank elsewhere."""
    x = rng.normal(size=(frames, len(alphabet)))
    x[:, 0] += sharpness / 2
    for i, c in enumerate(word):
        t = int((i + 0.5) * frames / len(word))
        x[t:t + 2, alphabet.index(c)] += sharpness
    return torch.tensor(x).log_softmax(-1).numpy()


def decoder_rows(frames_list: list[int], repeats: int) -> list[dict]:
    alphabet = [""] + list("abcdefghijklmnopqrstuvwxyz")
    words = list(english_words())
    t0 = time.perf_counter()
    lex = build_lexicon(words, alphabet)
    build_ms = 1e3 * (time.perf_counter() - t0)
    rows = [{"decoder": f"build_lexicon ({len(words)} words, once, cached)", "T": "-", "ms": build_ms, "out": ""}]
    rng = np.random.default_rng(1)
    for frames in frames_list:
        sure = drawn("water", alphabet, frames, rng)
        unsure = drawn("water", alphabet, frames, rng, sharpness=3.0)
        cases = {
            "greedy": lambda: greedy_decode(sure, alphabet),
            "beam (width 10)": lambda: beam_decode(sure, alphabet, 10)[0][0],
            "lexicon (10k, top 5)": lambda: lexicon_decode(sure, alphabet, lex, top=5)[0][0],
            "lexicon (10k, top 1)": lambda: lexicon_decode(sure, alphabet, lex, top=1)[0][0],
            "lexicon, unsure output": lambda: lexicon_decode(unsure, alphabet, lex, top=5)[0][0],
            "forced_align": lambda: len(forced_align(sure, "water", alphabet)),
            "confidence": lambda: round(confidence(sure), 3),
        }
        times = interleaved(cases, repeats)
        for name, fn in cases.items():
            rows.append({"decoder": name, "T": frames, "ms": times[name], "out": fn()})
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--label-len", type=int, default=5)
    ap.add_argument("--classes", type=int, nargs="+", default=[11, 27])
    ap.add_argument("--repeats", type=int, default=60)
    ap.add_argument("--decoder-frames", type=int, nargs="+", default=[100, 300])
    ap.add_argument("--no-decoders", action="store_true")
    args = ap.parse_args(argv)

    default_threads = torch.get_num_threads()
    print(f"numpy CTC vs torch ctc_loss: batch {args.batch}, T {args.frames}, labels of {args.label_len}")
    print(f"{'torch threads':>13} {'what':>12} {'K':>3} {'numpy ms':>9} {'torch ms':>9} {'ratio':>6} "
          f"{'max|dloss|':>11} {'max|dgrad|':>11}")
    for threads in (1, default_threads):
        torch.set_num_threads(threads)
        for k in args.classes:
            for r in ctc_rows(args.batch, args.frames, args.label_len, k, args.repeats):
                print(f"{threads:>13} {r['what']:>12} {r['K']:>3} {r['numpy']:9.2f} {r['torch']:9.2f} "
                      f"{r['numpy'] / r['torch']:6.2f} {r['dloss']:11.1e} {r['dgrad']:11.1e}")
    if args.no_decoders:
        return
    torch.set_num_threads(1)
    print("\ndecoders on one (T, 27) matrix, a confident reading of 'water' (decoding only, one thread)")
    print(f"{'decoder':>46} {'T':>4} {'median ms':>10}  output")
    for r in decoder_rows(args.decoder_frames, max(5, args.repeats // 3)):
        print(f"{r['decoder']:>46} {r['T']:>4} {r['ms']:10.2f}  {r['out']}")


if __name__ == "__main__":
    main()
