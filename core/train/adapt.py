"""Writer adaptation: fine-tune a trained reader on a few samples of one person's handwriting.

A hundred or so steps of Adam (the reader's own training step, `core.train.step`), on batches that mix the
person's samples (each seen in an augmented copy) with synthetic words of
the reader's letters, so that it learns the hand without forgetting the
others. `part` chooses what may change (every weight, all but the conv
front end, the top LSTM layer and the output, the front end and first
layer and the output, or the output alone), and `anchor` adds L2-SP, a
pull toward the original weights. The weights kept are the last ones:
held-back samples are evaluated, never chosen on.

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
from core.data.rehearsal import rehearsal_words
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
from core.train.step import anchored_train_step, ctc_batch, train_step

PARTS = ("all", "lstm", "top", "front", "output")


@dataclass(frozen=True)
class AdaptConfig:
    """How a reader adapts to a writer (each field's help is the command line's and the page's)."""

    # steps and anchor were chosen on the validation contributors' writers (core/train/adaptation_recipes.py):
    # 120 steps anchored at 0.1 cut the poorly read writers' pooled CER by 24.5% at N = 20 where 60 steps without
    # an anchor cut 19.2%, and cost the other writers +0.9% instead of +6.0%
    steps: int = option(120, "optimiser steps (the anchor keeps a hundred or so from overfitting a few samples)")
    lr: float = option(5e-4, "Adam learning rate of the adaptation (lower than training: small changes)")
    part: str = option("all", "what may change: all weights, lstm (all but the conv front end), top (the last LSTM "
                              "layer and the output), front (the conv front end, the first LSTM layer and the output) "
                              "or output")
    batch_size: int = option(16, "words per step, the person's and synthetic ones together")
    mix: float = option(0.5, "share of each batch that is synthetic words of the reader's letters (against "
                             "forgetting other writers; 0: only the person's samples)")
    augment: float = option(0.5, "strength of the augmented copy each step draws of a sample (0: the sample itself)")
    copies: int = option(1, "augmented copies of each of the person's samples a step draws (the batch grows with them)")
    anchor: float = option(0.1, "L2-SP: weight of the squared distance to the original weights in each step's loss "
                                "(keeps the adapted reader near the one it started from; 0: none)")
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
                            (self.copies >= 1, "copies must be at least 1"), (self.anchor >= 0, "anchor >= 0"),
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
    def layer(name: str, k: int) -> bool:
        return name.startswith("lstm.") and (name.endswith(f"_l{k}") or name.endswith(f"_l{k}_reverse"))

    for name, p in model.named_parameters():
        keep = (part == "all" or name.startswith("out.") or (part == "lstm" and not name.startswith("conv."))
                or (part == "top" and layer(name, layers - 1))
                or (part == "front" and (name.startswith("conv.") or layer(name, 0))))
        p.requires_grad_(keep)
    return [p for p in model.parameters() if p.requires_grad]


def _synthetic_words(alphabet: Sequence[str]) -> tuple[list[str], str]:
    """Words the reader can read and the style to render them in."""
    if is_seed_alphabet(alphabet):
        return list(SEED_VOCAB), "seed"
    letters = set(letters_of(alphabet))
    return [w for w in english_words()[:3000] if set(w) <= letters], "natural"


def _teachable(samples: Sequence[tuple[Ink, str]], alphabet: Sequence[str]) -> list[tuple[Ink, str]]:
    """The samples whose text is of the reader's letters (and whose ink has a stroke)."""
    known = set(letters_of(alphabet))
    kept = [(ink, t) for ink, t in samples if t and set(t) <= known and n_points(ink) >= 2]
    if not kept:
        raise InputError("none of the samples can teach this reader: each needs a text of its letters",
                         f"it reads {''.join(letters_of(alphabet))!r}")
    return kept


def _batches(samples: list[tuple[Ink, str]], alphabet: Sequence[str], cfg: AdaptConfig,
             rng: np.random.Generator) -> Callable[[], list[tuple[Ink, str]]]:
    """Draws one step's words: some of the person's samples, each in `cfg.copies` augmented copies, then
    synthetic words of the reader's letters (`cfg.mix` of `cfg.batch_size`); a line reader rehearses real
    words instead, where the fixture has them (core/data/rehearsal.py)."""
    words, style = _synthetic_words(alphabet)
    real = rehearsal_words(alphabet)
    n_synth = int(round(cfg.mix * cfg.batch_size))
    n_own = max(1, cfg.batch_size - n_synth)

    def batch() -> list[tuple[Ink, str]]:
        own = [samples[i] for i in rng.integers(len(samples), size=n_own) for _ in range(cfg.copies)]
        own = [(augment_ink(ink, rng, strength=cfg.augment) if cfg.augment else ink, t) for ink, t in own]
        if real:
            return own + [real[i] for i in rng.integers(len(real), size=n_synth)]
        synth = [(render_word(w, style, rng, Augment()).ink, w) for w in
                 (words[i] for i in rng.integers(len(words), size=n_synth))] if words else []
        return own + synth
    return batch


def _stepper(model: torch.nn.Module, optimizer: torch.optim.Optimizer, config: ReaderConfig,
             alphabet: Sequence[str], cfg: AdaptConfig) -> Callable[[list[tuple[Ink, str]]], float]:
    """One update on (ink, text) pairs: the shared CTC step, pulled toward the starting weights when
    `cfg.anchor` > 0 (the anchors are the trainable weights as they are now, before the first step)."""
    index = {c: k for k, c in enumerate(alphabet)}
    anchors = [p.detach().clone() for group in optimizer.param_groups for p in group["params"]]
    clip = config.grad_clip or 5.0

    def step(pairs: list[tuple[Ink, str]]) -> float:
        batch = ctc_batch([encode_ink(config, ink) for ink, _ in pairs], [[index[c] for c in t] for _, t in pairs])
        if cfg.anchor > 0:
            return anchored_train_step(model, optimizer, batch, anchors, cfg.anchor, config.ctc, clip)
        return train_step(model, optimizer, batch, config.ctc, clip)
    return step


def adapt_reader(ckpt: dict, samples: Sequence[tuple[Ink, str]], held: Sequence[tuple[Ink, str]] = (),
                 cfg: AdaptConfig = AdaptConfig(), run: RunFolder | None = None,
                 progress: Callable[[dict], None] | None = None,
                 stop_requested: Callable[[], bool] | None = None) -> dict:
    """Fine-tune the reader of `ckpt` on (ink, text) samples; returns `fit`'s summary, whose `checkpoint`
    is the adapted reader (its data description says whom it adapted to)."""
    config = ReaderConfig.from_dict(dict(ckpt["config"]))
    alphabet = list(ckpt["alphabet"])
    samples = _teachable(samples, alphabet)
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    model = build_reader(config, alphabet)
    model.load_state_dict(ckpt["state_dict"])
    optimizer = torch.optim.Adam(trainable(model, cfg.part, config.layers), lr=cfg.lr)
    batch, step = _batches(samples, alphabet, cfg, rng), _stepper(model, optimizer, config, alphabet, cfg)
    eval_sets = encode_sets(config, {"invocab": list(samples), "heldout": list(held)})
    epochs = math.ceil(cfg.steps / cfg.eval_every)
    steps = {"done": 0}

    def train_epoch(epoch: int, should_stop: Callable[[], bool]) -> tuple[dict, bool]:
        model.train()
        losses = []
        for _ in range(min(cfg.eval_every, cfg.steps - steps["done"])):
            losses.append(step(batch()))
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
