"""The CNN-BiLSTM classifier: config, presets, readouts, checkpoints, inference and the trainer."""
import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from core.data.letters import CharSplits, synthetic_splits
from core.errors import InputError
from core.evaluation.scoring import score_classifier
from core.ink.io import LabelledInk
from core.models.checkpoint import load_checkpoint
from core.models.classifier import (
    PRESETS,
    READOUTS,
    ClassifierConfig,
    CNNBiLSTM,
    classify_ink,
    classify_inks,
    load_classifier,
    n_parameters,
    preset,
)
from core.synth.generator import render_letter
from core.train.classifier import METRIC_COLUMNS, evaluate_classifier, train_classifier
from core.train.runs import RunFolder, read_status


@pytest.fixture(scope="module")
def tiny_data() -> CharSplits:
    return synthetic_splits(per_class=3, seed=0, n_points=32)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, tiny_data):
    path = tmp_path_factory.mktemp("run")
    rows = []
    result = train_classifier(preset("tiny"), RunFolder(path), progress=rows.append, data=tiny_data)
    return path, result, rows


# ---------------------------------------------------------------- config and presets

def test_the_seed_preset_is_seed_000s_recipe():
    s = PRESETS["seed"]
    assert (s.lr, s.weight_decay, s.schedule, s.step_size, s.gamma, s.clip) == (1e-3, 1e-4, "step", 10, 0.8, 1.0)
    assert (s.batch_size, s.epochs, s.patience, s.readout, s.hidden, s.dropout) == (32, 50, 10, "last", 128, 0.3)
    assert s.batchnorm and (s.features, s.classes, s.seed) == (18, 26, 42)


def test_the_fast_preset_reads_every_step():
    assert PRESETS["fast"].readout != "last" and PRESETS["fast"].epochs < PRESETS["seed"].epochs


def test_unknown_options_and_bad_values_are_input_errors():
    with pytest.raises(InputError, match="unknown classifier option"):
        preset("seed", hiddn=64)
    with pytest.raises(InputError, match="unknown classifier preset"):
        preset("turbo")
    for bad in ({"readout": "first"}, {"dropout": 1.0}, {"lr": 0.0}, {"schedule": "cosine"}, {"hidden": "64"},
                {"batchnorm": 1}, {"epochs": 0}):
        with pytest.raises(InputError, match="classifier config"):
            preset("seed", **bad)
    cfg = preset("fast", hidden=64)
    assert ClassifierConfig.from_dict(cfg.to_dict()) == cfg and cfg.replace(hidden=32).hidden == 32


# ---------------------------------------------------------------- the model and its readouts

@pytest.mark.parametrize("readout", READOUTS)
@pytest.mark.parametrize("batchnorm", [True, False])
def test_every_readout_gives_logits_per_class(readout, batchnorm):
    model = CNNBiLSTM(preset("tiny", readout=readout, batchnorm=batchnorm, classes=7, features=5))
    assert model(torch.randn(3, 32, 5)).shape == (3, 7)


def test_seed_000_architecture_has_its_layer_sizes():
    model = CNNBiLSTM(PRESETS["seed"])
    assert (model.conv1.in_channels, model.conv1.out_channels, model.conv1.kernel_size) == (18, 64, (5,))
    assert (model.conv2.out_channels, model.conv2.kernel_size) == (128, (3,))
    assert model.lstm.num_layers == 2 and model.lstm.bidirectional and model.lstm.hidden_size == 128
    assert (model.fc1.in_features, model.fc1.out_features, model.fc2.out_features) == (256, 128, 26)
    assert isinstance(CNNBiLSTM(preset("seed", batchnorm=False)).bn1, torch.nn.Identity)


