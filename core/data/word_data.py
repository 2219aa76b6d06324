"""What a word reader trains and is evaluated on, whatever the source (seed protocol, a-z words)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from core.ink.ink import Ink


@dataclass
class WordData:
    """What a reader trains and is evaluated on.

    `sample_epoch(rng, epoch)` returns fresh (ink, text) pairs for epoch
    `epoch` (1-based) drawn from `rng`; `eval_sets` maps a split name
    ("invocab", "heldout", ...) to fixed (ink, text) pairs; `lexicon` is the
    default word list of lexicon decoding; `select_on` names the evaluation set whose CER
    chooses the best epoch (the other breaks ties).
    """

    alphabet: list[str]
    sample_epoch: Callable[[np.random.Generator, int], list[tuple[Ink, str]]]
    eval_sets: dict[str, list[tuple[Ink, str]]]
    description: dict
    lexicon: list[str]
    select_on: str = "invocab"
