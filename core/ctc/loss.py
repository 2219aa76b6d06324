"""Connectionist temporal classification in numpy (Graves et al., ICML 2006).

Everything is computed in log space over the *extended* label sequence
l' = (blank, l1, blank, l2, ..., lL, blank) of S = 2L + 1 states:

* alpha[t, s]: log-probability of all path prefixes over frames 0..t that
  end in state s (Graves 2006, eq. 5-7);
* beta[t, s]: log-probability of all path suffixes over frames t..T-1 that
  start in state s. Like Graves (eq. 10-11) beta includes frame t's own
  emission, so alpha[t, s] + beta[t, s] - log y[t, l'_s] is the log-mass of
  the complete paths through state s at frame t;
* loss: the negative log-likelihood -log p(l | x);
* posteriors gamma[t, k]: the probability that the path emits class k at
  frame t given the target (what the alignment views plot); each frame sums
  to 1 over k;
* gradient with respect to the unnormalised logits a[t, k], when the
  log-probabilities are log_softmax(a): dL/da[t, k] = y[t, k] - gamma[t, k]
  (Graves 2006, eq. 16).

The blank index is always an argument (default 0). The batched entry point
`ctc_loss_batch` is vectorised over the batch and over the extended-label
axis and loops over time only; the backward recursion is the forward
recursion run on the time- and label-reversed sequences, so both passes
share one loop over stacked arrays. `core.ctc.autograd` plugs the result
into torch autograd; `core.ctc.posteriors` gives the per-sequence views.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch  # inputs may be tensors, as torch's ctc_loss takes them

from core.errors import InputError

REDUCTIONS = ("mean", "sum", "none")

# Stands in for a row maximum of -inf inside the log-sum-exp, so that
# "-inf - max" stays -inf instead of becoming nan.
_FLOOR = -1e300


# ----------------------------------------------------------------------------
# Input handling


def extend_target(target: Sequence[int], blank: int = 0) -> np.ndarray:
    """The extended label sequence (blank, l1, blank, ..., lL, blank) of length 2L + 1."""
    target = np.asarray(target, dtype=np.int64).reshape(-1)
    ext = np.full(2 * len(target) + 1, blank, dtype=np.int64)
    ext[1::2] = target
    return ext


def pad_targets(targets, target_lengths, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """Targets in any of torch's layouts (or a list of sequences) as a padded (B, Lmax) array and lengths."""
    if isinstance(targets, torch.Tensor):
        targets = targets.detach().cpu().numpy()
    if target_lengths is not None:
        target_lengths = np.asarray(
            target_lengths.detach().cpu().numpy() if isinstance(target_lengths, torch.Tensor) else target_lengths,
            dtype=np.int64).reshape(-1)
    if isinstance(targets, np.ndarray) and targets.ndim == 2:
        padded = targets.astype(np.int64, copy=False)
        lengths = np.full(len(padded), padded.shape[1], np.int64) if target_lengths is None else target_lengths
        if len(padded) != batch:
            raise InputError(f"targets have {len(padded)} rows but the batch has {batch} sequences")
    elif isinstance(targets, np.ndarray) and targets.ndim == 1 and target_lengths is not None:
        # torch's concatenated layout: all targets one after the other.
        if int(target_lengths.sum()) != len(targets):
            raise InputError(f"concatenated targets have {len(targets)} labels but target_lengths sum to "
                             f"{int(target_lengths.sum())}")
        if (target_lengths < 0).any():
            raise InputError("target lengths must be non-negative")
        padded = np.zeros((len(target_lengths), int(target_lengths.max(initial=0))), np.int64)
        mask = np.arange(padded.shape[1]) < target_lengths[:, None]
        padded[mask] = targets
        lengths = target_lengths
    else:
        seqs = [np.asarray(s, dtype=np.int64).reshape(-1) for s in targets]
        lengths = np.array([len(s) for s in seqs], np.int64) if target_lengths is None else target_lengths
        padded = np.zeros((len(seqs), max((len(s) for s in seqs), default=0)), np.int64)
        for i, s in enumerate(seqs):
            padded[i, :len(s)] = s
    if len(lengths) != batch or len(padded) != batch:
        raise InputError(f"got {len(lengths)} target lengths for a batch of {batch} sequences")
    if (lengths < 0).any() or (lengths > padded.shape[1]).any():
        raise InputError("target lengths must lie between 0 and the padded target length")
    return padded, lengths


