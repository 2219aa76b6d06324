import csv
import json

import pytest

from core.errors import InputError
from core.train.sweep import parse_grid, plan, run_sweep


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


@pytest.mark.slow
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


def test_sweep_runs_in_the_runs_folder_are_tagged_with_their_sweep(tmp_path, monkeypatch):
    from core.train.runs import list_runs

    runs = tmp_path / "runs"
    specs = plan("reader", "tiny", {"hidden": [8, 12]}, [0], {"epochs": 1})
    rows = run_sweep(specs, tmp_path / "sweeps" / "my-sweep", workers=1, runs_dir=runs)
    assert all(r["state"] == "finished" for r in rows)
    listed = {r["id"]: r for r in list_runs(runs)}
    assert set(listed) == {f"my-sweep-{s['name']}" for s in specs}
    assert {r["sweep"] for r in listed.values()} == {"my-sweep"}
    with pytest.raises(InputError):
        run_sweep(specs, tmp_path / "sweeps" / "..", runs_dir=runs)


@pytest.mark.slow
def test_a_sweep_launched_like_the_dashboard_does_finishes_in_the_background(tmp_path, monkeypatch):
    import time

    from core.train.runs import list_runs
    from core.train.sweep import launch_sweep, read_sweep

    monkeypatch.setenv("HWLAB_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("HWLAB_SWEEPS_DIR", str(tmp_path / "sweeps"))
    with pytest.raises(InputError):
        launch_sweep("reader", "tiny", {"hiden": [8]}, [0])  # a typo fails before anything starts
    sweep_id = launch_sweep("reader", "tiny", {"hidden": [8, 12]}, [0], name="h", fixed={"epochs": 1})
    deadline = time.time() + 120
    while time.time() < deadline:
        plan_, table = read_sweep(sweep_id)
        if len(table) == 2:
            break
        time.sleep(1)
    assert plan_["runs"] == 2 and sorted(table["hidden"]) == [8, 12], (tmp_path / "sweeps" / sweep_id / "log.txt").read_text()
    tagged = [r for r in list_runs(tmp_path / "runs") if r["sweep"] == sweep_id]
    assert len(tagged) == 2 and all(r["state"] == "finished" for r in tagged)


def test_a_sweep_plan_file_keeps_its_values_types_and_refuses_another_kind(tmp_path):
    from core.train.sweep import plan, plan_file

    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"kind": "reader", "preset": "tiny", "grid": {"bidirectional": [True, False]},
                                "seeds": [0, 1], "fixed": {"dropout": 0.1, "data": "synthetic"}, "runs": 4}))
    args = plan_file(path, "reader")
    specs = plan("reader", **args)
    assert len(specs) == 4 and {s["overrides"]["bidirectional"] for s in specs} == {True, False}
    assert all(s["overrides"]["dropout"] == 0.1 and s["overrides"]["data"] == "synthetic" for s in specs)
    with pytest.raises(InputError, match="not a plan of a classifier sweep"):
        plan_file(path, "classifier")
    path.write_text("{oops")
    with pytest.raises(InputError, match="cannot read the sweep plan"):
        plan_file(path, "reader")
