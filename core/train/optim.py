"""The reader's optimiser: `torch.optim.Adam` with a learning-rate schedule per step.

`lr_at` is the schedule (constant, onecycle, cosine); `adam_with_schedule`
builds the optimiser and a `LambdaLR` that follows it. The schedule reads
the number of steps planned from a dict the trainer owns, so a resumed run
given more epochs stretches its schedule to end at the new last step.
(Earlier versions wrote Adam out by hand to spare torch.optim's import;
`bench/train_speed.py` measures that import at about a second once per
process, small beside any training, so the maintained optimiser is used.)
"""
from __future__ import annotations

import math
from typing import Iterable

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


def adam_with_schedule(params: Iterable[torch.nn.Parameter], cfg, steps: dict
                       ) -> tuple[torch.optim.Adam, torch.optim.lr_scheduler.LambdaLR]:
    """Adam at `cfg.lr` (torch's defaults otherwise) and a per-step schedule `lr_at(cfg, step, steps["total"])`."""
    optimizer = torch.optim.Adam([p for p in params if p.requires_grad], lr=cfg.lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: lr_at(cfg, step, steps["total"]) / cfg.lr)
    return optimizer, schedule


def resume_schedule(schedule: torch.optim.lr_scheduler.LambdaLR, step: int) -> None:
    """Set the schedule (and its optimiser's learning rate) to batch step `step`, as after `step` steps."""
    schedule.last_epoch = step
    for group, base, factor in zip(schedule.optimizer.param_groups, schedule.base_lrs, schedule.lr_lambdas):
        group["lr"] = base * factor(step)


def current_lr(optimizer: torch.optim.Optimizer) -> float:
    return float(optimizer.param_groups[0]["lr"])


def load_adam_state(optimizer: torch.optim.Adam, saved: dict) -> None:
    """Restore `optimizer` from its state dict, or from the hand-written Adam's ({lr, t, m, v}) of earlier runs."""
    if "m" in saved:
        group = {**optimizer.state_dict()["param_groups"][0], "lr": saved["lr"]}
        saved = {"state": {i: {"step": torch.tensor(float(saved["t"])), "exp_avg": m.clone(), "exp_avg_sq": v.clone()}
                           for i, (m, v) in enumerate(zip(saved["m"], saved["v"]))},
                 "param_groups": [group]}
    optimizer.load_state_dict(saved)
