import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from core.chardata import CharSplits, export_npy, import_npy, synthetic_splits
from core.classifier import READOUTS, CNNBiLSTM, preset
from core.errors import InputError
from core.train_classifier import train_classifier

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("readout", READOUTS)
def test_every_readout_gives_logits_per_class(readout):
    model = CNNBiLSTM(preset("tiny", readout=readout), 18, 26)
    assert model(torch.randn(3, 32, 18)).shape == (3, 26)


def test_last_readout_barely_sees_the_start_through_its_backward_half():
    """The seed's readout: at the last step the backward direction has read one frame, so changing the
    first frames moves its half far less there than at the first step, where it has read everything."""
    cfg = preset("tiny", readout="ends", dropout=0.0, batchnorm=False)
    torch.manual_seed(0)
    model = CNNBiLSTM(cfg, 18, 5).eval()
    x = torch.randn(1, 32, 18)
    y = x.clone()
    y[:, :4] += 3.0
    with torch.no_grad():
        out_x, _ = model.lstm(model.pool(torch.relu(model.conv2(torch.relu(model.conv1(x.transpose(1, 2)))))).transpose(1, 2))
        out_y, _ = model.lstm(model.pool(torch.relu(model.conv2(torch.relu(model.conv1(y.transpose(1, 2)))))).transpose(1, 2))
    h = cfg.hidden
    at_start = (out_x[0, 0, h:] - out_y[0, 0, h:]).abs().mean()  # the backward half has read everything here
    at_end = (out_x[0, -1, h:] - out_y[0, -1, h:]).abs().mean()  # ...and one frame here
    assert at_end < 0.1 * at_start


def test_npy_round_trip_and_training(tmp_path):
    splits = synthetic_splits(per_class=3, seed=0, n_points=32)
    export_npy(splits, tmp_path)
    back = import_npy(tmp_path)
    assert back.classes == splits.classes and back.X["train"].shape == splits.X["train"].shape
    res = train_classifier(preset("tiny"), data=back)
    assert res["state"] == "finished" and 0.0 <= res["test"]["accuracy"] <= 1.0
    assert len(res["test"]["confusion"]) == 26


def _save_set(folder, **over):
    splits = synthetic_splits(per_class=2, seed=1, n_points=16)
    export_npy(splits, folder)
    for name, arr in over.items():
        np.save(folder / f"{name}.npy", arr, allow_pickle=True)


@pytest.mark.parametrize("over,match", [
    ({"X_train": np.zeros((4, 16))}, "shape"),
    ({"X_val": np.full((13, 16, 18), np.nan)}, "NaN"),
    ({"y_test": np.array(["a"] * 3)}, "match"),
    ({"y_train": np.array([{"a": 1}] * 52, dtype=object)}, "pickle"),
    ({"X_test": np.array([["a"] * 18] * 16 * 13).reshape(13, 16, 18)}, "dtype"),
])
def test_bad_npy_files_are_refused_clearly(tmp_path, over, match):
    _save_set(tmp_path, **over)
    with pytest.raises(InputError, match=match):
        import_npy(tmp_path)


def test_pickle_refusal_says_how_to_resave(tmp_path):
    _save_set(tmp_path, y_train=np.array([{"a": 1}] * 52, dtype=object))
    with pytest.raises(InputError) as err:
        import_npy(tmp_path)
    assert "astype(str)" in str(err.value)


def test_cli_export_train_evaluate_classify(tmp_path):
    def cli(*args):
        p = subprocess.run([sys.executable, "-m", "core", *map(str, args)], cwd=REPO, capture_output=True, text=True,
                           timeout=300)
        assert p.returncode == 0, p.stderr
        return p.stdout

    cli("export-npy", "--source", "synthetic", "--out", tmp_path / "npy", "--per-class", "4")
    cli("train", "classifier", "--preset", "tiny", "--data", f"npy:{tmp_path / 'npy'}", "--run-dir", tmp_path / "run")
    df = pd.read_csv(tmp_path / "run" / "metrics.csv")
    assert list(df.columns) == ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds"]
    ev = json.loads((tmp_path / "run" / "eval.json").read_text())
    assert {"accuracy", "top5", "per_class", "report", "confusion", "confusion_normalised", "y_true", "y_pred"} <= set(ev)
    out = json.loads(cli("evaluate", tmp_path / "run", "--json"))
    assert {"n", "accuracy", "top5", "per_class"} == set(out)
    cli("render", "k", "--out", tmp_path / "k.json")
    top = json.loads(cli("classify", tmp_path / "run", "--ink", tmp_path / "k.json", "--top", "3", "--json"))
    assert len(top) == 3 and abs(sum(t["probability"] for t in top)) <= 1.0 + 1e-6


def test_a_reader_checkpoint_is_refused_by_classify(tmp_path):
    from core.checkpoints import load_checkpoint, make_checkpoint, save_checkpoint

    save_checkpoint(tmp_path / "r.pt", make_checkpoint("reader", {}, [""], {}))
    with pytest.raises(InputError, match="not a classifier"):
        load_checkpoint(tmp_path / "r.pt", kind="classifier")
