"""Training and evaluation of the word reader (core/train/reader.py)."""
from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
import torch

from core.data.seed_words import SEED_VOCAB, cut_share, split_vocab
from core.errors import InputError
from core.models.checkpoint import load_checkpoint
from core.models.inference import load_reader
from core.models.reader import preset
from core.synth.generator import render_word
from core.train.evaluate import evaluate_sets
from core.train.optim import adam_with_schedule, current_lr, load_adam_state, lr_at, resume_schedule
from core.train.reader import METRIC_COLUMNS, _batches, seed_protocol_data, train_reader, word_data
from core.train.runs import RunFolder


def _history(result):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in result["history"]]


# ---------------------------------------------------------------- pieces


def test_adam_follows_the_schedule_step_for_step_and_resumes_on_it():
    cfg = preset("tiny", lr=0.02, schedule="onecycle")
    steps = {"total": 1}
    model = torch.nn.Linear(4, 3)
    optimizer, schedule = adam_with_schedule(model.parameters(), cfg, steps)
    steps["total"] = 40  # known once the first epoch is drawn, as in train_reader
    seen = []
    for step in range(40):
        seen.append(current_lr(optimizer))
        optimizer.zero_grad()
        model(torch.randn(8, 4)).pow(2).sum().backward()
        optimizer.step()
        schedule.step()
    assert seen == pytest.approx([lr_at(cfg, s, 40) for s in range(40)])
    resume_schedule(schedule, 10)
    assert current_lr(optimizer) == pytest.approx(lr_at(cfg, 10, 40))


def test_adam_state_of_earlier_runs_loads_into_torch_adam():
    torch.manual_seed(0)
    a, b = torch.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    b.load_state_dict(a.state_dict())
    ref = torch.optim.Adam(a.parameters(), lr=0.01)
    for _ in range(5):
        ref.zero_grad()
        a(torch.ones(2, 4)).sum().backward()
        ref.step()
    state = ref.state_dict()["state"]
    # The hand-written Adam of earlier versions saved {lr, t, m, v}.
    old = {"lr": 0.01, "t": 5, "m": [state[i]["exp_avg"].clone() for i in range(2)],
           "v": [state[i]["exp_avg_sq"].clone() for i in range(2)]}
    mine = torch.optim.Adam(b.parameters(), lr=0.5)
    b.load_state_dict(a.state_dict())
    load_adam_state(mine, old)
    for model, opt in ((a, ref), (b, mine)):
        opt.zero_grad()
        model(torch.ones(2, 4)).sum().backward()
        opt.step()
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q)


def test_learning_rate_schedules():
    cfg = preset("tiny", lr=0.02, schedule="onecycle")
    total = 1000
    lrs = [lr_at(cfg, s, total) for s in range(total)]
    assert math.isclose(lrs[0], 0.02 / 25) and math.isclose(max(lrs), 0.02, rel_tol=1e-3)
    assert abs(int(np.argmax(lrs)) - 150) <= 1 and math.isclose(lrs[-1], 0.02 / 1000)
    cos = [lr_at(cfg.replace(schedule="cosine"), s, total) for s in range(total)]
    assert math.isclose(cos[0], 0.02) and math.isclose(cos[-1], 0.02 / 1000) and np.all(np.diff(cos) <= 0)
    assert lr_at(cfg.replace(schedule="constant"), 500, total) == 0.02
    assert lr_at(cfg, total + 50, total) == lrs[-1]  # past the end: stays at the floor


def test_batches_cover_every_sample_once_with_similar_lengths():
    rng = np.random.default_rng(0)
    lengths = list(rng.integers(5, 100, size=103))
    batches = _batches(lengths, 8, rng)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(103)) and max(len(b) for b in batches) == 8
    spread = [np.ptp([lengths[i] for i in b]) for b in batches]
    assert np.median(spread) < 15  # sorted by length: little padding


def test_cut_share_falls_from_all_pieces_to_the_fraction():
    cfg = preset("tiny", cut_fraction=0.4, cut_warmup=3)
    assert [round(cut_share(cfg, e), 3) for e in (1, 2, 3, 4, 9)] == [1.0, 0.8, 0.6, 0.4, 0.4]
    assert cut_share(cfg.replace(cut_warmup=0), 1) == 0.4


