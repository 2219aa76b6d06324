"""Writer adaptation: a reader fine-tuned on a few samples reads them better and is an ordinary reader run."""
import json

import pytest

from core.cli.main import main
from core.errors import InputError
from core.ink.io import write_ink_json
from core.models.checkpoint import load_checkpoint
from core.models.inference import load_reader
from core.paths import checkpoints_dir
from core.synth.generator import Augment, render_word
from core.train.adapt import AdaptConfig, _batches, adapt_reader, trainable
from core.train.evaluate import evaluate_sets
from core.train.shipped import available_checkpoints

READER = checkpoints_dir() / "reader-az"
# A made-up hand the reader has never seen: seed 001's glyphs (its ten letters c o l t i n m a e u), wide and
# strongly slanted. reader-az reads the natural style of this hand without an error, but not these glyphs.
HAND = Augment(slant=0.6, aspect=0.4, jitter=0.004, scale=0.05, rotation=2.0, spacing=0.05)


def hand(words, seed):
    return [(render_word(w, "seed", seed + k, HAND).ink, w) for k, w in enumerate(words)]


def test_only_the_chosen_part_may_change():
    model = load_reader(READER).model
    names = {n for n, _ in model.named_parameters()}
    assert len(trainable(model, "all", 2)) == len(names)
    out = trainable(model, "output", 2)
    assert {n for n, p in model.named_parameters() if p.requires_grad} == {"out.weight", "out.bias"} and len(out) == 2
    trainable(model, "top", 2)
    top = {n for n, p in model.named_parameters() if p.requires_grad}
    assert top and all(n.startswith("out.") or "_l1" in n for n in top)
    trainable(model, "lstm", 2)
    assert {n for n, p in model.named_parameters() if not p.requires_grad} == {"conv.weight", "conv.bias"}
    trainable(model, "front", 2)
    front = {n for n, p in model.named_parameters() if p.requires_grad}
    assert {"conv.weight", "out.bias", "lstm.weight_hh_l0_reverse"} <= front and not any("_l1" in n for n in front)


def test_the_config_refuses_what_cannot_run():
    for bad in ({"copies": 0}, {"anchor": -0.1}, {"part": "conv"}, {"mix": 1.0}, {"steps": 0}):
        with pytest.raises(InputError):
            AdaptConfig(**bad)
    with pytest.raises(InputError, match="unknown adapt option"):
        AdaptConfig.from_dict({"anchors": 1.0})
    assert AdaptConfig.from_dict(AdaptConfig(anchor=0.01, copies=2).to_dict()) == AdaptConfig(anchor=0.01, copies=2)


def test_a_step_draws_each_of_the_persons_samples_in_as_many_copies_as_asked():
    import numpy as np

    alphabet = load_checkpoint(READER)["alphabet"]
    samples = hand(["tonic", "atom", "mice"], 3)
    for copies in (1, 3):
        cfg = AdaptConfig(batch_size=8, mix=0.5, copies=copies)
        batch = _batches(samples, alphabet, cfg, np.random.default_rng(0))()
        own = [t for t in (t for _, t in batch[:4 * copies])]
        assert len(batch) == 4 * copies + 4 and set(own) <= {"tonic", "atom", "mice"}
        assert all(own[k] == own[k - k % copies] for k in range(len(own)))  # copies of a sample sit together


def test_the_anchor_keeps_the_adapted_weights_near_the_original_ones():
    ckpt = load_checkpoint(READER)
    train = hand(["minimum", "lettuce", "nation", "motion"], 0)
    start = {k: v.clone() for k, v in ckpt["state_dict"].items()}

    def moved(anchor: float) -> float:
        cfg = AdaptConfig(steps=6, eval_every=6, batch_size=4, lr=1e-2, anchor=anchor, threads=1)
        after = adapt_reader(ckpt, train, (), cfg)["checkpoint"]["state_dict"]
        return sum(float(((after[k] - start[k]) ** 2).sum()) for k in start)

    free, anchored = moved(0.0), moved(1.0)
    assert anchored < 0.5 * free


def test_the_anchor_penalty_is_the_squared_distance_and_pulls_back():
    import torch

    from core.train.step import anchor_penalty

    p = torch.tensor([1.0, 2.0], requires_grad=True)
    a = torch.tensor([0.0, 4.0])
    penalty = anchor_penalty([p], [a])
    penalty.backward()
    assert penalty.item() == 5.0 and p.grad.tolist() == [2.0, -4.0]  # the gradient step moves p toward a


def test_adapting_on_a_hand_lowers_its_error_and_writes_a_reader_run(tmp_path):
    ckpt = load_checkpoint(READER)
    words = ["minimum", "lettuce", "nation", "motion", "cement", "column", "contain", "mutation"]
    train, held = hand(words, 0), hand(["little", "mutual"], 100)
    before = evaluate_sets(load_reader(ckpt), {"held": train})["splits"]["held"]["cer"]
    assert before > 0.05  # a hand it misreads
    from core.train.runs import RunFolder

    result = adapt_reader(ckpt, train, held, AdaptConfig(steps=24, eval_every=24, batch_size=8, threads=1), RunFolder(tmp_path / "a"))
    after = evaluate_sets(load_reader(result["checkpoint"]), {"held": train})["splits"]["held"]["cer"]
    assert result["state"] == "finished" and after < before
    assert result["checkpoint"]["data"]["adapted_to"]["samples"] == 8
    assert json.loads((tmp_path / "a" / "config.json").read_text())["kind"] == "reader"
    with pytest.raises(InputError, match="none of the samples"):
        adapt_reader(ckpt, [(train[0][0], "ABC")])


def test_the_command_line_adapts_a_reader_from_a_folder_and_it_is_listed(tmp_path, capsys):
    folder = tmp_path / "mine"
    for k, (ink, w) in enumerate(hand(["tonic", "atom", "mice", "lemon", "cattle", "action"], 7)):
        write_ink_json(folder / f"{k:04d}.json", ink, w)
    from core.paths import runs_dir

    out = runs_dir() / "adapted-test"
    assert main(["adapt", str(READER), "--data", f"ink:{folder}", "--out", str(out), "--holdout", "2",
                 "--steps", "4", "--eval-every", "4", "--batch-size", "4", "--threads", "1"]) == 0
    text = capsys.readouterr().out
    assert "held-back CER before" in text and "finished: adapted to 4 samples" in text
    assert ("run: adapted-test", out) in available_checkpoints("reader")
    assert main(["adapt", str(READER), "--data", f"ink:{folder}", "--holdout", "6"]) == 2