def test_readouts_take_what_they_say_from_the_bilstm_outputs():
    torch.manual_seed(0)
    x = torch.randn(2, 32, 18)
    models = {r: CNNBiLSTM(preset("tiny", readout=r, dropout=0.0)).eval() for r in READOUTS}
    state = models["last"].state_dict()
    for m in models.values():
        m.load_state_dict(state)
    with torch.no_grad():
        out = models["last"].sequence(x)
        head = models["last"]
        h = head.hidden
        expect = {"last": out[:, -1], "mean": out.mean(1), "max": out.max(1).values,
                  "ends": torch.cat([out[:, -1, :h], out[:, 0, h:]], 1)}
        for r, z in expect.items():
            assert torch.allclose(models[r](x), head.fc2(torch.relu(head.fc1(z))), atol=1e-6)


def test_the_last_readout_barely_sees_the_start_through_its_backward_half():
    """At the last step the backward direction has read one frame: changing the first frames moves
    its half far less there than at the first step, where it has read everything."""
    torch.manual_seed(0)
    model = CNNBiLSTM(preset("tiny", dropout=0.0, batchnorm=False)).eval()
    x = torch.randn(1, 32, 18)
    y = x.clone()
    y[:, :4] += 3.0
    with torch.no_grad():
        dx = (model.sequence(x) - model.sequence(y)).abs()[0]
    h = model.hidden
    assert dx[-1, h:].mean() < 0.1 * dx[0, h:].mean()


# ---------------------------------------------------------------- training

def test_tiny_training_writes_the_run_folder(tiny_run):
    path, result, rows = tiny_run
    assert result["state"] == "finished" and len(rows) == 2
    df = pd.read_csv(path / "metrics.csv")
    assert list(df.columns) == METRIC_COLUMNS and list(df["epoch"]) == [1, 2]
    assert (df["seconds"].diff().dropna() > 0).all()
    assert read_status(path)["state"] == "finished"
    assert {"best.pt", "last.pt", "config.json", "eval.json", "status.json"} <= {p.name for p in path.iterdir()}
    ckpt = load_checkpoint(path, kind="classifier")
    assert ckpt["encoding"] == "features18" and len(ckpt["norm"]["mean"]) == 18
    assert ckpt["metrics"]["test_acc"] == result["test"]["accuracy"]


def test_the_test_evaluation_has_the_report_confusion_and_labels(tiny_run, tiny_data):
    path, result, _ = tiny_run
    ev = pd.read_json(path / "eval.json", typ="series")
    n = len(tiny_data.y["test"])
    assert ev["n"] == n and len(ev["y_true"]) == n and len(ev["y_pred"]) == n
    cm = np.array(ev["confusion"])
    assert cm.shape == (26, 26) and cm.sum() == n
    assert np.allclose(np.array(ev["confusion_normalised"]).sum(1), 1.0, atol=1e-3)
    assert ev["accuracy"] == pytest.approx(np.trace(cm) / n)
    assert ev["report"]["accuracy"] == pytest.approx(ev["accuracy"])
    assert 0 <= ev["accuracy"] <= ev["top5"] <= 1


def test_training_is_deterministic_per_seed(tiny_data, tiny_run):
    _, first, _ = tiny_run
    again = train_classifier(preset("tiny"), data=tiny_data)
    other = train_classifier(preset("tiny", seed=1), data=tiny_data)
    assert again["last"]["train_loss"] == first["last"]["train_loss"]
    assert again["test"]["y_pred"] == first["test"]["y_pred"]
    assert other["last"]["train_loss"] != first["last"]["train_loss"]


def test_it_learns_easy_letters():
    full = synthetic_splits(per_class=24, seed=0, n_points=32)
    keep = {s: np.isin(full.y[s], list("olx")) for s in full.X}
    data = CharSplits({s: full.X[s][keep[s]] for s in full.X}, {s: full.y[s][keep[s]] for s in full.X})
    res = train_classifier(preset("fast", hidden=32, epochs=8, batch_size=16, n_points=32), data=data)
    assert res["test"]["accuracy"] >= 0.9 and res["config"].classes == 3


