"""Training of the word reader.

`train_reader` is a plain function on the shared loop (`core.train.loop.fit`):
every epoch it draws fresh training words from the data source (a share of
them cut at letter boundaries when asked), trains in padded batches (`core.train.step`)
and evaluates on fixed sets (in-vocabulary and held-out words). best.pt is
the epoch with the lowest CER on the data's `select_on` set (in-vocabulary
words, or the validation contributors' words on the training corpus), ties
broken by the other set, then by the later epoch; eval.json is its evaluation with the per-word table.

Determinism: torch's seed and thread count are set from the config, and
epoch e draws its renderings from ``numpy.random.default_rng([seed, e])``,
so the same config gives the same metrics apart from times.

A data source is one function `config -> WordData` in `DATA_SOURCES`;
``--data NAME[:ARG]`` picks it by NAME.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
import torch

from core.ctc.matrix import frames_needed
from core.data.az_words import az_word_data
from core.data.corpus import is_unipen_source, say
from core.data.seed_words import seed_protocol_data
from core.data.text_lines import text_data
from core.data.word_data import WordData
from core.errors import InputError
from core.ink.encodings import BINARY
from core.models.checkpoint import make_checkpoint
from core.models.device import pick_device
from core.models.inference import encode_ink
from core.models.reader import ReaderConfig, build_reader, n_parameters
from core.train.evaluate import encode_sets, evaluate_frames
from core.train.loop import FitOptions, StatusLine, fit
from core.train.optim import adam_with_schedule, current_lr, load_adam_state, resume_schedule
from core.train.runs import RunFolder
from core.train.step import ctc_batch, train_step
from core.train.warm_start import warm_start

METRIC_COLUMNS = ["epoch", "train_loss", "invocab_cer", "invocab_word_acc", "heldout_cer",
                  "heldout_word_acc", "test_cer", "test_word_acc", "lr", "seconds"]

# name -> function(config, progress) -> WordData; `--data name[:arg]` selects one by name.
DATA_SOURCES: dict[str, Callable[[ReaderConfig, Callable[[str], None]], WordData]] = {
    "seed": seed_protocol_data, "synthetic": az_word_data, "unipen": az_word_data, "unipen-train": az_word_data}


def word_data(cfg: ReaderConfig, progress: Callable[[str], None] = say) -> WordData:
    """The data source named by `cfg.data` (the part before any ':'); `progress` hears how loading goes."""
    name = cfg.data.split(":", 1)[0]
    if cfg.charset == "text":
        if not is_unipen_source(cfg.data):
            raise InputError(f"the text reader reads UNIPEN data, not {cfg.data!r}", "use --data unipen-train")
        return text_data(cfg, progress)
    if name not in DATA_SOURCES:
        raise InputError(f"unknown reader data source {cfg.data!r}",
                         f"choose one of {', '.join(DATA_SOURCES)}")
    return DATA_SOURCES[name](cfg, progress)


def _input_stats(frames: Sequence[np.ndarray], binary: Sequence[int]) -> tuple[list[float], list[float]]:
    """Mean and std of every channel over training frames; the 0/1 channels (pen_up, ...) stay as they are."""
    allf = np.concatenate(frames).astype(np.float64)
    mean, std = allf.mean(axis=0), allf.std(axis=0)
    mean[list(binary)], std[list(binary)] = 0.0, 1.0
    return mean.tolist(), np.maximum(std, 1e-3).tolist()


def _batches(lengths: Sequence[int], batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Batches of sample indices with similar lengths, in random order.

    Samples are sorted by length (ties at random) and cut into batches,
    whose order is then shuffled: packed sequences then waste little work
    on padding, and every epoch still sees its batches in a new order.
    """
    order = np.lexsort((rng.random(len(lengths)), np.asarray(lengths)))
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


