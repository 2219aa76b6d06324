"""Reading one drawing: what the Draw and Alignment pages show, computed once.

`read_drawing` runs the reader on an ink and decodes it three ways
(greedy, prefix beam, lexicon), with a confidence, the model's view of the
ink and its per-frame probabilities. `explain_alignment` adds, for a
target word, the CTC posteriors of the target and the forced-alignment
segments mapped back onto the ink's points.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core import decoders
from core.errors import InputError
from core.ink import Ink, encode, ink_from_frames, n_points, normalise
from core.inkio import limit_points

MIN_POINTS = 2


@dataclass
class Reading:
    log_probs: np.ndarray                 # (T, K)
    alphabet: list[str]
    greedy: str
    beam: list[tuple[str, float]]
    lexicon: list[tuple[str, float]]
    confidence: float
    model_ink: Ink                        # the ink as the model sees it (after its encoding)
    n_points: int
    downsampled: bool = False
    argmax: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))

    @property
    def best_text(self) -> str:
        return self.lexicon[0][0] if self.lexicon else (self.beam[0][0] if self.beam else self.greedy)


def check_drawing(ink: Ink) -> Ink:
    """Refuse empty and one-point drawings; downsample huge ones (every stroke kept)."""
    if n_points(ink) < MIN_POINTS:
        raise InputError("the drawing is empty or a single point", "draw a word with at least one stroke")
    return limit_points(ink)


def model_view(ink: Ink, encoding: str, spacing: float) -> Ink:
    """The ink rebuilt from the frames the model reads (normalised for display)."""
    frames = encode(ink, encoding, spacing)
    return ink_from_frames(frames) if encoding == "delta" else normalise(ink)


def read_drawing(reader, ink: Ink, lexicon: list[str] | None = None, beam_width: int = 10,
                 top: int = 5) -> Reading:
    """Run `reader` (a core.reader.LoadedReader) on `ink` and decode it."""
    before = n_points(ink)
    ink = check_drawing(ink)
    lp = reader.log_probs(ink)
    alphabet = list(reader.alphabet)
    greedy = decoders.greedy_decode(lp, alphabet)
    beam = decoders.beam_decode(lp, alphabet, beam_width)[:top]
    lex = decoders.lexicon_decode(lp, alphabet, decoders.build_lexicon(lexicon, alphabet), top=top) if lexicon else []
    best = lex[0][0] if lex else (beam[0][0] if beam else greedy)
    cfg = reader.config
    return Reading(lp, alphabet, greedy, beam, lex, decoders.confidence(lp, best, alphabet),
                   model_view(ink, cfg.encoding, cfg.spacing), n_points(ink), n_points(ink) < before,
                   lp.argmax(axis=1))


@dataclass
class Alignment:
    target: str
    posteriors: np.ndarray                # (T, K) CTC posteriors of the target
    segments: list                        # decoders.Segment per character (frames)
    point_segments: list[tuple[int, int, str]]  # (first point, end point, label) on the model's ink
    log_likelihood: float


def frame_points(ink: Ink, encoding: str, spacing: float) -> Ink:
    """The points behind each frame, in frame order: raw points (seed) or resampled ones (delta)."""
    from core.ink import prepare

    return ink if encoding == "seed" else prepare(ink, spacing)


def frame_stride(reader) -> int:
    """Input points per output frame: a strided conv front end reads `conv_stride` points per frame."""
    return int(getattr(reader.config, "conv_stride", 1) or 1) if getattr(reader.config, "conv_channels", 0) else 1


def explain_alignment(reader, ink: Ink, target: str) -> Alignment:
    """Where the reader emits each letter of `target`, by CTC posteriors and forced alignment."""
    from core.ctc import ctc_posteriors

    ink = check_drawing(ink)
    alphabet = list(reader.alphabet)
    bad = sorted({c for c in target if c not in alphabet[1:]})
    if not target or bad:
        raise InputError(f"this reader cannot read {'an empty word' if not target else ' '.join(bad)}",
                         f"use letters from '{''.join(alphabet[1:])}'")
    lp = reader.log_probs(ink)
    labels = [alphabet.index(c) for c in target]
    try:
        segments = decoders.forced_align(lp, target, alphabet)
    except ValueError as exc:
        raise InputError(str(exc), "the word is too long for this drawing") from exc
    post = ctc_posteriors(lp, labels)
    from core.ctc import ctc_loss

    ll = -float(ctc_loss(lp, labels))
    pts = frame_points(ink, reader.config.encoding, reader.config.spacing)
    total, stride = n_points(pts), frame_stride(reader)
    point_segments = [(min(s.start * stride, total), min(s.end * stride, total), s.label) for s in segments]
    return Alignment(target, post, segments, point_segments, ll)
