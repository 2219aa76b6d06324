"""How many samples of a hand does the reader need? Writer adaptation measured on real writers.

For every writer of the chosen contributors with at least `min_words`
lowercase words, the words are shuffled once (seeded): the first
`max(ns)` are the adaptation pool, the rest are the writer's evaluation
words. For each N the reader adapts to the first N words of the pool
(`core.train.adapt`, the Collect page's recipe) and is scored, greedy, on
the writer's evaluation words and on a fixed sample of *other* writers'
words (of the same contributors, the writer excluded), which shows what the
adaptation costs everybody else. N = 0 is the reader as shipped.

The writers a person would adapt for are those the reader reads poorly:
the summary gives the writers read at a pooled greedy CER >= 0.10 as
shipped (on their evaluation words) beside all writers. Pooled CERs are
total edits over total letters of the group's words, so a writer with few
evaluation words weighs little.

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
POOR_CER = 0.10  # a writer read at this pooled CER or worse as shipped is "poorly read"
MIN_EVAL = 10  # evaluation words a writer keeps beside the adaptation pool
COLUMNS = ("contributor", "writer", "n", "own_words", "own_chars", "own_cer", "own_corpus_cer", "own_word_acc",
           "others_words", "others_chars", "others_cer", "others_corpus_cer", "others_word_acc", "seconds",
           "cpu_seconds")


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


def score_words(reader, pairs: list) -> dict:
    """Greedy figures of a reader on (ink, text) pairs: words, letters, mean and pooled CER, word accuracy."""
    split = evaluate_sets(reader, {"s": pairs})["splits"]["s"]
    return {"words": len(pairs), "chars": sum(len(t) for _, t in pairs), "cer": split["cer"],
            "corpus_cer": split["corpus_cer"], "word_acc": split["word_acc"]}


def score_row(writer: str, n: int, own: dict, others: dict, seconds: float, cpu_seconds: float) -> dict:
    """One row of the sweep from `score_words` of the writer's words and of the other writers' words, with the
    adaptation's wall-clock and CPU seconds (one thread: the CPU time is its time on one core, whatever else
    the machine runs)."""
    return {"contributor": writer.split("/")[0], "writer": writer, "n": n, "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            **{f"{side}_{k}": d[k] for side, d in (("own", own), ("others", others))
               for k in ("words", "chars", "cer", "corpus_cer", "word_acc")}}


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
            start, cpu = time.perf_counter(), time.process_time()
            reader = base if n == 0 else load_reader(adapt_reader(ckpt, pool[:n], (), cfg)["checkpoint"])
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            a, b = score_words(reader, own), score_words(reader, rest)
            rows.append(score_row(writer, n, a, b, seconds, cpu))
            progress(f"{writer} N={n:2d}: own CER {a['corpus_cer']:.3f}, others {b['corpus_cer']:.3f} "
                     f"({seconds:.0f} s)")
    return rows


def pooled(rows: Sequence[dict], side: str) -> float:
    """The pooled CER of `side` ("own" or "others") over rows: their edits over their letters (the mean of the
    rows' pooled CERs when they count no letters)."""
    chars = sum(r.get(f"{side}_chars", 0) for r in rows)
    if chars <= 0:
        return float(np.mean([r[f"{side}_corpus_cer"] for r in rows])) if rows else 0.0
    return float(sum(r[f"{side}_corpus_cer"] * r[f"{side}_chars"] for r in rows) / chars)


def poorly_read(rows: Sequence[dict], threshold: float = POOR_CER) -> list[str]:
    """The writers read as shipped (N = 0) at a pooled CER of `threshold` or worse on their evaluation words."""
    return [r["writer"] for r in rows if r["n"] == 0 and r["own_corpus_cer"] >= threshold]


def _change(now: float, before: float) -> float:
    return (now - before) / before if before > 0 else 0.0


def summarise(rows: Sequence[dict]) -> list[dict]:
    """Per N: pooled CERs of the writers' own words and of the other writers' words, their relative change
    against the same writers at N = 0 (negative: fewer errors), the mean of each writer's own change, the
    writers made worse, and wall-clock and CPU seconds per adaptation (mean and most)."""
    base = {r["writer"]: r for r in rows if r["n"] == 0}
    out = []
    for n in sorted({r["n"] for r in rows}):
        at = [r for r in rows if r["n"] == n]
        before = [base[r["writer"]] for r in at]
        own = [_change(r["own_corpus_cer"], b["own_corpus_cer"]) for r, b in zip(at, before)]
        out.append({"n": n, "writers": len(at), "contributors": len({r["writer"].split("/")[0] for r in at}),
                    "own_words": int(sum(r["own_words"] for r in at)), "own_cer": pooled(at, "own"),
                    "own_change": _change(pooled(at, "own"), pooled(before, "own")),
                    "own_change_mean": float(np.mean(own)), "worse": int(sum(c > 0 for c in own)),
                    "others_cer": pooled(at, "others"),
                    "others_change": _change(pooled(at, "others"), pooled(before, "others")),
                    **{f"{k}{m}": float(f([r.get(k, r["seconds"]) for r in at]))
                       for k in ("seconds", "cpu_seconds") for m, f in (("", np.mean), ("_max", max))}})
    return out


def summarise_groups(rows: Sequence[dict], threshold: float = POOR_CER) -> dict[str, list[dict]]:
    """`summarise` for the poorly read writers ("poor": pooled CER >= `threshold` as shipped) and for all."""
    poor = set(poorly_read(rows, threshold))
    return {"poor": summarise([r for r in rows if r["writer"] in poor]), "all": summarise(rows)}


def write_sweep(rows: Sequence[dict], out: Path, about: dict) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "sweep.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows({c: r[c] for c in COLUMNS} for r in rows)
    write_json(out / "about.json", {**about, "poor_cer": POOR_CER, "poorly_read": poorly_read(rows),
                                    "summary": summarise_groups(rows)})
    return out / "sweep.csv"


def run_adaptation(out: Path | None = None, reader: str | Path | None = None, source: str = "unipen-train",
                   contributors: Sequence[str] = TEST_CONTRIBUTORS, min_words: int = max(NS) + MIN_EVAL,
                   ns: Sequence[int] = NS,
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
