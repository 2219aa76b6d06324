"""Sweeps: every combination of a grid of options, times seeds, as ordinary runs.

Each run gets its own run folder under `<out>/runs/<name>/` and is an
ordinary training run (config.json, metrics.csv, best.pt...). `sweep.csv`
holds one row per run: the swept values, the seed, the final figures and
the wall time. A sweep resumes: a run whose folder already says
"finished" is read back, not repeated. Runs execute locally (at most one
per CPU core, each on one thread) or as tasks of an existing Ray cluster:
the same `run_one` function and its result dict travel either way.
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable

from core.errors import InputError
from core.files.atomic import read_json, write_json, write_text
from core.models import classifier, reader
from core.models.inference import load_reader
from core.paths import runs_dir, sweeps_dir
from core.train.classifier import train_classifier
from core.train.reader import train_reader
from core.train.runs import RunFolder, check_run_id, free_cores, launch, read_metrics, read_status, slug

KINDS = ("reader", "classifier")


def parse_grid(items: list[str]) -> dict[str, list]:
    """["hidden=8,16", "bidirectional=true,false"] -> {"hidden": [8, 16], "bidirectional": [True, False]}."""
    grid: dict[str, list] = {}
    for item in items:
        key, sep, values = item.partition("=")
        if not sep or not key or not values:
            raise InputError(f"--grid {item!r}: expected KEY=V1,V2,...")
        grid[key.strip().replace("-", "_")] = [_value(v.strip()) for v in values.split(",") if v.strip()]
    return grid


def _value(text: str):
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def run_name(values: dict, seed: int) -> str:
    parts = [f"{k}-{v}" for k, v in values.items()] + [f"seed-{seed}"]
    return "_".join(parts).replace("/", "-").replace(":", "-")


def plan(kind: str, preset: str, grid: dict[str, list], seeds: list[int], fixed: dict | None = None) -> list[dict]:
    """Every run of the sweep as a plain spec dict (validated before anything starts)."""
    if kind not in KINDS:
        raise InputError(f"unknown model kind {kind!r}", "sweep reader or classifier")
    config_of = _preset_fn(kind)
    specs = []
    keys = list(grid)
    for combo in itertools.product(*(grid[k] for k in keys)) if keys else [()]:
        values = dict(zip(keys, combo))
        for seed in seeds:
            overrides = {**(fixed or {}), **values, "seed": seed, "threads": 1}
            config_of(preset, **overrides)  # raises InputError on an unknown key or a bad value
            specs.append({"kind": kind, "preset": preset, "overrides": overrides, "values": values, "seed": seed,
                          "name": run_name(values, seed)})
    return specs


def plan_file(path: str | Path, kind: str) -> dict:
    """`plan`'s arguments (preset, grid, seeds, fixed) from a sweep's plan.json, values with their JSON types."""
    try:
        saved = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the sweep plan {path}: {exc}") from None
    if not isinstance(saved, dict) or saved.get("kind") != kind:
        raise InputError(f"{path} is not a plan of a {kind} sweep", "give the plan.json a sweep folder holds")
    return {"preset": saved["preset"], "grid": dict(saved["grid"]), "seeds": [int(s) for s in saved["seeds"]],
            "fixed": dict(saved.get("fixed") or {})}


def _preset_fn(kind: str) -> Callable:
    return reader.preset if kind == "reader" else classifier.preset


def _final_figures(kind: str, run_dir: Path) -> dict:
    df = read_metrics(run_dir)
    if not len(df):
        return {}
    last = df.iloc[-1].to_dict()
    if kind == "reader":
        keys = ("invocab_cer", "invocab_word_acc", "heldout_cer", "heldout_word_acc")
    else:
        keys = ("val_acc", "train_acc")
    out = {k: float(last[k]) for k in keys if k in last}
    out["epochs"] = int(last["epoch"])
    return out


def run_one(spec: dict, out: str) -> dict:
    """Train one run of a sweep in this process; returns its sweep.csv row.

    This is the function that travels to Ray workers: plain dict in, plain dict out.
    """
    run_dir = Path(spec.get("run_dir") or Path(out) / "runs" / spec["name"])
    status = read_status(run_dir) if run_dir.exists() else {}
    if status.get("state") == "finished" and (run_dir / "sweep_row.json").exists():
        return read_json(run_dir / "sweep_row.json")
    t0 = time.perf_counter()
    cfg = _preset_fn(spec["kind"])(spec["preset"], **spec["overrides"])
    run = RunFolder(run_dir)
    # Tags the run as part of its sweep, so the Runs page can group a sweep's runs.
    write_json(run_dir / "sweep.json", {"sweep": Path(out).name, "values": spec["values"], "seed": spec["seed"]})
    train = train_reader if spec["kind"] == "reader" else train_classifier
    result = train(cfg, run)
    row = {**spec["values"], "seed": spec["seed"], "run": spec["name"], "state": result["state"],
           **_final_figures(spec["kind"], run_dir), "seconds": round(time.perf_counter() - t0, 2)}
    if spec["kind"] == "reader" and result.get("checkpoint") is not None:
        row["parameters"] = reader.n_parameters(load_reader(result["checkpoint"]).model)
    if spec["kind"] == "classifier" and "test" in result:
        row["test_acc"] = result["test"]["accuracy"]
    write_json(run_dir / "sweep_row.json", row)
    return row


def write_table(rows: list[dict], path: Path) -> None:
    columns: list[str] = []
    for r in rows:
        columns += [k for k in r if k not in columns]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    write_text(path, buf.getvalue())


def run_sweep(specs: list[dict], out: str | Path, executor: str = "local", address: str | None = None,
              workers: int | None = None, progress: Callable[[dict], None] | None = None,
              runs_dir: str | Path | None = None) -> list[dict]:
    """Run every spec (resuming finished ones) and write `<out>/sweep.csv`; rows come back in spec order.

    Run folders go to `<out>/runs/<name>/`, or with `runs_dir` to
    `<runs_dir>/<sweep name>-<name>/` (the dashboard's runs folder).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if runs_dir is not None:
        specs = [{**s, "run_dir": str(Path(runs_dir) / check_run_id(f"{out.name}-{s['name']}"))} for s in specs]
    rows: list[dict | None] = [None] * len(specs)
    if executor == "ray":
        try:
            import ray  # optional: only the ray executor needs it, and it takes seconds to import
        except ImportError as exc:
            raise InputError("the ray executor needs Ray", "pip install ray, or use --executor local") from exc
        if not ray.is_initialized():
            ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
        remote = ray.remote(num_cpus=1)(run_one)
        refs = [remote.remote(s, str(out)) for s in specs]
        for i, ref in enumerate(refs):
            rows[i] = ray.get(ref)
            if progress:
                progress(rows[i])
    elif executor == "local":
        workers = workers or os.cpu_count() or 1
        with ProcessPoolExecutor(max_workers=min(workers, max(1, len(specs)))) as pool:
            futures = [pool.submit(run_one, s, str(out)) for s in specs]
            for i, f in enumerate(futures):
                rows[i] = f.result()
                if progress:
                    progress(rows[i])
                write_table([r for r in rows if r is not None], out / "sweep.csv")
    else:
        raise InputError(f"unknown executor {executor!r}", "use local or ray")
    final = [r for r in rows if r is not None]
    write_table(final, out / "sweep.csv")
    return final


def launch_sweep(kind: str, preset: str, grid: dict[str, list], seeds: list[int], name: str | None = None,
                 fixed: dict | None = None, workers: int = 1) -> str:
    """Start `python -m core sweep ...` in the background, its runs in the runs folder; returns the sweep id.

    The plan is checked first (an unknown option or a bad value is an InputError
    before anything starts); `workers` runs go side by side, one thread each.
    """
    specs = plan(kind, preset, grid, seeds, fixed)
    if not grid or not specs:
        raise InputError("a sweep needs at least one option with values", "e.g. hidden = 8, 16, 32")
    free = free_cores()
    if free < 1:
        raise InputError("every CPU core already has a run: at most one run per core",
                         "wait for a run to finish or stop it")
    sweep_id = time.strftime("%Y%m%d-%H%M%S") + f"-sweep-{kind}" + (f"-{slug(name)}" if name and slug(name) else "")
    out = sweeps_dir() / sweep_id
    out.mkdir(parents=True, exist_ok=False)
    # The plan is the sweep's config: written first, then the sweep reads it (its values keep their types).
    write_text(out / "plan.json", json.dumps({"kind": kind, "preset": preset, "grid": grid, "seeds": seeds,
                                              "fixed": fixed or {}, "runs": len(specs)}, indent=1))
    cmd = ["sweep", kind, "--plan", str(out / "plan.json"), "--out", str(out),
           "--runs-dir", str(runs_dir()), "--workers", str(max(1, min(workers, free)))]
    launch(cmd, out / "log.txt", max(1, min(workers, free)), f"sweep {sweep_id}")
    return sweep_id


def read_sweep(sweep_id: str):
    """A dashboard sweep's plan (dict) and its sweep.csv so far (DataFrame, empty before the first run ends)."""
    import pandas as pd  # heavy (about 0.4 s): every command imports this module, only the Runs page reads sweeps

    folder = sweeps_dir() / check_run_id(sweep_id)
    try:
        plan_ = json.loads((folder / "plan.json").read_text())
    except (OSError, ValueError):
        plan_ = {}
    try:
        table = pd.read_csv(folder / "sweep.csv")
    except (OSError, ValueError):
        table = pd.DataFrame()
    return plan_, table
