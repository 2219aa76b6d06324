"""Writer adaptation: fine-tune a trained reader on a few samples of one person's handwriting.

A few dozen steps of Adam (the reader's own training step, `core.train.step`), on batches that mix the
person's samples (each seen in an augmented copy) with synthetic words of
the reader's letters, so that it learns the hand without forgetting the
others. `part` chooses what may change: every weight, or only the top
LSTM layer and the output layer, or only the output layer. The weights
kept are the last ones: held-back samples are evaluated, never chosen on.

It is an ordinary reader run (the shared loop: run folder, live metrics,
Stop): `invocab_*` columns measure the adaptation samples, `heldout_*`
the held-back ones, so the Train and Runs pages show it as any reader run.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Callable, Sequence

import numpy as np
import torch

from core.data.alphabets import is_seed_alphabet, letters_of
from core.data.az_words import english_words
from core.data.letters import augment_ink
from core.data.seed_words import SEED_VOCAB
from core.errors import InputError
from core.ink.ink import Ink, n_points
from core.models.checkpoint import make_checkpoint
from core.models.config import check_field_types, option
from core.models.inference import encode_ink
from core.models.reader import ReaderConfig, build_reader
from core.synth.generator import Augment, render_word
from core.train.evaluate import encode_sets, evaluate_frames
from core.train.loop import FitOptions, Hooks, fit
from core.train.optim import load_adam_state
from core.train.reader import METRIC_COLUMNS
from core.train.runs import RunFolder
from core.train.step import ctc_batch, train_step

PARTS = ("all", "top", "output")


@dataclass(frozen=True)
class AdaptConfig:
    """How a reader adapts to a writer (each field's help is the command line's and the page's)."""

    steps: int = option(60, "optimiser steps (a few dozen: the person's samples are few)")
    lr: float = option(5e-4, "Adam learning rate of the adaptation (lower than training: small changes)")
    part: str = option("all", "what may change: all weights, top (the last LSTM layer and the output) or output")
    batch_size: int = option(16, "words per step, the person's and synthetic ones together")
    mix: float = option(0.5, "share of each batch that is synthetic words of the reader's letters (against "
                             "forgetting other writers; 0: only the person's samples)")
    augment: float = option(0.5, "strength of the augmented copy each step draws of a sample (0: the sample itself)")
    eval_every: int = option(10, "steps between two evaluations (one row of metrics)")
    seed: int = option(0, "seed of the batches, augmentation and synthetic words")
    # One thread, as the trainers: two runs side by side (one per core) with two threads each slow down many-fold
    # (on a machine busy with two trainings, 60 steps took 36 s with one thread and over 2 minutes with two).
    threads: int = option(1, "torch CPU threads (one per run when runs share the cores)")

    def __post_init__(self):
        check_field_types(self, "adapt")
        for ok, message in [(self.steps >= 1, "steps must be at least 1"), (self.lr > 0, "lr must be positive"),
                            (self.part in PARTS, f"part must be one of {', '.join(PARTS)}"),
                            (self.batch_size >= 1, "batch_size must be at least 1"),
                            (0.0 <= self.mix < 1.0, "mix must be in [0, 1)"), (self.augment >= 0, "augment >= 0"),
                            (self.eval_every >= 1, "eval_every must be at least 1"), (self.threads >= 1, "threads")]:
            if not ok:
                raise InputError(f"adapt config: {message}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "AdaptConfig":
        unknown = sorted(set(values) - {f.name for f in fields(cls)})
        if unknown:
            raise InputError(f"unknown adapt option(s): {', '.join(unknown)}")
        return cls(**values)


def holdout_split(pairs: Sequence, k: int) -> tuple[list, list]:
    """(adapt on, held back): the last `k` samples (in the order they were written) are held back."""
    if k < 0 or k >= len(pairs):
        raise InputError(f"holding back {k} of {len(pairs)} samples leaves no sample to adapt on",
                         "hold back fewer samples, or write more")
    return (list(pairs[:-k]), list(pairs[-k:])) if k else (list(pairs), [])


def trainable(model: torch.nn.Module, part: str, layers: int) -> list[torch.nn.Parameter]:
    """The parameters `part` lets change; the others are frozen."""
    top = f"_l{layers - 1}"
    for name, p in model.named_parameters():
        keep = (part == "all" or name.startswith("out.")
                or (part == "top" and name.startswith("lstm.") and (name.endswith(top) or name.endswith(top + "_reverse"))))
        p.requires_grad_(keep)
    return [p for p in model.parameters() if p.requires_grad]


def _synthetic_words(alphabet: Sequence[str]) -> tuple[list[str], str]:
    """Words the reader can read and the style to render them in."""
    if is_seed_alphabet(alphabet):
        return list(SEED_VOCAB), "seed"
    letters = set(letters_of(alphabet))
    return [w for w in english_words()[:3000] if set(w) <= letters], "natural"


def adapt_reader(ckpt: dict, samples: Sequence[tuple[Ink, str]], held: Sequence[tuple[Ink, str]] = (),
                 cfg: AdaptConfig = AdaptConfig(), run: RunFolder | None = None,
                 progress: Callable[[dict], None] | None = None,
                 stop_requested: Callable[[], bool] | None = None) -> dict:
    """Fine-tune the reader of `ckpt` on (ink, text) samples; returns `fit`'s summary, whose `checkpoint`
    is the adapted reader (its data description says whom it adapted to)."""
    config = ReaderConfig.from_dict(dict(ckpt["config"]))
    alphabet = list(ckpt["alphabet"])
    known = set(letters_of(alphabet))
    samples = [(ink, t) for ink, t in samples if t and set(t) <= known and n_points(ink) >= 2]
    if not samples:
        raise InputError("none of the samples can teach this reader: each needs a text of its letters",
                         f"it reads {''.join(letters_of(alphabet))!r}")
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    model = build_reader(config, alphabet)
    model.load_state_dict(ckpt["state_dict"])
    optimizer = torch.optim.Adam(trainable(model, cfg.part, config.layers), lr=cfg.lr)
    index = {c: k for k, c in enumerate(alphabet)}
    words, style = _synthetic_words(alphabet)
    n_synth = int(round(cfg.mix * cfg.batch_size))
    n_own = max(1, cfg.batch_size - n_synth)
    eval_sets = encode_sets(config, {"invocab": list(samples), "heldout": list(held)})
    epochs = math.ceil(cfg.steps / cfg.eval_every)
    steps = {"done": 0}

    def batch() -> list[tuple[Ink, str]]:
        own = [samples[i] for i in rng.integers(len(samples), size=n_own)]
        own = [(augment_ink(ink, rng, strength=cfg.augment) if cfg.augment else ink, t) for ink, t in own]
        synth = [(render_word(w, style, rng, Augment()).ink, w) for w in
                 (words[i] for i in rng.integers(len(words), size=n_synth))] if words else []
        return own + synth

    def train_epoch(epoch: int, should_stop: Callable[[], bool]) -> tuple[dict, bool]:
        model.train()
        losses = []
        for _ in range(min(cfg.eval_every, cfg.steps - steps["done"])):
            pairs = batch()
            frames = [encode_ink(config, ink) for ink, _ in pairs]
            labels = [[index[c] for c in t] for _, t in pairs]
            losses.append(train_step(model, optimizer, ctc_batch(frames, labels), config.ctc,
                                     config.grad_clip or 5.0))
            steps["done"] += 1
            if should_stop():
                return {"train_loss": float(np.mean(losses)), "lr": cfg.lr}, True
        return {"train_loss": float(np.mean(losses)), "lr": cfg.lr}, False

    def evaluate(epoch: int) -> tuple[dict, int, dict]:
        result = evaluate_frames(model, alphabet, eval_sets)
        sp = result["splits"]
        row = {f"{split}_{m}": sp.get(split, {}).get(m, float("nan"))
               for split in ("invocab", "heldout") for m in ("cer", "word_acc")}
        return row, 0, {k: v for k, v in result.items() if k != "predictions"} | {"epoch": epoch}  # the last wins

    description = {**(ckpt.get("data") or {}), "adapted_to": {"samples": len(samples), "held_back": len(held),
                                                               "adapt": cfg.to_dict()}}

    def checkpoint(metrics: dict) -> dict:
        return make_checkpoint("reader", config.to_dict(), alphabet, model.state_dict(), encoding=config.encoding,
                               metrics=metrics, data=description)

    def state() -> dict:
        return {"adam": optimizer.state_dict(), "steps": dict(steps), "rng": rng.bit_generator.state}

    def restore(saved: dict) -> None:
        load_adam_state(optimizer, saved["adam"])
        steps.update(saved["steps"])
        rng.bit_generator.state = saved["rng"]

    return fit(Hooks(train_epoch, evaluate, checkpoint, model, state, restore),
               FitOptions("reader", {**config.to_dict(), "adapt": cfg.to_dict()}, epochs, METRIC_COLUMNS,
                          start_message=f"adapting to {len(samples)} samples"), run, progress, stop_requested)
