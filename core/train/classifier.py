"""Training of the character classifier (seed 000's recipe and faster ones).

`train_classifier` is a plain function on the shared loop (`core.train.loop.fit`):
AdamW, a StepLR (per epoch) or one-cycle (per step) schedule, gradient
clipping, early stopping on validation accuracy with the best weights
kept, then a test evaluation of the best weights (eval.json).
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
from torch import nn

from core.data.letters import char_splits
from core.data.splits import CharSplits
from core.errors import InputError
from core.models.checkpoint import make_checkpoint
from core.models.classifier import ClassifierConfig, CNNBiLSTM, LoadedClassifier
from core.models.device import pick_device
from core.train.evaluate import evaluate_classifier
from core.train.loop import Diverged, FitOptions, fit
from core.train.runs import RunFolder

METRIC_COLUMNS = ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds"]


def load_data(cfg: ClassifierConfig) -> CharSplits:
    """The train/val/test splits a config names."""
    return char_splits(cfg.data, cfg.seed, cfg.per_class, cfg.n_points, cfg.copies, cfg.synthetic, cfg.val_frac,
                       cfg.augment_strength, cfg.charset)


def feature_stats(X: np.ndarray) -> dict:
    """Per-channel mean and std over every point of every training sample (std floored)."""
    flat = X.reshape(-1, X.shape[-1]).astype(np.float64)
    return {"mean": flat.mean(axis=0).tolist(), "std": np.maximum(flat.std(axis=0), 1e-3).tolist()}


def _epoch_order(groups: np.ndarray | None, n: int, rng: np.random.Generator) -> np.ndarray:
    """A shuffled epoch: every sample, or one random version of every letter when copies share a group."""
    perm = rng.permutation(n)
    if groups is None:
        return perm
    _, first = np.unique(groups[perm], return_index=True)
    chosen = perm[first]
    return chosen[rng.permutation(len(chosen))]


def _fit_to_data(cfg: ClassifierConfig, data: CharSplits) -> ClassifierConfig:
    """The config with T, F and the class count of the data (npy folders bring their own)."""
    _, T, F = data.X["train"].shape
    return cfg.replace(n_points=int(T), features=int(F), classes=len(data.classes))


def _optimiser(cfg: ClassifierConfig, model: nn.Module, n_batches: int):
    """AdamW and its schedule: one-cycle over every step, or StepLR per epoch."""
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.schedule == "onecycle":
        return opt, torch.optim.lr_scheduler.OneCycleLR(opt, cfg.lr, total_steps=cfg.epochs * n_batches)
    return opt, torch.optim.lr_scheduler.StepLR(opt, cfg.step_size, cfg.gamma)


class ClassifierTrainer:
    """The classifier's part of the shared loop (`core.train.loop.Trainer`): the data as normalised tensors
    on the device, AdamW steps with gradient clipping, the validation loss and accuracy, checkpoints and
    state. `cfg` already fits the data (`_fit_to_data`)."""

    def __init__(self, cfg: ClassifierConfig, data: CharSplits, device: torch.device):
        self.cfg, self.data, self.classes = cfg, data, data.classes
        self.rng = np.random.default_rng(cfg.seed)
        index = {c: k for k, c in enumerate(self.classes)}
        self.norm = feature_stats(data.X["train"])
        self.model = CNNBiLSTM(cfg).to(device)
        encoding = {"encoding": "features18" if cfg.features == 18 else "npy"}
        self.classifier = LoadedClassifier(self.model, cfg, self.classes, self.norm, encoding)

        def tensors(split: str) -> tuple[torch.Tensor, torch.Tensor]:
            return (self.classifier.normalise(data.X[split]).to(device),
                    torch.tensor([index[c] for c in data.y[split]], device=device))

        (self.Xtr, self.ytr), (self.Xva, self.yva) = tensors("train"), tensors("val")
        # Copies of one letter share a group: an epoch then sees one random copy of every letter.
        groups = data.groups
        self.groups = groups if groups is not None and len(np.unique(groups)) < len(self.Xtr) else None
        self.per_epoch = len(np.unique(self.groups)) if self.groups is not None else len(self.Xtr)
        self.n_batches = math.ceil(self.per_epoch / cfg.batch_size)
        self.opt, self.sched = _optimiser(cfg, self.model, self.n_batches)
        self.loss_fn = nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
        self.eval_loss = nn.CrossEntropyLoss()

    def train_epoch(self, epoch: int, should_stop: Callable[[], bool]) -> tuple[dict, bool]:
        cfg, model, opt = self.cfg, self.model, self.opt
        model.train()
        order = torch.from_numpy(_epoch_order(self.groups, len(self.Xtr), self.rng))
        total, correct, seen, stopped = 0.0, 0, 0, False
        for b in range(self.n_batches):
            idx = order[b * cfg.batch_size:(b + 1) * cfg.batch_size]
            logits = model(self.Xtr[idx])
            loss = self.loss_fn(logits, self.ytr[idx])
            if not torch.isfinite(loss):
                raise Diverged(f"the training loss became {loss.item()}")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.clip > 0:
                nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
            opt.step()
            if cfg.schedule == "onecycle":
                self.sched.step()
            total += loss.item() * len(idx)
            correct += int((logits.argmax(1) == self.ytr[idx]).sum())
            seen += len(idx)
            if should_stop():
                stopped = True
                break
        lr = opt.param_groups[0]["lr"]
        if cfg.schedule == "step":
            self.sched.step()
        return {"train_loss": total / max(seen, 1), "train_acc": correct / max(seen, 1), "lr": lr}, stopped

    def evaluate(self, epoch: int) -> tuple[dict, float, None]:
        self.model.eval()
        with torch.no_grad():
            logits = torch.cat([self.model(self.Xva[i:i + 512]) for i in range(0, len(self.Xva), 512)])
            val_loss = float(self.eval_loss(logits, self.yva))
            val_acc = float((logits.argmax(1) == self.yva).float().mean())
        if not math.isfinite(val_loss):
            raise Diverged(f"the validation loss became {val_loss}")
        return {"val_loss": val_loss, "val_acc": val_acc}, -val_acc, None

    def checkpoint(self, metrics: dict) -> dict:
        return make_checkpoint("classifier", self.cfg.to_dict(), self.classes, self.model.state_dict(),
                               encoding=self.classifier.checkpoint["encoding"], norm=self.norm, metrics=metrics,
                               data=self.data.description)

    def state(self) -> dict:
        return {"optimizer": self.opt.state_dict(), "scheduler": self.sched.state_dict(),
                "rng": self.rng.bit_generator.state, "torch_rng": torch.get_rng_state()}

    def restore(self, saved: dict) -> None:
        self.opt.load_state_dict(saved["optimizer"])
        self.sched.load_state_dict(saved["scheduler"])
        self.rng.bit_generator.state = saved["rng"]
        torch.set_rng_state(saved["torch_rng"])


def train_classifier(cfg: ClassifierConfig, run: RunFolder | None = None,
                     progress: Callable[[dict], None] | None = None,
                     stop_requested: Callable[[], bool] | None = None, data: CharSplits | None = None,
                     on_epoch: Callable[[LoadedClassifier, dict], None] | None = None,
                     resume: dict | None = None, device: str = "cpu") -> dict:
    """Train, keep the best weights by validation accuracy, test them; returns `fit`'s summary plus `config`
    and `test`. A stop (polled between batches) finishes the epoch's evaluation; `on_epoch(classifier, row)`
    may inspect the model after each epoch, its time left out; `resume` is a run's last.pt to continue from;
    `device` is where it trains (core.models.device)."""
    if cfg.members != 1:
        raise InputError("an ensemble is not trained directly", "train its members, then: python -m core ensemble ...")
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    data = data or load_data(cfg)
    cfg = _fit_to_data(cfg, data)
    trainer = ClassifierTrainer(cfg, data, pick_device(device))
    options = FitOptions(
        "classifier", cfg.to_dict(), cfg.epochs, METRIC_COLUMNS, patience=cfg.patience, later_wins_ties=False,
        evaluate_stopped_epoch=True, start_message=f"training on {trainer.per_epoch} letters per epoch",
        describe=lambda row: f"epoch {row['epoch']}/{cfg.epochs}: validation accuracy {row['val_acc']:.3f}",
        divergence_hint="; lower the learning rate (--lr) or keep gradient clipping on (--clip)",
        on_epoch=(lambda row: on_epoch(trainer.classifier, row)) if on_epoch else None)
    result = fit(trainer, options, run, progress, stop_requested, resume)
    result["config"] = cfg
    if result["checkpoint"] is not None:
        _test_best(result, cfg, trainer.classes, trainer.norm, data, run)
    return result


def _test_best(result: dict, cfg: ClassifierConfig, classes: list[str], norm: dict, data: CharSplits,
               run: RunFolder | None) -> None:
    """Evaluate the best weights on the test split, once; their checkpoint and eval.json then carry it."""
    best = result["checkpoint"]
    model = CNNBiLSTM(cfg)
    model.load_state_dict(best["state_dict"])
    model.eval()
    test = evaluate_classifier(LoadedClassifier(model, cfg, classes, norm, best), data.X["test"], data.y["test"],
                               data.writers.get("test"))
    best["metrics"] = {**best["metrics"], "test_acc": test["accuracy"], "test_top5": test["top5"]}
    result["best"], result["test"] = best["metrics"], test
    if run is not None:
        run.save_best(best)
        run.write_eval({"split": "test", "best_epoch": best["metrics"]["epoch"], **test})