def test_seed_protocol_data_trains_only_on_in_vocabulary_words_and_their_pieces():
    cfg = preset("fast", seed=2)  # seed 2 holds out tin, ice and tone: pieces of actin, nice, atone
    data = seed_protocol_data(cfg)
    train, held = split_vocab(2, 0.2)
    assert data.alphabet[0] == "" and "".join(data.alphabet[1:]) == "coltinmaeu"
    assert [t for _, t in data.eval_sets["heldout"]] == [w for w in held for _ in range(8)]
    assert [t for _, t in data.eval_sets["invocab"]] == [w for w in train for _ in range(8)]
    for epoch in (1, 5):
        texts = [t for _, t in data.sample_epoch(np.random.default_rng([1, epoch]), epoch)]
        assert len(texts) == len(train) * cfg.repeats
        assert all(any(t in w for w in train) for t in texts)
        assert not set(texts) & set(held)
    pieces = [t for _, t in data.sample_epoch(np.random.default_rng(0), 1)]
    assert sum(t in train for t in pieces) < 0.2 * len(pieces)  # the first warm-up epoch is pieces
    assert {"ti", "ic", "ce", "to"} <= set(pieces)
    with pytest.raises(InputError, match="unknown reader data source"):
        word_data(cfg.replace(data="imagenet"))


# ---------------------------------------------------------------- training runs


def test_training_writes_the_run_folder(tmp_path):
    run = RunFolder(tmp_path / "run")
    rows = []
    result = train_reader(preset("tiny"), run, rows.append)
    assert result["state"] == "finished" and len(rows) == 2 and rows[-1]["total_epochs"] == 2
    files = {p.name for p in run.path.iterdir()}
    assert {"config.json", "metrics.csv", "status.json", "best.pt", "last.pt", "eval.json"} <= files
    config = json.loads((run.path / "config.json").read_text())
    assert config.pop("kind") == "reader" and config == preset("tiny").to_dict()
    with open(run.path / "metrics.csv") as fh:
        table = list(csv.DictReader(fh))
    assert list(table[0]) == METRIC_COLUMNS and [int(r["epoch"]) for r in table] == [1, 2]
    status = json.loads((run.path / "status.json").read_text())
    assert status["state"] == "finished" and status["epoch"] == 2
    ev = json.loads((run.path / "eval.json").read_text())
    assert {"n", "cer", "corpus_cer", "word_acc", "splits", "per_word"} <= set(ev)
    assert set(ev["splits"]) == {"invocab", "heldout"} and ev["n"] == 47
    assert sorted(r["word"] for r in ev["per_word"]) == sorted(SEED_VOCAB)
    assert all(set(r) == {"word", "split", "n", "cer", "word_acc"} for r in ev["per_word"])
    best = load_checkpoint(run.path / "best.pt", "reader")
    assert best["metrics"]["epoch"] == ev["epoch"] and best["data"]["heldout_words"] == split_vocab(0)[1]
    load_reader(run.path / "last.pt")
    assert rows[1]["train_loss"] < rows[0]["train_loss"]


def test_same_seed_same_metrics_and_another_seed_differs():
    a = train_reader(preset("tiny"))
    b = train_reader(preset("tiny"))
    c = train_reader(preset("tiny", seed=1))
    assert _history(a) == _history(b)
    assert _history(a) != _history(c)
    for p, q in zip(a["checkpoint"]["state_dict"].values(), b["checkpoint"]["state_dict"].values()):
        assert torch.equal(p, q)


def test_numpy_ctc_trains_like_torch_ctc():
    cfg = preset("tiny", epochs=1)
    t = train_reader(cfg)["last"]["train_loss"]
    n = train_reader(cfg.replace(ctc="numpy"))["last"]["train_loss"]
    assert n == pytest.approx(t, rel=1e-3)


@pytest.mark.slow
def test_the_fast_recipe_learns_within_a_few_epochs():
    result = train_reader(preset("fast", epochs=4, threads=1))
    last = result["last"]
    assert last["invocab_cer"] < 0.3 and last["heldout_cer"] < 0.5
    assert result["history"][0]["invocab_cer"] > last["invocab_cer"]