def check_batch(lp: np.ndarray, targets: np.ndarray, input_lengths: np.ndarray, target_lengths: np.ndarray,
           blank: int) -> None:
    T, B, K = lp.shape
    if not 0 <= blank < K:
        raise InputError(f"blank index {blank} is outside the {K} classes")
    if len(input_lengths) != B:
        raise InputError(f"got {len(input_lengths)} input lengths for a batch of {B} sequences")
    if (input_lengths < 0).any() or (input_lengths > T).any():
        raise InputError(f"input lengths must lie between 0 and T = {T}")
    used = np.arange(targets.shape[1]) < target_lengths[:, None]
    labels = targets[used]
    if labels.size and (labels.min() < 0 or labels.max() >= K):
        raise InputError(f"target labels must be class indices in 0..{K - 1}")
    if (labels == blank).any():
        raise InputError(f"a target contains the blank index {blank}",
                         hint="targets hold letters only; the blank is implicit")


# ----------------------------------------------------------------------------
# The lattice


@dataclass
class Lattice:
    """Forward and backward variables of a batch, all (T, S, B) in log space.

    States come before the batch so that every shifted operand of the
    recursion, and every result, is one contiguous block that numpy's
    vectorised loops handle in a single pass (with (B, S) rows of a few
    states, per-row overhead dominated).
    """

    lp_ext: np.ndarray      # log y[t, l'_s] of sample b, -inf on padded states
    alpha: np.ndarray
    beta: np.ndarray
    nll: np.ndarray         # (B,)
    ext: np.ndarray         # (B, S) extended labels, blank on padded states
    state_ok: np.ndarray    # (B, S) True on real states
    frame_ok: np.ndarray    # (T, B) True on real frames


