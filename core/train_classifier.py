"""Training and evaluation of the character classifier (seed 000's recipe and faster ones)."""
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


def _norm(X: np.ndarray) -> dict:
    flat = X.reshape(-1, X.shape[-1])
    return {"mean": flat.mean(axis=0).astype(float).tolist(),
            "std": np.maximum(flat.std(axis=0), 1e-3).astype(float).tolist()}


def evaluate_classifier(clf: LoadedClassifier, X: np.ndarray, y: np.ndarray) -> dict:
    """Accuracy, top-5, per-class accuracy, the classification report and the confusion matrix."""
    from sklearn.metrics import classification_report, confusion_matrix

    index = {c: k for k, c in enumerate(clf.classes)}
    unknown = sorted(set(y.tolist()) - set(index))
    if unknown:
        raise InputError(f"labels the model does not know: {', '.join(unknown[:10])}")
    p = clf.probabilities(X)
    true = np.array([index[c] for c in y])
    pred = p.argmax(axis=1)
    top5 = np.argsort(-p, axis=1)[:, :5]
    labels = list(range(len(clf.classes)))
    cm = confusion_matrix(true, pred, labels=labels)
    per_class = {c: float((pred[true == k] == k).mean()) for k, c in enumerate(clf.classes) if (true == k).any()}
    return {"n": int(len(y)), "accuracy": float((pred == true).mean()),
            "top5": float((top5 == true[:, None]).any(axis=1).mean()), "per_class": per_class,
            "report": classification_report(true, pred, labels=labels, target_names=clf.classes, output_dict=True,
                                            zero_division=0),
            "confusion": cm.tolist(),
            "confusion_normalised": (cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)).round(4).tolist(),
            "classes": clf.classes, "y_true": [clf.classes[i] for i in true], "y_pred": [clf.classes[i] for i in pred]}


def train_classifier(cfg: ClassifierConfig, run: RunFolder | None = None,
                     progress: Callable[[dict], None] | None = None,
                     stop_requested: Callable[[], bool] | None = None, data: CharSplits | None = None) -> dict:
    """Train with early stopping on validation accuracy; the best checkpoint is kept and tested."""
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(max(1, cfg.threads))
    rng = np.random.default_rng(cfg.seed)
    data = data or char_splits(cfg.data, cfg.seed, cfg.per_class, cfg.n_points)
    classes = data.classes
    if data.X["train"].shape[1] != cfg.n_points:  # imported data decides its own length
        cfg = ClassifierConfig.from_dict({**cfg.to_dict(), "n_points": int(data.X["train"].shape[1])})
    index = {c: k for k, c in enumerate(classes)}
    norm = _norm(data.X["train"])
    n_features = data.X["train"].shape[-1]
    model = CNNBiLSTM(cfg, n_features, len(classes))
    clf = LoadedClassifier(model, cfg, classes, norm, {})
    Xtr, ytr = clf.normalise(data.X["train"]), torch.tensor([index[c] for c in data.y["train"]])
    Xva, yva = clf.normalise(data.X["val"]), torch.tensor([index[c] for c in data.y["val"]])
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    n_batches = math.ceil(len(Xtr) / cfg.batch_size)
    if cfg.schedule == "onecycle":
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, cfg.lr, total_steps=cfg.epochs * n_batches + 1)
    else:
        sched = torch.optim.lr_scheduler.StepLR(opt, cfg.step_size, cfg.gamma)
    loss_fn = nn.CrossEntropyLoss()
    if run is not None:
        run.write_config({"kind": "classifier", **cfg.to_dict()})
        run.set_status("running", 0, "starting", total_epochs=cfg.epochs, kind="classifier")

    def checkpoint(metrics):
        return make_checkpoint("classifier", cfg.to_dict(), classes, model.state_dict(), encoding="features18",
                               norm=norm, metrics=metrics, data=data.description)

    t0, best, best_acc, since, state, message, row = time.perf_counter(), None, -1.0, 0, "finished", "", {}
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        order = torch.from_numpy(rng.permutation(len(Xtr)))
        total, correct = 0.0, 0
        for b in range(n_batches):
            idx = order[b * cfg.batch_size:(b + 1) * cfg.batch_size]
            logits = model(Xtr[idx])
            loss = loss_fn(logits, ytr[idx])
            if not torch.isfinite(loss):
                state, message = "diverged", f"diverged at epoch {epoch}: the loss became {loss.item()}"
                break
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
            opt.step()
            if cfg.schedule == "onecycle":
                sched.step()
            total += loss.item() * len(idx)
            correct += int((logits.argmax(1) == ytr[idx]).sum())
            if stop_requested is not None and stop_requested():
                state, message = "stopped", f"stopped during epoch {epoch}"
                break
        if state == "diverged":
            break
        if cfg.schedule == "step":
            sched.step()
        model.eval()
        with torch.no_grad():
            logits = torch.cat([model(Xva[i:i + 512]) for i in range(0, len(Xva), 512)])
            val_loss = float(loss_fn(logits, yva))
            val_acc = float((logits.argmax(1) == yva).float().mean())
        row = {"epoch": epoch, "train_loss": total / len(Xtr), "train_acc": correct / len(Xtr), "val_loss": val_loss,
               "val_acc": val_acc, "lr": opt.param_groups[0]["lr"], "seconds": round(time.perf_counter() - t0, 3)}
        if val_acc > best_acc:
            best_acc, best, since = val_acc, checkpoint(row), 0
            if run is not None:
                run.save_best(best)
        else:
            since += 1
        if run is not None:
            run.append_metrics(row, METRIC_COLUMNS)
            run.set_status("running", epoch, f"epoch {epoch}/{cfg.epochs}", total_epochs=cfg.epochs,
                           kind="classifier")
        if progress is not None:
            progress(row)
        if state == "stopped":
            break
        if since >= cfg.patience:
            message = f"early stop at epoch {epoch}: no better validation accuracy for {cfg.patience} epochs"
            break

    result = {"state": state, "message": message, "last": row, "best": best["metrics"] if best else {},
              "checkpoint": best, "seconds": time.perf_counter() - t0}
    if best is not None and state != "diverged":
        best_model = CNNBiLSTM(cfg, n_features, len(classes))
        best_model.load_state_dict(best["state_dict"])
        best_model.eval()
        test = evaluate_classifier(LoadedClassifier(best_model, cfg, classes, norm, best), data.X["test"],
                                   data.y["test"])
        best["metrics"] = {**best["metrics"], "test_acc": test["accuracy"], "test_top5": test["top5"]}
        result["test"] = test
        if run is not None:
            run.save_best(best)
            run.write_eval(test)
    if state == "diverged":
        message += "; lower the learning rate"
        result["message"] = message
    if run is not None:
        run.save_last(checkpoint(row))
        run.set_status(state, int(row.get("epoch", 0)), message or "done", total_epochs=cfg.epochs, kind="classifier")
    return result