class ReaderTrainer:
    """The word reader's part of the shared loop (`core.train.loop.Trainer`): a fresh draw of words every
    epoch, padded batches of CTC steps, the evaluation on the data's fixed sets, checkpoints and state."""

    def __init__(self, cfg: ReaderConfig, data: WordData, status: StatusLine, device: torch.device,
                 resume: dict | None = None):
        self.cfg, self.data, self.status, self.device = cfg, data, status, device
        self.alphabet = data.alphabet
        self.index = {c: k for k, c in enumerate(self.alphabet)}
        self.eval_sets = encode_sets(cfg, data.eval_sets)
        model = build_reader(cfg, self.alphabet)
        started = warm_start(model, cfg, self.alphabet) if cfg.init and resume is None else None
        self.model = model.to(device)
        self.steps = {"done": 0, "total": 1}  # the schedule reads both: the total is known after epoch 1's draw
        self.optimizer, self.schedule = adam_with_schedule(self.model.parameters(), cfg, self.steps)
        self.description = {**data.description, "parameters": n_parameters(self.model)}
        if cfg.init:  # on a resume the weights come from last.pt: the run's first sitting started from cfg.init
            self.description["init"] = started or {"from": cfg.init}
        # The epochs the run had planned: `--resume RUN --epochs N` changes its length, and its schedule follows.
        self.planned = int(((resume or {}).get("config") or {}).get("epochs", cfg.epochs))

    def train_epoch(self, epoch: int, should_stop: Callable[[], bool]) -> tuple[dict, bool]:
        rng = np.random.default_rng([self.cfg.seed, epoch])
        drawn = self._draw(epoch, rng, should_stop)
        if drawn is None:
            return {}, True
        frames, labels, keep = drawn
        if epoch == 1:
            if self.cfg.input_scaling and not self.cfg.init:  # a warm start keeps the statistics it learnt with
                self.model.set_input_stats(*_input_stats([frames[i] for i in keep], BINARY[self.cfg.encoding]))
            self.steps["total"] = self.cfg.epochs * math.ceil(len(keep) / self.cfg.batch_size)
        return self._updates(epoch, frames, labels, keep, rng, should_stop)

    def _draw(self, epoch: int, rng: np.random.Generator, should_stop: Callable[[], bool]):
        """The epoch's samples, encoded: (frames, labels, indices of the samples with enough frames for their
        letters); None when a stop came while encoding."""
        self.status(f"epoch {epoch}: drawing its samples", epoch - 1)
        pairs = self.data.sample_epoch(rng, epoch)
        self.status(f"epoch {epoch}: encoding {len(pairs):,} samples", epoch - 1)
        frames = []
        for ink, _ in pairs:
            frames.append(encode_ink(self.cfg, ink))
            if len(frames) % 256 == 0 and should_stop():
                return None
        labels = [[self.index[c] for c in text] for _, text in pairs]
        n_out = self.model.output_lengths(torch.tensor([len(f) for f in frames])).tolist()
        keep = [i for i in range(len(pairs)) if 0 < len(labels[i]) and frames_needed(labels[i]) <= n_out[i]]
        if not keep:
            raise InputError(f"epoch {epoch} has no word with enough frames for its letters",
                             "lower the resampling spacing")
        return frames, labels, keep

    def _updates(self, epoch: int, frames: list[np.ndarray], labels: list[list[int]], keep: list[int],
                 rng: np.random.Generator, should_stop: Callable[[], bool]) -> tuple[dict, bool]:
        """One pass of CTC steps over the kept samples in batches of similar lengths."""
        cfg = self.cfg
        self.model.train()
        loss_sum, n_seen, stopped = 0.0, 0, False
        batches = _batches([len(frames[i]) for i in keep], cfg.batch_size, rng)
        for b, batch in enumerate(batches):
            self.status.every(15.0, f"epoch {epoch}: batch {b + 1:,} of {len(batches):,}", epoch - 1)
            idx = [keep[i] for i in batch]
            loss = train_step(self.model, self.optimizer,
                              ctc_batch([frames[i] for i in idx], [labels[i] for i in idx], self.device),
                              cfg.ctc, cfg.grad_clip, self.schedule)
            self.steps["done"] += 1
            loss_sum += loss * len(idx)
            n_seen += len(idx)
            if should_stop():
                stopped = True
                break
        return {"train_loss": loss_sum / max(1, n_seen), "lr": current_lr(self.optimizer)}, stopped

    def evaluate(self, epoch: int) -> tuple[dict, tuple, dict]:
        result = evaluate_frames(self.model, self.alphabet, self.eval_sets)
        sp = result["splits"]
        row = {f"{split}_{m}": sp.get(split, {}).get(key, float("nan"))
               for split in ("invocab", "heldout", "test") if split != "test" or split in self.eval_sets
               for m, key in (("cer", "cer"), ("word_acc", "word_acc"))}
        held = row["heldout_cer"] if not math.isnan(row["heldout_cer"]) else 0.0
        record = {k: v for k, v in result.items() if k != "predictions"} | {"epoch": epoch}
        key = (held, row["invocab_cer"]) if self.data.select_on == "heldout" else (row["invocab_cer"], held)
        return row, key, record

    def checkpoint(self, metrics: dict) -> dict:
        # The input statistics are buffers of the model: the state dict holds them, once.
        return make_checkpoint("reader", self.cfg.to_dict(), self.alphabet, self.model.state_dict(),
                               encoding=self.cfg.encoding, metrics=metrics, data=self.description)

    def state(self) -> dict:  # each epoch draws its words from rng([seed, epoch]): no data generator to keep
        return {"adam": self.optimizer.state_dict(), "steps": dict(self.steps), "torch_rng": torch.get_rng_state()}

    def restore(self, saved: dict) -> None:
        load_adam_state(self.optimizer, saved["adam"])
        self.steps.update(saved["steps"])
        torch.set_rng_state(saved["torch_rng"])
        if self.planned != self.cfg.epochs:
            scaled = round(self.steps["total"] * self.cfg.epochs / self.planned)
            self.steps["total"] = max(self.steps["done"] + 1, scaled)
        resume_schedule(self.schedule, self.steps["done"])


def train_reader(cfg: ReaderConfig, run: RunFolder | None = None, progress: Callable[[dict], None] | None = None,
                 stop_requested: Callable[[], bool] | None = None, data: WordData | None = None,
                 resume: dict | None = None, device: str = "cpu") -> dict:
    """Train a word reader as `cfg` says; returns `fit`'s summary (state, message, history, last, best,
    checkpoint, eval, seconds). `progress` gets each row (plus `total_epochs`) after its epoch;
    `stop_requested` is polled between batches; `resume` is a run's last.pt to continue from; `device`
    is where it trains (core.models.device)."""
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    status = StatusLine(run, "reader", cfg.epochs)
    if data is None:
        status("loading the training data")
        data = word_data(cfg, status.progress)
    trainer = ReaderTrainer(cfg, data, status, pick_device(device), resume)
    options = FitOptions("reader", cfg.to_dict(), cfg.epochs, METRIC_COLUMNS,
                         divergence_hint=f"; lower the learning rate (it was {cfg.lr:g}) and keep gradient clipping on")
    return fit(trainer, options, run, progress, stop_requested, resume)
