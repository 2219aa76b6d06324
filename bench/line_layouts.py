"""How real lines lay out their words: what the lines built from real words are drawn from.

Measures every text line (category 8, written on one line) of the training contributors as
`core.data.word_lines.measure_layout` does (the cached layouts the trainer draws from) and prints
percentiles of the word gaps, baseline offsets (drift), relative word sizes and line slopes, and how
many words the measured lines hold.

    python bench/line_layouts.py
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from core.data.corpus import load_corpus  # noqa: E402
from core.data.splits import TEST_CONTRIBUTORS, VALIDATION_CONTRIBUTORS  # noqa: E402
from core.data.text_lines import one_line, text_label  # noqa: E402
from core.data.word_lines import cached_layouts  # noqa: E402
from core.ink.unipen_categories import LEVELS, LINES  # noqa: E402


def main() -> None:
    lines = []
    for s in load_corpus("unipen-train", [LINES]).of(LINES, LEVELS[LINES]):
        text = text_label(s.label)
        if s.contributor in TEST_CONTRIBUTORS or s.contributor in VALIDATION_CONTRIBUTORS or text is None:
            continue
        if len(s.ink) and one_line(s.ink, text):
            lines.append((s.ink, text))
    layouts = cached_layouts(lines)
    print(f"{len(layouts):,} of {len(lines):,} training lines measured (the others: fewer runs of ink than words, "
          f"or one word)\n")
    rows = {"word gap (corpus heights)": np.concatenate([m.gaps[1:] for m in layouts]),
            "baseline offset (corpus heights)": np.concatenate([m.offsets for m in layouts]),
            "word size / line's": np.concatenate([m.sizes for m in layouts]),
            "line slope (dy/dx)": np.array([m.slope for m in layouts]),
            "words per line": np.array([len(m.gaps) for m in layouts])}
    print("| measure | 5% | 25% | median | 75% | 95% |")
    print("|---|---|---|---|---|---|")
    for name, values in rows.items():
        print(f"| {name} | " + " | ".join(f"{v:.3g}" for v in np.percentile(values, [5, 25, 50, 75, 95])) + " |")


if __name__ == "__main__":
    main()
