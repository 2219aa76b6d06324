"""Where a reader emits each letter of a word: CTC posteriors and forced alignment on the ink (the Alignment page)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.ctc.align import Segment, forced_align
from core.ctc.posteriors import ctc_loss, ctc_posteriors
from core.data.alphabets import letters_of
from core.errors import InputError
from core.ink.encodings import frame_points
from core.ink.ink import Ink, n_points
from core.models.inference import LoadedReader, check_drawing


@dataclass
class Alignment:
    target: str
    posteriors: np.ndarray                # (T, K) CTC posteriors of the target
    segments: list[Segment]               # one per character (frames)
    point_segments: list[tuple[int, int, str]]  # (first point, end point, label) on the model's ink
    log_likelihood: float


def frame_stride(reader: LoadedReader) -> int:
    """Input points per output frame: a strided conv front end reads `conv_stride` points per frame."""
    return int(reader.config.conv_stride or 1) if reader.config.conv_channels else 1


def explain_alignment(reader: LoadedReader, ink: Ink, target: str) -> Alignment:
    """Where the reader emits each letter of `target`, by CTC posteriors and forced alignment."""
    ink = check_drawing(ink)
    alphabet = list(reader.alphabet)
    letters = letters_of(alphabet)
    bad = sorted({c for c in target if c not in letters})
    if not target or bad:
        raise InputError(f"this reader cannot read {'an empty word' if not target else ' '.join(bad)}",
                         f"use letters from '{''.join(letters)}'")
    lp = reader.log_probs(ink)
    labels = [alphabet.index(c) for c in target]
    try:
        segments = forced_align(lp, target, alphabet)
    except ValueError as exc:
        raise InputError(str(exc), "the word is too long for this drawing") from exc
    post = ctc_posteriors(lp, labels)
    ll = -float(ctc_loss(lp, labels))
    pts = frame_points(ink, reader.config.encoding, reader.config.spacing)
    total, stride = n_points(pts), frame_stride(reader)
    point_segments = [(min(s.start * stride, total), min(s.end * stride, total), s.label) for s in segments]
    return Alignment(target, post, segments, point_segments, ll)
