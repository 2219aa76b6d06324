"""The word reader: a (bidirectional) LSTM with a CTC output layer.

Graves et al., TPAMI 2009. Frames of (dx, dy, pen_up) are scaled per
channel (statistics fixed from the training data and kept in the weights),
go through an optional 1-D conv front end, 1-5 LSTM layers (bidirectional
or not), dropout, a linear layer to blank + alphabet and a log-softmax.
Batches are padded and packed, so a word's output does not depend on the
words it was batched with.

`ReaderConfig` holds every setting and its default, once: the command line
generates its flags from it, the dashboard its sliders, and the checkpoint
stores it as a plain dict from which `load_reader` rebuilds the model.
`read_frames` is the one inference path; `read_ink` (one drawing),
decoding, evaluation and the dashboard all go through it.
"""
from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, NamedTuple, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from core.errors import InputError
from core.generator import Augment
from core.ink import ENCODINGS, Ink, encode

BLANK = ""  # the CTC blank's label, always class 0 of a reader's alphabet
SCHEDULES = ("constant", "onecycle", "cosine")
CTC_IMPLEMENTATIONS = ("torch", "numpy")
STYLES = ("seed", "natural")
N_INPUTS = 3  # (dx, dy, pen_up)


def _seed_augment() -> dict:
    return Augment.seed_style().to_dict()


