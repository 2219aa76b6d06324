"""How many samples of a hand does the reader need? Writer adaptation measured on real writers.

For every writer of the chosen contributors with at least `min_words`
lowercase words, the words are shuffled once (seeded): the first
`max(ns)` are the adaptation pool, the rest are the writer's evaluation
words. For each N the reader adapts to the first N words of the pool
(`core.train.adapt`, the Collect page's recipe) and is scored, greedy, on
the writer's evaluation words and on a fixed sample of *other* writers'
words (of the same contributors, the writer excluded), which shows what the
adaptation costs everybody else. N = 0 is the reader as shipped.

`python -m core research adaptation` writes the rows to
`checkpoints/research/adaptation/sweep.csv`; the Research page plots them.
"""
from __future__ import annotations

import csv
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from core.data.corpus import load_corpus
from core.data.splits import TEST_CONTRIBUTORS
from core.errors import InputError
from core.files.atomic import write_json
from core.models.checkpoint import load_checkpoint
from core.models.inference import load_reader
from core.paths import checkpoints_dir, research_dir
from core.train.adapt import AdaptConfig, adapt_reader
from core.train.evaluate import evaluate_sets

NS = (5, 10, 20, 40)
COLUMNS = ("contributor", "writer", "n", "own_words", "own_cer", "own_word_acc", "others_words", "others_cer",
           "others_word_acc", "seconds")


def writer_words(source: str, contributors: Sequence[str], min_words: int) -> dict[str, list]:
    """(ink, text) of each writer of `contributors` with at least `min_words` lowercase words, most words first."""
    corpus = load_corpus(source, ["6"])
    by_writer: dict[str, list] = defaultdict(list)
    for s in corpus.words(lowercase_only=True):
        if s.contributor in contributors:
            by_writer[s.writer].append((s.ink, s.label))
    kept = {w: p for w, p in by_writer.items() if len(p) >= min_words}
    if not kept:
        raise InputError(f"no writer of {', '.join(contributors)} has {min_words} lowercase words")
    return dict(sorted(kept.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def split_writer(pairs: list, pool: int, seed: int) -> tuple[list, list]:
    """The adaptation pool (the first `pool` of a seeded shuffle) and the evaluation words (the rest)."""
    order = np.random.default_rng(seed).permutation(len(pairs))
    shuffled = [pairs[i] for i in order]
    return shuffled[:pool], shuffled[pool:]


def others_sample(words: dict[str, list], writer: str, size: int, seed: int) -> list:
    """A fixed sample of the other writers' words, the same for every N of this writer."""
    pool = [p for w, pairs in words.items() if w != writer for p in pairs]
    pick = np.random.default_rng(seed).permutation(len(pool))[:size]
    return [pool[i] for i in sorted(pick)]


def _score(reader, pairs: list) -> dict:
    split = evaluate_sets(reader, {"s": pairs})["splits"]["s"]
    return {"cer": split["cer"], "word_acc": split["word_acc"]}


def adaptation_sweep(reader_path: str | Path, words: dict[str, list], ns: Sequence[int] = NS,
                     cfg: AdaptConfig = AdaptConfig(), others: int = 200, seed: int = 0,
                     max_eval: int = 200, progress: Callable[[str], None] = print) -> list[dict]:
    """One row per (writer, N), N = 0 first: the writer's own evaluation words and other writers' words."""
    ckpt = load_checkpoint(reader_path, kind="reader")
    base = load_reader(ckpt)
    rows = []
    for k, (writer, pairs) in enumerate(words.items()):
        pool, own = split_writer(pairs, max(ns), seed)
        own = own[:max_eval]
        rest = others_sample(words, writer, others, seed + k)
        for n in (0, *ns):
            start = time.perf_counter()
            reader = base if n == 0 else load_reader(adapt_reader(ckpt, pool[:n], (), cfg)["checkpoint"])
            seconds = time.perf_counter() - start
            a, b = _score(reader, own), _score(reader, rest)
            rows.append({"contributor": writer.split("/")[0], "writer": writer, "n": n, "own_words": len(own),
                         "own_cer": a["cer"], "own_word_acc": a["word_acc"], "others_words": len(rest),
                         "others_cer": b["cer"], "others_word_acc": b["word_acc"], "seconds": seconds})
            progress(f"{writer} N={n:2d}: own CER {a['cer']:.3f}, others {b['cer']:.3f} ({seconds:.0f} s)")
    return rows


def summarise(rows: Sequence[dict]) -> list[dict]:
    """Per N: mean CERs over writers and the mean relative change against N = 0 (negative: fewer errors)."""
    base = {r["writer"]: r for r in rows if r["n"] == 0}
    out = []
    for n in sorted({r["n"] for r in rows}):
        at = [r for r in rows if r["n"] == n]

        def rel(r, key):
            b = base[r["writer"]][key]
            return (r[key] - b) / b if b > 0 else 0.0
        out.append({"n": n, "writers": len(at), "own_cer": float(np.mean([r["own_cer"] for r in at])),
                    "own_change": float(np.mean([rel(r, "own_cer") for r in at])),
                    "others_cer": float(np.mean([r["others_cer"] for r in at])),
                    "others_change": float(np.mean([rel(r, "others_cer") for r in at])),
                    "seconds": float(np.mean([r["seconds"] for r in at]))})
    return out


def write_sweep(rows: Sequence[dict], out: Path, about: dict) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "sweep.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows({c: r[c] for c in COLUMNS} for r in rows)
    write_json(out / "about.json", {**about, "summary": summarise(rows)})
    return out / "sweep.csv"


def run_adaptation(out: Path | None = None, reader: str | Path | None = None, source: str = "unipen-train",
                   contributors: Sequence[str] = TEST_CONTRIBUTORS, min_words: int = 60, ns: Sequence[int] = NS,
                   cfg: AdaptConfig = AdaptConfig(), max_writers: int | None = None,
                   progress: Callable[[str], None] = print) -> Path:
    """The whole measurement (the Research page's question), written to `out`."""
    reader = Path(reader) if reader else checkpoints_dir() / "reader-az"
    words = writer_words(source, contributors, min_words)
    if max_writers:
        words = dict(list(words.items())[:max_writers])
    progress(f"{len(words)} writers of {len({w.split('/')[0] for w in words})} contributors, N = {list(ns)}")
    rows = adaptation_sweep(reader, words, ns, cfg, progress=progress)
    about = {"reader": str(reader), "source": source, "contributors": sorted({w.split("/")[0] for w in words}),
             "writers": len(words), "min_words": min_words, "ns": list(ns), "adapt": cfg.to_dict()}
    return write_sweep(rows, out or research_dir() / "adaptation", about)
