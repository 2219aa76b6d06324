"""The classifier's command line end to end: export-npy, train --data npy:DIR, evaluate --json, classify,
and the one-line errors of bad input."""
import io
import json
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import pandas as pd
import pytest

from core.cli.main import main
from core.ink.io import write_ink_json
from core.paths import REPO_ROOT as REPO

SHIPPED = REPO / "checkpoints" / "classifier-az"


def _cli(*args, code=0):
    p = subprocess.run([sys.executable, "-m", "core", *map(str, args)], cwd=REPO, capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == code, p.stderr
    return p


def _in_process(*args, code=0) -> subprocess.CompletedProcess:
    """`python -m core ARGS` in this process: the command line's own code, without a new interpreter and its
    imports (seconds each); `_cli` keeps the real process where that is what a test checks."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        returncode = main([str(a) for a in args])
    assert returncode == code, err.getvalue()
    return subprocess.CompletedProcess(args, returncode, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """export-npy, then a tiny training on that folder, both through the command line."""
    root = tmp_path_factory.mktemp("cli")
    out = _in_process("export-npy", "--source", "synthetic", "--out", root / "npy", "--per-class", "4",
                      "--seed", "3").stdout
    assert "train 104, val 52, test 52" in out
    p = _in_process("train", "classifier", "--preset", "tiny", "--data", f"npy:{root / 'npy'}", "--run-dir",
                    root / "run",
             "--n-points", "64", "--epochs", "2")
    return root, p.stdout


def test_an_exported_folder_trains_with_data_npy(trained):
    root, stdout = trained
    assert "epoch   2" in stdout and "test accuracy" in stdout
    df = pd.read_csv(root / "run" / "metrics.csv")
    assert list(df.columns) == ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds"]
    config = json.loads((root / "run" / "config.json").read_text())
    assert (config["kind"], config["data"], config["n_points"], config["features"], config["classes"]) == \
        ("classifier", f"npy:{root / 'npy'}", 64, 18, 26)
    ev = json.loads((root / "run" / "eval.json").read_text())
    assert {"accuracy", "top5", "per_class", "report", "confusion", "confusion_normalised", "y_true", "y_pred"} <= set(ev)


def test_evaluate_json_prints_n_accuracy_top5_per_class(trained, capsys):
    root, _ = trained
    assert main(["evaluate", str(root / "run"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"n", "accuracy", "top5", "per_class"} and out["n"] == 52
    ev = json.loads((root / "run" / "eval.json").read_text())
    assert out["accuracy"] == pytest.approx(ev["accuracy"]) and set(out["per_class"]) == set("abcdefghijklmnopqrstuvwxyz")


def test_classify_lists_labels_with_probabilities(trained, capsys):
    root, _ = trained
    assert main(["render", "k", "--seed", "1", "--out", str(root / "k.json")]) == 0
    capsys.readouterr()
    assert main(["classify", str(root / "run"), "--ink", str(root / "k.json"), "--top", "3", "--json"]) == 0
    top = json.loads(capsys.readouterr().out)
    assert len(top) == 3 and all(t["label"] in "abcdefghijklmnopqrstuvwxyz" for t in top)
    assert main(["classify", str(root / "run"), "--ink", str(root / "k.json"), "--top", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and all(len(line.split("\t")) == 2 for line in lines)


def _error(capsys, *argv) -> str:
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    return err[0]


def test_bad_npy_folders_exit_2_with_one_line(trained, tmp_path, capsys):
    root, _ = trained
    for name in ("X_train", "X_val", "X_test", "y_train", "y_val", "y_test"):
        (tmp_path / f"{name}.npy").write_bytes((root / "npy" / f"{name}.npy").read_bytes())
    np.save(tmp_path / "y_val.npy", np.array(["a"] * 52, dtype=object), allow_pickle=True)
    assert "np.save('y_val.npy', y.astype(str))" in _error(capsys, "train", "classifier", "--preset", "tiny",
                                                           "--data", f"npy:{tmp_path}", "--run-dir", tmp_path / "r")
    assert json.loads((tmp_path / "r" / "status.json").read_text())["state"] == "failed"
    np.save(tmp_path / "y_val.npy", np.array(["a"] * 5))
    assert "5 labels but X_val.npy has 52" in _error(capsys, "evaluate", root / "run", "--data", f"npy:{tmp_path}")
    np.save(tmp_path / "y_val.npy", np.array(["a"] * 52))
    np.save(tmp_path / "X_test.npy", np.full((52, 64, 18), np.nan, np.float32))
    assert "NaN" in _error(capsys, "evaluate", root / "run", "--data", f"npy:{tmp_path}")


def test_other_bad_input_exits_2_with_one_line(trained, tmp_path, capsys):
    root, _ = trained
    assert "--top must be at least 1" in _error(capsys, "classify", root / "run", "--ink", root / "k.json", "--top", "0")
    assert "does not exist" in _error(capsys, "classify", root / "nowhere.pt", "--ink", root / "k.json")
    write_ink_json(tmp_path / "dot.json", [np.zeros((1, 2))])
    assert "fewer than two points" in _error(capsys, "classify", root / "run", "--ink", tmp_path / "dot.json")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    assert "junk.pt" in _error(capsys, "classify", tmp_path / "junk.pt", "--ink", root / "k.json")
    assert "word reader's protocol" in _error(capsys, "evaluate", root / "run", "--data", "seed")
    assert "cannot read 'npy:x'" in _error(capsys, "export-npy", "--source", "npy:x", "--out", tmp_path / "o")
    assert "readout must be one of last, mean, max, ends" in _error(capsys, "train", "classifier", "--readout",
                                                                    "first", "--run-dir", tmp_path / "r2")


@pytest.mark.slow
def test_the_shipped_classifier_names_real_letters_of_strangers(training_corpus_contributor, tmp_path, capsys):
    """`python -m core classify checkpoints/classifier-az --ink INK.json` on real letters of a test contributor
    (kai: a lab none of its splits trained on)."""
    from core.data.corpus import load_corpus

    assert (SHIPPED / "model.pt").exists() and (SHIPPED / "README.md").exists()
    folder = training_corpus_contributor("kai", ["1c"])
    letters = [s for s in load_corpus(f"unipen:{folder}", ["1c"]).letters()]
    rng = np.random.default_rng(0)
    picks = [letters[i] for i in rng.choice(len(letters), 20, replace=False)]
    right = 0
    for k, s in enumerate(picks):
        write_ink_json(tmp_path / f"{k}.json", s.ink, s.label)
        assert main(["classify", str(SHIPPED), "--ink", str(tmp_path / f"{k}.json"), "--top", "1"]) == 0
        right += capsys.readouterr().out.split("\t")[0] == s.label
    assert right >= 16
    p = _cli("classify", SHIPPED, "--ink", tmp_path / "0.json", "--top", "1")
    assert p.stdout.split("\t")[0] == picks[0].label
    assert main(["evaluate", str(SHIPPED), "--data", f"unipen:{folder}"]) == 0
    out = capsys.readouterr().out
    writers = {s.writer for s in letters}
    assert out.count("  kai/") == len(writers) > 1  # one line per writer, hardest first


def test_ensemble_command_writes_a_checkpoint_that_classifies(trained, tmp_path, capsys):
    root, _ = trained
    _in_process("train", "classifier", "--preset", "tiny", "--data", f"npy:{root / 'npy'}", "--run-dir",
                tmp_path / "b", "--n-points", "64", "--epochs", "1", "--seed", "5")
    out = _in_process("ensemble", root / "run", tmp_path / "b", "--out", tmp_path / "ens").stdout
    assert out.count("member ") == 2 and "ensemble of 2: test accuracy" in out
    assert "ensemble of 2: validation accuracy" in out  # members that share their validation writers
    assert json.loads((tmp_path / "ens" / "eval.json").read_text())["n"] == 52
    assert main(["evaluate", str(tmp_path / "ens"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 52
    from core.models.checkpoint import load_checkpoint

    member, ens = load_checkpoint(root / "run", kind="classifier"), load_checkpoint(tmp_path / "ens", kind="classifier")
    assert ens["data"]["source"] == member["data"]["source"]  # what the members share is the ensemble's
    bad = _cli("ensemble", root / "run", "--out", tmp_path / "one", code=2)
    assert bad.stderr.startswith("error:") and len(bad.stderr.strip().splitlines()) == 1


def test_told_the_group_classify_names_only_characters_of_that_group(tmp_path, capsys):
    from core.synth.generator import render_letter

    chars = REPO / "checkpoints" / "classifier-chars"
    write_ink_json(tmp_path / "o.json", render_letter("o", "natural", 3).ink, "o")
    assert main(["classify", str(chars), "--ink", str(tmp_path / "o.json"), "--top", "20", "--group", "digits",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == 10 and all(r["label"].isdigit() for r in out) and out[0]["label"] == "0"
    assert abs(sum(r["probability"] for r in out) - 1.0) < 1e-4  # renormalised over the ten digits
    assert "knows no digits" in _error(capsys, "classify", SHIPPED, "--ink", tmp_path / "o.json", "--group", "digits")
