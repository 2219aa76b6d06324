"""The word reader: a (bidirectional) LSTM with a CTC output layer.

Graves et al., TPAMI 2009. Frames of (dx, dy, pen_up) are scaled per
channel (optionally: statistics fixed from the training data and kept in
the weights), go through an optional 1-D conv front end (with a stride, the
model emits one frame per `conv_stride` input frames), 1-5 LSTM layers
(bidirectional or not), dropout, a linear layer to blank + alphabet and a
log-softmax. Batches are zero-padded and the LSTM runs each direction over
them exactly (`core.models.blstm`: the backward one reads each sample
reversed within its own length), so a word's output does not depend on the
words it was batched with, and training costs time linear in a line's length.

`ReaderConfig` holds every setting and its default, once: the command line
generates its flags from it, the dashboard its sliders, and the checkpoint
stores it as a plain dict from which `core.models.inference.load_reader`
rebuilds the model. The input statistics are buffers of the model, so they
are stored once, in the checkpoint's state dict.
"""
from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from core.errors import InputError
from core.ink.encodings import CHANNELS, ENCODINGS
from core.models.blstm import packed_lstm, padded_lstm
from core.models.config import check_field_types, option
from core.synth.generator import Augment

SCHEDULES = ("constant", "onecycle", "cosine")
CTC_IMPLEMENTATIONS = ("torch", "numpy")
STYLES = ("seed", "natural")


def _seed_augment() -> dict:
    return Augment.seed_style().to_dict()


