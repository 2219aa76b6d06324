"""The word reader: a (bidirectional) LSTM with a CTC output layer.

Graves et al., TPAMI 2009. Frames of (dx, dy, pen_up) go through an
optional 1-D conv front end, 1-5 LSTM layers (bidirectional or not), a
linear layer to blank + alphabet and a log-softmax. The shape of the model
and of its training lives in one `ReaderConfig`; presets are
`dataclasses.replace` of the defaults, and the config travels in the
checkpoint, which rebuilds the model from it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from core.errors import InputError
from core.generator import Augment
from core.ink import Ink, encode


@dataclass(frozen=True)
class ReaderConfig:
    """Everything that defines a reader run: data, model, optimiser, evaluation."""

    data: str = "seed"              # seed | synthetic | unipen[:PATH]
    encoding: str = "seed"          # seed | delta
    spacing: float = 0.05           # resampling step of the delta encoding (fraction of ink height)
    hidden: int = 64
    layers: int = 1
    bidirectional: bool = True
    dropout: float = 0.0
    conv_channels: int = 0          # 0: no conv front end
    conv_kernel: int = 5
    batch_size: int = 1
    lr: float = 5e-3
    schedule: str = "constant"      # constant | onecycle
    epochs: int = 25
    repeats: int = 6                # renderings of every training word per epoch
    cut_fraction: float = 0.0       # share of an epoch's words replaced by letter-boundary pieces
    cut_warmup: int = 0             # epochs over which that share falls from 1.0 to cut_fraction
    clip: float = 5.0
    seed: int = 0
    holdout_frac: float = 0.2
    eval_repeats: int = 8
    ctc: str = "torch"              # torch | numpy
    style: str = "seed"             # style of the synthetic training words
    augment: dict = field(default_factory=lambda: Augment.seed_style().to_dict())
    train_size: int = 2000          # a-z data: words per epoch
    threads: int = 2

    def __post_init__(self):
        checks = [
            (self.encoding in ("seed", "delta"), "encoding must be seed or delta"),
            (8 <= self.hidden <= 256 or self.hidden in (4,), "hidden size must be 4 or 8-256"),
            (1 <= self.layers <= 5, "layers must be 1-5"),
            (0.0 <= self.dropout < 1.0, "dropout must be in [0, 1)"),
            (self.batch_size >= 1, "batch size must be at least 1"),
            (self.lr > 0, "learning rate must be positive"),
            (self.epochs >= 1, "epochs must be at least 1"),
            (self.repeats >= 1, "repeats must be at least 1"),
            (0.0 <= self.cut_fraction <= 1.0, "cut fraction must be in [0, 1]"),
            (0.0 <= self.holdout_frac < 1.0, "held-out fraction must be in [0, 1)"),
            (self.ctc in ("torch", "numpy"), "ctc must be torch or numpy"),
            (self.schedule in ("constant", "onecycle"), "schedule must be constant or onecycle"),
            (self.spacing > 0, "spacing must be positive"),
        ]
        for ok, message in checks:
            if not ok:
                raise InputError(message)
        Augment.from_dict(self.augment)  # validates the ranges

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "ReaderConfig":
        names = {f.name for f in fields(cls)}
        unknown = set(values) - names
        if unknown:
            raise InputError(f"unknown reader option(s): {', '.join(sorted(unknown))}")
        return cls(**values)


SEED = ReaderConfig()
PRESETS: dict[str, ReaderConfig] = {
    # Seed 001's exact setting: one word at a time, 25 epochs of 6 renderings.
    "seed": SEED,
    # Small batches at a higher learning rate, and most of every epoch made of
    # letter-boundary pieces of in-vocabulary words (all pieces for the first
    # epochs), so the reader learns letters rather than whole-word shapes.
    "fast": replace(SEED, batch_size=8, lr=1e-2, epochs=20, repeats=8, cut_fraction=0.7, cut_warmup=4),
    # Seconds, for tests.
    "tiny": replace(SEED, hidden=16, batch_size=8, epochs=2, repeats=1, eval_repeats=1, lr=1e-2),
    # The a-z reader of real handwriting (issue 6): delta encoding, deeper.
    "az": replace(SEED, data="unipen", encoding="delta", spacing=0.08, hidden=128, layers=2, batch_size=32,
                  lr=3e-3, schedule="onecycle", epochs=40, style="natural", augment=Augment().to_dict(),
                  eval_repeats=1, train_size=3000, dropout=0.1),
}


def preset(name: str, **overrides) -> ReaderConfig:
    if name not in PRESETS:
        raise InputError(f"unknown reader preset {name!r}", f"choose one of {', '.join(PRESETS)}")
    return ReaderConfig.from_dict({**PRESETS[name].to_dict(), **overrides})


class Reader(nn.Module):
    """Conv front end (optional) -> LSTM stack -> linear -> log-softmax over blank + alphabet."""

    def __init__(self, cfg: ReaderConfig, n_classes: int, in_dim: int = 3):
        super().__init__()
        self.conv = None
        if cfg.conv_channels:
            self.conv = nn.Sequential(nn.Conv1d(in_dim, cfg.conv_channels, cfg.conv_kernel,
                                                padding=cfg.conv_kernel // 2), nn.ReLU())
            in_dim = cfg.conv_channels
        self.lstm = nn.LSTM(in_dim, cfg.hidden, num_layers=cfg.layers, bidirectional=cfg.bidirectional,
                            dropout=cfg.dropout if cfg.layers > 1 else 0.0)
        self.drop = nn.Dropout(cfg.dropout)
        self.out = nn.Linear(cfg.hidden * (2 if cfg.bidirectional else 1), n_classes)
        with torch.no_grad():  # forget-gate bias 1.0 (gate order i, f, g, o): remember by default
            for name, p in self.lstm.named_parameters():
                if name.startswith("bias_ih"):
                    p[cfg.hidden:2 * cfg.hidden] = 1.0
                elif name.startswith("bias_hh"):
                    p[cfg.hidden:2 * cfg.hidden] = 0.0

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """(T, B, F) padded frames and their lengths -> (T, B, K) log-probabilities."""
        if self.conv is not None:
            x = self.conv(x.permute(1, 2, 0)).permute(2, 0, 1)
        packed = pack_padded_sequence(x, lengths.cpu(), enforce_sorted=False)
        h, _ = self.lstm(packed)
        h, _ = pad_packed_sequence(h, total_length=x.shape[0])
        return self.out(self.drop(h)).log_softmax(-1)


def frames_of(ink: Ink, cfg: ReaderConfig, norm: dict) -> np.ndarray:
    """Ink -> the model's normalised input frames."""
    f = encode(ink, cfg.encoding, cfg.spacing)
    return (f - np.asarray(norm["mean"], np.float32)) / np.asarray(norm["std"], np.float32)


