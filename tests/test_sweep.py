import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import InputError
from core.sweep import parse_grid, plan, run_sweep

REPO = Path(__file__).resolve().parents[1]


def test_grid_parsing_and_plan():
    grid = parse_grid(["hidden=8,16", "bidirectional=true,false"])
    assert grid == {"hidden": [8, 16], "bidirectional": [True, False]}
    specs = plan("reader", "tiny", grid, [0, 1])
    assert len(specs) == 8 and len({s["name"] for s in specs}) == 8
    with pytest.raises(InputError):
        plan("reader", "tiny", {"hiddn": [8]}, [0])
    with pytest.raises(InputError):
        parse_grid(["hidden"])


def test_local_sweep_writes_rows_and_resumes(tmp_path):
    specs = plan("reader", "tiny", {"hidden": [8, 12]}, [0], {"epochs": 1})
    rows = run_sweep(specs, tmp_path, workers=2)
    assert [r["hidden"] for r in rows] == [8, 12] and all(r["state"] == "finished" for r in rows)
    table = list(csv.DictReader((tmp_path / "sweep.csv").open()))
    assert len(table) == 2 and {"hidden", "seed", "invocab_cer", "heldout_cer", "seconds", "parameters"} <= set(table[0])
    stamp = (tmp_path / "runs" / specs[0]["name"] / "metrics.csv").stat().st_mtime
    again = run_sweep(specs, tmp_path, workers=2)
    assert again == rows  # finished runs are read back...
    assert (tmp_path / "runs" / specs[0]["name"] / "metrics.csv").stat().st_mtime == stamp  # ...not repeated


def test_ray_sweep_runs_through_a_local_ray_instance(tmp_path):
    ray = pytest.importorskip("ray", reason="Ray is not installed (optional; .ci/run installs it)")
    ray.init(num_cpus=2, include_dashboard=False, ignore_reinit_error=True, log_to_driver=False)
    try:
        specs = plan("reader", "tiny", {"hidden": [8, 12]}, [0], {"epochs": 1})
        rows = run_sweep(specs, tmp_path, executor="ray")
        assert [r["hidden"] for r in rows] == [8, 12] and all(r["state"] == "finished" for r in rows)
        assert (tmp_path / "sweep.csv").exists()
    finally:
        ray.shutdown()