def test_stop_request_ends_cleanly_with_last_checkpoint(tmp_path):
    run = RunFolder(tmp_path / "run")
    calls = {"n": 0}

    def stop():
        calls["n"] += 1
        return calls["n"] > 14  # 1 call before each epoch, 1 after each of its 10 batches: epoch 2 of 3

    result = train_reader(preset("tiny", epochs=3), run, stop_requested=stop)
    assert result["state"] == "stopped" and "epoch 2" in result["message"]
    status = json.loads((run.path / "status.json").read_text())
    assert status["state"] == "stopped" and status["epoch"] == 1
    load_reader(run.path / "last.pt")
    load_reader(run.path / "best.pt")


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_a_diverging_run_stops_and_keeps_its_best_checkpoint(tmp_path):
    cfg = preset("tiny", encoding="seed", conv_channels=0, conv_stride=1, epochs=3)
    data = seed_protocol_data(cfg)
    clean = data.sample_epoch

    def poisoned(rng, epoch):
        # From epoch 2 the ink is absurdly large: its float32 encoding overflows to inf.
        pairs = clean(rng, epoch)
        return pairs if epoch == 1 else [([s * 1e300 for s in ink], t) for ink, t in pairs]

    data.sample_epoch = poisoned
    run = RunFolder(tmp_path / "run")
    result = train_reader(cfg, run, data=data)
    assert result["state"] == "diverged"
    assert result["message"].startswith("diverged at epoch 2") and "lower the learning rate" in result["message"]
    status = json.loads((run.path / "status.json").read_text())
    assert status["state"] == "diverged" and status["message"] == result["message"]
    model, _, _ = load_reader(run.path / "best.pt")
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_a_huge_learning_rate_diverges():
    result = train_reader(preset("tiny", lr=1e6))
    assert result["state"] == "diverged" and result["message"].startswith("diverged at epoch 1")


def test_evaluate_sets_per_word_rows_and_summaries():
    cfg = preset("tiny")
    result = train_reader(cfg)
    reader = load_reader(result["checkpoint"])
    data = word_data(cfg.replace(eval_repeats=2))
    ev = evaluate_sets(reader, data.eval_sets)
    assert ev["n"] == 94 and ev["splits"]["invocab"]["n"] == 76 and ev["splits"]["heldout"]["n"] == 18
    assert all(r["n"] == 2 for r in ev["per_word"]) and len(ev["predictions"]) == 94
    mean = np.mean([p["pred"] == p["target"] for p in ev["predictions"]])
    assert ev["word_acc"] == pytest.approx(mean)
    lex = evaluate_sets(reader, data.eval_sets, "lexicon", list(SEED_VOCAB))
    assert all(p["pred"] in SEED_VOCAB for p in lex["predictions"])


def test_a_cosine_schedule_trains_without_input_scaling():
    # The schedule's step count was set only with input scaling on: seed + cosine died with a TypeError.
    cfg = preset("seed", schedule="cosine", epochs=1, repeats=1, eval_repeats=1)
    assert not cfg.input_scaling
    result = train_reader(cfg)
    assert result["state"] == "finished" and 0 < result["last"]["lr"] < cfg.lr


def test_a_reader_checkpoint_keeps_its_input_statistics_once():
    result = train_reader(preset("tiny", epochs=1))
    ckpt = result["checkpoint"]
    assert ckpt["norm"] == {} and {"in_mean", "in_std"} <= set(ckpt["state_dict"])
    assert not np.allclose(ckpt["state_dict"]["in_std"].numpy(), 1.0)  # the training statistics, not the defaults


@pytest.mark.slow
def test_a_graves25_reader_trains_and_reads_with_25_scaled_channels():
    from core.ink.encodings import BINARY, CHANNELS

    result = train_reader(preset("tiny", encoding="graves25", spacing=0.25, epochs=1, data="synthetic", repeats=1))
    sd = result["checkpoint"]["state_dict"]
    assert sd["in_mean"].shape == (CHANNELS["graves25"],) == (25,)
    for k in BINARY["graves25"]:  # pen-up and hat stay 0/1
        assert sd["in_mean"][k] == 0 and sd["in_std"][k] == 1
    reader = load_reader(result["checkpoint"])
    assert reader.log_probs(render_word("tonic", "natural", 1).ink).shape[1] == len(reader.alphabet)
