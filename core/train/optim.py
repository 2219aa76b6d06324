"""The reader's optimiser and learning-rate schedules.

`Adam` is written out because `torch.optim` imports `torch._dynamo` when an
optimiser is first built: 2.4-2.9 s on this machine (measured with torch
2.13), half of the fast preset's 5-s budget to a readable reader. The
classifier, whose runs take minutes, uses `torch.optim.AdamW`. Tests check
`Adam` step for step against `torch.optim.Adam`.
"""
from __future__ import annotations

import math

import torch


def lr_at(cfg, step: int, total: int) -> float:
    """The learning rate of batch step `step` (0-based) out of `total`.

    onecycle (Smith & Topin 2019): a cosine rise from lr/25 to lr over the
    first 15% of steps, then a cosine fall to lr/1000. cosine: a cosine
    fall from lr to lr/1000.
    """
    if cfg.schedule == "constant":
        return cfg.lr
    frac = min(1.0, step / max(1, total - 1))
    low = cfg.lr / 1000

    def fall(p: float, a: float, b: float) -> float:
        return b + (a - b) * 0.5 * (1 + math.cos(math.pi * p))

    if cfg.schedule == "cosine":
        return fall(frac, cfg.lr, low)
    warm = 0.15
    if frac < warm:
        return fall(frac / warm, cfg.lr / 25, cfg.lr)
    return fall((frac - warm) / (1 - warm), cfg.lr, low)


class Adam:
    """Adam (Kingma & Ba, ICLR 2015) with torch's defaults (betas 0.9/0.999, eps 1e-8, no decay).

    Written out instead of `torch.optim.Adam` to spare its import (see the module docstring).
    """

    def __init__(self, params, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.params = [p for p in params if p.requires_grad]
        self.lr, self.betas, self.eps, self.t = lr, betas, eps, 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    def state_dict(self) -> dict:
        return {"lr": self.lr, "t": self.t, "m": [m.clone() for m in self.m], "v": [v.clone() for v in self.v]}

    def load_state_dict(self, state: dict) -> None:
        self.lr, self.t = state["lr"], state["t"]
        for mine, saved in zip(self.m + self.v, state["m"] + state["v"]):
            mine.copy_(saved)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for p, m, v in zip(self.params, self.m, self.v):
            if p.grad is None:
                continue
            m.mul_(b1).add_(p.grad, alpha=1 - b1)
            v.mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
            p.addcdiv_(m, (v / c2).sqrt_().add_(self.eps), value=-self.lr / c1)
