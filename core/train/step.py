"""One CTC training step: what training a reader and adapting one to a writer share.

A step is: pad the batch's frames, run the reader, sum the CTC losses of its
samples and divide by their number (per-sample loss, as seed 001 trained),
back-propagate, clip the gradient norm and let the optimiser move. A sample
with too few frames for its text would have an infinite loss; it counts as
zero (`zero_infinity`) so that one such sample cannot spoil a step, while a
loss that is NaN or infinite for the batch means the training diverged.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from core.ctc.autograd import numpy_ctc_loss
from core.models.inference import pad_frames
from core.train.loop import Diverged


@dataclass
class CTCBatch:
    """A batch as the reader and CTC want it: zero-padded frames, their lengths, the labels concatenated."""

    x: torch.Tensor               # (B, T, channels)
    lengths: torch.Tensor         # (B,)
    targets: torch.Tensor         # (sum of label lengths,)
    target_lengths: torch.Tensor  # (B,)

    @property
    def size(self) -> int:
        return len(self.lengths)

    @property
    def frames(self) -> int:
        return int(self.lengths.sum())


def ctc_batch(frames: Sequence[np.ndarray], labels: Sequence[Sequence[int]], device: torch.device | str = "cpu"
              ) -> CTCBatch:
    """(T_i, C) frames and label indices (blank = 0 excluded) -> a `CTCBatch` on `device`."""
    x, lengths = pad_frames(frames)
    targets = torch.tensor([c for label in labels for c in label], dtype=torch.long)
    target_lengths = torch.tensor([len(label) for label in labels], dtype=torch.long)
    return CTCBatch(*(t.to(device) for t in (x, lengths, targets, target_lengths)))


def batch_log_probs(model: torch.nn.Module, batch: CTCBatch) -> torch.Tensor:
    """The reader's (T', B, K) log-probabilities of the batch, time first as CTC wants them."""
    return model(batch.x, batch.lengths).transpose(0, 1)


def ctc_of(model: torch.nn.Module, log_probs: torch.Tensor, batch: CTCBatch, ctc: str = "torch") -> torch.Tensor:
    """The CTC loss per sample of `log_probs`: `ctc` is torch (F.ctc_loss) or numpy (this lab's own)."""
    loss_fn = numpy_ctc_loss if ctc == "numpy" else torch.nn.functional.ctc_loss
    return loss_fn(log_probs, batch.targets, model.output_lengths(batch.lengths), batch.target_lengths, blank=0,
                   reduction="sum", zero_infinity=True) / batch.size


def ctc_loss(model: torch.nn.Module, batch: CTCBatch, ctc: str = "torch") -> torch.Tensor:
    """The batch's CTC loss per sample (see `ctc_of`)."""
    return ctc_of(model, batch_log_probs(model, batch), batch, ctc)


def apply_gradient(model: torch.nn.Module, optimizer: torch.optim.Optimizer, loss: torch.Tensor,
                   grad_clip: float) -> None:
    """Back-propagate `loss`, clip the gradient norm to `grad_clip` (0: no clip) and step the optimiser."""
    if not torch.isfinite(loss):
        raise Diverged(f"the loss became {loss.item()}")
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if grad_clip > 0:
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.grad is not None], grad_clip)
    optimizer.step()


def train_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, batch: CTCBatch, ctc: str = "torch",
               grad_clip: float = 5.0, scheduler: torch.optim.lr_scheduler.LRScheduler | None = None) -> float:
    """One update on `batch`; returns its per-sample loss. Raises `Diverged` when the loss is not finite."""
    loss = ctc_loss(model, batch, ctc)
    apply_gradient(model, optimizer, loss, grad_clip)
    if scheduler is not None:
        scheduler.step()
    return loss.item()


def anchor_penalty(params: Sequence[torch.Tensor], anchors: Sequence[torch.Tensor]) -> torch.Tensor:
    """L2-SP (Li, Grandvalet and Davoine, ICML 2018): the squared distance of the weights to the weights they
    started from, summed over `params` (each beside its starting copy in `anchors`)."""
    return sum(((p - a) ** 2).sum() for p, a in zip(params, anchors))


def anchored_train_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, batch: CTCBatch,
                        anchors: Sequence[torch.Tensor], weight: float, ctc: str = "torch",
                        grad_clip: float = 5.0) -> float:
    """`train_step` with `weight` x `anchor_penalty` added to the loss, the parameters being the optimiser's
    (fine-tuning that stays near the original reader); returns the CTC loss per sample, without the penalty."""
    loss = ctc_loss(model, batch, ctc)
    params = [p for group in optimizer.param_groups for p in group["params"]]
    apply_gradient(model, optimizer, loss + weight * anchor_penalty(params, anchors), grad_clip)
    return loss.item()
