"""The numpy CTC loss inside torch autograd: a drop-in for `torch.nn.functional.ctc_loss`."""
from __future__ import annotations

import numpy as np
import torch

from core.ctc.loss import REDUCTIONS, as_lengths, ctc_loss_batch, pad_targets
from core.errors import InputError


class NumpyCTCLoss(torch.autograd.Function):
    """CTC loss computed in numpy, usable wherever `torch.nn.functional.ctc_loss` is.

    forward(log_probs (T, B, K), targets, input_lengths, target_lengths,
    blank, reduction, zero_infinity). The gradient handed back for
    `log_probs` is the closed form softmax - gamma (scaled by the
    reduction), exactly what torch's own ctc_loss returns: it assumes
    `log_probs` come from log_softmax, whose backward maps it to the same
    gradient on the logits.
    """

    @staticmethod
    def forward(ctx, log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
                zero_infinity=False):
        if reduction not in REDUCTIONS:
            raise InputError(f"unknown reduction {reduction!r}", hint=f"use one of {', '.join(REDUCTIONS)}")
        need_grad = ctx.needs_input_grad[0]
        loss, grad = ctc_loss_batch(log_probs, targets, input_lengths, target_lengths, blank=blank,
                                    zero_infinity=zero_infinity, with_grad=need_grad)
        tl = as_lengths(target_lengths, "target_lengths") if target_lengths is not None else None
        if tl is None:
            tl = pad_targets(targets, None, log_probs.shape[1])[1]
        if reduction == "mean":
            scale = 1.0 / (np.maximum(tl, 1) * len(loss))
        else:
            scale = np.ones(len(loss))
        out = (loss * scale).sum() if reduction != "none" else loss
        if need_grad:
            ctx.save_for_backward(torch.from_numpy(grad * scale[None, :, None]).to(log_probs.dtype))
        ctx.reduction = reduction
        return torch.as_tensor(out, dtype=log_probs.dtype, device=log_probs.device)

    @staticmethod
    def backward(ctx, grad_out):
        (grad,) = ctx.saved_tensors
        if ctx.reduction == "none":
            grad = grad * grad_out.to(grad.dtype)[None, :, None]
        else:
            grad = grad * grad_out.to(grad.dtype)
        return grad.to(grad_out.device), None, None, None, None, None, None


def numpy_ctc_loss(log_probs: torch.Tensor, targets, input_lengths, target_lengths, blank: int = 0,
                   reduction: str = "mean", zero_infinity: bool = False) -> torch.Tensor:
    """Drop-in for `torch.nn.functional.ctc_loss` (same arguments, (T, B, K) input) computed in numpy.

    `mean` divides each loss by its target length (at least 1) and averages
    over the batch; `sum` adds; `none` returns the (B,) losses.
    """
    return NumpyCTCLoss.apply(log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity)
