"""Runs: one folder per training run under `checkpoints/runs/<id>/`.

Files (each written atomically): `config.json`, `metrics.csv` (a row per
epoch), `status.json` (state, epoch, pid, message), `best.pt`, `last.pt`,
`eval.json`. The trainer writes them through `RunFolder`; the dashboard
only reads them. States: running, finished, stopped, diverged, failed, and
`interrupted` (derived on read: status says running but its pid is gone).
"""
from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from core.errors import InputError
from core.files.atomic import append_csv_row, read_json, write_json
from core.models.checkpoint import load_checkpoint, save_torch
from core.paths import REPO_ROOT, jobs_dir, runs_dir

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

    def write_about(self, kind: str, preset: str, data: str, **extra: Any) -> None:
        """run.json: what the lists show of a run from its start (a failed run has no config.json): its model,
        preset and the data it really trains or adapts on."""
        write_json(self.path / "run.json", {"kind": kind, "preset": preset, "data": data, **extra})

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


def resume_point(path: Path, kind: str) -> tuple[dict, dict]:
    """(config, last.pt) of a run to continue: its config.json without `kind`, and its last checkpoint,
    which must carry the loop's and the trainer's state (runs of this version write it after every epoch)."""
    path = Path(path)
    config = read_json(path / "config.json")
    if not path.is_dir() or config is None:
        raise InputError(f"{path} is not a run folder with a config.json", "give the folder of an earlier run")
    if config.get("kind") != kind:
        raise InputError(f"{path} is a {config.get('kind', 'unknown')} run, not a {kind} run")
    if not (path / "last.pt").exists():
        raise InputError(f"{path} has no last.pt to resume from", "its run ended before its first epoch")
    last = load_checkpoint(path / "last.pt", kind)
    if "resume" not in last:
        raise InputError(f"{path}/last.pt holds no training state", "it was written before runs could resume")
    if read_status(path).get("state") in ("running", "starting"):
        raise InputError(f"run {path.name} is still running", "stop it first")
    return {k: v for k, v in config.items() if k != "kind"}, last


class StopRequested(Exception):
    """A stop (SIGTERM, SIGINT) arrived before the training loop began polling for it."""


class StopFlag:
    """Whether a stop was asked for (SIGTERM or SIGINT); call it to poll.

    Until `polling()` is called a stop is acknowledged at once, by raising
    `StopRequested` wherever the process is (loading the corpus, building
    the first epoch): there is nothing learnt to save yet. From then on the
    training loop polls it between batches and finishes its step first.
    """

    def __init__(self):
        self.requested, self.at_once = False, True

    def __call__(self) -> bool:
        return self.requested

    def polling(self) -> None:
        self.at_once = False

    def handle(self, signum, frame) -> None:
        self.requested = True
        if self.at_once:
            raise StopRequested()


def stopped_early(run: "RunFolder", kind: str) -> int:
    """Record a stop that came before the first epoch (nothing learnt to keep); the command's exit status."""
    run.set_status("stopped", 0, "stopped before the first epoch: nothing was trained", kind=kind)
    print("stopped before the first epoch", flush=True)
    return 0


def install_stop_handler() -> StopFlag:
    """Turn SIGTERM (and SIGINT) into a `StopFlag`: a stop before training raises at once, one during it is
    polled between batches, so the loop finishes its step, writes `last.pt` and status "stopped" and a
    stopped run keeps everything it had learned."""
    flag = StopFlag()
    signal.signal(signal.SIGTERM, flag.handle)
    signal.signal(signal.SIGINT, flag.handle)
    return flag


_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def check_run_id(run_id: str) -> str:
    """Refuse ids that could reach outside the runs folder: '/', '..', hidden or odd characters."""
    if (not isinstance(run_id, str) or not run_id or len(run_id) > 120 or run_id.startswith(".")
            or any(c not in _SAFE for c in run_id) or ".." in run_id):
        raise InputError(f"invalid run id {run_id!r}",
                         "run ids use letters, digits, '-', '_' and '.', and cannot start with '.' or hold '..'")
    return run_id