@dataclass(frozen=True)
class ReaderConfig:
    """Everything that defines a reader run: data, model, optimiser, evaluation.

    The defaults are seed 001's setting; presets change a few fields with
    `dataclasses.replace`. `augment` holds the training renderings'
    augmentation as a plain dict of `core.generator.Augment` fields.
    """

    # data
    data: str = "seed"              # seed: seed 001's word protocol (see core.train_reader.DATA_SOURCES)
    style: str = "seed"             # glyph style of the synthetic training words
    holdout_frac: float = 0.2       # share of the vocabulary held out as compositional test words
    repeats: int = 6                # renderings of every training word per epoch
    cut_fraction: float = 0.0       # share of an epoch's words replaced by letter-boundary pieces
    cut_warmup: int = 0             # epochs over which that share falls from 1.0 to cut_fraction
    min_cut: int = 1                # shortest letter-boundary piece, in letters
    augment: dict = field(default_factory=_seed_augment)
    eval_repeats: int = 8           # fixed renderings of every word in each evaluation
    # input
    encoding: str = "seed"          # seed: raw (dx, dy, pen_up); delta: normalised and resampled
    spacing: float = 0.05           # resampling step of the delta encoding (fraction of ink height)
    # model
    hidden: int = 64                # LSTM units per direction
    layers: int = 1
    bidirectional: bool = True
    dropout: float = 0.0            # between LSTM layers and before the output layer
    conv_channels: int = 0          # 1-D conv front end width; 0: none
    conv_kernel: int = 5            # odd, so each frame's window is centred on it
    # optimisation
    batch_size: int = 1
    lr: float = 5e-3                # Adam; the peak rate of the onecycle and cosine schedules
    schedule: str = "constant"      # constant | onecycle | cosine, stepped per batch
    epochs: int = 25
    grad_clip: float = 5.0          # global gradient norm; 0: no clipping
    ctc: str = "torch"              # torch: F.ctc_loss; numpy: core.ctc through its autograd bridge
    seed: int = 0                   # held-out split, initial weights and every rendering
    threads: int = 2                # torch CPU threads, fixed so a run is reproducible

    def __post_init__(self):
        if isinstance(self.augment, Augment):
            object.__setattr__(self, "augment", self.augment.to_dict())
        if not isinstance(self.augment, dict):
            raise InputError("augment must be a dict of augmentation parameters")
        # Missing augmentation keys take the seed style's values; bad ones are an error.
        object.__setattr__(self, "augment", Augment.from_dict({**_seed_augment(), **self.augment}).to_dict())
        checks = [
            (isinstance(self.data, str) and self.data != "", "data must name a data source, e.g. seed"),
            (self.style in STYLES, f"style must be one of {', '.join(STYLES)}"),
            (0.0 <= self.holdout_frac < 1.0, "holdout_frac (held-out share) must be in [0, 1)"),
            (self.repeats >= 1, "repeats must be at least 1"),
            (0.0 <= self.cut_fraction <= 1.0, "cut_fraction must be in [0, 1]"),
            (self.cut_warmup >= 0, "cut_warmup must be >= 0"),
            (self.min_cut >= 1, "min_cut must be at least 1"),
            (self.eval_repeats >= 1, "eval_repeats must be at least 1"),
            (self.encoding in ENCODINGS, f"encoding must be one of {', '.join(ENCODINGS)}"),
            (self.spacing > 0, "spacing must be positive"),
            (1 <= self.hidden <= 512, "hidden must be 1-512 units"),
            (1 <= self.layers <= 5, "layers must be 1-5"),
            (0.0 <= self.dropout < 1.0, "dropout must be in [0, 1)"),
            (self.conv_channels >= 0, "conv_channels must be >= 0 (0: no conv front end)"),
            (self.conv_kernel >= 1 and self.conv_kernel % 2 == 1, "conv_kernel must be a positive odd number"),
            (self.batch_size >= 1, "batch_size must be at least 1"),
            (self.lr > 0 and np.isfinite(self.lr), "lr (learning rate) must be positive"),
            (self.schedule in SCHEDULES, f"schedule must be one of {', '.join(SCHEDULES)}"),
            (self.epochs >= 1, "epochs must be at least 1"),
            (self.grad_clip >= 0, "grad_clip must be >= 0 (0: no clipping)"),
            (self.ctc in CTC_IMPLEMENTATIONS, f"ctc must be one of {', '.join(CTC_IMPLEMENTATIONS)}"),
            (self.threads >= 1, "threads must be at least 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise InputError(f"reader config: {message}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "ReaderConfig":
        """Build from a plain dict; an unknown key is an error (a typo must not pass silently)."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise InputError(f"unknown reader option(s): {', '.join(unknown)}",
                             f"known options: {', '.join(sorted(names))}")
        return cls(**values)

    def replace(self, **overrides: Any) -> "ReaderConfig":
        """A copy with some fields changed; an unknown key is an error."""
        return ReaderConfig.from_dict({**self.to_dict(), **overrides})


SEED = ReaderConfig()
PRESETS: dict[str, ReaderConfig] = {
    # Seed 001's exact setting: one word per step, Adam 5e-3, clip 5, 25 epochs of 6 renderings.
    "seed": SEED,
    # The measured best recipe on the seed protocol (bench/reader.py, checkpoints/reader-seed/README.md):
    # batches of 32 at a high one-cycle rate for speed, and a share of every epoch cut at
    # letter boundaries (only pieces at first), so the reader learns letters, not word shapes.
    "fast": dataclasses.replace(SEED, batch_size=32, lr=1e-2, schedule="onecycle", epochs=30, repeats=4,
                                cut_fraction=0.5, cut_warmup=3),
    # Seconds end to end, for tests and CI.
    "tiny": dataclasses.replace(SEED, hidden=16, batch_size=16, lr=1e-2, epochs=2, repeats=1,
                                eval_repeats=1, threads=1),
}


def preset(name: str, **overrides: Any) -> ReaderConfig:
    """A preset by name with some fields changed; unknown names or keys are an error."""
    if name not in PRESETS:
        raise InputError(f"unknown reader preset {name!r}", f"choose one of {', '.join(PRESETS)}")
    return PRESETS[name].replace(**overrides)


class WordReader(nn.Module):
    """Input scaling -> conv front end (optional) -> LSTM stack -> dropout -> linear -> log-softmax."""

    def __init__(self, config: ReaderConfig, n_classes: int):
        super().__init__()
        # Per-channel input statistics live in the state dict, so a checkpoint
        # always scales its input the way it was trained.
        self.register_buffer("in_mean", torch.zeros(N_INPUTS))
        self.register_buffer("in_std", torch.ones(N_INPUTS))
        n_in = N_INPUTS
        self.conv = None
        if config.conv_channels:
            self.conv = nn.Conv1d(n_in, config.conv_channels, config.conv_kernel, padding=config.conv_kernel // 2)
            n_in = config.conv_channels
        self.lstm = nn.LSTM(n_in, config.hidden, num_layers=config.layers, batch_first=True,
                            bidirectional=config.bidirectional,
                            dropout=config.dropout if config.layers > 1 else 0.0)
        self.drop = nn.Dropout(config.dropout)
        self.out = nn.Linear(config.hidden * (2 if config.bidirectional else 1), n_classes)
        with torch.no_grad():
            # Forget-gate bias 1.0 (Gers et al. 2000): remember by default early on.
            # Gates are ordered (i, f, g, o) and torch adds two bias vectors, so one carries it all.
            h = config.hidden
            for name, p in self.lstm.named_parameters():
                if name.startswith("bias_"):
                    p[h:2 * h] = 1.0 if name.startswith("bias_ih") else 0.0

    def set_input_stats(self, mean: Sequence[float], std: Sequence[float]) -> None:
        with torch.no_grad():
            self.in_mean.copy_(torch.as_tensor(np.asarray(mean, dtype=np.float32)))
            self.in_std.copy_(torch.as_tensor(np.maximum(np.asarray(std, dtype=np.float32), 1e-3)))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """(B, T, 3) zero-padded frames and their lengths -> (B, T, classes) log-probabilities.

        Rows past a word's length are padding and carry no meaning.
        """
        mask = (torch.arange(x.shape[1])[None, :] < lengths[:, None]).unsqueeze(-1)
        # Padding stays exactly zero after scaling: the conv then sees the same
        # zeros past a word's end whether or not it was batched with longer words.
        x = (x - self.in_mean) / self.in_std * mask
        if self.conv is not None:
            x = torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2) * mask
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        h, _ = self.lstm(packed)
        h, _ = pad_packed_sequence(h, batch_first=True, total_length=x.shape[1])
        return self.out(self.drop(h)).log_softmax(-1)


def reader_alphabet(letters: str) -> list[str]:
    """A reader's classes: the blank first, then one per letter."""
    return [BLANK] + list(letters)


def build_reader(config: ReaderConfig, alphabet: Sequence[str]) -> WordReader:
    """A freshly initialised model for `config` over `alphabet` (blank included)."""
    return WordReader(config, len(alphabet))


def n_parameters(model: nn.Module) -> int:
    """Trainable parameters (the input statistics are buffers, not counted)."""
    return sum(p.numel() for p in model.parameters())


def pad_frames(frames: Sequence[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Zero-pad (T_i, 3) arrays into a (B, T_max, 3) tensor and their lengths."""
    lengths = torch.tensor([len(f) for f in frames], dtype=torch.long)
    x = torch.zeros(len(frames), int(lengths.max()), N_INPUTS)
    for i, f in enumerate(frames):
        x[i, :len(f)] = torch.from_numpy(np.ascontiguousarray(f, dtype=np.float32))
    return x, lengths


def encode_ink(config: ReaderConfig, ink: Ink) -> np.ndarray:
    """Ink -> the (T, 3) float32 frames the reader reads, in its encoding."""
    frames = encode(ink, config.encoding, config.spacing)
    if len(frames) == 0:
        raise InputError("the ink has no points", "draw or load at least one stroke")
    return frames


def read_frames(model: WordReader, frames: Sequence[np.ndarray], batch_size: int = 512) -> list[np.ndarray]:
    """(T_i, classes) log-probabilities for each encoded word: batched, without gradients.

    Words are sorted by length before batching so that padding (wasted
    work) stays small; the results come back in the input order.
    """
    if len(frames) == 0:
        return []
    was_training = model.training
    model.eval()
    order = sorted(range(len(frames)), key=lambda i: len(frames[i]))
    out: list[np.ndarray] = [np.empty(0)] * len(frames)
    try:
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                idx = order[start:start + batch_size]
                x, lengths = pad_frames([frames[i] for i in idx])
                lp = model(x, lengths).numpy()
                for row, i in enumerate(idx):
                    out[i] = lp[row, :len(frames[i])]
    finally:
        model.train(was_training)
    return out


def read_inks(model: WordReader, config: ReaderConfig, inks: Sequence[Ink]) -> list[np.ndarray]:
    """Log-probabilities for many drawings."""
    return read_frames(model, [encode_ink(config, ink) for ink in inks])


def read_ink(model: WordReader, config: ReaderConfig, ink: Ink) -> np.ndarray:
    """One drawing -> (T, classes) log-probabilities (class 0 is the blank)."""
    return read_frames(model, [encode_ink(config, ink)])[0]


class LoadedReader(NamedTuple):
    """A reader rebuilt from a checkpoint, in eval mode; unpacks as (model, config, alphabet).

    Never train a loaded reader further: caches (the dashboard's) share it.
    """

    model: WordReader
    config: ReaderConfig
    alphabet: list[str]

    def log_probs(self, ink: Ink) -> np.ndarray:
        return read_ink(self.model, self.config, ink)

    def log_probs_batch(self, inks: Sequence[Ink]) -> list[np.ndarray]:
        return read_inks(self.model, self.config, inks)


def load_reader(ckpt: dict | str | Path) -> LoadedReader:
    """Rebuild (model, config, alphabet) from a reader checkpoint dict, file or folder."""
    from core.checkpoints import load_checkpoint

    if not isinstance(ckpt, dict):
        ckpt = load_checkpoint(ckpt, "reader")
    if ckpt.get("kind") != "reader":
        raise InputError(f"this is a {ckpt.get('kind')} checkpoint, not a reader",
                         "choose a reader checkpoint")
    config = ReaderConfig.from_dict(dict(ckpt["config"]))
    alphabet = list(ckpt["alphabet"])
    if not alphabet or alphabet[0] != BLANK:
        raise InputError("the checkpoint's alphabet does not start with the CTC blank",
                         "the file is not a reader of this tool")
    model = build_reader(config, alphabet)
    try:
        model.load_state_dict(ckpt["state_dict"])
    except (RuntimeError, TypeError, KeyError) as exc:
        raise InputError("the checkpoint's weights do not fit its config",
                         "the file is damaged or was edited; train it again") from exc
    model.eval()
    return LoadedReader(model, config, alphabet)