def _skip_allowed(ext: np.ndarray, state_ok: np.ndarray, blank: int) -> np.ndarray:
    """Where the s-2 -> s transition exists: s is a label different from the label two states before."""
    skip = np.zeros(ext.shape, bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    return skip & state_ok


def _recursion(lp_ext: np.ndarray, skip: np.ndarray, steps: int) -> np.ndarray:
    """Log-space forward recursion over (T, S, N) emissions for `steps` frames; returns (T, S, N).

    Each state sums its own previous value, the state before and (where
    `skip` (S, N) allows) the state two before, as an exact element-wise
    log-sum-exp. Two leading -inf state rows make the shifted operands views.
    Frames from `steps` on are left at -inf.
    """
    T, S, N = lp_ext.shape
    A = np.full((T, S + 2, N), -np.inf)
    A[0, 2:4] = lp_ext[0, :2]
    skip_pen = np.where(skip, 0.0, -np.inf)
    m, acc, tmp, a2 = (np.empty((S, N)) for _ in range(4))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        for t in range(1, steps):
            prev = A[t - 1]
            a0, a1 = prev[2:], prev[1:-1]
            np.add(prev[:-2], skip_pen, out=a2)
            np.maximum(a0, a1, out=m)
            np.maximum(m, a2, out=m)
            np.maximum(m, _FLOOR, out=m)
            np.subtract(a0, m, out=acc)
            np.exp(acc, out=acc)
            np.subtract(a1, m, out=tmp)
            np.exp(tmp, out=tmp)
            acc += tmp
            np.subtract(a2, m, out=tmp)
            np.exp(tmp, out=tmp)
            acc += tmp
            out = A[t, 2:]
            np.log(acc, out=out)
            out += m
            out += lp_ext[t]
    return A[:, 2:]


def _recursion_fast(lp_ext: np.ndarray, skip: np.ndarray, steps: int) -> np.ndarray:
    """The same recursion with one reference per column (sample) and frame instead of per state.

    Each frame exponentiates the previous column relative to its largest
    state, sums the shifted operands as probabilities and takes one log:
    about a third fewer array operations than `_recursion`. A state below
    e^-708 of its column's largest underflows; that loses at most T * S *
    e^-708 of probability, so results are exact to double precision
    whenever the loss is below `_FAST_MAX_LOSS` nats, and `build_lattice` redoes
    the other samples with `_recursion`.
    """
    T, S, N = lp_ext.shape
    # Only the two padding rows and the first frame need filling: the loop writes every other frame.
    A = np.empty((T, S + 2, N))
    A[:, :2] = -np.inf
    A[0, 2:] = -np.inf
    A[steps:, 2:] = -np.inf
    A[0, 2:4] = lp_ext[0, :2]
    skip_f = skip.astype(np.float64)
    E, acc, tmp, M = np.empty((S + 2, N)), np.empty((S, N)), np.empty((S, N)), np.empty((1, N))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        for t in range(1, steps):
            prev = A[t - 1]
            prev.max(axis=0, keepdims=True, out=M)
            np.maximum(M, _FLOOR, out=M)
            np.subtract(prev, M, out=E)
            np.exp(E, out=E)
            np.add(E[2:], E[1:-1], out=acc)
            np.multiply(E[:-2], skip_f, out=tmp)
            acc += tmp
            out = A[t, 2:]
            np.log(acc, out=out)
            out += M
            out += lp_ext[t]
    return A[:, 2:]


# Samples whose loss exceeds this are recomputed with the exact element-wise recursion.
_FAST_MAX_LOSS = 600.0


def build_lattice(lp: np.ndarray, targets: np.ndarray, input_lengths: np.ndarray, target_lengths: np.ndarray,
             blank: int) -> Lattice:
    """Forward-backward over a (T, B, K) float64 batch with padded targets."""
    T, B, K = lp.shape
    S = 2 * targets.shape[1] + 1
    s_len = 2 * target_lengths + 1
    ext = np.full((B, S), blank, np.int64)
    ext[:, 1::2] = targets
    state_ok = np.arange(S) < s_len[:, None]
    ext[~state_ok] = blank
    bidx = np.arange(B)
    if T == 0:
        # No frames: only the empty target is possible, with probability 1.
        empty = np.zeros((0, S, B))
        return Lattice(empty, empty, empty, np.where(target_lengths == 0, 0.0, np.inf), ext, state_ok,
                        np.zeros((0, B), bool))

    lp_ext = lp[:, bidx[None, :], ext.T]                            # (T, S, B)
    lp_ext[:, ~state_ok.T] = -np.inf

    # beta is alpha of the reversed problem: frame t -> T_b-1-t, state s -> S_b-1-s.
    # Both are gathered through flat indices, which is several times faster
    # than three-array fancy indexing.
    t_rev = input_lengths[None, :] - 1 - np.arange(T)[:, None]      # (T, B)
    frame_ok = t_rev >= 0
    t_rev = np.where(frame_ok, t_rev, 0)
    s_rev = np.where(state_ok, s_len[:, None] - 1 - np.arange(S), 0)  # (B, S)
    flat = (t_rev[:, None, :] * (S * B) + (s_rev.T * B + bidx)[None]).reshape(-1)
    lp_rev = lp_ext.reshape(-1)[flat].reshape(T, S, B)
    lp_rev[:, ~state_ok.T] = -np.inf
    ext_rev = np.where(state_ok, ext[bidx[:, None], s_rev], blank)

    skip = np.concatenate([_skip_allowed(ext, state_ok, blank), _skip_allowed(ext_rev, state_ok, blank)]).T
    steps = max(int(input_lengths.max(initial=0)), 1)
    stacked = np.concatenate([lp_ext, lp_rev], axis=2)
    both = _recursion_fast(stacked, skip, steps)
    last = np.maximum(input_lengths - 1, 0)
    nll = _final_nll(both[:, :, :B], last, s_len, input_lengths, target_lengths)
    # Where the fast pass may have dropped probability that matters (a huge or
    # infinite loss on a target that fits), redo those samples exactly.
    repeats = ((targets[:, 1:] == targets[:, :-1]) & (np.arange(1, targets.shape[1]) < target_lengths[:, None]))
    fits = input_lengths >= target_lengths + repeats.sum(axis=1)
    redo = np.flatnonzero(fits & ~(nll <= _FAST_MAX_LOSS))
    if len(redo):
        cols = np.concatenate([redo, B + redo])
        both[:, :, cols] = _recursion(np.ascontiguousarray(stacked[:, :, cols]), skip[:, cols], steps)
        nll[redo] = _final_nll(both[:, :, redo], last[redo], s_len[redo], input_lengths[redo],
                               target_lengths[redo])
    alpha = both[:, :, :B]
    beta = np.ascontiguousarray(both[:, :, B:]).reshape(-1)[flat].reshape(T, S, B)
    beta[:, ~state_ok.T] = -np.inf

    return Lattice(lp_ext, alpha, beta, nll, ext, state_ok, frame_ok)


def _final_nll(alpha: np.ndarray, last: np.ndarray, s_len: np.ndarray, input_lengths: np.ndarray,
               target_lengths: np.ndarray) -> np.ndarray:
    """-log p from the forward variables (T, S, B): the last frame's final blank and last label."""
    bidx = np.arange(alpha.shape[2])
    end = alpha[last, s_len - 1, bidx]
    before_end = np.where(target_lengths > 0, alpha[last, np.maximum(s_len - 2, 0), bidx], -np.inf)
    with np.errstate(invalid="ignore"):
        nll = -np.logaddexp(end, before_end)
    # No frames: only the empty target is possible, with probability 1.
    return np.where(input_lengths == 0, np.where(target_lengths == 0, 0.0, np.inf), nll)


def log_state_posteriors(lat: Lattice) -> np.ndarray:
    """log P(state s at frame t | target, x) as (T, S, B); -inf on padding, NaN for infeasible targets."""
    lp_safe = np.where(np.isfinite(lat.lp_ext), lat.lp_ext, 0.0)
    with np.errstate(invalid="ignore"):
        log_post = lat.alpha + lat.beta - lp_safe + lat.nll
    log_post[~lat.frame_ok[:, None, :].repeat(log_post.shape[1], axis=1)] = -np.inf
    return log_post


def class_posteriors(lat: Lattice, K: int) -> np.ndarray:
    """gamma (T, B, K): state posteriors summed over the states that carry each class."""
    post = np.exp(log_state_posteriors(lat))                       # (T, S, B)
    B, S = lat.ext.shape
    onehot = np.zeros((B, S, K))
    onehot[np.arange(B)[:, None], np.arange(S)[None, :], lat.ext] = lat.state_ok
    return np.matmul(post.transpose(2, 0, 1), onehot).transpose(1, 0, 2)


# ----------------------------------------------------------------------------
# Batched API


def _as_tbk(log_probs, batch_first: bool) -> np.ndarray:
    lp = log_probs.detach().cpu().numpy() if isinstance(log_probs, torch.Tensor) else np.asarray(log_probs)
    if lp.ndim != 3:
        raise InputError(f"log-probabilities must be 3-D (T, B, K) or (B, T, K), got shape {lp.shape}")
    lp = lp.astype(np.float64, copy=False)
    return lp.transpose(1, 0, 2) if batch_first else lp


def as_lengths(lengths, name: str) -> np.ndarray:
    if isinstance(lengths, torch.Tensor):
        lengths = lengths.detach().cpu().numpy()
    arr = np.asarray(lengths)
    if arr.dtype.kind not in "iu":
        raise InputError(f"{name} must be integers")
    return arr.astype(np.int64).reshape(-1)


def ctc_loss_batch(log_probs, targets, input_lengths, target_lengths=None, *, blank: int = 0,
                   batch_first: bool = False, zero_infinity: bool = False,
                   with_grad: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-sample CTC negative log-likelihoods and their gradients for a padded batch.

    `log_probs` is (T, B, K), or (B, T, K) with `batch_first`, of
    log_softmax outputs (numpy or torch; computed in float64). `targets` is a
    padded (B, Lmax) array, torch's concatenated 1-D layout (with
    `target_lengths`), or a list of label sequences. Frames at or beyond a
    sample's input length are ignored.

    Returns `(loss, grad)`: `loss` (B,) is -log p(target | x), inf when the
    target cannot be emitted in the sample's frames (it needs one frame per
    label plus one per repeated neighbour) or 0 there with `zero_infinity`;
    `grad` (same layout as `log_probs`) is the closed-form dL_b/dlogits =
    softmax - gamma per sample, zero on padded frames, NaN for infeasible
    samples (as torch) or zero with `zero_infinity`. NaN log-probabilities
    give a NaN loss (as torch), so a trainer can report divergence. Source:
    Graves et al. 2006, eq. 5-16.
    """
    lp = _as_tbk(log_probs, batch_first)
    T, B, K = lp.shape
    il = as_lengths(input_lengths, "input_lengths")
    padded, tl = pad_targets(targets, None if target_lengths is None else as_lengths(target_lengths,
                                                                                        "target_lengths"), B)
    check_batch(lp, padded, il, tl, blank)
    lat = build_lattice(lp, padded, il, tl, blank)
    loss = lat.nll.copy()
    # NaN (a diverged network) is not infeasibility: it stays NaN, as in torch.
    infeasible = loss == np.inf
    if zero_infinity:
        loss[infeasible] = 0.0
    if not with_grad:
        return loss, None
    grad = np.exp(lp) - class_posteriors(lat, K)
    grad[~lat.frame_ok] = 0.0
    if zero_infinity:
        grad[:, infeasible] = 0.0
    return loss, (grad.transpose(1, 0, 2) if batch_first else grad)
