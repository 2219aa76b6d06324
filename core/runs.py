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
from core.errors import InputError

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


def runs_root() -> Path:
    """The runs folder; HWLAB_RUNS_DIR overrides it (tests use a temporary one)."""
    return Path(os.environ.get("HWLAB_RUNS_DIR", RUNS_DIR))


_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def check_run_id(run_id: str) -> str:
    """Refuse ids that could reach outside the runs folder: '/', '..', hidden or odd characters."""
    if (not isinstance(run_id, str) or not run_id or len(run_id) > 120 or run_id.startswith(".")
            or any(c not in _SAFE for c in run_id) or ".." in run_id):
        raise InputError(f"invalid run id {run_id!r}",
                         "run ids use letters, digits, '-', '_' and '.', and cannot start with '.' or hold '..'")
    return run_id


def run_path(run_id: str, root: Path | None = None) -> Path:
    root = (root or runs_root()).resolve()
    path = (root / check_run_id(run_id)).resolve()
    if path.parent != root:
        raise InputError(f"invalid run id {run_id!r}")
    return path


def slug(name: str) -> str:
    """A run name made safe for an id: other characters become '-'."""
    s = "".join(c if c in _SAFE and c != "." else "-" for c in name.strip())[:40].strip("-")
    return s


def new_run_id(kind: str, name: str | None = None) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = f"{stamp}-{kind}" + (f"-{slug(name)}" if name and slug(name) else "")
    candidate, k = base, 1
    while (runs_root() / candidate).exists():
        k += 1
        candidate = f"{base}-{k}"
    return candidate


def new_run_dir(kind: str, name: str | None = None) -> Path:
    path = run_path(new_run_id(kind, name))
    path.mkdir(parents=True, exist_ok=False)
    return path


def pid_alive(pid: int | None) -> bool:
    """True if `pid` runs a process of this tool (a reused pid of another program is not alive)."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    if stat.rsplit(")", 1)[-1].split()[0] == "Z":  # a zombie has finished
        return False
    return b"core" in cmdline or b"pytest" in cmdline or b"streamlit" in cmdline


def read_status(path: Path) -> dict:
    """status.json with the state made honest: a run whose process died is `interrupted`."""
    status = read_json(Path(path) / "status.json") or {"state": "unknown", "epoch": 0, "message": "no status"}
    if status.get("state") in ("running", "starting") and not pid_alive(status.get("pid")):
        status = {**status, "state": "interrupted",
                  "message": f"the training process ({status.get('pid')}) ended without finishing"}
    return status
