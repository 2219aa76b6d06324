"""The reader's command line end to end: `train reader`, `evaluate --json`, `decode` (core/cli_reader.py)."""
from __future__ import annotations

import dataclasses
import io
import json
import os
import signal
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from core.cli.main import build_parser, main
from core.cli.reader import config_from_args
from core.data.seed_words import SEED_VOCAB
from core.errors import InputError
from core.ink.io import write_ink_json
from core.models import classifier, reader
from core.models.preset_times import preset_note
from core.models.reader import ReaderConfig, preset
from core.paths import REPO_ROOT as REPO
from core.synth.generator import AUGMENT_PARAMS, render_word
from dashboard.forms import preset_label

SHIPPED = REPO / "checkpoints" / "reader-seed"


def cli(*args, timeout=60) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "core", *map(str, args)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


def run_main(capsys, *args) -> subprocess.CompletedProcess:
    """`python -m core ARGS` in this process (the same code path, without a new interpreter)."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, captured.out, captured.err)


def one_error_line(proc: subprocess.CompletedProcess, code: int = 2) -> str:
    """Bad input exits with `code` (2) and one `error:` line on stderr, no traceback."""
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    """`train reader --preset tiny` in this process (the real process's training: test_sigterm_stops_a_run_cleanly)."""
    run = tmp_path_factory.mktemp("cli") / "tmp"
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert main(["train", "reader", "--preset", "tiny", "--run-dir", str(run)]) == 0, err.getvalue()
    lines = out.getvalue().splitlines()
    assert lines[0] == f"run folder: {run}"
    assert [ln.split()[1] for ln in lines if ln.startswith("epoch")] == ["1/2", "2/2"]
    assert lines[-1].startswith("finished:")
    return run


@pytest.fixture(scope="module")
def ink_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ink") / "a.json"
    write_ink_json(path, render_word("tonic", "seed", 77).ink, "tonic")
    return path


@pytest.mark.slow
def test_train_then_evaluate_json(tiny_run):
    assert {p.name for p in tiny_run.iterdir()} >= {"config.json", "metrics.csv", "status.json", "best.pt",
                                                    "last.pt", "eval.json"}
    proc = cli("evaluate", tiny_run, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    keys = {"n", "cer", "corpus_cer", "word_acc"}
    assert keys | {"splits", "per_word"} <= set(out) and "predictions" not in out
    assert set(out["splits"]) == {"invocab", "heldout"} and all(keys <= set(s) for s in out["splits"].values())
    assert out["n"] == 47 and {r["word"] for r in out["per_word"]} == set(SEED_VOCAB)
    assert all(set(r) == {"word", "split", "n", "cer", "word_acc"} for r in out["per_word"])
    # The same checkpoint, the same fixed renderings: evaluate agrees with the trainer's eval.json.
    saved = json.loads((tiny_run / "eval.json").read_text())
    assert out["cer"] == pytest.approx(saved["cer"])
    assert all(out["splits"][k] == pytest.approx(saved["splits"][k]) for k in saved["splits"])


def test_evaluate_with_another_seed_keeps_the_split(tiny_run, tmp_path, capsys):
    proc = run_main(capsys, "evaluate", tiny_run / "best.pt", "--seed", "5", "--decoder", "lexicon", "--json",
               "--out", tmp_path / "full.json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    held = {r["word"] for r in out["per_word"] if r["split"] == "heldout"}
    assert held == {"ill", "tan", "mit", "tea", "net", "moon", "loom", "lime", "tonic"} and out["eval_seed"] == 5
    full = json.loads((tmp_path / "full.json").read_text())
    assert all(p["pred"] in SEED_VOCAB for p in full["predictions"])


@pytest.mark.slow
def test_decode_greedy_beam_lexicon(tiny_run, ink_file, tmp_path, capsys):
    proc = cli("decode", tiny_run, "--ink", ink_file)
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) <= 1, proc.stderr
    out = json.loads(run_main(capsys, "decode", tiny_run, "--ink", ink_file, "--decoder", "beam",
                              "--beam-width", "3", "--json").stdout)
    assert set(out) == {"text", "decoder", "alternatives", "confidence", "frames"} and out["decoder"] == "beam"
    lex = tmp_path / "words.txt"
    lex.write_text("moon\nnoon\n")
    out = json.loads(run_main(capsys, "decode", tiny_run, "--ink", ink_file, "--decoder", "lexicon", "--lexicon",
                              lex, "--json").stdout)
    assert out["text"] in ("moon", "noon") and {a["text"] for a in out["alternatives"]} <= {"moon", "noon"}


@pytest.mark.skipif(not SHIPPED.is_dir(), reason="no shipped reader-seed checkpoint")
def test_shipped_reader_reads_fresh_renderings(tmp_path, capsys):
    for word, seed in (("tonic", 901), ("ill", 902), ("matte", 903)):
        path = tmp_path / f"{word}.json"
        write_ink_json(path, render_word(word, "seed", seed).ink)
        proc = run_main(capsys, "decode", SHIPPED, "--ink", path)
        assert proc.returncode == 0 and proc.stdout.strip() == word, proc.stderr
    out = json.loads(run_main(capsys, "evaluate", SHIPPED, "--seed", "4242", "--json").stdout)
    assert out["splits"]["invocab"]["word_acc"] >= 0.95 and out["word_acc"] >= 0.95


def test_bad_input_is_one_error_line(tiny_run, ink_file, tmp_path, capsys):
    def err(*args):
        return one_error_line(run_main(capsys, *args))

    assert "hidden" in err("train", "reader", "--preset", "tiny", "--hidden", "0", "--run-dir", tmp_path / "r")
    assert not (tmp_path / "r").exists()  # refused before a run folder was made
    err("train", "reader", "--preset", "bogus")
    err("train", "reader", "--preset", "tiny", "--hidden", "many")
    err("train", "reader", "--preset", "tiny", "--data", "unknown", "--run-dir", tmp_path / "u")
    err("decode", tiny_run, "--ink", tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text('{"strokes": [[[0, 0]]]}')
    err("decode", tiny_run, "--ink", tmp_path / "bad.json")
    (tmp_path / "broken.pt").write_bytes(b"\x00" * 64)
    err("decode", tmp_path / "broken.pt", "--ink", ink_file)
    (tmp_path / "empty.txt").write_text("\n")
    err("decode", tiny_run, "--ink", ink_file, "--decoder", "lexicon", "--lexicon", tmp_path / "empty.txt")
    err("evaluate", tiny_run, "--data", "unknown", "--json")


def test_a_diverging_run_exits_with_its_message(tmp_path, capsys):
    proc = run_main(capsys, "train", "reader", "--preset", "tiny", "--lr", "1e6", "--run-dir", tmp_path / "d")
    line = one_error_line(proc, code=1)
    assert "diverged at epoch 1" in line and "lower the learning rate" in line
    assert json.loads((tmp_path / "d" / "status.json").read_text())["state"] == "diverged"


def test_sigterm_stops_a_run_cleanly(tmp_path):
    run = tmp_path / "s"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "core", "train", "reader", "--preset", "tiny", "--epochs", "50",
                             "--repeats", "8", "--run-dir", str(run)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:  # wait for the first epoch
            if line.startswith("epoch"):
                break
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    status = json.loads((run / "status.json").read_text())
    assert status["state"] == "stopped" and status["epoch"] >= 1
    assert (run / "last.pt").exists() and (run / "best.pt").exists()


@pytest.mark.parametrize("model", ["reader", "classifier"])
def test_the_preset_help_says_what_every_preset_is_in_the_train_pages_words(model, monkeypatch, capsys):
    notes = {"reader": reader, "classifier": classifier}[model]
    assert list(notes.PRESET_NOTES) and set(notes.PRESET_NOTES) == set(notes.PRESETS)
    monkeypatch.setenv("COLUMNS", "100000")  # one line per option: argparse wraps help at the terminal's width
    with pytest.raises(SystemExit):
        main(["train", model, "--help"])
    shown = capsys.readouterr().out
    for name, note in notes.PRESET_NOTES.items():
        said = preset_note(model, name)  # the note, and the measured time where bench/preset_times.py kept one
        assert said.startswith(note) and f"{name} = {said}" in shown
        assert preset_label(model, name) == f"{name}: {said}"


def test_every_config_field_is_a_flag_and_flags_override_the_preset():
    parser = build_parser()
    train = parser.parse_args(["train", "reader"])
    for f in dataclasses.fields(ReaderConfig):
        if f.name != "augment":
            assert hasattr(train, f.name) and getattr(train, f.name) is None
    for name in AUGMENT_PARAMS:
        assert getattr(train, f"aug_{name}") is None
    assert config_from_args(train) == preset("fast")
    args = parser.parse_args(["train", "reader", "--preset", "seed", "--hidden", "16", "--unidirectional",
                              "--ctc", "numpy", "--layers", "2", "--aug-jitter", "0.02", "--lr", "0.001",
                              "--schedule", "onecycle", "--eval-seed", "9"])
    cfg = config_from_args(args)
    assert cfg == preset("seed", hidden=16, bidirectional=False, ctc="numpy", layers=2, lr=0.001,
                         schedule="onecycle", eval_seed=9, augment={**preset("seed").augment, "jitter": 0.02})
    assert config_from_args(parser.parse_args(["train", "reader", "--no-bidirectional"])).bidirectional is False
    both = config_from_args(parser.parse_args(["train", "reader", "--aug", "slant=0.3", "--aug-jitter", "0.01"]))
    assert (both.augment["slant"], both.augment["jitter"]) == (0.3, 0.01)
    with pytest.raises(InputError, match="unknown augmentation"):
        config_from_args(parser.parse_args(["train", "reader", "--aug", "blur=1"]))
    with pytest.raises(InputError, match="NAME=NUMBER"):
        config_from_args(parser.parse_args(["train", "reader", "--aug", "slant"]))