def test_a_nan_loss_stops_the_run_as_diverged_and_keeps_the_files(tmp_path, tiny_data):
    X = {s: v.copy() for s, v in tiny_data.X.items()}
    X["train"][:, 5, 0] = np.nan
    res = train_classifier(preset("tiny"), RunFolder(tmp_path), data=CharSplits(X, tiny_data.y))
    status = read_status(tmp_path)
    assert res["state"] == status["state"] == "diverged"
    assert status["message"].startswith("diverged at epoch 1") and "lower the learning rate" in status["message"]
    assert (tmp_path / "last.pt").exists()


def test_a_stop_request_ends_cleanly_with_a_loadable_best(tmp_path, tiny_data):
    res = train_classifier(preset("tiny", epochs=5), RunFolder(tmp_path), stop_requested=lambda: True,
                           data=tiny_data)
    assert res["state"] == "stopped" and read_status(tmp_path)["state"] == "stopped"
    assert len(pd.read_csv(tmp_path / "metrics.csv")) == 1
    load_classifier(load_checkpoint(tmp_path / "best.pt"))
    assert (tmp_path / "last.pt").exists() and (tmp_path / "eval.json").exists()


def test_early_stopping_keeps_the_best_epoch(tiny_data):
    res = train_classifier(preset("tiny", epochs=30, patience=1, lr=1e-5), data=tiny_data)
    assert res["last"]["epoch"] < 30 and "early stop" in res["message"]
    assert res["best"]["val_acc"] >= res["last"]["val_acc"]


def test_copies_of_a_letter_share_an_epoch_slot():
    from core.train.classifier import _epoch_order

    groups = np.array([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3])  # four letters with two augmented copies each
    rng = np.random.default_rng(0)
    orders = [_epoch_order(groups, len(groups), rng) for _ in range(20)]
    assert all(sorted(groups[o]) == [0, 1, 2, 3] for o in orders)  # one version of every letter per epoch
    assert len({int(i) for o in orders for i in o}) == 12  # and over epochs every version is used
    assert sorted(_epoch_order(None, 5, rng)) == [0, 1, 2, 3, 4]


# ---------------------------------------------------------------- loading and inference

def test_a_checkpoint_rebuilds_the_same_model(tiny_run, tiny_data):
    _, result, _ = tiny_run
    clf = load_classifier(result["checkpoint"])
    assert not clf.model.training and n_parameters(clf.model) > 0
    again = evaluate_classifier(clf, tiny_data.X["test"], tiny_data.y["test"])
    assert again["y_pred"] == result["test"]["y_pred"]


def test_classify_ink_lists_the_top_labels_with_probabilities(tiny_run):
    clf = load_classifier(tiny_run[1]["checkpoint"])
    top = classify_ink(clf, render_letter("k", seed=0).ink, top=3)
    assert len(top) == 3 and all(c in clf.classes for c, _ in top)
    probs = [p for _, p in top]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1 + 1e-6
    assert clf.classify_ink(render_letter("k", seed=0).ink, 3) == top
    assert len(classify_ink(clf, render_letter("k", seed=0).ink, top=100)) == 26


def test_classify_inks_reads_many_drawings_at_once_as_classify_ink_reads_each(tiny_run):
    clf = load_classifier(tiny_run[1]["checkpoint"])
    inks = [render_letter(c, seed=k).ink for k, c in enumerate("kox")]
    p = classify_inks(clf, inks)
    assert p.shape == (3, len(clf.classes)) and np.allclose(p.sum(axis=1), 1, atol=1e-5)
    for ink, row in zip(inks, p):
        best = classify_ink(clf, ink, top=2)
        assert [c for c, _ in best] == [clf.classes[i] for i in np.argsort(-row, kind="stable")[:2]]
        assert [q for _, q in best] == pytest.approx(np.sort(row)[::-1][:2], abs=1e-5)
    assert classify_inks(clf, []).shape == (0, len(clf.classes))
    with pytest.raises(InputError, match="drawing 2 of 2 has fewer than two points"):
        classify_inks(clf, [inks[0], [np.zeros((1, 2))]])


