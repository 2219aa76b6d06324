"""CTC in numpy: log-space forward-backward, loss, gradient and posteriors.

Graves, Fernandez, Gomez, Schmidhuber, "Connectionist Temporal
Classification", ICML 2006. A target l is extended with blanks,
l' = (blank, l1, blank, l2, ..., blank), S = 2|l| + 1. The forward
variables alpha[t, s] and backward variables beta[t, s] both include the
emission at frame t, so the posterior of state s at frame t is
exp(alpha + beta - log y - log p). Summing those posteriors over the states
that carry class k gives gamma[t, k], and for log-probabilities that come
from a log-softmax of logits the gradient of the loss -log p is

    dL/dlogits[t, k] = softmax[t, k] - gamma[t, k].

Everything is batched over padded (T, B, K) inputs and vectorised over the
batch and the extended-label axis; only time is a Python loop.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NEG_INF = -np.inf


def _extended(targets: np.ndarray, target_lengths: np.ndarray, blank: int):
    """Extended labels (B, S), the per-sample number of valid states, and the skip mask."""
    B, L = targets.shape
    S = 2 * L + 1
    ext = np.full((B, S), blank, dtype=np.int64)
    ext[:, 1::2] = targets
    valid = np.arange(S)[None, :] < (2 * target_lengths[:, None] + 1)
    skip = np.zeros((B, S), dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    return ext, valid, skip


@dataclass
class CTCResult:
    log_likelihood: np.ndarray  # (B,) log p(target | input); -inf when infeasible
    gamma: np.ndarray           # (T, B, K) per-frame class posteriors of the target
    log_alpha: np.ndarray       # (T, B, S)
    log_beta: np.ndarray        # (T, B, S)
    ext: np.ndarray             # (B, S) extended labels


def forward_backward(log_probs: np.ndarray, targets, input_lengths, target_lengths, blank: int = 0) -> CTCResult:
    """Batched CTC forward-backward on (T, B, K) log-probabilities.

    `targets` is (B, L) padded (or a list of label sequences); lengths are per sample.
    """
    log_probs = np.asarray(log_probs, dtype=np.float64)
    T, B, K = log_probs.shape
    input_lengths = np.asarray(input_lengths, dtype=np.int64)
    if not isinstance(targets, np.ndarray):
        targets = _pad(targets)
    target_lengths = np.asarray(target_lengths, dtype=np.int64)
    targets = np.asarray(targets, dtype=np.int64).reshape(B, -1)
    ext, valid, skip = _extended(targets, target_lengths, blank)
    S = ext.shape[1]
    b_idx = np.arange(B)[:, None]
    lp_ext = log_probs[:, b_idx, ext]  # (T, B, S)
    lp_ext = np.where(valid[None], lp_ext, NEG_INF)

    alpha = np.full((T, B, S), NEG_INF)
    alpha[0, :, 0] = lp_ext[0, :, 0]
    if S > 1:
        alpha[0, :, 1] = np.where(target_lengths > 0, lp_ext[0, :, 1], NEG_INF)
    for t in range(1, T):
        prev = alpha[t - 1]
        acc = prev.copy()
        acc[:, 1:] = np.logaddexp(acc[:, 1:], prev[:, :-1])
        acc[:, 2:] = np.where(skip[:, 2:], np.logaddexp(acc[:, 2:], prev[:, :-2]), acc[:, 2:])
        alpha[t] = acc + lp_ext[t]

    last = 2 * target_lengths  # index of the final blank
    t_end = np.maximum(input_lengths - 1, 0)
    a_end = alpha[t_end, np.arange(B)]
    end_blank = a_end[np.arange(B), last]
    end_label = np.where(target_lengths > 0, a_end[np.arange(B), np.maximum(last - 1, 0)], NEG_INF)
    log_p = np.logaddexp(end_blank, end_label)

    beta = np.full((T, B, S), NEG_INF)
    init = np.full((B, S), NEG_INF)
    init[np.arange(B), last] = 0.0
    init[np.arange(B), np.maximum(last - 1, 0)] = np.where(target_lengths > 0, 0.0, init[np.arange(B), 0])
    nxt = np.full((B, S), NEG_INF)
    for t in range(T - 1, -1, -1):
        acc = nxt.copy()
        acc[:, :-1] = np.logaddexp(acc[:, :-1], nxt[:, 1:])
        acc[:, :-2] = np.where(skip[:, 2:], np.logaddexp(acc[:, :-2], nxt[:, 2:]), acc[:, :-2])
        at_end = (t == input_lengths - 1)[:, None]
        acc = np.where(at_end, init, acc)
        acc = np.where((t < input_lengths)[:, None], acc + lp_ext[t], NEG_INF)
        beta[t] = acc
        nxt = acc

    with np.errstate(invalid="ignore"):
        post = np.exp(alpha + beta - lp_ext - log_p[None, :, None])
    post = np.where(np.isfinite(log_p)[None, :, None], np.nan_to_num(post), 0.0)
    onehot = np.zeros((B, S, K))
    onehot[b_idx, np.arange(S)[None, :], ext] = valid
    gamma = np.einsum("tbs,bsk->tbk", post, onehot)
    return CTCResult(log_p, gamma, alpha, beta, ext)


def _pad(seqs) -> np.ndarray:
    L = max((len(s) for s in seqs), default=0)
    out = np.zeros((len(seqs), max(L, 1)), dtype=np.int64)
    for i, s in enumerate(seqs):
        out[i, :len(s)] = s
    return out


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False):
    """(loss, grad wrt log_probs) with torch.nn.functional.ctc_loss semantics.

    `mean` divides each sample's loss by its target length, then averages.
    The gradient returned is with respect to the log-probabilities, i.e.
    -gamma scaled by the reduction; chained through a log-softmax it gives
    softmax - gamma.
    """
    res = forward_backward(log_probs, targets, input_lengths, target_lengths, blank)
    losses = -res.log_likelihood
    grad = -res.gamma  # (T, B, K)
    T = grad.shape[0]
    in_range = (np.arange(T)[:, None] < np.asarray(input_lengths)[None, :])[..., None]
    if zero_infinity:
        bad = ~np.isfinite(losses)
        losses = np.where(bad, 0.0, losses)
        grad = np.where(bad[None, :, None], 0.0, grad)
    grad = grad * in_range
    tl = np.maximum(np.asarray(target_lengths, dtype=np.float64), 1.0)
    if reduction == "none":
        return losses, grad
    if reduction == "sum":
        return losses.sum(), grad
    if reduction == "mean":
        B = len(losses)
        return (losses / tl).mean(), grad / (tl[None, :, None] * B)
    raise ValueError(f"unknown reduction {reduction!r}")


def logits_gradient(logits: np.ndarray, targets, input_lengths, target_lengths, blank: int = 0) -> np.ndarray:
    """The closed form dL/dlogits = softmax - gamma (per-sample sum reduction)."""
    logits = np.asarray(logits, dtype=np.float64)
    m = logits.max(axis=-1, keepdims=True)
    log_probs = logits - m - np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))
    res = forward_backward(log_probs, targets, input_lengths, target_lengths, blank)
    T = logits.shape[0]
    in_range = (np.arange(T)[:, None] < np.asarray(input_lengths)[None, :])[..., None]
    return (np.exp(log_probs) - res.gamma) * in_range


def posteriors(log_probs_tk: np.ndarray, target, blank: int = 0) -> np.ndarray:
    """Per-frame posteriors (T, K) of one target on one (T, K) input: what the alignment view plots."""
    lp = np.asarray(log_probs_tk, dtype=np.float64)[:, None, :]
    res = forward_backward(lp, [list(target)], [lp.shape[0]], [len(target)], blank)
    return res.gamma[:, 0, :]


def torch_ctc_loss_fn():
    """A torch autograd Function computing the CTC loss (and its gradient) with this numpy code."""
    import torch

    class NumpyCTCLoss(torch.autograd.Function):
        @staticmethod
        def forward(ctx, log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
                    zero_infinity=False):
            loss, grad = ctc_loss(log_probs.detach().cpu().double().numpy(), _targets_2d(targets, target_lengths),
                                  input_lengths.cpu().numpy(), target_lengths.cpu().numpy(), blank,
                                  reduction, zero_infinity)
            ctx.save_for_backward(torch.as_tensor(grad, dtype=log_probs.dtype))
            return torch.as_tensor(loss, dtype=log_probs.dtype)

        @staticmethod
        def backward(ctx, grad_output):
            (grad,) = ctx.saved_tensors
            if grad_output.dim() == 0:
                return grad * grad_output, None, None, None, None, None, None
            return grad * grad_output[None, :, None], None, None, None, None, None, None

    return NumpyCTCLoss


def _targets_2d(targets, target_lengths) -> np.ndarray:
    t = targets.cpu().numpy()
    if t.ndim == 2:
        return t
    lengths = target_lengths.cpu().numpy()
    return _pad(np.split(t, np.cumsum(lengths)[:-1]))


def numpy_ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
                   zero_infinity=False):
    """Drop-in for torch.nn.functional.ctc_loss computed by the numpy implementation."""
    return torch_ctc_loss_fn().apply(log_probs, targets, input_lengths, target_lengths, blank, reduction,
                                     zero_infinity)
