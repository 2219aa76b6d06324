"""The skeleton both training loops share: epochs, stop and progress, divergence, the best epoch, run files.

A model's trainer (`Trainer`) hands `fit` its model and keeps only what is its own:

* `train_epoch(epoch, should_stop) -> (row, stopped)`: one epoch of updates;
  `row` holds its training figures (loss, learning rate, ...); `stopped`
  says `should_stop()` turned true between two batches. It raises
  `Diverged(what)` when the loss stops being finite.
* `evaluate(epoch) -> (row, key, record)`: the epoch's evaluation figures,
  the key that ranks epochs (lower is better) and what `eval.json` should
  hold for a new best epoch (None: the trainer writes it itself). It may
  raise `Diverged` too.
* `checkpoint(row)`, `state()` and `restore(state)`: the checkpoint of the
  current weights, and the trainer's state to resume from and its inverse.

`fit(trainer, options, ...)` writes the run folder as it goes (config.json,
status.json, metrics.csv, best.pt, eval.json, and last.pt after every epoch
and at the end unless the weights hold inf or NaN), calls `progress(row)`
after every epoch and returns what happened: state (finished | stopped |
diverged), message, history, the last and best rows, the best checkpoint,
its evaluation record and seconds. `FitOptions` says how the loop runs.

Resuming: last.pt carries, under "resume", the epoch it ends, the loop's
own state (best key, epochs without a better one, seconds) and the
trainer's (`Trainer.state()`: optimiser, schedule, random generators). Given
that checkpoint, `fit` restores the weights and both states and goes on
with the next epoch, so a training can span several sittings.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import torch
from torch import nn

from core.models.checkpoint import load_checkpoint
from core.train.runs import RunFolder


class Diverged(Exception):
    """The loss or the weights stopped being finite; the message says which."""


class Trainer(Protocol):
    """A model's own parts of the loop (see the module docstring)."""

    model: nn.Module

    def train_epoch(self, epoch: int, should_stop: Callable[[], bool]) -> tuple[dict, bool]: ...

    def evaluate(self, epoch: int) -> tuple[dict, Any, dict | None]: ...

    def checkpoint(self, metrics: dict) -> dict: ...  # metrics row -> checkpoint dict of the current weights

    def state(self) -> dict: ...  # the trainer's state to resume from: optimiser, schedule, generators

    def restore(self, saved: dict) -> None: ...  # the inverse of `state`


@dataclass
class Hooks:
    """A `Trainer` made of plain functions, for a trainer whose parts are closures."""

    train_epoch: Callable[[int, Callable[[], bool]], tuple[dict, bool]]
    evaluate: Callable[[int], tuple[dict, Any, dict | None]]
    checkpoint: Callable[[dict], dict]
    model: nn.Module
    state: Callable[[], dict]
    restore: Callable[[dict], None]


@dataclass(frozen=True)
class FitOptions:
    """How `fit` runs one training: what the run folder records and when the loop ends."""

    kind: str                                   # "reader" or "classifier", as the run folder records it
    config: dict                                # config.json (the kind is added)
    epochs: int
    columns: list[str]                          # metrics.csv's columns
    patience: int | None = None                 # stop after that many epochs without a better key
    later_wins_ties: bool = True                # of two equal epochs keep the later (it trained on more)
    # A stop (seen between batches only) lets its epoch end with an evaluation; else a stop before an
    # epoch ends the run at once and an epoch cut short is dropped.
    evaluate_stopped_epoch: bool = False
    describe: Callable[[dict], str] | None = None    # the status message after an epoch
    divergence_hint: str = ""                   # added to the message of a diverged run
    start_message: str = "starting"
    on_epoch: Callable[[dict], None] | None = None   # may inspect the model after each epoch; its time is left out


