"""Seed 001's open questions: the sweeps that answer them and the alignment-timing analysis.

Each question is a named sweep (`QUESTIONS`); `python -m core research NAME`
(or the Research page) runs it into `checkpoints/research/<name>/`, whose
`sweep.csv` the page plots. `emission_timing` answers the fifth question:
with forced alignment, at which frame does the reader emit each letter,
against the frames in which the generator drew it?
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.ctc.align import forced_align
from core.data.seed_words import SEED_VOCAB
from core.errors import InputError
from core.files.atomic import write_json
from core.models.inference import load_reader
from core.paths import research_dir
from core.synth.generator import Augment, render_word
from core.train.runs import free_cores, launch
from core.train.sweep import plan, run_sweep, write_table


@dataclass(frozen=True)
class Question:
    name: str
    title: str
    preset_grid: dict          # preset name -> grid
    seeds: tuple[int, ...]
    small_seeds: tuple[int, ...] = (0,)
    fixed: tuple = ()


QUESTIONS = {
    "bidirectional": Question("bidirectional", "Unidirectional baseline: does the B in BLSTM matter?",
                              {"seed": {"bidirectional": [True, False]}, "fast": {"bidirectional": [True, False]}},
                              (0, 1, 2)),
    "hidden": Question("hidden", "Smallest hidden size that works",
                       {"fast": {"hidden": [4, 8, 16, 32, 64, 128]}}, (0, 1, 2)),
    "seeds": Question("seeds", "Seed variance of the seed and fast recipes",
                      {"seed": {}, "fast": {}}, tuple(range(10)), (0, 1)),
    "compositional": Question("compositional", "Compositional generalisation: held-out fraction and letter cuts",
                              {"fast": {"holdout_frac": [0.1, 0.2, 0.4, 0.6], "cut_fraction": [0.0, 0.7]}},
                              (0, 1, 2)),
}


def sweep_specs(q: Question, small: bool = False, epochs: int | None = None) -> list[dict]:
    """Every run of a question's sweep (its small version: fewer seeds, and `epochs` if given)."""
    specs = []
    for preset, grid in q.preset_grid.items():
        fixed = {"epochs": epochs} if epochs else {}
        for s in plan("reader", preset, grid, list(q.small_seeds if small else q.seeds), fixed):
            s["values"] = {"preset": preset, **s["values"]}
            s["name"] = f"{preset}_{s['name']}"
            specs.append(s)
    return specs


def run_question(name: str, out: Path | None = None, small: bool = False, epochs: int | None = None,
                 workers: int | None = None, progress=None) -> list[dict]:
    if name not in QUESTIONS:
        raise InputError(f"unknown question {name!r}", f"choose one of {', '.join(QUESTIONS)}")
    out = Path(out or research_dir() / (name + ("-small" if small else "")))
    return run_sweep(sweep_specs(QUESTIONS[name], small, epochs), out, workers=workers, progress=progress)


def emission_timing(reader, words: list[str], seed: int = 0, repeats: int = 4) -> list[dict]:
    """Per letter: the frames the generator drew it in, and where forced alignment emits it.

    Needs a reader with the seed encoding, where frame t is pen point t.
    Rows: word, letter, position, drawn_start, drawn_end, emit_start, emit_end, frames.
    """
    if reader.config.encoding != "seed":
        raise InputError("emission timing needs a reader with the seed encoding (one frame per pen point)")
    rng = np.random.default_rng(seed + 5_000_011)
    rows = []
    for word in words:
        for _ in range(repeats):
            r = render_word(word, "seed", rng, Augment.seed_style())
            lp = reader.log_probs(r.ink)
            try:
                segs = forced_align(lp, word, reader.alphabet)
            except ValueError:
                continue
            for i, ((ch, a, b), seg) in enumerate(zip(r.letter_spans, segs)):
                rows.append({"word": word, "letter": ch, "position": i, "drawn_start": a, "drawn_end": b,
                             "emit_start": seg.start, "emit_end": seg.end, "frames": len(lp)})
    return rows


def timing_summary(rows: list[dict]) -> dict:
    """Share of letters emitted while (or right after) they are drawn, and how late, in word lengths."""
    if not rows:
        return {"n": 0}
    emit = np.array([r["emit_start"] for r in rows], float)
    start = np.array([r["drawn_start"] for r in rows], float)
    end = np.array([r["drawn_end"] for r in rows], float)
    T = np.array([r["frames"] for r in rows], float)
    last = np.array([r["position"] == max(q["position"] for q in rows if q["word"] == r["word"]) for r in rows])
    return {"n": len(rows),
            "within_letter": float(((emit >= start) & (emit < end)).mean()),
            "by_next_letter_end": float((emit < end + (end - start)).mean()),
            "mean_delay": float(((emit - end) / T).mean()),
            "in_last_fifth": float(((emit / T) >= 0.8)[~last].mean()) if (~last).any() else 0.0}


EXTRA = ("timing", "adaptation")  # questions that are not a sweep of training runs


def launch_small(name: str) -> Path:
    """Start the small version of a question's sweep (or of the timing or adaptation question) in the
    background, on the cores that are free (the one launcher's rule); returns its folder, where `log.txt`
    follows it."""
    if name not in QUESTIONS and name not in EXTRA:
        raise InputError(f"unknown question {name!r}", f"choose one of {', '.join([*QUESTIONS, *EXTRA])}")
    n_runs = len(sweep_specs(QUESTIONS[name], small=True)) if name in QUESTIONS else 4 if name == "timing" else 1
    workers = max(1, min(free_cores(), n_runs, os.cpu_count() or 1))
    out = research_dir() / f"{name}-small"
    out.mkdir(parents=True, exist_ok=True)
    sweep = ["--epochs", "6", "--workers", str(workers)] if name != "adaptation" else []
    args = ["research", name, "--small", *sweep]
    launch(args, out / "log.txt", workers, f"research {name}")
    return out


def timing_table(out: str | Path | None = None, small: bool = False, epochs: int | None = None,
                 workers: int | None = None) -> list[dict]:
    """Question 5 for four readers (uni/bi x with/without letter cuts): trains each on the seed
    protocol with seed 001's own recipe and encoding (preset `seed`, seed 0: one frame per pen
    point, so frames and drawn points line up) unless already trained, then measures emission timing."""
    out = Path(out or research_dir() / ("timing-small" if small else "timing-runs"))
    grid = {"bidirectional": [True, False], "cut_fraction": [0.0, 0.7]}
    specs = plan("reader", "seed", grid, [0], {"cut_warmup": 0, **({"epochs": epochs} if epochs else {})})
    run_sweep(specs, out, workers=workers)
    rows = []
    for s in specs:
        reader = load_reader(out / "runs" / s["name"] / "best.pt")
        summary = timing_summary(emission_timing(reader, list(SEED_VOCAB), repeats=2))
        label = ("bi" if s["values"]["bidirectional"] else "uni") + (", cuts" if s["values"]["cut_fraction"] else "")
        rows.append({"model": label, **s["values"], **summary})
    name = "timing-small" if small else "timing"
    write_table(rows, (out if small else research_dir()) / f"{name}.csv")
    write_json((out if small else research_dir()) / f"{name}.json", rows)
    return rows
