"""Training and evaluation of the character classifier (seed 000's recipe and faster ones).

`train_classifier` is one plain loop: AdamW, a StepLR (per epoch) or
one-cycle (per step) schedule, gradient clipping, early stopping on
validation accuracy with the best weights kept, then a test evaluation of
the best weights. It reports each epoch to a callback and, given a
`RunFolder`, writes the run's files (config.json, metrics.csv,
status.json, best.pt, last.pt, eval.json).
"""
from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np
import torch
from torch import nn

from core.chardata import CharSplits, char_splits
from core.checkpoints import make_checkpoint
from core.classifier import CNNBiLSTM, ClassifierConfig, LoadedClassifier
from core.errors import InputError
from core.runs import RunFolder

METRIC_COLUMNS = ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds"]


def load_data(cfg: ClassifierConfig) -> CharSplits:
    """The train/val/test splits a config names."""
    return char_splits(cfg.data, cfg.seed, cfg.per_class, cfg.n_points, cfg.copies, cfg.synthetic, cfg.val_frac,
                       cfg.augment_strength)


def feature_stats(X: np.ndarray) -> dict:
    """Per-channel mean and std over every point of every training sample (std floored)."""
    flat = X.reshape(-1, X.shape[-1]).astype(np.float64)
    return {"mean": flat.mean(axis=0).tolist(), "std": np.maximum(flat.std(axis=0), 1e-3).tolist()}


def evaluate_classifier(clf: LoadedClassifier, X: np.ndarray, y: np.ndarray, writers=None) -> dict:
    """Accuracy, top-5, per-class accuracy, scikit-learn's classification report, the confusion matrix
    (counts and row-normalised) and the true and predicted labels; with `writers` (one per sample)
    also `per_writer`: writer -> {"n", "accuracy"}."""
    from sklearn.metrics import classification_report, confusion_matrix

    index = {c: k for k, c in enumerate(clf.classes)}
    y = np.asarray(y).astype(str)
    unknown = sorted(set(y.tolist()) - set(index))
    if unknown:
        raise InputError(f"the data has labels the model does not know: {', '.join(unknown[:10])}",
                         f"the model knows {', '.join(clf.classes[:30])}")
    if len(y) != len(X) or len(y) == 0:
        raise InputError(f"{len(X)} samples but {len(y)} labels: need the same, and at least one")
    p = clf.probabilities(X)
    true = np.array([index[c] for c in y])
    pred = p.argmax(axis=1)
    top5 = np.argsort(-p, axis=1, kind="stable")[:, :5]
    labels = list(range(len(clf.classes)))
    cm = confusion_matrix(true, pred, labels=labels)
    per_class = {c: float((pred[true == k] == k).mean()) for k, c in enumerate(clf.classes) if (true == k).any()}
    right = pred == true
    extra = {}
    if writers is not None and len(writers):
        writers = np.asarray(writers).astype(str)
        if len(writers) != len(y):
            raise InputError(f"{len(y)} samples but {len(writers)} writers")
        extra["per_writer"] = {w: {"n": int((writers == w).sum()), "accuracy": float(right[writers == w].mean())}
                               for w in sorted(set(writers.tolist()))}
    return {**extra, "n": int(len(y)), "accuracy": float(right.mean()),
            "top5": float((top5 == true[:, None]).any(axis=1).mean()), "per_class": per_class,
            "report": classification_report(true, pred, labels=labels, target_names=clf.classes, output_dict=True,
                                            zero_division=0),
            "classes": clf.classes, "confusion": cm.tolist(),
            "confusion_normalised": (cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)).round(4).tolist(),
            "y_true": [clf.classes[i] for i in true], "y_pred": [clf.classes[i] for i in pred]}


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


