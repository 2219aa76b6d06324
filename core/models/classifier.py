"""The character classifier: seed 000's CNN-BiLSTM, with better readouts.

conv 18->64 (k5), conv 64->128 (k3), optional batch norm, max-pool 2,
2-layer BiLSTM (hidden 128), dropout, fc 256->128->classes. The seed reads
the BiLSTM output at the last step (`last`), where the backward direction
has seen a single frame; `mean` and `max` pool the outputs over time, and
`ends` joins the forward direction's last output with the backward
direction's first (each has then read the whole character).

`ClassifierConfig` holds every setting once: the command line generates
its flags from it, the dashboard its widgets, and a checkpoint stores it as
a plain dict from which `load_classifier` rebuilds the model.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from core.data.alphabets import CHAR_GROUPS, char_group
from core.errors import InputError
from core.ink.features import features18
from core.ink.ink import Ink, n_points
from core.models.checkpoint import make_checkpoint
from core.models.config import check_field_types, option

READOUTS = ("last", "mean", "max", "ends")
SCHEDULES = ("step", "onecycle")


@dataclass(frozen=True)
class ClassifierConfig:
    """Every setting of a classifier run. The defaults are seed 000's `TrainConfig`."""

    # data
    data: str = option("synthetic", "Data source: unipen[:PATH] or unipen-train (real UNIPEN letters, split by writer: "
                                    "reads real handwriting best; PATH: a folder or an archive of one), synthetic "
                                    "(generated a-z letters) or npy:DIR (seed 000's X_/y_ .npy files)")
    charset: str = option("az", "Characters: az (lowercase a-z, UNIPEN category 1c) or chars (every isolated character "
                                "of UNIPEN categories 1a-1d: digits, capitals, lowercase, symbols; unipen only)")
    per_class: int = option(200, "Synthetic letters per class: 4-1000 in the training split (validation and test get a "
                                 "quarter each); more trains on more varied letters, slower")
    copies: int = option(0, "Augmented copies per real letter: 0-16 (unipen only; a new version of each copy every "
                            "epoch); more fights overfitting to the training writers, slower epochs")
    augment_strength: float = option(1.0, "Strength of those copies' augmentation: 0-3 (rotation, slant, width, warp, "
                                          "stroke offsets and order; 0: exact copies); more gives wilder copies")
    synthetic: int = option(0, "Synthetic letters added per class: 0-400 (unipen only) to the real training letters; "
                               "more adds the generator's clean letter forms")
    val_frac: float = option(0.15, "Validation share of the writers: 0.05-0.5 of each contributor's writers (unipen "
                                   "only; the test writers stay fixed); smaller trains on more writers")
    n_points: int = option(64, "Points per letter: 16-128, the letter resampled to this many points (npy data brings "
                               "its own); more keeps more detail, slower")
    features: int = option(18, "Input channels per point: set from the data (18 for features18)")
    classes: int = option(26, "Number of classes: set from the data (every label of every split)")
    # model
    hidden: int = option(128, "LSTM units per direction: 4-512; more reads harder letters but trains slower")
    dropout: float = option(0.3, "Dropout: 0-0.8 of the units silenced at random while training (between the LSTM "
                                 "layers and before the last layer); more fights overfitting")
    batchnorm: bool = option(True, "Batch norm: normalise after each convolution; on usually trains faster and "
                                   "steadier")
    readout: str = option("last", "Readout: what the classifier reads of the BiLSTM: last (its last step, as seed "
                                  "000), mean or max over time, or ends (both directions' final outputs); mean is best "
                                  "here")
    # optimisation
    batch_size: int = option(32, "Letters per training step: 1-128; more makes an epoch faster but takes fewer steps")
    lr: float = option(1e-3, "Learning rate: 0.00001-1 (AdamW; the peak of the onecycle schedule); higher learns "
                             "faster until training diverges")
    weight_decay: float = option(1e-4, "Weight decay: 0-0.01 (AdamW); more keeps the weights small, against "
                                       "overfitting")
    schedule: str = option("step", "Learning-rate schedule: step (StepLR: lower it every few epochs) or onecycle "
                                   "(rises, then falls, per step)")
    step_size: int = option(10, "StepLR interval: 1-50 epochs between learning-rate drops (schedule step)")
    gamma: float = option(0.8, "StepLR factor: 0.1-1, what each drop multiplies the learning rate by (schedule step)")
    clip: float = option(1.0, "Gradient clip: 0-10, the largest gradient norm a step may take (0: no clip)")
    label_smoothing: float = option(0.0, "Label smoothing: 0-0.3 of each target spread over the other classes; more "
                                         "makes the model less overconfident")
    epochs: int = option(50, "Epochs: 1-100 at most (early stopping may end sooner); more trains longer")
    patience: int = option(10, "Early stop patience: 1-50 epochs without a better validation accuracy before stopping; "
                               "more waits longer")
    seed: int = option(42, "Seed: of the weights, the batch order, synthetic letters and augmentation; the same seed "
                           "gives the same run")
    # One thread: these matrices are small, and two runs side by side (one per core, as the
    # dashboard starts them) with two threads each slow down many-fold. Fixed: reproducible.
    threads: int = option(1, "CPU threads: 1-8 for torch; one per run when runs share the cores")
    # Set by `python -m core ensemble`, never trained directly: the number of members averaged.
    members: int = option(1, "Ensemble members: 1-16 models averaged (made from finished runs by python -m core "
                             "ensemble, never trained directly)")

    def __post_init__(self):
        check_field_types(self, "classifier")
        checks = [
            (self.data != "", "data must name a data source, e.g. synthetic"),
            (self.charset in ("az", "chars"), "charset must be az or chars"),
            (self.per_class >= 1, "per_class must be at least 1"),
            (self.copies >= 0 and self.synthetic >= 0, "copies and synthetic must be >= 0"),
            (0.0 <= self.val_frac <= 0.5, "val_frac must be in [0, 0.5]"),
            (0.0 <= self.augment_strength <= 4.0, "augment_strength must be in [0, 4]"),
            (self.n_points >= 2, "n_points must be at least 2"),
            (self.features >= 1 and self.classes >= 2, "features must be >= 1 and classes >= 2"),
            (4 <= self.hidden <= 512, "hidden must be 4-512 units"),
            (0.0 <= self.dropout < 1.0, "dropout must be in [0, 1)"),
            (self.readout in READOUTS, f"readout must be one of {', '.join(READOUTS)}"),
            (self.batch_size >= 1, "batch_size must be at least 1"),
            (self.lr > 0 and np.isfinite(self.lr), "lr (learning rate) must be positive"),
            (self.weight_decay >= 0, "weight_decay must be >= 0"),
            (self.schedule in SCHEDULES, f"schedule must be one of {', '.join(SCHEDULES)}"),
            (self.step_size >= 1 and 0 < self.gamma <= 1, "step_size must be >= 1 and gamma in (0, 1]"),
            (self.clip >= 0, "clip must be >= 0 (0: no clipping)"),
            (0.0 <= self.label_smoothing < 1.0, "label_smoothing must be in [0, 1)"),
            (self.epochs >= 1 and self.patience >= 1, "epochs and patience must be at least 1"),
            (self.threads >= 1, "threads must be at least 1"),
            (1 <= self.members <= 16, "members must be 1-16"),
        ]
        for ok, message in checks:
            if not ok:
                raise InputError(f"classifier config: {message}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "ClassifierConfig":
        """Build from a plain dict; an unknown key is an error (a typo must not pass silently)."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise InputError(f"unknown classifier option(s): {', '.join(unknown)}",
                             f"known options: {', '.join(sorted(names))}")
        return cls(**values)

    def replace(self, **overrides: Any) -> "ClassifierConfig":
        """A copy with some fields changed; an unknown key is an error."""
        return ClassifierConfig.from_dict({**self.to_dict(), **overrides})


SEED = ClassifierConfig()
PRESETS: dict[str, ClassifierConfig] = {
    # Seed 000's recipe complete: AdamW 1e-3, wd 1e-4, StepLR(10, 0.8), clip 1, batch 32, up to 50
    # epochs, early stop after 10 without a better validation accuracy, readout `last`, batch norm
    # and dropout 0.3 as in its TrainConfig.
    "seed": SEED,
    # The measured best recipe (bench/classifier.py): the `mean` readout (every step's output,
    # so the backward direction counts), a one-cycle schedule peaking at 3e-3 with batches of 64.
    "fast": replace(SEED, readout="mean", batch_size=64, lr=3e-3, schedule="onecycle", epochs=15, patience=5),
    # The Train page's default: the fast recipe on real UNIPEN letters (split by writer) plus 50
    # synthetic letters per class, so that it names canvas letters in about a quarter of an hour.
    "az-quick": replace(SEED, data="unipen", synthetic=50, readout="mean", batch_size=64, lr=3e-3,
                        schedule="onecycle", epochs=15, patience=5),
    # Every isolated character of the training corpus (issue 17): the fast recipe, split by contributor,
    # two augmented copies of every training character.
    "chars": replace(SEED, data="unipen-train", charset="chars", copies=2, readout="mean", batch_size=64, lr=3e-3,
                     schedule="onecycle", label_smoothing=0.1, epochs=15, patience=5),
    # Seconds end to end, for tests and CI: the seed recipe, small and short.
    "tiny": replace(SEED, hidden=16, per_class=6, epochs=2, patience=2, n_points=32),
}


# What each preset is, in words: the Train page's preset picker and `train classifier --preset`'s help.
PRESET_NOTES: dict[str, str] = {
    "az-quick": "real UNIPEN letters plus synthetic ones, the fast recipe: names canvas letters (the Train page's "
                "default)",
    "chars": "every isolated character (digits, capitals, lowercase, symbols) of the whole training corpus, split "
             "by contributor",
    "fast": "the measured best recipe on synthetic letters",
    "seed": "seed 000's own recipe on synthetic letters",
    "tiny": "the tests' preset, to check that training works; it names nothing useful",
}


def preset(name: str, **overrides) -> ClassifierConfig:
    """A preset with some fields changed; an unknown preset or option is an InputError."""
    if name not in PRESETS:
        raise InputError(f"unknown classifier preset {name!r}", f"choose one of {', '.join(PRESETS)}")
    return PRESETS[name].replace(**overrides)


class CNNBiLSTM(nn.Module):
    """Seed 000's model, built from a config: (B, T, F) features -> (B, classes) logits."""

    def __init__(self, cfg: ClassifierConfig):
        super().__init__()
        norm = (lambda c: nn.BatchNorm1d(c)) if cfg.batchnorm else (lambda c: nn.Identity())
        self.conv1, self.bn1 = nn.Conv1d(cfg.features, 64, 5, padding=2), norm(64)
        self.conv2, self.bn2 = nn.Conv1d(64, 128, 3, padding=1), norm(128)
        self.pool = nn.MaxPool1d(2)
        self.lstm = nn.LSTM(128, cfg.hidden, num_layers=2, batch_first=True, bidirectional=True, dropout=cfg.dropout)
        self.fc1 = nn.Linear(2 * cfg.hidden, 128)
        self.drop = nn.Dropout(cfg.dropout)
        self.fc2 = nn.Linear(128, cfg.classes)
        self.readout = cfg.readout
        self.hidden = cfg.hidden

    def sequence(self, x: torch.Tensor) -> torch.Tensor:
        """The BiLSTM outputs (B, T // 2, 2 * hidden); forward half first."""
        h = torch.relu(self.bn1(self.conv1(x.transpose(1, 2))))
        h = self.pool(torch.relu(self.bn2(self.conv2(h)))).transpose(1, 2)
        return self.lstm(h)[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.sequence(x)
        if self.readout == "last":
            z = out[:, -1]
        elif self.readout == "mean":
            z = out.mean(dim=1)
        elif self.readout == "max":
            z = out.max(dim=1).values
        else:
            z = torch.cat([out[:, -1, :self.hidden], out[:, 0, self.hidden:]], dim=1)
        return self.fc2(self.drop(torch.relu(self.fc1(z))))


class Ensemble(nn.Module):
    """Classifiers of one architecture averaged: log of the mean of their probabilities.

    Each member standardises the raw features with its own training set's
    statistics (buffers `norm_mean`, `norm_std`, one row per member), so the
    ensemble reads unnormalised features and its checkpoint's `norm` is the identity.
    """

    def __init__(self, cfg: ClassifierConfig):
        super().__init__()
        self.members = nn.ModuleList(CNNBiLSTM(cfg) for _ in range(cfg.members))
        self.register_buffer("norm_mean", torch.zeros(cfg.members, cfg.features))
        self.register_buffer("norm_std", torch.ones(cfg.members, cfg.features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        probs = [torch.softmax(m((x - self.norm_mean[k]) / self.norm_std[k]), dim=1) for k, m in enumerate(self.members)]
        return torch.log(torch.stack(probs).mean(dim=0).clamp_min(1e-30))


ARCHITECTURE = ("hidden", "batchnorm", "readout", "n_points", "features", "classes", "members")


def make_ensemble(ckpts: list[dict]) -> dict:
    """One classifier checkpoint that averages the given ones (same architecture and classes)."""
    if len(ckpts) < 2:
        raise InputError("an ensemble needs at least two classifier checkpoints")
    loaded = [load_classifier(c) for c in ckpts]
    first = loaded[0]
    for k, other in enumerate(loaded[1:], start=2):
        for name in ARCHITECTURE:
            if getattr(other.config, name) != getattr(first.config, name):
                raise InputError(f"checkpoint {k} has {name} = {getattr(other.config, name)!r}, the first has "
                                 f"{getattr(first.config, name)!r}", "ensemble members need one architecture")
        if other.classes != first.classes:
            raise InputError(f"checkpoint {k} knows other classes than the first")
    cfg = first.config.replace(members=len(loaded), seed=first.config.seed)
    model = Ensemble(cfg)
    for k, clf in enumerate(loaded):
        model.members[k].load_state_dict(clf.model.state_dict())
        model.norm_mean[k] = torch.tensor(clf.norm["mean"], dtype=torch.float32)
        model.norm_std[k] = torch.tensor(clf.norm["std"], dtype=torch.float32)
    identity = {"mean": [0.0] * cfg.features, "std": [1.0] * cfg.features}
    datas = [c.get("data") or {} for c in ckpts]
    # what every member's data says alike (source, split, test contributors) is the ensemble's
    shared = {k: v for k, v in datas[0].items() if all(isinstance(d, dict) and d.get(k) == v for d in datas)}
    return make_checkpoint("classifier", cfg.to_dict(), first.classes, model.state_dict(),
                           encoding=first.checkpoint.get("encoding", "features18"), norm=identity,
                           metrics={"members": [c.get("metrics", {}) for c in ckpts]},
                           data={**shared, "members": datas, "member_configs": [c.get("config", {}) for c in ckpts]})


def n_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@dataclass
class LoadedClassifier:
    """A model in eval mode with what it needs to read data: classes and feature statistics."""

    model: nn.Module  # CNNBiLSTM, or Ensemble when config.members > 1
    config: ClassifierConfig
    classes: list[str]
    norm: dict
    checkpoint: dict

    def normalise(self, X: np.ndarray) -> torch.Tensor:
        """Per-channel standardisation with the training set's mean and std."""
        mean, std = np.asarray(self.norm["mean"], np.float32), np.asarray(self.norm["std"], np.float32)
        return torch.from_numpy(((np.asarray(X, np.float32) - mean) / std).astype(np.float32))

    @torch.no_grad()
    def probabilities(self, X: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """(N, T, F) features -> (N, classes) class probabilities."""
        X = np.asarray(X)
        expected = (self.config.n_points, self.config.features)
        if X.ndim != 3 or X.shape[1:] != expected:
            raise InputError(f"the data has samples of shape {X.shape[1:]}; this model reads {expected} (T, F)")
        if self.model.training:
            raise RuntimeError("a loaded classifier must stay in eval mode")  # shared (cached) models
        out = [torch.softmax(self.model(self.normalise(X[i:i + batch_size])), dim=1).numpy()
               for i in range(0, len(X), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, len(self.classes)), np.float32)

    def classify_ink(self, ink: Ink, top: int = 5, group: str | None = None) -> list[tuple[str, float]]:
        return classify_ink(self, ink, top, group)


def check_reads_ink(clf: LoadedClassifier) -> None:
    """An InputError unless the classifier reads features18, the features computed from ink (a classifier
    trained on seed 000's .npy files may have been given other features)."""
    if clf.checkpoint.get("encoding", "features18") != "features18" or clf.config.features != 18:
        raise InputError("this classifier was trained on other features than features18, so it cannot read ink",
                         "use a classifier trained on synthetic or unipen letters")


def classify_inks(clf: LoadedClassifier, inks: Sequence[Ink]) -> np.ndarray:
    """The classifier's read path for ink: (N, classes) class probabilities of N drawn characters, each
    resampled to the classifier's points and encoded as features18. Each drawing needs two points."""
    check_reads_ink(clf)
    for k, ink in enumerate(inks):
        if n_points(ink) < 2:
            where = "the drawing" if len(inks) == 1 else f"drawing {k + 1} of {len(inks)}"
            raise InputError(f"{where} has fewer than two points", "draw a letter")
    if not len(inks):
        return np.zeros((0, len(clf.classes)), np.float32)
    return clf.probabilities(np.stack([features18(ink, clf.config.n_points) for ink in inks]))


def classify_ink(clf: LoadedClassifier, ink: Ink, top: int = 5, group: str | None = None) -> list[tuple[str, float]]:
    """The `top` most probable labels of one drawn character, with their probabilities; told its `group`
    (digits, capitals, lowercase or symbols), only that group's classes, their probabilities renormalised."""
    check_reads_ink(clf)
    if top < 1:
        raise InputError("top must be at least 1")
    p = classify_inks(clf, [ink])[0]
    if group:
        if group not in CHAR_GROUPS:
            raise InputError(f"unknown character group {group!r}", f"choose one of {', '.join(CHAR_GROUPS)}")
        mine = np.array([char_group(c) == group for c in clf.classes])
        if not mine.any():
            raise InputError(f"this classifier knows no {group}", f"it knows {' '.join(clf.classes[:40])}")
        p = np.where(mine, p, 0.0) / max(float(p[mine].sum()), 1e-12)
        top = min(top, int(mine.sum()))
    order = np.argsort(-p, kind="stable")[:top]
    return [(clf.classes[i], float(p[i])) for i in order]


def load_classifier(ckpt: dict) -> LoadedClassifier:
    """Rebuild the model of a classifier checkpoint dict (see core.models.checkpoint.load_checkpoint)."""
    if ckpt.get("kind") != "classifier":
        raise InputError(f"this is a {ckpt.get('kind')} checkpoint, not a classifier")
    try:
        cfg = ClassifierConfig.from_dict(ckpt["config"])
        if cfg.classes != len(ckpt["alphabet"]) or len(ckpt["norm"]["mean"]) != cfg.features:
            raise KeyError("classes or features")
        model = Ensemble(cfg) if cfg.members > 1 else CNNBiLSTM(cfg)
        model.load_state_dict(ckpt["state_dict"])
    except (RuntimeError, TypeError, KeyError) as exc:
        raise InputError(f"the classifier checkpoint does not match its config ({exc})".splitlines()[0],
                         "it was saved by another version or damaged; retrain it") from exc
    model.eval()
    return LoadedClassifier(model, cfg, [str(c) for c in ckpt["alphabet"]], dict(ckpt["norm"]), ckpt)