class StatusLine:
    """What a run is doing before and within an epoch: its status message, which the Train page shows.
    `every(seconds, ...)` says it at most that often (per batch); `progress(message)` also prints it on
    stderr, as the corpus loader's messages always were."""

    def __init__(self, run: RunFolder | None, kind: str, epochs: int):
        self.run, self.kind, self.epochs, self.last = run, kind, epochs, 0.0

    def __call__(self, message: str, epoch: int = 0) -> None:
        self.last = time.perf_counter()
        if self.run is not None:
            self.run.set_status("running", epoch, message, total_epochs=self.epochs, kind=self.kind)

    def progress(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)
        self(message.strip())

    def every(self, seconds: float, message: str, epoch: int = 0) -> None:
        if time.perf_counter() - self.last >= seconds:
            self(message, epoch)


def weights_finite(model: nn.Module) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in model.parameters())


@dataclass
class _Ledger:
    """The loop's own state, which last.pt carries so that a later sitting goes on where this one ended."""

    history: list[dict] = field(default_factory=list)
    best: dict | None = None                    # the best epoch's checkpoint
    best_key: Any = None
    best_record: dict | None = None
    since: int = 0                              # epochs since the best one
    start: int = 1                              # this sitting's first epoch
    before: float = 0.0                         # seconds of the sittings before a resume
    paused: float = 0.0                         # seconds in `on_epoch`, left out
    t0: float = field(default_factory=time.perf_counter)

    def seconds(self) -> float:
        return round(self.before + time.perf_counter() - self.t0 - self.paused, 3)

    def is_better(self, key: Any, later_wins_ties: bool) -> bool:
        return self.best_key is None or key < self.best_key or (later_wins_ties and key == self.best_key)

    def resume_from(self, resume: dict, trainer: Trainer, run: RunFolder | None) -> None:
        r = resume["resume"]
        trainer.model.load_state_dict(resume["state_dict"])
        trainer.restore(r["trainer"])
        self.start, self.since, self.before = r["epoch"] + 1, r["since"], float(r["seconds"])
        self.history = list(r["history"])
        self.best_key = tuple(r["best_key"]) if isinstance(r["best_key"], list) else r["best_key"]  # saved as a list
        if run is not None and (run.path / "best.pt").exists():
            self.best = load_checkpoint(run.path / "best.pt")

    def save_last(self, trainer: Trainer, run: RunFolder | None, row: dict, epoch: int) -> None:
        if run is None or not weights_finite(trainer.model):  # a diverged model's last weights are not kept
            return
        last = trainer.checkpoint(row)
        last["resume"] = {"epoch": epoch, "trainer": trainer.state(), "since": self.since, "history": self.history,
                          "best_key": list(self.best_key) if isinstance(self.best_key, tuple) else self.best_key,
                          "seconds": self.seconds()}
        run.save_last(last)


def _set_status(run: RunFolder | None, options: FitOptions, state: str, epoch: int, message: str) -> None:
    if run is not None:
        run.set_status(state, epoch, message, total_epochs=options.epochs, kind=options.kind)


def _train_and_evaluate(trainer: Trainer, options: FitOptions, epoch: int, should_stop: Callable[[], bool]):
    """One epoch of updates and its evaluation: ((train row, eval row, key, record), stopped); None in place
    of the rows when a stop cut the epoch short and the options drop such an epoch."""
    train_row, stopped = trainer.train_epoch(epoch, should_stop)
    if not weights_finite(trainer.model):
        raise Diverged("the weights became NaN")
    if stopped and not options.evaluate_stopped_epoch:
        return None, True
    return (train_row, *trainer.evaluate(epoch)), stopped


