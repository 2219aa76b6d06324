"""Tune the `lm` decoder on validation lines read by a real line reader (the LM weight, the word bonus and
the out-of-dictionary penalty) and the line lexicon decoder (its word bonus and pruning), and show where
the defaults stand.

Lines: category 8 of the validation contributors of `core.data.splits` (never the test contributors),
written on one line (`core.data.text_lines.one_line`), their labels' escapes read; `--lines` of them
drawn at random (seed 0). The reader reads each line once; every setting of the grid decodes the same
log-probabilities. Figures: word accuracy as Graves et al. 2009 count it (1 - word edits / words, over
all lines), CER (mean per line) and the share of lines read exactly; greedy and beam for reference.

    python bench/lm_tune.py checkpoints/reader-text [--lines 150] [--weights 0.25,0.5] [--bonuses 0,2] [--oov -6,-10]
                            [--case 0,1,2]

`--case` tries penalties for a Capitalised word after a lowercase one mid-sentence (the default: the
decoder's own); the table then also counts the lines whose reading has such a word the target lacks.
"""
from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from core.ctc.beam import beam_decode  # noqa: E402
from core.ctc.bigram_lm import bigram_lm, word_list_lm  # noqa: E402
from core.ctc.greedy import greedy_decode  # noqa: E402
from core.ctc.lm import LM_DEFAULTS, lm_decode  # noqa: E402
from core.data.az_words import default_lexicon  # noqa: E402
from core.data.corpus import load_corpus  # noqa: E402
from core.data.splits import VALIDATION_CONTRIBUTORS  # noqa: E402
from core.data.text_lines import one_line, text_label  # noqa: E402
from core.ink.unipen_categories import LEVELS, LINES  # noqa: E402
from core.models.checkpoint import load_checkpoint  # noqa: E402
from core.models.inference import LEXICON_LINE, encode_ink, load_reader, read_frames  # noqa: E402
from core.train.metrics import cer, word_error_rate  # noqa: E402

WEIGHTS = (0.25, 0.5, 1.0, 1.5, 2.0)
BONUSES = (-2.0, 0.0, 2.0, 4.0)
OOV = (-6.0, -10.0, -14.0)
LEXICON_BONUSES = (-2.0, 0.0, 2.0, 4.0)  # the line lexicon decoder: every word from the list, no LM
PRUNES = (1e-3, 1e-4, 1e-5)


def validation_lines(n: int) -> list[tuple]:
    corpus = load_corpus("unipen-train", [LINES])
    pairs = []
    for s in corpus.of(LINES, LEVELS[LINES]):
        text = text_label(s.label) if s.label else None
        if s.contributor in VALIDATION_CONTRIBUTORS and text and one_line(s.ink, text):
            pairs.append((s.ink, text))
    pick = np.random.default_rng(0).permutation(len(pairs))[:n]
    return [pairs[i] for i in sorted(pick)]


def odd_capitals(text: str) -> set[str]:
    """The Capitalised words of a line that follow a lowercase word mid-sentence ("the Quick fox")."""
    words, found = text.split(), set()
    for before, word in zip(words, words[1:]):
        if before.isalpha() and before.islower() and word[:1].isupper() and word[1:].islower():
            found.add(word)
    return found


def figures(preds: list[str], targets: list[str]) -> dict:
    return {"word_acc": 1 - word_error_rate(preds, targets), "cer": float(np.mean([cer(p, t) for p, t in zip(preds, targets)])),
            "exact": float(np.mean([p == t for p, t in zip(preds, targets)]))}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoint")
    ap.add_argument("--lines", type=int, default=150)
    ap.add_argument("--weights", default=",".join(map(str, WEIGHTS)), help="LM weights to try, comma-separated")
    ap.add_argument("--bonuses", default=",".join(map(str, BONUSES)), help="word bonuses to try")
    ap.add_argument("--oov", default=",".join(map(str, OOV)), help="out-of-dictionary penalties to try")
    ap.add_argument("--case", default=str(LM_DEFAULTS.case_penalty), help="case penalties to try")
    ap.add_argument("--no-lexicon", action="store_true", help="leave the line lexicon decoder out")
    args = ap.parse_args()
    weights, bonuses, oovs, cases = ([float(x) for x in v.split(",")]
                                     for v in (args.weights, args.bonuses, args.oov, args.case))
    torch.set_num_threads(1)
    reader = load_reader(args.checkpoint)
    lines = validation_lines(args.lines)
    targets = [t for _, t in lines]
    lps = read_frames(reader.model, [encode_ink(reader.config, ink) for ink, _ in lines])
    alphabet = reader.alphabet
    lm = bigram_lm()
    print(f"\n{len(lines)} validation lines of {', '.join(VALIDATION_CONTRIBUTORS)} "
          f"({sum(len(t.split()) for t in targets)} words), reader {args.checkpoint}\n")
    print("| decoder | LM weight | word bonus | OOV penalty | case penalty | word accuracy | CER | lines exact | "
          "odd capitals | ms per line |")
    print("|---|---|---|---|---|---|---|---|---|---|")

    def show(name, w, b, o, preds, seconds, c=""):
        f = figures(preds, targets)
        odd = sum(bool(odd_capitals(p) - odd_capitals(t)) for p, t in zip(preds, targets))
        print(f"| {name} | {w} | {b} | {o} | {c} | {f['word_acc']:.3f} | {f['cer']:.3f} | {f['exact']:.3f} | {odd} | "
              f"{1000 * seconds / len(lines):.1f} |", flush=True)
        return f

    t = time.perf_counter()
    show("greedy", "", "", "", [greedy_decode(lp, alphabet) for lp in lps], time.perf_counter() - t)
    t = time.perf_counter()
    show("beam 16", "", "", "", [beam_decode(lp, alphabet, 16)[0][0] for lp in lps], time.perf_counter() - t)
    d = LM_DEFAULTS
    grid = list(itertools.product(weights, bonuses, oovs, cases))
    now_key = (d.lm_weight, d.word_bonus, d.oov_penalty, d.case_penalty)
    results = []
    for w, b, o, c in grid + ([] if now_key in grid else [now_key]):
        params = d.with_(lm_weight=w, word_bonus=b, oov_penalty=o, case_penalty=c)
        t = time.perf_counter()
        preds = [lm_decode(lp, alphabet, lm, params)[0][0] for lp in lps]
        results.append(((w, b, o, c), show("lm", w, b, o, preds, time.perf_counter() - t, c)))
    lexicon = tuple(default_lexicon(load_checkpoint(args.checkpoint, kind="reader")))
    words = word_list_lm(lexicon)
    for b, prune in [] if args.no_lexicon else itertools.product(LEXICON_BONUSES, PRUNES):
        params = LEXICON_LINE.with_(word_bonus=b, prune=prune)
        t = time.perf_counter()
        preds = [(lm_decode(lp, alphabet, words, params) or [("", 0.0)])[0][0] for lp in lps]
        show(f"lexicon ({len(lexicon):,} words), prune {prune:g}", "", b, "", preds, time.perf_counter() - t)
    best = max(results, key=lambda r: (r[1]["word_acc"], -r[1]["cer"]))
    now = dict(results)[now_key]
    print(f"\nbest: lm_weight {best[0][0]}, word_bonus {best[0][1]}, oov_penalty {best[0][2]}, case_penalty "
          f"{best[0][3]}: word accuracy {best[1]['word_acc']:.3f}, CER {best[1]['cer']:.3f}; LM_DEFAULTS {now_key}: "
          f"{now['word_acc']:.3f}, CER {now['cer']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