@dataclass(frozen=True)
class ReaderConfig:
    """Everything that defines a reader run: data, model, optimiser, evaluation.

    The defaults are seed 001's setting; presets change a few fields with
    `dataclasses.replace`. Each field's help text is in its metadata.
    `augment` holds the training renderings' augmentation as a plain dict
    of `core.synth.generator.Augment` fields.
    """

    # data
    data: str = option("seed", "Data source: unipen[:PATH] or unipen-train (real UNIPEN a-z words and letters plus "
                               "generated words: reads real handwriting best; PATH: a folder or an archive of one), "
                               "synthetic (generated a-z words only) or seed (seed 001's protocol: ten letters, 47 "
                               "words)")
    charset: str = option("az", "Characters: az (lowercase words) or text (every printable ASCII character and the "
                                "space: lines and words of any case; needs unipen-train)")
    style: str = option("seed", "Glyph style of the generated words: natural (a-z with several forms of each letter) "
                                "or seed (seed 001's ten glyphs)")
    holdout_frac: float = option(0.2, "Held-out share of the vocabulary: seed protocol only, 0.05-0.8; these words are "
                                      "never trained on and test reading new words; more tests more words but trains "
                                      "on fewer")
    repeats: int = option(6, "Renderings per word and epoch: 1-20 (a-z data: 300 words each); more gives longer, more "
                             "varied epochs")
    cut_fraction: float = option(0.0, "Share of letter pieces: 0-1 of each epoch's words replaced by pieces cut at "
                                      "letter boundaries; more teaches letters rather than whole-word shapes (seed "
                                      "protocol)")
    cut_warmup: int = option(0, "Epochs of pieces first: 0-20; over these epochs the share of pieces falls from 1 "
                                "(only pieces) to the share above")
    min_cut: int = option(1, "Shortest letter piece: in letters, at least 1")
    augment: dict = field(default_factory=_seed_augment,
                          metadata={"help": "Augmentation of the generated training words: a strength per kind "
                                            "(core.synth.generator.Augment)"})
    capitals: float = option(0.05, "Words in capitals: 0-0.6, the share of the composed words of a text reader's "
                                   "training written in capitals (0.12 are numbers, 0.28 capitalised); more reads "
                                   "all-capital writing better")
    letter_by_letter: float = option(0.0, "Texts written letter by letter: 0-1, the share of the composed texts of a "
                                          "text reader's training whose letters stand up to three times as far apart "
                                          "(the words too), as people write in boxes; more reads such writing better")
    word_lines: float = option(0.0, "Lines built from real words: 0-0.8, the share of a text reader's training samples "
                                    "that are 2-8 real isolated words of one writer laid on one line as real lines "
                                    "lay out theirs (gaps, drift, size); the rest keep their shares; more shows "
                                    "more words in lines")
    augment_lines: float = option(0.0, "Augmented real lines: 0-1, the share of a text reader's real training lines "
                                       "drawn as a copy with other word gaps, slant, width and tilt; more varies the "
                                       "few real lines")
    eval_repeats: int = option(8, "Renderings per word in each evaluation: 1-16; more gives steadier figures but a "
                                  "slower evaluation after every epoch")
    eval_seed: int | None = option(None, "Seed of the evaluation renderings: the run's seed unless given")
    # input
    encoding: str = option("seed", "Input encoding: delta (scaled to the ink height, resampled evenly, pen-up jumps "
                                   "kept: reads real handwriting), delta-line (the same, scaled by the line's corpus "
                                   "height: one scale for words and lines), seed (raw dx, dy, pen up, as seed 001) or "
                                   "graves25 (Liwicki and Bunke's 25 online features of a normalised line)")
    spacing: float = option(0.05, "Resampling step: 0.02-0.2 of the ink height (delta) or 0.05-0.3 corpus heights "
                                  "(graves25); smaller keeps more detail but gives more frames, so training and "
                                  "reading are slower")
    input_scaling: bool = option(False, "Scale the inputs: divide dx and dy by their spread in the training data (off: "
                                        "raw frames, as seed 001); on helps the delta encoding learn quickly")
    # model
    hidden: int = option(64, "LSTM units per direction: 4-512; more reads harder writing but trains and reads slower")
    layers: int = option(1, "LSTM layers: 1-5; more layers learn longer patterns but train slower")
    bidirectional: bool = option(True, "Read both ways: the LSTM reads the ink forwards and backwards; off reads "
                                       "forwards only, so it must name a letter before seeing its end (much worse)")
    dropout: float = option(0.0, "Dropout: 0-0.8 of the units silenced at random while training; more fights "
                                 "overfitting but learns slower")
    conv_channels: int = option(0, "Conv front end channels: 0-128 (0: none); a 1-D convolution that finds local "
                                   "stroke shapes before the LSTM; more finds more shapes, slower")
    conv_kernel: int = option(5, "Conv kernel width: odd, in frames; wider sees longer pieces of stroke")
    conv_stride: int = option(1, "Conv stride: 1-3; 2 gives the LSTM every second frame (about twice as fast), 3 every "
                                 "third (needs a conv front end)")
    init: str = option("", "Start from: a trained reader (its folder or .pt) whose weights this one begins with, "
                           "for the characters both know; its encoding and shape must fit (empty: fresh weights)")
    # optimisation
    batch_size: int = option(1, "Words per training step: 1-128; more makes an epoch faster but takes fewer, smoother "
                                "steps")
    lr: float = option(5e-3, "Learning rate: 0.00001-1 (Adam; the peak of the onecycle and cosine schedules); higher "
                             "learns faster until training diverges")
    schedule: str = option("constant", "Learning-rate schedule: constant, onecycle (rises, then falls) or cosine "
                                       "(falls from the peak), per step")
    epochs: int = option(25, "Epochs: 1-100 passes over freshly drawn training words, each followed by an evaluation; "
                             "more trains longer and usually better")
    grad_clip: float = option(5.0, "Gradient clip: 0-20, the largest gradient norm a step may take (0: no clip); lower "
                                   "keeps steps safe but may slow learning")
    ctc: str = option("torch", "CTC loss code: torch (torch's ctc_loss) or numpy (this lab's own, core/ctc/loss.py); "
                               "the same loss, torch is faster")
    seed: int = option(0, "Seed: of the held-out split, the initial weights and the renderings; the same seed gives "
                          "the same run")
    # One thread: these matrices are too small to split, and two runs side by side (one per
    # core, as the dashboard and sweeps start them) with two threads each slow down many-fold.
    threads: int = option(1, "CPU threads: 1-8 for torch; fixed, so that a run is reproducible; one per run when runs "
                             "share the cores")

    def __post_init__(self):
        if isinstance(self.augment, Augment):
            object.__setattr__(self, "augment", self.augment.to_dict())
        if not isinstance(self.augment, dict):
            raise InputError("augment must be a dict of augmentation parameters")
        # Missing augmentation keys take the seed style's values; bad ones are an error.
        object.__setattr__(self, "augment", Augment.from_dict({**_seed_augment(), **self.augment}).to_dict())
        check_field_types(self, "reader")
        checks = [
            (isinstance(self.data, str) and self.data != "", "data must name a data source, e.g. seed"),
            (self.style in STYLES, f"style must be one of {', '.join(STYLES)}"),
            (self.charset in ("az", "text"), "charset must be az or text"),
            (0.0 <= self.holdout_frac < 1.0, "holdout_frac (held-out share) must be in [0, 1)"),
            (self.repeats >= 1, "repeats must be at least 1"),
            (0.0 <= self.cut_fraction <= 1.0, "cut_fraction must be in [0, 1]"),
            (self.cut_warmup >= 0, "cut_warmup must be >= 0"),
            (self.min_cut >= 1, "min_cut must be at least 1"),
            (0.0 <= self.capitals <= 0.6, "capitals must be in [0, 0.6]"),
            (0.0 <= self.letter_by_letter <= 1.0, "letter_by_letter must be in [0, 1]"),
            (0.0 <= self.word_lines <= 0.8, "word_lines must be in [0, 0.8]"),
            (0.0 <= self.augment_lines <= 1.0, "augment_lines must be in [0, 1]"),
            (self.eval_repeats >= 1, "eval_repeats must be at least 1"),
            (self.eval_seed is None or isinstance(self.eval_seed, int), "eval_seed must be an integer"),
            (self.encoding in ENCODINGS, f"encoding must be one of {', '.join(ENCODINGS)}"),
            (self.spacing > 0, "spacing must be positive"),
            (1 <= self.hidden <= 512, "hidden must be 1-512 units"),
            (1 <= self.layers <= 5, "layers must be 1-5"),
            (0.0 <= self.dropout < 1.0, "dropout must be in [0, 1)"),
            (self.conv_channels >= 0, "conv_channels must be >= 0 (0: no conv front end)"),
            (self.conv_kernel >= 1 and self.conv_kernel % 2 == 1, "conv_kernel must be a positive odd number"),
            (self.conv_stride in (1, 2, 3), "conv_stride must be 1, 2 or 3"),
            (self.conv_stride == 1 or self.conv_channels > 0, "conv_stride needs a conv front end (conv_channels > 0)"),
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
# The natural style's augmentation of the a-z readers of real handwriting (issue 6's values, see
# checkpoints/reader-az): their synthetic words are varied this much.
REAL_INK_AUGMENT = {"jitter": 0.003, "slant": 0.3, "scale": 0.1, "aspect": 0.15, "rotation": 4.0, "spacing": 0.12,
                    "baseline": 0.03, "density": 1.0, "allograph": 0.5, "ligature": 0.3}
PRESETS: dict[str, ReaderConfig] = {
    # Seed 001's exact setting: one word per step, Adam 5e-3, clip 5, 25 epochs of 6 renderings.
    "seed": SEED,
    # The measured best recipe on the seed protocol (bench/reader.py; checkpoints/reader-seed/README.md):
    # - delta encoding: pen-up jumps show where a dot, bar or next letter starts (seed 001's
    #   zero step makes a t-bar followed by an o look like an e); resampled at 0.15 of the
    #   height it is also as short as the seed encoding and independent of pen speed and scale;
    # - a conv front end with stride 2: local stroke features, and half the LSTM steps;
    # - words cut at letter boundaries (only pieces for the first epochs, then 70%), so the
    #   reader learns letters rather than whole-word shapes: held-out words become readable;
    # - small batches at a cosine-decaying rate: many cheap updates early, a stable end;
    # - 48 conv channels and LSTM units: with 32, 2 of seeds 0-9 misread a held-out word
    #   (held-out CER 0.03-0.04); with 48 none above 0.005, for about 15% more time;
    # - dx and dy scaled by their training statistics.
    "fast": dataclasses.replace(SEED, encoding="delta", spacing=0.15, input_scaling=True, conv_channels=48,
                                conv_kernel=5, conv_stride=2, hidden=48, batch_size=4, lr=1e-2,
                                schedule="cosine", epochs=14, repeats=8, cut_fraction=0.7, cut_warmup=3),
    # The a-z reader of real handwriting (issue 6; its values are that work's, see
    # checkpoints/reader-az): synthetic, composed and real UNIPEN words, delta encoding, 2x128.
    "az": dataclasses.replace(SEED, data="unipen", style="natural", repeats=4, eval_repeats=1,
                              augment=REAL_INK_AUGMENT,
                              input_scaling=True, encoding="delta", spacing=0.1, hidden=128, layers=2,
                              batch_size=32, epochs=60, threads=2),
    # The Train page's default: an a-z reader of the canvas in minutes (how long: core/models/preset_times.json,
    # measured by bench/preset_times.py), not az's hour. The az data (real UNIPEN words, words composed from real letters, synthetic words); a
    # strided conv front end halves the LSTM's steps, 2x96 units do half of az's work per step; one
    # thread, so that two runs fit the two cores. Seed 0 (measured on the shared machine): held-out
    # (unseen writers) greedy CER 0.100 after 30 epochs in 815 s, against reader-az's 0.098.
    "az-quick": dataclasses.replace(SEED, data="unipen", style="natural", repeats=4, eval_repeats=1,
                                    augment=REAL_INK_AUGMENT,
                                    input_scaling=True, encoding="delta", spacing=0.1, conv_channels=64,
                                    conv_kernel=5, conv_stride=2, hidden=96, layers=2, batch_size=16, lr=5e-3,
                                    schedule="onecycle", epochs=30, threads=1),
    # The a-z reader of strangers (issue 17): the training corpus split by contributor (its ~50,000
    # real lowercase words of the training contributors lead each epoch, with words composed from
    # their letters and synthetic words); az-quick's strided conv front end with az's 2x128 LSTM;
    # 2,400 words an epoch; the epoch kept is the best on the validation contributors' words.
    "az-corpus": dataclasses.replace(SEED, data="unipen-train", style="natural", repeats=8, eval_repeats=1,
                                     augment=REAL_INK_AUGMENT,
                                     input_scaling=True, encoding="delta", spacing=0.1, conv_channels=64,
                                     conv_kernel=5, conv_stride=2, hidden=128, layers=2, batch_size=16, lr=5e-3,
                                     schedule="onecycle", epochs=40, threads=1),
    # Real handwriting, learnt while you watch (issue 17): az-quick's model on the training corpus split by
    # contributor, 16 epochs of 1,200 words (mostly real words of the training contributors), a few
    # minutes on one core; the Train page draws the test contributors' CER live.
    "fast-real": dataclasses.replace(SEED, data="unipen-train", style="natural", repeats=4, eval_repeats=1,
                                     augment=REAL_INK_AUGMENT,
                                     input_scaling=True, encoding="delta", spacing=0.1, conv_channels=64,
                                     conv_kernel=5, conv_stride=2, hidden=96, layers=2, batch_size=16, lr=5e-3,
                                     schedule="onecycle", epochs=16, threads=1),
    # The text reader (issue 15): lines and words of any case of the training corpus, split by contributor,
    # and texts composed from one writer's characters. Started from reader-az's weights (its conv front end
    # and 2x128 BLSTM read letters already; the output layer learns capitals, digits, punctuation and the
    # space): from fresh weights a line reader sits on CTC's "only blanks" plateau for hours on this machine.
    # delta-line: delta's frames at one scale per line (the corpus height), so words and lines look alike.
    # The shipped reader-text is this recipe trained on in four sittings (checkpoints/reader-text/card.json says
    # how; the README's text reader section shows the curves).
    # Its data (issue 24, measured on the validation contributors from the same start, 12 epochs of 2,400
    # samples each): lines built from real words (0.35 of the samples) and augmented real lines (half of them)
    # read validation lines and words at CER 0.153 against 0.163 with lines, words and composed texts alone.
    "text": dataclasses.replace(SEED, data="unipen-train", charset="text", style="natural", repeats=8,
                                capitals=0.25, letter_by_letter=0.3, word_lines=0.35, augment_lines=0.5,
                                eval_repeats=1, input_scaling=True, encoding="delta-line", spacing=0.1,
                                conv_channels=64, conv_kernel=5, conv_stride=2, hidden=128, layers=2,
                                init="checkpoints/reader-az", batch_size=16, lr=2e-3, schedule="onecycle",
                                epochs=10, threads=1),
    # A line reader learning while you watch (issue 15): the text recipe in 8 epochs of 1,200 samples, 7 minutes
    # on one core beside another training with the padded trainer (issue 24: 386 s of training, validation CER
    # 0.406 after epoch 1, 0.219 after epoch 8); reader-az's weights read letters from the first epoch, and the
    # Train page's live curve (200 test-contributor lines) shows capitals, digits and spaces being learnt.
    "fast-text": dataclasses.replace(SEED, data="unipen-train", charset="text", style="natural", repeats=4,
                                     capitals=0.25, letter_by_letter=0.3, word_lines=0.35, augment_lines=0.5,
                                     eval_repeats=1, input_scaling=True, encoding="delta-line", spacing=0.1,
                                     conv_channels=64, conv_kernel=5, conv_stride=2, hidden=128, layers=2,
                                     init="checkpoints/reader-az", batch_size=16, lr=3e-3, schedule="onecycle",
                                     epochs=8, threads=1),
    # Seconds end to end, for tests and CI: the fast recipe, smaller and shorter.
    "tiny": dataclasses.replace(SEED, encoding="delta", spacing=0.15, input_scaling=True, conv_channels=16,
                                conv_stride=2, hidden=16, batch_size=8, lr=1e-2, epochs=2, repeats=2,
                                cut_fraction=0.7, cut_warmup=1, eval_repeats=1),
}


# What each preset is, in words: the Train page's preset picker and `train reader --preset`'s help.
PRESET_NOTES: dict[str, str] = {
    "az-quick": "a-z reader of real and synthetic words, quick: reads the canvas (the Train page's default)",
    "fast-text": "a line reader of real ink learning while you watch: capitals, digits, punctuation and spaces, "
                 "starting from reader-az's weights",
    "text": "the shipped reader-text's recipe: lines of the whole training corpus, starting from reader-az's weights",
    "fast-real": "real handwriting while you watch: the whole training corpus, split by contributor, with the test "
                 "contributors' CER drawn live",
    "az-corpus": "the a-z reader of strangers: the whole training corpus",
    "az": "the first reader-az's recipe: 2x128 units on real and synthetic words",
    "fast": "seed 001's protocol, the measured best recipe (ten letters)",
    "seed": "seed 001's protocol with seed 001's own recipe (ten letters)",
    "tiny": "the tests' preset, to check that training works; it reads nothing useful",
}


def preset(name: str, **overrides: Any) -> ReaderConfig:
    """A preset by name with some fields changed; unknown names or keys are an error."""
    if name not in PRESETS:
        raise InputError(f"unknown reader preset {name!r}", f"choose one of {', '.join(PRESETS)}")
    return PRESETS[name].replace(**overrides)


class WordReader(nn.Module):
    """Input scaling -> conv front end (optional) -> LSTM stack -> dropout -> linear -> log-softmax.

    `packed = True` runs the LSTM over a PackedSequence instead (the former path, same outputs; kept for
    the tests and the speed bench's "before").
    """

    packed = False

    def __init__(self, config: ReaderConfig, n_classes: int):
        super().__init__()
        # Per-channel input statistics live in the state dict, so a checkpoint
        # always scales its input the way it was trained.
        n_in = CHANNELS[config.encoding]
        self.register_buffer("in_mean", torch.zeros(n_in))
        self.register_buffer("in_std", torch.ones(n_in))
        self.conv = None
        if config.conv_channels:
            self.conv = nn.Conv1d(n_in, config.conv_channels, config.conv_kernel, stride=config.conv_stride,
                                  padding=config.conv_kernel // 2)
            n_in = config.conv_channels
        self.stride = config.conv_stride
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

    def output_lengths(self, lengths: torch.Tensor) -> torch.Tensor:
        """Output frames for inputs of `lengths` frames: ceil(length / conv_stride)."""
        return (lengths + self.stride - 1) // self.stride

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """(B, T, channels) zero-padded frames and their lengths -> (B, T', classes) log-probabilities.

        T' = ceil(T / conv_stride); rows past a word's `output_lengths` are
        padding and carry no meaning.
        """
        mask = (torch.arange(x.shape[1], device=x.device)[None, :] < lengths[:, None]).unsqueeze(-1)
        # Padding stays exactly zero after scaling: the conv then sees the same
        # zeros past a word's end whether or not it was batched with longer words.
        x = (x - self.in_mean) / self.in_std * mask
        if self.conv is not None:
            lengths = self.output_lengths(lengths)
            mask = (torch.arange(int(lengths.max()), device=x.device)[None, :] < lengths[:, None]).unsqueeze(-1)
            x = torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)[:, :mask.shape[1]] * mask
        h = (packed_lstm if self.packed else padded_lstm)(self.lstm, x, lengths)
        return self.out(self.drop(h)).log_softmax(-1)


def build_reader(config: ReaderConfig, alphabet: Sequence[str]) -> WordReader:
    """A freshly initialised model for `config` over `alphabet` (blank included)."""
    return WordReader(config, len(alphabet))


def n_parameters(model: nn.Module) -> int:
    """Trainable parameters (the input statistics are buffers, not counted)."""
    return sum(p.numel() for p in model.parameters())