def batch_frames(frames: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad (T_i, F) arrays into a (T, B, F) tensor plus lengths."""
    lengths = torch.tensor([len(f) for f in frames], dtype=torch.long)
    x = torch.zeros(int(lengths.max()), len(frames), frames[0].shape[1])
    for i, f in enumerate(frames):
        x[:len(f), i] = torch.from_numpy(np.ascontiguousarray(f, dtype=np.float32))
    return x, lengths


@dataclass
class LoadedReader:
    """A reader rebuilt from a checkpoint, in eval mode; never trained further."""

    model: Reader
    config: ReaderConfig
    alphabet: list[str]
    norm: dict
    checkpoint: dict

    def frames(self, ink: Ink) -> np.ndarray:
        return frames_of(ink, self.config, self.norm)

    @torch.no_grad()
    def log_probs(self, ink: Ink) -> np.ndarray:
        """(T, K) log-probabilities for one ink."""
        x, lengths = batch_frames([self.frames(ink)])
        return self.model(x, lengths)[:, 0].numpy()

    @torch.no_grad()
    def log_probs_batch(self, inks: list[Ink], batch_size: int = 64) -> list[np.ndarray]:
        out = []
        for i in range(0, len(inks), batch_size):
            frames = [self.frames(ink) for ink in inks[i:i + batch_size]]
            x, lengths = batch_frames(frames)
            lp = self.model(x, lengths).numpy()
            out.extend(lp[:n, j] for j, n in enumerate(lengths.tolist()))
        return out


def load_reader(ckpt: dict) -> LoadedReader:
    """Rebuild a reader from a checkpoint dict (see core.checkpoints)."""
    if ckpt.get("kind") != "reader":
        raise InputError(f"this is a {ckpt.get('kind')} checkpoint, not a reader")
    try:
        cfg = ReaderConfig.from_dict(ckpt["config"])
        model = Reader(cfg, len(ckpt["alphabet"]))
        model.load_state_dict(ckpt["state_dict"])
    except (RuntimeError, TypeError, KeyError) as exc:
        raise InputError(f"the reader checkpoint does not match its config ({exc})".splitlines()[0]) from exc
    model.eval()
    return LoadedReader(model, cfg, list(ckpt["alphabet"]), dict(ckpt["norm"]), ckpt)
