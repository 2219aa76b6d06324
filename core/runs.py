"""Runs: one folder per training run under `checkpoints/runs/<id>/`.

Files (each written atomically): `config.json`, `metrics.csv` (a row per
epoch), `status.json` (state, epoch, pid, message), `best.pt`, `last.pt`,
`eval.json`. The trainer writes them through `RunFolder`; the dashboard
only reads them. States: running, finished, stopped, diverged, failed, and
`interrupted` (derived on read: status says running but its pid is gone).
"""
from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from core.atomic import append_csv_row, save_torch, write_json

REPO_ROOT = Path(__file__).resolve().parents[1]
RUNS_DIR = REPO_ROOT / "checkpoints" / "runs"
FINAL_STATES = ("finished", "stopped", "diverged", "failed", "interrupted")


@dataclass
class RunFolder:
    """Writes a run's files; every write is atomic."""

    path: Path

    def __post_init__(self):
        self.path = Path(self.path)
        self.path.mkdir(parents=True, exist_ok=True)

    def write_config(self, config: dict[str, Any]) -> None:
        write_json(self.path / "config.json", config)

    def append_metrics(self, row: dict[str, Any], columns: list[str] | None = None) -> None:
        append_csv_row(self.path / "metrics.csv", row, columns)

    def set_status(self, state: str, epoch: int = 0, message: str = "", **extra: Any) -> None:
        status = {"state": state, "epoch": epoch, "pid": os.getpid(), "message": message,
                  "updated": time.time(), **extra}
        write_json(self.path / "status.json", status)

    def save_best(self, checkpoint: dict) -> None:
        save_torch(self.path / "best.pt", checkpoint)

    def save_last(self, checkpoint: dict) -> None:
        save_torch(self.path / "last.pt", checkpoint)

    def write_eval(self, result: dict[str, Any]) -> None:
        write_json(self.path / "eval.json", result)


def install_stop_handler() -> Callable[[], bool]:
    """Turn SIGTERM (and SIGINT) into a flag the training loop polls between batches.

    The loop then finishes its step, writes `last.pt` and status "stopped",
    so a stopped run keeps everything it had learned.
    """
    requested = {"stop": False}

    def _handler(signum, frame):
        requested["stop"] = True

    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)
    return lambda: requested["stop"]


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
