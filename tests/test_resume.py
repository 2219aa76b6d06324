"""A training can span sittings: `--resume RUN` continues from last.pt as if it had never stopped."""
import json

import pandas as pd
import pytest

from core.cli.main import main
from core.data.letters import synthetic_splits
from core.errors import InputError
from core.models import classifier, reader
from core.models.checkpoint import load_checkpoint
from core.train.classifier import train_classifier
from core.train.reader import train_reader
from core.train.runs import RunFolder, resume_point

FIGURES = {"reader": ["train_loss", "invocab_cer", "heldout_cer", "lr"], "classifier": ["train_loss", "val_acc", "lr"]}


def _rows(path, kind):
    return pd.read_csv(path / "metrics.csv")[["epoch", *FIGURES[kind]]]


def test_a_reader_resumed_after_its_first_epoch_learns_what_one_sitting_learns(tmp_path):
    cfg = reader.preset("tiny", epochs=3)
    train_reader(cfg, RunFolder(tmp_path / "one"))
    train_reader(cfg.replace(epochs=1), RunFolder(tmp_path / "two"))
    last = load_checkpoint(tmp_path / "two" / "last.pt")
    assert last["resume"]["epoch"] == 1
    result = train_reader(cfg, RunFolder(tmp_path / "two"), resume=last)
    assert result["state"] == "finished" and [r["epoch"] for r in result["history"]] == [1, 2, 3]
    pd.testing.assert_frame_equal(_rows(tmp_path / "one", "reader"), _rows(tmp_path / "two", "reader"))


def test_a_classifier_resumes_with_its_optimiser_schedule_and_batch_order(tmp_path):
    data = synthetic_splits(per_class=4, seed=2, n_points=32)
    cfg = classifier.preset("tiny", epochs=3, patience=5)
    train_classifier(cfg, RunFolder(tmp_path / "one"), data=data)
    train_classifier(cfg.replace(epochs=1), RunFolder(tmp_path / "two"), data=data)
    result = train_classifier(cfg, RunFolder(tmp_path / "two"), data=data,
                              resume=load_checkpoint(tmp_path / "two" / "last.pt"))
    assert result["state"] == "finished" and "test" in result
    pd.testing.assert_frame_equal(_rows(tmp_path / "one", "classifier"), _rows(tmp_path / "two", "classifier"))


def test_the_command_line_resumes_a_run_and_trains_it_longer(tmp_path):
    run = tmp_path / "r"
    assert main(["train", "reader", "--preset", "tiny", "--epochs", "1", "--run-dir", str(run)]) == 0
    assert main(["train", "reader", "--resume", str(run), "--epochs", "2"]) == 0
    assert list(pd.read_csv(run / "metrics.csv")["epoch"]) == [1, 2]
    status = json.loads((run / "status.json").read_text())
    assert status["state"] == "finished" and status["epoch"] == 2
    # settings stay the run's; a folder that is no run is a clear error
    assert main(["train", "reader", "--resume", str(run), "--hidden", "8"]) == 2
    assert main(["train", "classifier", "--resume", str(run)]) == 2
    with pytest.raises(InputError, match="not a run folder"):
        resume_point(tmp_path / "nothing", "reader")


def test_a_run_resumed_with_other_epochs_stretches_its_schedule_to_end_at_the_new_last_epoch(tmp_path):
    cfg = reader.preset("tiny", epochs=4, schedule="onecycle")
    done = []
    train_reader(cfg, RunFolder(tmp_path / "long"), progress=done.append, stop_requested=lambda: bool(done))
    last = load_checkpoint(tmp_path / "long" / "last.pt")
    assert last["resume"]["epoch"] == 1
    result = train_reader(cfg.replace(epochs=2), RunFolder(tmp_path / "long"), resume=last)
    assert [r["epoch"] for r in result["history"]] == [1, 2]
    # onecycle ends near zero: the shortened run ends its schedule at its own last epoch, not half way
    assert result["history"][-1]["lr"] < 0.05 * cfg.lr < result["history"][0]["lr"]
