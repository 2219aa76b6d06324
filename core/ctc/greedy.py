"""Best path decoding (Graves et al., ICML 2006, section 3.2)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from core.ctc.matrix import check_log_probs


def best_path(log_probs, blank: int = 0) -> list[int]:
    """Class labels of the best path: argmax per frame, repeats collapsed, blanks dropped."""
    best = np.asarray(log_probs).argmax(axis=1)
    keep = np.ones(len(best), dtype=bool)
    keep[1:] = best[1:] != best[:-1]
    return [int(k) for k in best[keep] if k != blank]


def greedy_decode(log_probs, alphabet: Sequence[str], blank: int = 0) -> str:
    """Best path decoding (Graves et al. 2006, section 3.2): argmax, collapse repeats, drop blanks."""
    lp = check_log_probs(log_probs, alphabet, blank)
    return "".join(alphabet[k] for k in best_path(lp, blank))
