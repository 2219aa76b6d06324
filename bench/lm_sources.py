"""Which count source makes the better word-bigram LM: wordsegment or symspellpy, measured on real English lines.

Held-out text: the labels (never the ink) of the UNIPEN training corpus's text lines (category 8),
each distinct line once, cut into words as the decoder sees them (`normalise_word`; tokens of
punctuation only dropped). For each source and vocabulary size: the share of word tokens outside the
vocabulary, the share of adjacent in-vocabulary pairs the source recorded (bigram coverage), the
perplexity on its own in-vocabulary tokens, and the perplexity on the tokens both vocabularies hold
(the same tokens for both, so that column compares the models directly).

    python bench/lm_sources.py [--sizes 10000,20000,50000]
"""
from __future__ import annotations

import argparse
import math

from core.ctc.bigram_lm import bigram_lm, normalise_word
from core.data.corpus import load_corpus
from core.ink.unipen_categories import LINES


def held_out_lines() -> list[list[str]]:
    """The distinct category-8 labels of the training corpus, as lists of normalised words."""
    labels = dict.fromkeys(s.label for s in load_corpus("unipen-train", [LINES]).samples if s.label)
    lines = [[w for w in (normalise_word(t) for t in label.split()) if w] for label in labels]
    return [line for line in lines if line]


def measure(lm, lines, shared: set[str]) -> dict:
    tokens = oov = pairs = recorded = 0
    own_lp = own_n = shared_lp = shared_n = 0.0
    for line in lines:
        prev = -1
        prev_shared = None
        for word in line:
            tokens += 1
            w = lm.index.get(word)
            if w is None:
                oov += 1
            else:
                if prev >= 0:
                    pairs += 1
                    recorded += lm.recorded(w, prev)
                lp = lm.log_prob(w, prev)
                own_lp += lp
                own_n += 1
            if word in shared:
                ctx = lm.index[prev_shared] if prev_shared is not None else -1
                shared_lp += lm.log_prob(lm.index[word], ctx)
                shared_n += 1
            prev = -1 if w is None else w
            prev_shared = word if word in shared else None
    return {"tokens": tokens, "oov": oov / tokens, "coverage": recorded / max(1, pairs),
            "ppl": math.exp(-own_lp / max(1, own_n)), "ppl_shared": math.exp(-shared_lp / max(1, shared_n))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,20000,50000")
    args = parser.parse_args()
    lines = held_out_lines()
    n_tokens = sum(map(len, lines))
    print(f"{len(lines):,} distinct lines, {n_tokens:,} word tokens\n")
    print("| source | vocabulary | OOV tokens | bigram coverage | perplexity (own vocabulary) | perplexity (shared tokens) |")
    print("|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        models = {src: bigram_lm(src, size) for src in ("wordsegment", "symspellpy")}
        shared = set(models["wordsegment"].words) & set(models["symspellpy"].words)
        for src, lm in models.items():
            m = measure(lm, lines, shared)
            print(f"| {src} | {size:,} | {m['oov']:.3f} | {m['coverage']:.3f} | {m['ppl']:.0f} | {m['ppl_shared']:.0f} |")


if __name__ == "__main__":
    main()
