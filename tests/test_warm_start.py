"""Warm start (`--init`): a new reader begins with a trained reader's weights for the characters both know."""
import numpy as np
import pytest
import torch

from core.data.alphabets import TEXT, reader_alphabet
from core.errors import InputError
from core.ink.encodings import encode
from core.models.inference import load_reader
from core.models.reader import build_reader, preset
from core.paths import REPO_ROOT
from core.train.warm_start import warm_start

AZ = REPO_ROOT / "checkpoints" / "reader-az"


def _logits(model, frames):
    model.eval()
    with torch.no_grad():
        x = torch.from_numpy(frames)[None]
        lengths = torch.tensor([len(frames)])
        return model(x, lengths)[0]


def test_a_text_reader_started_from_reader_az_reads_its_letters_as_reader_az_does():
    old = load_reader(AZ)
    cfg = preset("text", init=str(AZ))
    alphabet = reader_alphabet(TEXT)
    model = build_reader(cfg, alphabet)
    report = warm_start(model, cfg, alphabet)
    assert "lstm.weight_ih_l0" in report["copied"] and not report["fresh"]
    assert any(name.startswith("out.weight (27 of 96") for name in report["copied"])
    frames = encode([np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [3.0, 1.0]])], "delta-line", 0.1)
    new_lp, old_lp = _logits(model, frames), _logits(old.model, frames)
    rows = [alphabet.index(c) for c in old.alphabet]
    # log-softmax over more classes: the shared classes keep their differences (same logits, one shift)
    diff = (new_lp[:, rows] - old_lp).numpy()
    assert np.allclose(diff, diff[:, :1], atol=1e-4)


def test_a_warm_start_that_cannot_fit_is_refused_with_the_reason():
    alphabet = reader_alphabet(TEXT)
    graves = preset("text", init=str(AZ), encoding="graves25")
    with pytest.raises(InputError, match="encoding"):
        warm_start(build_reader(graves, alphabet), graves, alphabet)
    wider = preset("text", init=str(AZ), hidden=64)
    with pytest.raises(InputError, match="2x128"):
        warm_start(build_reader(wider, alphabet), wider, alphabet)
    with pytest.raises(InputError, match="does not exist"):
        missing = preset("text", init="no/such/reader")
        warm_start(build_reader(missing, alphabet), missing, alphabet)