def train_classifier(cfg: ClassifierConfig, run: RunFolder | None = None,
                     progress: Callable[[dict], None] | None = None,
                     stop_requested: Callable[[], bool] | None = None, data: CharSplits | None = None,
                     on_epoch: Callable[[LoadedClassifier, dict], None] | None = None) -> dict:
    """Train, keep the best weights by validation accuracy, test them; returns what happened.

    `progress(row)` gets every metrics row; `stop_requested()` is polled
    between batches (a stop finishes the epoch's evaluation and keeps the
    files); `on_epoch(classifier, row)` may inspect the current model after
    each epoch (benchmarks) and its time is left out of `seconds`.
    Returns state ("finished", "stopped" or "diverged"), message, the last
    and best metrics rows, the best checkpoint, and `test` (evaluate_classifier).
    """
    if cfg.members != 1:
        raise InputError("an ensemble is not trained directly", "train its members, then: python -m core ensemble ...")
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    rng = np.random.default_rng(cfg.seed)
    data = data or load_data(cfg)
    cfg = _fit_to_data(cfg, data)
    classes = data.classes
    index = {c: k for k, c in enumerate(classes)}
    norm = feature_stats(data.X["train"])
    model = CNNBiLSTM(cfg)
    clf = LoadedClassifier(model, cfg, classes, norm, {"encoding": "features18" if cfg.features == 18 else "npy"})
    Xtr, ytr = clf.normalise(data.X["train"]), torch.tensor([index[c] for c in data.y["train"]])
    Xva, yva = clf.normalise(data.X["val"]), torch.tensor([index[c] for c in data.y["val"]])
    groups = data.groups if data.groups is not None and len(np.unique(data.groups)) < len(Xtr) else None
    per_epoch = len(np.unique(groups)) if groups is not None else len(Xtr)
    n_batches = math.ceil(per_epoch / cfg.batch_size)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.schedule == "onecycle":
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, cfg.lr, total_steps=cfg.epochs * n_batches)
    else:
        sched = torch.optim.lr_scheduler.StepLR(opt, cfg.step_size, cfg.gamma)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
    eval_loss = nn.CrossEntropyLoss()
    encoding = clf.checkpoint["encoding"]

    def checkpoint(metrics: dict) -> dict:
        return make_checkpoint("classifier", cfg.to_dict(), classes, model.state_dict(), encoding=encoding,
                               norm=norm, metrics=metrics, data=data.description)

    def status(state: str, epoch: int, message: str) -> None:
        if run is not None:
            run.set_status(state, epoch, message, total_epochs=cfg.epochs, kind="classifier")

    if run is not None:
        run.write_config({"kind": "classifier", **cfg.to_dict()})
    status("running", 0, f"training on {per_epoch} letters per epoch")

    t0, paused = time.perf_counter(), 0.0
    best, best_acc, since, state, message, row = None, -1.0, 0, "finished", "", {}
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        order = torch.from_numpy(_epoch_order(groups, len(Xtr), rng))
        total, correct, seen = 0.0, 0, 0
        for b in range(n_batches):
            idx = order[b * cfg.batch_size:(b + 1) * cfg.batch_size]
            logits = model(Xtr[idx])
            loss = loss_fn(logits, ytr[idx])
            if not torch.isfinite(loss):
                state, message = "diverged", f"diverged at epoch {epoch}: the training loss became {loss.item()}"
                break
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.clip > 0:
                nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
            opt.step()
            if cfg.schedule == "onecycle":
                sched.step()
            total += loss.item() * len(idx)
            correct += int((logits.argmax(1) == ytr[idx]).sum())
            seen += len(idx)
            if stop_requested is not None and stop_requested():
                state, message = "stopped", f"stopped during epoch {epoch}"
                break
        if state == "diverged":
            break
        lr = opt.param_groups[0]["lr"]
        if cfg.schedule == "step":
            sched.step()
        model.eval()
        with torch.no_grad():
            logits = torch.cat([model(Xva[i:i + 512]) for i in range(0, len(Xva), 512)])
            val_loss = float(eval_loss(logits, yva))
            val_acc = float((logits.argmax(1) == yva).float().mean())
        row = {"epoch": epoch, "train_loss": total / max(seen, 1), "train_acc": correct / max(seen, 1),
               "val_loss": val_loss, "val_acc": val_acc, "lr": lr,
               "seconds": round(time.perf_counter() - t0 - paused, 3)}
        if not math.isfinite(val_loss):
            state, message = "diverged", f"diverged at epoch {epoch}: the validation loss became {val_loss}"
            break
        if val_acc > best_acc:
            best_acc, best, since = val_acc, checkpoint(row), 0
            if run is not None:
                run.save_best(best)
        else:
            since += 1
        if run is not None:
            run.append_metrics(row, METRIC_COLUMNS)
        status("running", epoch, f"epoch {epoch}/{cfg.epochs}: validation accuracy {val_acc:.3f}")
        if progress is not None:
            progress(row)
        if on_epoch is not None:
            t_hook = time.perf_counter()
            on_epoch(clf, row)
            paused += time.perf_counter() - t_hook
        if state == "stopped":
            break
        if since >= cfg.patience:
            message = (f"early stop at epoch {epoch}: no better validation accuracy for {cfg.patience} epochs "
                       f"(best {best_acc:.4f} at epoch {best['metrics']['epoch']})")
            break

    if state == "diverged":
        message += "; lower the learning rate (--lr) or keep gradient clipping on (--clip)"
    result = {"state": state, "message": message, "last": row, "best": best["metrics"] if best else {},
              "checkpoint": best, "config": cfg, "seconds": time.perf_counter() - t0 - paused}
    if best is not None:
        best_model = CNNBiLSTM(cfg)
        best_model.load_state_dict(best["state_dict"])
        best_model.eval()
        test = evaluate_classifier(LoadedClassifier(best_model, cfg, classes, norm, best), data.X["test"],
                                   data.y["test"], data.writers.get("test"))
        best["metrics"] = {**best["metrics"], "test_acc": test["accuracy"], "test_top5": test["top5"]}
        result["test"] = test
        if run is not None:
            run.save_best(best)
            run.write_eval({"split": "test", "best_epoch": best["metrics"]["epoch"], **test})
    # A diverged model's weights may hold inf or NaN: then last.pt is not written (best.pt stays).
    if run is not None and all(torch.isfinite(p).all() for p in model.parameters()):
        run.save_last(checkpoint(row))
    status(state, int(row.get("epoch", 0)), message or "done")
    return result
