"""Real words by writers never trained on: CER and word accuracy per decoder, and decoding latency.

    python bench/real_words.py [--checkpoint checkpoints/reader-az] [--repeats 30]

Test set: UNIPEN category 6 words with lowercase a-z labels by contributor `art`
of the small fixture, kept out of the training of readers trained on the
fixture (`--data unipen`, e.g. the az and az-quick presets). The shipped
reader-az trained on the whole corpus, art included: for it these words are
of training writers, and the figures that count are on the test
contributors (`bench/real_models.py`); its latency rows still hold.
Lexicon: the 10,000-word English list plus those words' own vocabulary.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from core.ctc.beam import beam_decode  # noqa: E402
from core.ctc.greedy import greedy_decode  # noqa: E402
from core.ctc.lexicon import build_lexicon, lexicon_decode  # noqa: E402
from core.data.az_words import lexicon_for  # noqa: E402
from core.ink.unipen import load_words  # noqa: E402
from core.models.checkpoint import load_checkpoint  # noqa: E402
from core.models.inference import load_reader  # noqa: E402
from core.train.metrics import summarise  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--checkpoint", action="append", default=None)
    ap.add_argument("--repeats", type=int, default=30)
    args = ap.parse_args()
    torch.set_num_threads(1)
    words = [s for s in load_words() if s.contributor == "art" and re.fullmatch(r"[a-z]+", s.label)]
    targets = [s.label for s in words]
    lexicon = build_lexicon(lexicon_for(sorted(set(targets))), [""] + list("abcdefghijklmnopqrstuvwxyz"))
    print(f"{len(words)} real words by {len({s.writer for s in words})} unseen writers (contributor art); "
          f"lexicon {len(lexicon.words) if hasattr(lexicon, 'words') else 'english+eval'} words")
    print(f"{'checkpoint':28s} {'decoder':8s} {'CER':>7s} {'corpus':>7s} {'word acc':>8s}")
    for ckpt_path in args.checkpoint or ["checkpoints/reader-az"]:
        reader = load_reader(load_checkpoint(ckpt_path, kind="reader"))
        lps = reader.log_probs_batch([s.ink for s in words])
        for name in ("greedy", "beam", "lexicon"):
            if name == "greedy":
                preds = [greedy_decode(lp, reader.alphabet) for lp in lps]
            elif name == "beam":
                preds = [beam_decode(lp, reader.alphabet, 10)[0][0] for lp in lps]
            else:
                preds = [(lexicon_decode(lp, reader.alphabet, lexicon, top=1) or [("", 0)])[0][0]
                         for lp in lps]
            s = summarise(preds, targets)
            print(f"{Path(ckpt_path).name:28s} {name:8s} {s['cer']:7.3f} {s['corpus_cer']:7.3f} {s['word_acc']:8.3f}")
        six = next(s for s in words if len(s.label) == 6)
        for name in ("greedy", "beam", "lexicon"):
            times = []
            for _ in range(args.repeats):
                t = time.perf_counter()
                lp = reader.log_probs(six.ink)
                if name == "greedy":
                    greedy_decode(lp, reader.alphabet)
                elif name == "beam":
                    beam_decode(lp, reader.alphabet, 10)
                else:
                    lexicon_decode(lp, reader.alphabet, lexicon, top=5)
                times.append(time.perf_counter() - t)
            print(f"latency '{six.label}' (6 letters, ink to text, 1 thread) {name:8s} "
                  f"median {1000 * statistics.median(times):6.1f} ms")


if __name__ == "__main__":
    main()
