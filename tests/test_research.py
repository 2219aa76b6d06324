"""Seed 001's questions: the sweep plans and the emission-timing measure (question 5)."""
import numpy as np
import pytest

from core.errors import InputError
from core.models.inference import load_reader
from core.models.reader import preset
from core.train.reader import train_reader
from core.train.research import QUESTIONS, emission_timing, sweep_specs, timing_summary


def test_each_question_plans_its_grid_times_its_seeds():
    assert len(sweep_specs(QUESTIONS["bidirectional"])) == 2 * 2 * 3
    assert len(sweep_specs(QUESTIONS["hidden"])) == 6 * 3
    assert len(sweep_specs(QUESTIONS["seeds"])) == 2 * 10
    assert len(sweep_specs(QUESTIONS["compositional"])) == 4 * 2 * 3
    small = sweep_specs(QUESTIONS["hidden"], small=True, epochs=2)
    assert len(small) == 6 and all(s["overrides"]["epochs"] == 2 for s in small)


def test_emission_timing_lines_up_letters_with_their_drawn_frames():
    reader = load_reader(train_reader(preset("seed", epochs=2, repeats=1))["checkpoint"])
    rows = emission_timing(reader, ["ant", "tonic"], repeats=2)
    assert {r["word"] for r in rows} == {"ant", "tonic"} and len(rows) == 2 * (3 + 5)
    for r in rows:
        assert 0 <= r["drawn_start"] < r["drawn_end"] <= r["frames"]
        assert 0 <= r["emit_start"] <= r["emit_end"] < r["frames"]
    by_word = [r for r in rows if r["word"] == "tonic"][:5]
    assert [r["letter"] for r in by_word] == list("tonic")
    assert [r["drawn_start"] for r in by_word] == sorted(r["drawn_start"] for r in by_word)
    s = timing_summary(rows)
    assert s["n"] == len(rows) and 0 <= s["within_letter"] <= s["by_next_letter_end"] <= 1
    assert 0 <= s["in_last_fifth"] <= 1 and np.isfinite(s["mean_delay"])


def test_emission_timing_needs_one_frame_per_pen_point():
    reader = load_reader(train_reader(preset("tiny", epochs=1))["checkpoint"])
    with pytest.raises(InputError, match="seed encoding"):
        emission_timing(reader, ["ant"])


@pytest.mark.slow
def test_the_small_timing_table_compares_four_readers(tmp_path):
    from core.train.research import timing_table

    rows = timing_table(tmp_path, small=True, epochs=1)
    assert [r["model"] for r in rows] == ["bi", "bi, cuts", "uni", "uni, cuts"]
    assert all(r["n"] > 0 and 0 <= r["within_letter"] <= 1 for r in rows)
    assert (tmp_path / "timing-small.csv").exists() and (tmp_path / "sweep.csv").exists()


def test_every_background_job_obeys_one_run_per_core(tmp_path, monkeypatch):
    """Runs, sweeps and the Research page's reruns go through one launcher, which counts every job's cores."""
    import os
    import subprocess

    import pytest

    import core.train.runs as runs
    from core.errors import InputError
    from core.paths import runs_dir
    from core.train.research import launch_small
    from core.train.sweep import launch_sweep

    monkeypatch.setenv("HWLAB_RESEARCH_DIR", str(tmp_path / "research"))
    started = []

    class FakeProcess:  # stands for a job: its pid is this test's, which is alive
        pid = os.getpid()

    def fake_popen(cmd, **kwargs):
        started.append(cmd)
        return FakeProcess()

    monkeypatch.setattr(subprocess, "Popen", fake_popen)
    cores = os.cpu_count() or 1
    runs.launch(["sweep", "reader"], tmp_path / "log.txt", cores, "a sweep")
    assert runs.busy_cores() == cores and runs.free_cores() == 0
    runs.RunFolder(runs_dir() / "inside-the-sweep").set_status("running", 1, "")  # the job's own run: not again
    assert runs.busy_cores() == cores
    for start in (lambda: launch_small("hidden"), lambda: launch_sweep("reader", "tiny", {"hidden": [8]}, [0]),
                  lambda: runs.launch_training("reader", preset("tiny").to_dict(), preset="tiny")):
        with pytest.raises(InputError, match="at most one run per"):
            start()
    assert len(started) == 1
