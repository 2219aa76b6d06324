"""The skeleton both training loops share: epochs, stop and progress, divergence, the best epoch, run files.

A model's trainer hands `fit` two functions and keeps only what is its own:

* `train_epoch(epoch, should_stop) -> (row, stopped)`: one epoch of updates;
  `row` holds its training figures (loss, learning rate, ...); `stopped`
  says `should_stop()` turned true between two batches. It raises
  `Diverged(what)` when the loss stops being finite.
* `evaluate(epoch) -> (row, key, record)`: the epoch's evaluation figures,
  the key that ranks epochs (lower is better) and what `eval.json` should
  hold for a new best epoch (None: the trainer writes it itself). It may
  raise `Diverged` too.

`fit` writes the run folder as it goes (config.json, status.json,
metrics.csv, best.pt, eval.json, and last.pt after every epoch and at the
end unless the weights hold inf or NaN), calls `progress(row)` after every
epoch and returns what happened: state (finished | stopped | diverged),
message, history, the last and best rows, the best checkpoint, its
evaluation record and seconds.

Resuming: last.pt carries, under "resume", the epoch it ends, the loop's
own state (best key, epochs without a better one, seconds) and the
trainer's (`Hooks.state()`: optimiser, schedule, random generators). Given
that checkpoint, `fit` restores the weights and both states and goes on
with the next epoch, so a training can span several sittings.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any, Callable

import torch
from torch import nn

from core.models.checkpoint import load_checkpoint
from core.train.runs import RunFolder


class Diverged(Exception):
    """The loss or the weights stopped being finite; the message says which."""


@dataclass
class Hooks:
    """The model's own parts of the loop (see the module docstring)."""

    train_epoch: Callable[[int, Callable[[], bool]], tuple[dict, bool]]
    evaluate: Callable[[int], tuple[dict, Any, dict | None]]
    checkpoint: Callable[[dict], dict]      # metrics row -> checkpoint dict of the current weights
    model: nn.Module
    state: Callable[[], dict]               # the trainer's state to resume from: optimiser, schedule, generators
    restore: Callable[[dict], None]         # the inverse of `state`


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


def fit(kind: str, config: dict, epochs: int, columns: list[str], hooks: Hooks, run: RunFolder | None = None,
        progress: Callable[[dict], None] | None = None, stop_requested: Callable[[], bool] | None = None, *,
        patience: int | None = None, later_wins_ties: bool = True, evaluate_stopped_epoch: bool = False,
        describe: Callable[[dict], str] | None = None, divergence_hint: str = "", start_message: str = "starting",
        on_epoch: Callable[[dict], None] | None = None, resume: dict | None = None) -> dict:
    """Train for up to `epochs` epochs as `hooks` say, keeping the best epoch by its key.

    `patience` stops early after that many epochs without a better key;
    `later_wins_ties` keeps the later of two equal epochs (it trained on
    more); `evaluate_stopped_epoch`: a stop, seen between batches only,
    lets the epoch end with its evaluation (else a stop before an epoch ends
    the run at once and an epoch cut short is dropped); `describe(row)` is the status
    message after an epoch; `on_epoch(row)` may inspect the model after
    each epoch, its time left out of `seconds`. `resume` is a last.pt
    checkpoint to continue from (see the module docstring).
    """
    should_stop = stop_requested or (lambda: False)
    t0, paused, before = time.perf_counter(), 0.0, 0.0  # before: seconds of the sittings before a resume
    state, message, history = "finished", f"finished {epochs} epochs", []
    best = best_key = best_record = None
    since, start = 0, 1
    if resume is not None:
        r = resume["resume"]
        hooks.model.load_state_dict(resume["state_dict"])
        hooks.restore(r["trainer"])
        start, since, before, history = r["epoch"] + 1, r["since"], float(r["seconds"]), list(r["history"])
        best_key = tuple(r["best_key"]) if isinstance(r["best_key"], list) else r["best_key"]
        if run is not None and (run.path / "best.pt").exists():
            best = load_checkpoint(run.path / "best.pt")

    def seconds() -> float:
        return round(before + time.perf_counter() - t0 - paused, 3)

    def save_last(row: dict, epoch: int) -> None:
        if run is None or not weights_finite(hooks.model):  # a diverged model's last weights are not kept
            return
        last = hooks.checkpoint(row)
        last["resume"] = {"epoch": epoch, "trainer": hooks.state(), "since": since, "history": history,
                          "best_key": list(best_key) if isinstance(best_key, tuple) else best_key,
                          "seconds": seconds()}
        run.save_last(last)

    def status(state: str, epoch: int, message: str) -> None:
        if run is not None:
            run.set_status(state, epoch, message, total_epochs=epochs, kind=kind)

    if run is not None:
        run.write_config({"kind": kind, **config})
    status("running", start - 1, start_message if resume is None else f"resumed after epoch {start - 1}")
    if hasattr(should_stop, "polling"):  # a StopFlag: from here on a stop is polled between batches
        should_stop.polling()
    for epoch in range(start, epochs + 1):
        if not evaluate_stopped_epoch and should_stop():
            state, message = "stopped", f"stopped before epoch {epoch}"
            break
        try:
            train_row, stopped = hooks.train_epoch(epoch, should_stop)
            if not weights_finite(hooks.model):
                raise Diverged("the weights became NaN")
            if stopped:
                state, message = "stopped", f"stopped during epoch {epoch}"
                if not evaluate_stopped_epoch:
                    break
            eval_row, key, record = hooks.evaluate(epoch)
        except Diverged as exc:
            state, message = "diverged", f"diverged at epoch {epoch}: {exc}"
            break
        row = {"epoch": epoch, **train_row, **eval_row, "seconds": seconds()}
        history.append(row)
        if best_key is None or key < best_key or (later_wins_ties and key == best_key):
            best_key, best, best_record, since = key, hooks.checkpoint(row), record, 0
            if run is not None:
                run.save_best(best)
                if record is not None:
                    run.write_eval(record)
        else:
            since += 1
        if run is not None:
            run.append_metrics(row, columns)
        save_last(row, epoch)
        status("running", epoch, describe(row) if describe else f"epoch {epoch}/{epochs}")
        if progress is not None:
            progress({**row, "total_epochs": epochs})
        if on_epoch is not None:
            t_hook = time.perf_counter()
            on_epoch(row)
            paused += time.perf_counter() - t_hook
        if state == "stopped":
            break
        if patience is not None and since >= patience:
            message = (f"early stop at epoch {epoch}: no better result for {patience} epochs "
                       f"(best at epoch {best['metrics']['epoch']})")
            break

    if state == "diverged":
        message += divergence_hint
    last = history[-1] if history else {}
    if state != "finished" or not history or start > epochs:
        save_last(last, int(last.get("epoch", start - 1)))  # a stop mid-epoch keeps what that epoch learnt
    status(state, int(last.get("epoch", 0)), message)
    return {"state": state, "message": message, "history": history, "last": last,
            "best": best["metrics"] if best else {}, "checkpoint": best, "eval": best_record,
            "seconds": seconds()}
