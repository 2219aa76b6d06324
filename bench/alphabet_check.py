"""Fit and measure the Draw page's warning that a drawing holds characters its reader cannot read.

    .venv/bin/python bench/alphabet_check.py [--reader checkpoints/reader-az]

The cues of `core.models.alphabet_check` (the confidence of the text
returned with the default lexicon, the confidence of the greedy reading, the
median stroke's height) are computed for every isolated word (category 6,
any label) of the training corpus's validation contributors, whom the
reader never trained on; a logistic regression on them says whether a
word holds anything but a-z. It prints the weights to put in
`core.models.alphabet_check.WEIGHTS`, the rates at which each contributor's
words are flagged when the others fitted the weights (leave one
contributor out), and the rates of the weights as shipped, on the
validation contributors and on the test contributors.
"""
from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.linear_model import LogisticRegression  # noqa: E402

from core.ctc.align import confidence  # noqa: E402
from core.ctc.lexicon import build_lexicon  # noqa: E402
from core.data.az_words import default_lexicon  # noqa: E402
from core.data.corpus import load_corpus  # noqa: E402
from core.data.splits import TEST_CONTRIBUTORS, VALIDATION_CONTRIBUTORS  # noqa: E402
from core.ink.unipen_categories import LEVELS, WORDS  # noqa: E402
from core.models.alphabet_check import _EPS, WEIGHTS, alphabet_check, stroke_height  # noqa: E402
from core.models.checkpoint import load_checkpoint  # noqa: E402
from core.models.inference import LEXICON_BUDGET, load_reader, read  # noqa: E402


def cues(path: str, contributors) -> tuple[np.ndarray, np.ndarray, list[str], list[bool]]:
    """(cues, other-characters flags, contributor of each, shipped rule's verdict) of the words of `contributors`."""
    ckpt = load_checkpoint(path, kind="reader")
    reader = load_reader(ckpt)
    lexicon = build_lexicon(default_lexicon(ckpt), reader.alphabet)
    corpus = load_corpus("unipen-train", [WORDS])
    words = [s for s in corpus.of(WORDS, LEVELS[WORDS]) if s.contributor in contributors and s.ink]
    X, y, who, shipped = [], [], [], []
    for s in words:
        r = read(reader, s.ink, lexicon=lexicon, budget=LEXICON_BUDGET)
        X.append([math.log(confidence(r.log_probs, r.text, r.alphabet) + _EPS),
                  math.log(confidence(r.log_probs, r.greedy, r.alphabet) + _EPS), stroke_height(s.ink)])
        y.append(not re.fullmatch(r"[a-z]+", s.label))
        who.append(s.contributor)
        shipped.append(alphabet_check(r.log_probs, r.alphabet, r.text, r.greedy, s.ink).likely)
    return np.array(X), np.array(y), who, shipped


def rates(flags, y) -> str:
    flags, y = np.asarray(flags, bool), np.asarray(y, bool)
    other = f"{flags[y].mean():.2f} of {y.sum()}" if y.any() else "- of 0"
    lower = f"{flags[~y].mean():.2f} of {(~y).sum()}" if (~y).any() else "- of 0"
    return f"| {other} | {lower} |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reader", default="checkpoints/reader-az")
    args = ap.parse_args()
    X, y, who, shipped = cues(args.reader, VALIDATION_CONTRIBUTORS)
    fit = LogisticRegression(C=1.0, class_weight="balanced").fit(X, y)
    w = [*fit.coef_[0].round(2).tolist(), round(float(fit.intercept_[0]), 2)]
    print(f"weights fitted on {len(y)} words of the validation contributors ({y.sum()} with other characters):")
    print(f"WEIGHTS = ({', '.join(format(v, 'g') for v in w)})\n")
    print("| words of | flagged: with other characters | flagged: lowercase only |\n|---|---|---|")
    names = np.array(who)
    for c in sorted(set(who)):
        mask = names == c
        if mask.all() or len(set(y[~mask])) < 2:
            continue
        held = LogisticRegression(C=1.0, class_weight="balanced").fit(X[~mask], y[~mask])
        print(f"| {c}, weights fitted on the other validation contributors {rates(held.predict(X[mask]), y[mask])}")
    print(f"| validation contributors, weights as shipped {WEIGHTS} {rates(shipped, y)}")
    _, yt, _, shipped_t = cues(args.reader, TEST_CONTRIBUTORS)
    print(f"| test contributors, weights as shipped {rates(shipped_t, yt)}")


if __name__ == "__main__":
    main()
