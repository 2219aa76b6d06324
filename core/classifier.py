"""The character classifier: seed 000's CNN-BiLSTM, with better readouts.

conv 18->64 (k5), conv 64->128 (k3), optional batch norm, max-pool 2,
2-layer BiLSTM (hidden 128), dropout, fc 256->128->classes. The seed reads
the BiLSTM output at the last step (`last`), where the backward direction
has seen a single frame; `mean` and `max` pool over time, and `ends` joins
the forward direction's last output with the backward direction's first.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

import numpy as np
import torch
from torch import nn

from core.errors import InputError
from core.features import features18
from core.ink import Ink

READOUTS = ("last", "mean", "max", "ends")


@dataclass(frozen=True)
class ClassifierConfig:
    data: str = "synthetic"        # synthetic | unipen[:PATH] | npy:DIR
    per_class: int = 200           # synthetic training letters per class
    n_points: int = 64
    hidden: int = 128
    dropout: float = 0.3
    batchnorm: bool = True
    readout: str = "last"
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 1e-4
    schedule: str = "step"         # step (StepLR) | onecycle
    step_size: int = 10
    gamma: float = 0.8
    clip: float = 1.0
    epochs: int = 50
    patience: int = 10
    seed: int = 42
    threads: int = 2

    def __post_init__(self):
        checks = [(self.readout in READOUTS, f"readout must be one of {', '.join(READOUTS)}"),
                  (self.schedule in ("step", "onecycle"), "schedule must be step or onecycle"),
                  (4 <= self.hidden <= 512, "hidden size must be 4-512"), (0 <= self.dropout < 1, "dropout in [0, 1)"),
                  (self.batch_size >= 1 and self.epochs >= 1 and self.per_class >= 1, "sizes must be positive"),
                  (self.lr > 0, "learning rate must be positive"), (self.n_points >= 8, "n_points must be >= 8")]
        for ok, message in checks:
            if not ok:
                raise InputError(message)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "ClassifierConfig":
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise InputError(f"unknown classifier option(s): {', '.join(sorted(unknown))}")
        return cls(**values)


SEED = ClassifierConfig()
PRESETS = {
    "seed": SEED,  # seed 000's recipe, complete
    # Mean-pooled readout, larger batches and a one-cycle schedule at a higher peak rate.
    "fast": replace(SEED, readout="mean", batch_size=64, lr=3e-3, schedule="onecycle", epochs=15, patience=5),
    "tiny": replace(SEED, hidden=16, per_class=6, epochs=2, patience=2, n_points=32),
}


def preset(name: str, **overrides) -> ClassifierConfig:
    if name not in PRESETS:
        raise InputError(f"unknown classifier preset {name!r}", f"choose one of {', '.join(PRESETS)}")
    return ClassifierConfig.from_dict({**PRESETS[name].to_dict(), **overrides})


class CNNBiLSTM(nn.Module):
    def __init__(self, cfg: ClassifierConfig, n_features: int, n_classes: int):
        super().__init__()
        norm = (lambda c: nn.BatchNorm1d(c)) if cfg.batchnorm else (lambda c: nn.Identity())
        self.conv1, self.bn1 = nn.Conv1d(n_features, 64, 5, padding=2), norm(64)
        self.conv2, self.bn2 = nn.Conv1d(64, 128, 3, padding=1), norm(128)
        self.pool = nn.MaxPool1d(2)
        self.lstm = nn.LSTM(128, cfg.hidden, num_layers=2, batch_first=True, bidirectional=True, dropout=cfg.dropout)
        self.fc1 = nn.Linear(2 * cfg.hidden, 128)
        self.drop = nn.Dropout(cfg.dropout)
        self.fc2 = nn.Linear(128, n_classes)
        self.readout = cfg.readout
        self.hidden = cfg.hidden

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, F) features -> (B, classes) logits."""
        h = torch.relu(self.bn1(self.conv1(x.transpose(1, 2))))
        h = self.pool(torch.relu(self.bn2(self.conv2(h)))).transpose(1, 2)
        out, _ = self.lstm(h)
        if self.readout == "last":
            z = out[:, -1]
        elif self.readout == "mean":
            z = out.mean(dim=1)
        elif self.readout == "max":
            z = out.max(dim=1).values
        else:
            z = torch.cat([out[:, -1, :self.hidden], out[:, 0, self.hidden:]], dim=1)
        return self.fc2(self.drop(torch.relu(self.fc1(z))))


@dataclass
class LoadedClassifier:
    model: CNNBiLSTM
    config: ClassifierConfig
    classes: list[str]
    norm: dict
    checkpoint: dict

    def normalise(self, X: np.ndarray) -> torch.Tensor:
        mean, std = np.asarray(self.norm["mean"], np.float32), np.asarray(self.norm["std"], np.float32)
        return torch.from_numpy(((X - mean) / std).astype(np.float32))

    @torch.no_grad()
    def probabilities(self, X: np.ndarray, batch_size: int = 512) -> np.ndarray:
        out = [torch.softmax(self.model(self.normalise(X[i:i + batch_size])), dim=1).numpy()
               for i in range(0, len(X), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, len(self.classes)))

    def classify_ink(self, ink: Ink, top: int = 5) -> list[tuple[str, float]]:
        """The `top` labels of one drawn character with their probabilities."""
        if sum(len(s) for s in ink) < 2:
            raise InputError("the drawing has fewer than two points", "draw a letter")
        p = self.probabilities(features18(ink, self.config.n_points)[None])[0]
        order = np.argsort(-p)[:top]
        return [(self.classes[i], float(p[i])) for i in order]


def load_classifier(ckpt: dict) -> LoadedClassifier:
    if ckpt.get("kind") != "classifier":
        raise InputError(f"this is a {ckpt.get('kind')} checkpoint, not a classifier")
    try:
        cfg = ClassifierConfig.from_dict(ckpt["config"])
        n_features = len(ckpt["norm"]["mean"])
        model = CNNBiLSTM(cfg, n_features, len(ckpt["alphabet"]))
        model.load_state_dict(ckpt["state_dict"])
    except (RuntimeError, TypeError, KeyError) as exc:
        raise InputError(f"the classifier checkpoint does not match its config ({exc})".splitlines()[0]) from exc
    model.eval()
    return LoadedClassifier(model, cfg, list(ckpt["alphabet"]), dict(ckpt["norm"]), ckpt)
