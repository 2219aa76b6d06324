"""The `lm` decoder against greedy, beam and flashlight-text's LexiconDecoder on synthetic posteriors of real lines.

Lines: the distinct labels (never the ink) of the UNIPEN training corpus's text lines (category 8)
with at least three words and 15-60 characters; 300 of them (seed 0) are the test lines, 60 others
tune the parameters (`--tune`). Posteriors: `core.ctc.synthetic` at the noise levels of
`LEVELS`. Figures: CER (mean per line), word accuracy (1 - word edits / words) and ms per line
(one thread). The speed table uses lines of 25-35 characters.

    python bench/lm_decoder.py                 # speed table and accuracy table
    python bench/lm_decoder.py --tune          # the parameter grids on the tuning lines (level mid)
    python bench/lm_decoder.py --source wordsegment --lines 100
"""
from __future__ import annotations

import argparse
import itertools
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from core.ctc.beam import beam_decode  # noqa: E402
from core.ctc.bigram_lm import DEFAULT_SOURCE, bigram_lm  # noqa: E402
from core.ctc.flashlight_lm import HAVE_FLASHLIGHT, FlashlightDecoder  # noqa: E402
from core.ctc.greedy import greedy_decode  # noqa: E402
from core.ctc.lm import FLASHLIGHT_DEFAULTS, LMParams, lm_decode  # noqa: E402
from core.ctc.synthetic import LEVELS, synthetic_log_probs  # noqa: E402
from core.data.alphabets import TEXT, reader_alphabet  # noqa: E402
from core.data.corpus import load_corpus  # noqa: E402
from core.ink.unipen_categories import LINES  # noqa: E402
from core.train.metrics import cer, word_error_rate  # noqa: E402

ALPHABET = reader_alphabet(TEXT)
# The values tuned on these synthetic lines (README tables); LM_DEFAULTS are tuned on real ones (bench/lm_tune.py).
SYNTHETIC = LMParams(lm_weight=0.25, word_bonus=4.0, oov_penalty=-12.0)


def corpus_lines() -> list[str]:
    labels = dict.fromkeys(" ".join(s.label.split()) for s in load_corpus("unipen-train", [LINES]).samples if s.label)
    return [t for t in labels if len(t.split()) >= 3 and 15 <= len(t) <= 60 and set(t) <= set(TEXT)]


def split_lines(n_test: int, n_tune: int) -> tuple[list[str], list[str]]:
    lines = corpus_lines()
    order = np.random.default_rng(0).permutation(len(lines))
    return [lines[i] for i in order[:n_test]], [lines[i] for i in order[n_test:n_test + n_tune]]


def posteriors(lines: list[str], level: str, seed: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    confuse, noise = LEVELS[level]
    return [synthetic_log_probs(t, ALPHABET, rng, confuse, noise) for t in lines]


def decoders(lm, params=SYNTHETIC, fl_params=None) -> dict:
    out = {"greedy": lambda lp: greedy_decode(lp, ALPHABET),
           "beam": lambda lp: beam_decode(lp, ALPHABET, params.beam)[0][0],
           "lm": lambda lp: lm_decode(lp, ALPHABET, lm, params)[0][0]}
    if HAVE_FLASHLIGHT:
        fl = FlashlightDecoder(ALPHABET, lm, fl_params or FLASHLIGHT_DEFAULTS)
        out["flashlight"] = fl
    return out


def run(decode, lps, lines) -> dict:
    preds, ms = [], []
    for lp in lps:
        t0 = time.perf_counter()
        preds.append(decode(lp))
        ms.append((time.perf_counter() - t0) * 1000)
    return {"cer": float(np.mean([cer(p, t) for p, t in zip(preds, lines)])),
            "word_acc": 1.0 - word_error_rate(preds, lines), "p50": float(np.median(ms)),
            "p95": float(np.percentile(ms, 95)), "preds": preds}


def tune(lm, lines: list[str], level: str) -> None:
    lps = posteriors(lines, level, seed=2)
    print(f"tuning on {len(lines)} lines, level {level}\n\n| decoder | lm_weight | word_bonus | oov_penalty | CER | word acc |")
    print("|---|---|---|---|---|---|")
    for w, b, o in itertools.product((0.25, 0.5, 1.0), (2.0, 4.0, 6.0), (-10.0, -12.0, -14.0)):
        r = run(lambda lp: lm_decode(lp, ALPHABET, lm, SYNTHETIC.with_(lm_weight=w, word_bonus=b, oov_penalty=o))[0][0],
                lps, lines)
        print(f"| lm | {w} | {b} | {o} | {r['cer']:.4f} | {r['word_acc']:.3f} |", flush=True)
    if HAVE_FLASHLIGHT:
        for w, b in itertools.product((0.5, 1.0, 1.5), (0.0, 2.0, 4.0)):
            r = run(FlashlightDecoder(ALPHABET, lm, FLASHLIGHT_DEFAULTS.with_(lm_weight=w, word_bonus=b)), lps, lines)
            print(f"| flashlight | {w} | {b} | - | {r['cer']:.4f} | {r['word_acc']:.3f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=300)
    parser.add_argument("--source", default=DEFAULT_SOURCE)
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--levels", default=",".join(LEVELS))
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--fl-weight", type=float, default=None, help="flashlight's lm_weight (default: FLASHLIGHT_DEFAULTS)")
    parser.add_argument("--fl-bonus", type=float, default=None, help="flashlight's word_score (default: FLASHLIGHT_DEFAULTS)")
    args = parser.parse_args()
    lm = bigram_lm(args.source, args.size)
    test, tuning = split_lines(args.lines, 60)
    if args.tune:
        tune(lm, tuning, "mid")
        return
    fl_params = FLASHLIGHT_DEFAULTS.with_(**{k: v for k, v in (("lm_weight", args.fl_weight),
                                                               ("word_bonus", args.fl_bonus)) if v is not None})
    decs = decoders(lm, SYNTHETIC, fl_params)
    print(f"LM: {args.source}, {lm.size:,} words; {SYNTHETIC}; flashlight {fl_params}\n")

    short = [t for t in corpus_lines() if 25 <= len(t) <= 35][:100]
    lps = posteriors(short, "low")
    frames = [len(lp) for lp in lps]
    print(f"speed: {len(short)} lines of 25-35 characters, level low, {min(frames)}-{max(frames)} frames, "
          f"{len(ALPHABET)} classes, one thread\n\n| decoder | median ms | p95 ms |\n|---|---|---|")
    for name, dec in decs.items():
        r = run(dec, lps, short)
        print(f"| {name} | {r['p50']:.1f} | {r['p95']:.1f} |", flush=True)

    print(f"\naccuracy: {len(test)} test lines\n\n| level | decoder | CER | word accuracy | median ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    for level in args.levels.split(","):
        lps = posteriors(test, level)
        for name, dec in decs.items():
            r = run(dec, lps, test)
            print(f"| {level} | {name} | {r['cer']:.4f} | {r['word_acc']:.3f} | {r['p50']:.1f} | {r['p95']:.1f} |",
                  flush=True)


if __name__ == "__main__":
    main()