@pytest.mark.parametrize("ink,match", [([], "fewer than two points"), ([np.zeros((1, 2))], "fewer than two points")])
def test_a_drawing_without_a_letter_is_refused(tiny_run, ink, match):
    with pytest.raises(InputError, match=match):
        classify_ink(load_classifier(tiny_run[1]["checkpoint"]), ink)


def test_a_drawing_with_thousands_of_points_is_read(tiny_run):
    t = np.linspace(0, 2 * np.pi, 5000)
    assert len(classify_ink(load_classifier(tiny_run[1]["checkpoint"]), [np.c_[np.cos(t), np.sin(t)]])) == 5


def test_foreign_and_mismatched_checkpoints_are_refused(tiny_run):
    ckpt = tiny_run[1]["checkpoint"]
    with pytest.raises(InputError, match="not a classifier"):
        load_classifier({**ckpt, "kind": "reader"})
    with pytest.raises(InputError, match="does not match"):
        load_classifier({**ckpt, "config": {**ckpt["config"], "hidden": 32}})
    with pytest.raises(InputError, match="does not match"):
        load_classifier({**ckpt, "alphabet": ckpt["alphabet"][:-1]})
    with pytest.raises(InputError, match="unknown classifier option"):
        load_classifier({**ckpt, "config": {**ckpt["config"], "colour": 1}})


def test_evaluation_refuses_labels_and_shapes_the_model_does_not_know(tiny_run, tiny_data):
    clf = load_classifier(tiny_run[1]["checkpoint"])
    with pytest.raises(InputError, match="labels the model does not know"):
        evaluate_classifier(clf, tiny_data.X["test"][:2], np.array(["A", "b"]))
    with pytest.raises(InputError, match="this model reads"):
        evaluate_classifier(clf, tiny_data.X["test"][:, :16], tiny_data.y["test"])


def test_a_model_trained_on_other_features_cannot_read_ink(tiny_data):
    data = CharSplits({s: v[:, :, :5] for s, v in tiny_data.X.items()}, tiny_data.y)
    res = train_classifier(preset("tiny", epochs=1), data=data)
    clf = load_classifier(res["checkpoint"])
    assert clf.config.features == 5 and res["checkpoint"]["encoding"] == "npy"
    ink = render_letter("a", seed=0).ink
    with pytest.raises(InputError, match="other features"):
        classify_ink(clf, ink)
    with pytest.raises(InputError, match="other features"):
        classify_inks(clf, [ink])
    with pytest.raises(InputError, match="other features"):  # scoring on labelled ink refuses it the same way
        score_classifier(clf, [LabelledInk(ink, "a", "ink/w", "a.json")])
    assert dataclasses.asdict(clf.config)["features"] == 5


# ---------------------------------------------------------------- ensembles

def test_an_ensemble_averages_its_members_probabilities(tiny_run, tiny_data):
    from core.models.classifier import make_ensemble

    first = load_checkpoint(tiny_run[0] / "best.pt")
    second = train_classifier(preset("tiny", seed=7), data=tiny_data)["checkpoint"]
    ens = load_classifier(make_ensemble([first, second]))
    X = tiny_data.X["test"]
    mean = (load_classifier(first).probabilities(X) + load_classifier(second).probabilities(X)) / 2
    assert ens.config.members == 2
    np.testing.assert_allclose(ens.probabilities(X), mean, atol=1e-5)
    assert ens.classify_ink(render_letter("o", "natural", np.random.default_rng(0)).ink, top=3)


def test_an_ensemble_needs_one_architecture_and_is_never_trained(tiny_run, tiny_data):
    from core.models.classifier import make_ensemble

    first = load_checkpoint(tiny_run[0] / "best.pt")
    other = train_classifier(preset("tiny", hidden=8, epochs=1), data=tiny_data)["checkpoint"]
    with pytest.raises(InputError, match="hidden"):
        make_ensemble([first, other])
    with pytest.raises(InputError, match="at least two"):
        make_ensemble([first])
    with pytest.raises(InputError, match="not trained directly"):
        train_classifier(preset("tiny", members=2), data=tiny_data)
