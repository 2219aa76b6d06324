"""One sequence's CTC quantities, as the alignment views plot them: alpha, beta, loss, posteriors, gradient."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from core.ctc.loss import Lattice, build_lattice, check_batch, class_posteriors, log_state_posteriors
from core.errors import InputError


def _single(log_probs, target, blank: int) -> tuple[Lattice, np.ndarray]:
    lp = np.asarray(log_probs, dtype=np.float64)
    if lp.ndim != 2:
        raise InputError(f"log-probabilities of one sequence must be (T, K), got shape {lp.shape}")
    tgt = np.asarray(target, dtype=np.int64).reshape(1, -1)
    il, tl = np.array([lp.shape[0]]), np.array([tgt.shape[1]])
    check_batch(lp[:, None, :], tgt, il, tl, blank)
    return build_lattice(lp[:, None, :], tgt, il, tl, blank), lp


def ctc_alpha(log_probs: np.ndarray, target: Sequence[int], blank: int = 0) -> np.ndarray:
    """Log forward variables alpha (T, 2L+1) of one (T, K) sequence (Graves et al. 2006, eq. 5-7)."""
    return _single(log_probs, target, blank)[0].alpha[:, :, 0].copy()


def ctc_beta(log_probs: np.ndarray, target: Sequence[int], blank: int = 0) -> np.ndarray:
    """Log backward variables beta (T, 2L+1), including frame t's emission (Graves et al. 2006, eq. 10-11)."""
    return _single(log_probs, target, blank)[0].beta[:, :, 0].copy()


def ctc_loss(log_probs: np.ndarray, target: Sequence[int], blank: int = 0) -> float:
    """-log p(target | x) for one (T, K) sequence of log-probabilities; inf if infeasible (Graves 2006, eq. 8)."""
    return float(_single(log_probs, target, blank)[0].nll[0])


def ctc_state_posteriors(log_probs: np.ndarray, target: Sequence[int], blank: int = 0) -> np.ndarray:
    """P(extended state s at frame t | target, x) as (T, 2L+1); each frame sums to 1 (NaN if infeasible)."""
    lat, _ = _single(log_probs, target, blank)
    return np.exp(log_state_posteriors(lat)[:, :, 0])


def ctc_posteriors(log_probs: np.ndarray, target: Sequence[int], blank: int = 0) -> np.ndarray:
    """gamma (T, K): P(class k emitted at frame t | target, x); each frame sums to 1 (Graves 2006, eq. 14)."""
    lat, lp = _single(log_probs, target, blank)
    return class_posteriors(lat, lp.shape[1])[:, 0]


def ctc_grad_logits(log_probs: np.ndarray, target: Sequence[int], blank: int = 0) -> np.ndarray:
    """dL/dlogits (T, K) = softmax - gamma, for log_probs = log_softmax(logits) (Graves 2006, eq. 16)."""
    lat, lp = _single(log_probs, target, blank)
    return np.exp(lp) - class_posteriors(lat, lp.shape[1])[:, 0]