def run_path(run_id: str, root: Path | None = None) -> Path:
    root = (root or runs_dir()).resolve()
    path = (root / check_run_id(run_id)).resolve()
    if path.parent != root:
        raise InputError(f"invalid run id {run_id!r}")
    return path


def slug(name: str) -> str:
    """A run name made safe for an id: other characters become '-'."""
    s = "".join(c if c in _SAFE and c != "." else "-" for c in name.strip())[:40].strip("-")
    return s


def new_run_id(kind: str, name: str | None = None, preset: str | None = None) -> str:
    """`<time>-<kind>[-<preset>][-<name>]`: runs told apart by model and preset at a glance."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    parts = [slug(x) for x in (preset, name) if x and slug(x)]
    base = "-".join([stamp, kind, *parts])
    candidate, k = base, 1
    while (runs_dir() / candidate).exists():
        k += 1
        candidate = f"{base}-{k}"
    return candidate


def new_run_dir(kind: str, name: str | None = None, preset: str | None = None) -> Path:
    path = run_path(new_run_id(kind, name, preset))
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


def active_runs(root: Path | None = None) -> list[str]:
    root = root or runs_dir()
    if not root.is_dir():
        return []
    return [p.name for p in sorted(root.iterdir()) if p.is_dir()
            and read_status(p).get("state") in ("running", "starting")]


# ---------------------------------------------------------------- background processes

def _parent_pid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def live_jobs() -> list[dict]:
    """The background processes (runs, sweeps, research reruns) still alive, with the cores each claimed;
    records of finished ones are removed."""
    folder = jobs_dir()
    jobs = []
    for f in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        job = read_json(f) or {}
        if pid_alive(job.get("pid")):
            jobs.append(job)
        else:
            f.unlink(missing_ok=True)
    return jobs


def busy_cores() -> int:
    """Cores in use: those every live job claimed, plus one per active run no job started
    (a run started by hand in a terminal)."""
    jobs = live_jobs()
    job_pids = {j["pid"] for j in jobs}
    busy = sum(int(j.get("cores", 1)) for j in jobs)
    for run_id in active_runs():
        pid = read_status(runs_dir() / run_id).get("pid")
        if pid not in job_pids and _parent_pid(pid) not in job_pids:
            busy += 1
    return busy


def free_cores() -> int:
    """CPU cores without an active run or job (the dashboard starts at most one run per core)."""
    return (os.cpu_count() or 1) - busy_cores()


def launch(args: list[str], log: Path, cores: int = 1, what: str = "run", checked: bool = False
           ) -> subprocess.Popen:
    """Start `python -m core ARGS` in the background, its output in `log`; it claims `cores` cores.

    The one launcher of runs, sweeps and research reruns: it refuses when
    fewer than `cores` cores are free (at most one run per CPU core). The
    process gets its own session, so closing the page or the browser does
    not stop it. `checked`: the caller checked the free cores itself (before
    making the folder whose status would count as busy).
    """
    if not checked and free_cores() < cores:
        raise InputError(f"{os.cpu_count() or 1} core(s), {busy_cores()} already busy: at most one run per CPU core",
                         "wait for a run to finish or stop it on the Train page")
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "core", *args], cwd=REPO_ROOT, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    write_json(jobs_dir() / f"{proc.pid}.json",
               {"pid": proc.pid, "cores": cores, "what": what, "log": str(log), "started": time.time()})
    return proc


def launch_training(kind: str, config: dict, name: str | None = None, preset: str | None = None) -> str:
    """Start a run of `config` (a checked config's `to_dict()`) in the background: the new run folder's
    config.json is written first, then `python -m core train <kind> --config <it> --run-dir <run>` trains
    from it. Returns the run id (named by `preset` and `name`)."""
    if kind not in ("reader", "classifier"):
        raise InputError(f"unknown model kind {kind!r}")
    if free_cores() < 1:  # checked before the run folder exists, so a refused launch leaves nothing behind
        raise InputError(f"{os.cpu_count() or 1} runs are already active: at most one run per CPU core",
                         "wait for one to finish or stop it on the Train page")
    path = new_run_dir(kind, name, preset)
    RunFolder(path).set_status("starting", 0, "launching the trainer", kind=kind)
    write_json(path / "config.json", {**config, "kind": kind})  # as the trainer writes it
    named = ["--preset", preset] if preset else []
    proc = launch(["train", kind, "--config", str(path / "config.json"), *named, "--run-dir", str(path)],
                  path / "log.txt", 1, f"train {kind}", checked=True)
    status = read_json(path / "status.json") or {}
    if status.get("state") == "starting":
        write_json(path / "status.json", {**status, "pid": proc.pid})
    return path.name


def stop_run(run_id: str) -> bool:
    """Ask a run to stop (SIGTERM): it finishes its step, writes last.pt and status stopped."""
    status = read_status(run_path(run_id))
    pid = status.get("pid")
    if status.get("state") not in ("running", "starting") or not pid_alive(pid):
        return False
    os.kill(pid, signal.SIGTERM)
    return True


def read_metrics(path: Path):
    """metrics.csv as a DataFrame (empty if absent); a half-written last line is dropped."""
    import pandas as pd  # heavy (about 0.4 s): the trainers import this module, only readers of runs need pandas

    f = Path(path) / "metrics.csv"
    if not f.exists():
        return pd.DataFrame()
    try:
        df = pd.read_csv(f)
    except (ValueError, OSError):
        return pd.DataFrame()
    return df.dropna(subset=["epoch"]) if "epoch" in df else df


def progress(path: Path) -> dict:
    """Fraction done, epoch, seconds per epoch and an estimate of the time left."""
    status = read_status(path)
    total = int(status.get("total_epochs") or 0)
    df = read_metrics(path)
    epoch = int(df["epoch"].iloc[-1]) if len(df) else 0
    secs = float(df["seconds"].iloc[-1]) if len(df) and "seconds" in df else 0.0
    per_epoch = secs / epoch if epoch else None
    left = per_epoch * (total - epoch) if per_epoch and total else None
    return {"state": status.get("state"), "epoch": epoch, "total_epochs": total,
            "fraction": min(1.0, epoch / total) if total else 0.0, "seconds": secs,
            "seconds_per_epoch": per_epoch, "seconds_left": left, "message": status.get("message", "")}


def list_runs(root: Path | None = None) -> list[dict]:
    """Every run, newest first: id, kind, state, epochs, config and last figures."""
    root = root or runs_dir()
    if not root.is_dir():
        return []
    rows = []
    for p in sorted(root.iterdir(), reverse=True):
        if not p.is_dir() or p.is_symlink() or p.name.startswith("."):
            continue  # a symlink would lead outside the runs folder: run_path refuses it, so never list it
        status = read_status(p)
        config = read_json(p / "config.json") or {}
        about = read_json(p / "run.json") or {}
        df = read_metrics(p)
        last = df.iloc[-1].to_dict() if len(df) else {}
        rows.append({"id": p.name, "kind": about.get("kind") or config.get("kind") or status.get("kind") or "?",
                     "preset": about.get("preset", ""), "data": about.get("data") or config.get("data", ""),
                     "state": status.get("state"), "epoch": int(last.get("epoch", 0) or 0),
                     "message": status.get("message", ""), "config": config, "last": last,
                     "has_best": (p / "best.pt").exists(),
                     "sweep": (read_json(p / "sweep.json") or {}).get("sweep")})
    return rows


def delete_run(run_id: str) -> None:
    path = run_path(run_id)
    if read_status(path).get("state") in ("running", "starting"):
        raise InputError(f"run {run_id} is still running", "stop it first")
    shutil.rmtree(path)


def zip_run(run_id: str) -> bytes:
    """The run folder as a zip archive (in memory)."""
    path = run_path(run_id)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(path.iterdir()):
            if f.is_file() and not f.name.startswith("."):
                z.write(f, f"{run_id}/{f.name}")
    return buf.getvalue()
