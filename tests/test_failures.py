"""Training processes that die, are stopped or diverge, and a server restart: what the user still has.

Every test here starts the real command-line trainer (`python -m core train ... --preset tiny`) as a
separate process, as the dashboard does, and then looks at the run folder only through core.train.runs and
core.models.checkpoint, as a freshly started dashboard would.
"""
from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.models.checkpoint import load_checkpoint
from core.models.classifier import classify_ink, load_classifier
from core.models.inference import load_reader
from core.paths import REPO_ROOT as REPO
from core.paths import runs_dir
from core.synth.generator import render_letter, render_word
from core.train.runs import list_runs, read_metrics, read_status

LONG = {"reader": ["--epochs", "200"], "classifier": ["--epochs", "200", "--patience", "200"]}


def start_training(kind: str, run: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "core", "train", kind, "--preset", "tiny", *extra,
                             "--run-dir", str(run)], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for_file(path: Path, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while not path.exists():
        assert proc.poll() is None, f"the trainer ended before {path.name} existed: {proc.stderr.read()}"
        assert time.time() < deadline, f"no {path.name} after {timeout} s"
        time.sleep(0.05)


def kill_when_best_exists(kind: str) -> Path:
    """Start a long tiny run, SIGKILL it as soon as best.pt exists; returns the run folder."""
    run = runs_dir() / f"killed-{kind}"
    proc = start_training(kind, run, *LONG[kind])
    try:
        wait_for_file(run / "best.pt", proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return run


@pytest.mark.slow
def test_a_killed_reader_run_shows_as_interrupted_and_its_best_checkpoint_reads_words():
    run = kill_when_best_exists("reader")
    status = read_status(run)
    assert status["state"] == "interrupted" and "ended without finishing" in status["message"]
    assert [r["state"] for r in list_runs() if r["id"] == run.name] == ["interrupted"]
    reader = load_reader(load_checkpoint(run / "best.pt", kind="reader"))
    out = reader.read_text(render_word("tonic", "seed", 5).ink)
    assert isinstance(out["text"], str) and not reader.model.training


@pytest.mark.slow
def test_a_killed_classifier_run_shows_as_interrupted_and_its_best_checkpoint_names_letters():
    run = kill_when_best_exists("classifier")
    assert read_status(run)["state"] == "interrupted"
    clf = load_classifier(load_checkpoint(run / "best.pt", kind="classifier"))
    top = classify_ink(clf, render_letter("k", seed=0).ink, top=3)
    assert len(top) == 3 and all(c in clf.classes for c, _ in top)


@pytest.mark.slow
def test_sigterm_stops_a_classifier_run_cleanly(tmp_path):
    run = tmp_path / "stopped"
    proc = start_training("classifier", run, *LONG["classifier"])
    try:
        for line in proc.stdout:  # the stop handler is in place once an epoch has been reported
            if line.startswith("epoch"):
                break
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out.strip().splitlines()[-1].startswith("stopped: stopped during epoch")
    status = read_status(run)
    assert status["state"] == "stopped" and status["epoch"] >= 1
    for name in ("last.pt", "best.pt"):
        load_classifier(load_checkpoint(run / name, kind="classifier"))
    assert len(read_metrics(run)) == status["epoch"]


def test_a_diverging_classifier_run_says_so_and_keeps_a_loadable_best(tmp_path):
    run = tmp_path / "diverged"
    proc = start_training("classifier", run, "--lr", "1e6")
    out, err = proc.communicate(timeout=120)
    lines = err.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1 and "Traceback" not in err, err
    m = re.fullmatch(r"error: (diverged at epoch (\d+): .*)", lines[0])
    assert m and "lower the learning rate" in lines[0]
    status = read_status(run)
    assert status["state"] == "diverged" and status["message"] == m.group(1)
    assert int(m.group(2)) == status["epoch"] + 1  # the epoch that diverged, after the last finished one
    clf = load_classifier(load_checkpoint(run / "best.pt", kind="classifier"))
    probs = [p for _, p in classify_ink(clf, render_letter("o", seed=1).ink, top=26)]
    assert np.isfinite(probs).all() and abs(sum(probs) - 1) < 1e-4


def _trace_values(v) -> list:
    """Plotly figure JSON stores arrays as lists or as base64 typed arrays."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).tolist()
    return list(v)


@pytest.mark.page
def test_finished_runs_show_again_after_a_server_restart():
    """Runs made by other processes (here: the command line) show on freshly started pages."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for kind in ("reader", "classifier"):
        done = subprocess.run([sys.executable, "-m", "core", "train", kind, "--preset", "tiny", "--run-dir",
                               str(runs_dir() / f"done-{kind}")], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    metrics = {kind: read_metrics(runs_dir() / f"done-{kind}") for kind in ("reader", "classifier")}

    page = AppTest.from_file(str(REPO / "pages" / "runs.py"), default_timeout=60)
    page.session_state["runs_table"] = {"selection": {"rows": [0, 1], "columns": []}}
    page.run()
    assert not page.exception and not page.error
    table = page.dataframe[0].value.set_index("run")
    for kind, df in metrics.items():
        row = table.loc[f"done-{kind}"]
        assert row["state"] == "finished" and row["model"] == kind and row["epoch"] == len(df) == 2
    assert table.loc["done-reader", "invocab_cer"] == round(metrics["reader"]["invocab_cer"].iloc[-1], 4)
    assert table.loc["done-classifier", "val_acc"] == round(metrics["classifier"]["val_acc"].iloc[-1], 4)
    fig = json.loads(page.get("plotly_chart")[0].proto.spec)  # the overlay of the selected runs' curves
    curves = {t["name"]: (_trace_values(t["x"]), _trace_values(t["y"])) for t in fig["data"]}
    metric = page.selectbox(key="runs_metric").value
    for kind, df in metrics.items():
        x, y = curves[f"done-{kind}"]
        assert x == df["epoch"].tolist() and np.allclose(y, df[metric].to_numpy())

    train = AppTest.from_file(str(REPO / "pages" / "train.py"), default_timeout=60)
    train.session_state["train_run"] = "done-reader"
    train.run()
    assert not train.exception
    assert any("state **finished** · epoch 2/2" in m.value for m in train.markdown)
    fig = json.loads(train.get("plotly_chart")[0].proto.spec)
    assert _trace_values(fig["data"][0]["x"]) == [1, 2]