def _record(trainer: Trainer, options: FitOptions, ledger: _Ledger, run: RunFolder | None, epoch: int,
            train_row: dict, eval_row: dict, key: Any, record: dict | None) -> dict:
    """Keep an evaluated epoch: its row in the history and metrics.csv, best.pt and eval.json if it is the
    best so far, last.pt in any case. Returns its row."""
    row = {"epoch": epoch, **train_row, **eval_row, "seconds": ledger.seconds()}
    ledger.history.append(row)
    if ledger.is_better(key, options.later_wins_ties):
        ledger.best_key, ledger.best, ledger.best_record, ledger.since = key, trainer.checkpoint(row), record, 0
        if run is not None:
            run.save_best(ledger.best)
            if record is not None:
                run.write_eval(record)
    else:
        ledger.since += 1
    if run is not None:
        run.append_metrics(row, options.columns)
    ledger.save_last(trainer, run, row, epoch)
    return row


def _report(options: FitOptions, ledger: _Ledger, run: RunFolder | None, row: dict,
            progress: Callable[[dict], None] | None) -> None:
    """Tell the run folder, `progress` and `on_epoch` (whose time is left out of the run's seconds) about an epoch."""
    epoch = row["epoch"]
    _set_status(run, options, "running", epoch,
                options.describe(row) if options.describe else f"epoch {epoch}/{options.epochs}")
    if progress is not None:
        progress({**row, "total_epochs": options.epochs})
    if options.on_epoch is not None:
        t_hook = time.perf_counter()
        options.on_epoch(row)
        ledger.paused += time.perf_counter() - t_hook


def fit(trainer: Trainer, options: FitOptions, run: RunFolder | None = None,
        progress: Callable[[dict], None] | None = None, stop_requested: Callable[[], bool] | None = None,
        resume: dict | None = None) -> dict:
    """Train for up to `options.epochs` epochs as `trainer` says, keeping the best epoch by its key.

    `progress(row)` hears about every epoch; `stop_requested` is polled between batches; `resume` is a
    last.pt checkpoint to continue from (see the module docstring).
    """
    should_stop = stop_requested or (lambda: False)
    ledger = _Ledger()
    if resume is not None:
        ledger.resume_from(resume, trainer, run)
    if run is not None:
        run.write_config({"kind": options.kind, **options.config})
    _set_status(run, options, "running", ledger.start - 1,
                options.start_message if resume is None else f"resumed after epoch {ledger.start - 1}")
    if hasattr(should_stop, "polling"):  # a StopFlag: from here on a stop is polled between batches
        should_stop.polling()
    state, message = "finished", f"finished {options.epochs} epochs"
    for epoch in range(ledger.start, options.epochs + 1):
        if not options.evaluate_stopped_epoch and should_stop():
            state, message = "stopped", f"stopped before epoch {epoch}"
            break
        try:
            evaluated, stopped = _train_and_evaluate(trainer, options, epoch, should_stop)
        except Diverged as exc:
            state, message = "diverged", f"diverged at epoch {epoch}: {exc}{options.divergence_hint}"
            break
        if stopped:
            state, message = "stopped", f"stopped during epoch {epoch}"
        if evaluated is None:
            break
        _report(options, ledger, run, _record(trainer, options, ledger, run, epoch, *evaluated), progress)
        if stopped:
            break
        if options.patience is not None and ledger.since >= options.patience:
            message = (f"early stop at epoch {epoch}: no better result for {options.patience} epochs "
                       f"(best at epoch {ledger.best['metrics']['epoch']})")
            break
    return _finish(trainer, options, ledger, run, state, message)


def _finish(trainer: Trainer, options: FitOptions, ledger: _Ledger, run: RunFolder | None, state: str,
            message: str) -> dict:
    """The run's last status and last.pt, and `fit`'s summary."""
    last = ledger.history[-1] if ledger.history else {}
    if state != "finished" or not ledger.history or ledger.start > options.epochs:
        # a stop mid-epoch keeps what that epoch learnt
        ledger.save_last(trainer, run, last, int(last.get("epoch", ledger.start - 1)))
    _set_status(run, options, state, int(last.get("epoch", 0)), message)
    best = ledger.best
    return {"state": state, "message": message, "history": ledger.history, "last": last,
            "best": best["metrics"] if best else {}, "checkpoint": best, "eval": ledger.best_record,
            "seconds": ledger.seconds()}
