"""Prefix beam search without a language model (Hannun et al. 2014)."""
from __future__ import annotations

import heapq
import math
from typing import Sequence

from core.ctc.matrix import NEG_INF, check_log_probs, log_add
from core.errors import InputError


def beam_decode(log_probs, alphabet: Sequence[str], beam_width: int = 10, blank: int = 0,
                prune: float = 1e-3) -> list[tuple[str, float]]:
    """Prefix beam search without a language model (Hannun et al. 2014, arXiv:1408.2873), best first.

    Each prefix carries the log-probability of its paths so far that end in
    a blank and in a non-blank; after every frame the `beam_width` most
    probable prefixes survive. At each frame only characters with
    probability >= `prune` are tried as extensions (0 tries all), which
    keeps the search fast on peaky CTC outputs; the frame's best character
    is always tried. Returns up to `beam_width` (text, log-probability)
    pairs; the log-probability sums the paths the beam kept, so it is a
    lower bound of the text's CTC likelihood.
    """
    lp = check_log_probs(log_probs, alphabet, blank)
    if beam_width < 1:
        raise InputError(f"beam width must be at least 1, got {beam_width}")
    log_prune = math.log(prune) if prune > 0 else NEG_INF
    K = lp.shape[1]
    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, NEG_INF)}
    for row in lp.tolist():
        best = max((k for k in range(K) if k != blank), key=row.__getitem__, default=None)
        cands = [k for k in range(K) if k != blank and (row[k] >= log_prune or k == best)]
        p_blank = row[blank]
        nxt: dict[tuple[int, ...], list[float]] = {}
        for prefix, (pb, pnb) in beams.items():
            total = log_add(pb, pnb)
            cur = nxt.setdefault(prefix, [NEG_INF, NEG_INF])
            cur[0] = log_add(cur[0], total + p_blank)
            last = prefix[-1] if prefix else -1
            if last >= 0:
                # The last character again without a blank collapses into the same prefix.
                cur[1] = log_add(cur[1], pnb + row[last])
            for k in cands:
                ext = nxt.setdefault(prefix + (k,), [NEG_INF, NEG_INF])
                # A repeated character starts a new one only after a blank.
                ext[1] = log_add(ext[1], (pb if k == last else total) + row[k])
        ranked = heapq.nlargest(beam_width, nxt.items(), key=lambda kv: log_add(kv[1][0], kv[1][1]))
        beams = {p: (v[0], v[1]) for p, v in ranked}
    out = [("".join(alphabet[k] for k in p), log_add(pb, pnb)) for p, (pb, pnb) in beams.items()]
    return sorted((o for o in out if o[1] > NEG_INF), key=lambda x: -x[1])
