"""Training and evaluation of the word reader.

`train_reader` is a plain function: it renders fresh training words every
epoch, trains in padded batches (packed sequences), evaluates on fixed sets
after every epoch, reports progress through a callback and records the run
folder (config.json, metrics.csv, status.json, best.pt, last.pt, eval.json).
The same seed gives the same metrics, apart from times.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from core import decoders
from core.checkpoints import make_checkpoint
from core.ctc import numpy_ctc_loss
from core.errors import InputError
from core.ink import Ink, encode
from core.metrics import summarise
from core.reader import LoadedReader, Reader, ReaderConfig, batch_frames, frames_of
from core.runs import RunFolder

METRIC_COLUMNS = ["epoch", "train_loss", "invocab_cer", "invocab_word_acc", "heldout_cer",
                  "heldout_word_acc", "lr", "seconds"]


@dataclass
class WordData:
    """What a reader trains and is evaluated on.

    `sample_epoch(rng, epoch=None)` returns fresh (ink, text) pairs for an epoch (1-based);
    `eval_sets` maps a split name to fixed (ink, text) pairs.
    """

    alphabet: list[str]            # index 0 is the CTC blank ""
    sample_epoch: Callable[..., list[tuple[Ink, str]]]
    eval_sets: dict[str, list[tuple[Ink, str]]]
    description: dict
    lexicon: list[str]


def seed_protocol_data(cfg: ReaderConfig) -> WordData:
    """Seed 001's protocol: in-vocabulary words train; in-vocabulary and held-out words evaluate."""
    from core.datasets import SEED_ALPHABET, SEED_VOCAB, epoch_words, protocol_eval_set, split_vocab
    from core.generator import Augment, render_word

    train_words, heldout = split_vocab(cfg.seed, cfg.holdout_frac)
    aug = Augment.from_dict(cfg.augment)
    evals = protocol_eval_set(train_words, heldout, cfg.seed, cfg.eval_repeats, "seed", aug)

    def sample_epoch(rng, epoch=None):
        share = cfg.cut_fraction
        if epoch is not None and cfg.cut_warmup > 0 and epoch <= cfg.cut_warmup:
            share = 1.0 - (1.0 - cfg.cut_fraction) * (epoch - 1) / cfg.cut_warmup
        words = epoch_words(train_words, cfg.repeats, rng, share)
        return [(render_word(w, cfg.style, rng, aug).ink, w) for w in words]

    sets = {"invocab": [(s.rendering.ink, s.word) for s in evals if s.split == "invocab"],
            "heldout": [(s.rendering.ink, s.word) for s in evals if s.split == "heldout"]}
    desc = {"source": "seed", "train_words": train_words, "heldout_words": heldout,
            "eval_repeats": cfg.eval_repeats}
    return WordData([""] + list(SEED_ALPHABET), sample_epoch, sets, desc, list(SEED_VOCAB))


def word_data(cfg: ReaderConfig) -> WordData:
    """The data source named by `cfg.data`."""
    if cfg.data == "seed":
        return seed_protocol_data(cfg)
    if cfg.data == "synthetic" or cfg.data.startswith("unipen"):
        from core.azdata import az_word_data

        return az_word_data(cfg)
    raise InputError(f"unknown reader data source {cfg.data!r}", "use seed, synthetic or unipen[:PATH]")


def _norm_stats(frames: list[np.ndarray]) -> dict:
    allf = np.concatenate(frames)
    std = allf.std(axis=0)
    std[2] = 1.0  # pen_up stays a 0/1 flag
    mean = allf.mean(axis=0)
    mean[2] = 0.0
    return {"mean": mean.astype(float).tolist(), "std": np.maximum(std, 1e-3).astype(float).tolist()}


def decode_all(log_probs: list[np.ndarray], alphabet: list[str], decoder: str = "greedy",
               lexicon: list[str] | None = None, beam_width: int = 10) -> list[str]:
    """Decode every (T, K) matrix with greedy, beam or lexicon decoding."""
    if decoder == "greedy":
        return [decoders.greedy_decode(lp, alphabet) for lp in log_probs]
    if decoder == "beam":
        return [decoders.beam_decode(lp, alphabet, beam_width)[0][0] for lp in log_probs]
    if decoder == "lexicon":
        if not lexicon:
            raise InputError("lexicon decoding needs a lexicon", "give --lexicon FILE with one word per line")
        out = []
        for lp in log_probs:
            best = decoders.lexicon_decode(lp, alphabet, lexicon, top=1)
            out.append(best[0][0] if best else "")
        return out
    raise InputError(f"unknown decoder {decoder!r}", "choose greedy, beam or lexicon")


def evaluate_sets(reader: LoadedReader, sets: dict[str, list[tuple[Ink, str]]], decoder: str = "greedy",
                  lexicon: list[str] | None = None, beam_width: int = 10) -> dict:
    """Summary per split, overall figures, a per-word table and every prediction."""
    splits, per_word, predictions = {}, [], []
    all_p, all_t = [], []
    for split, samples in sets.items():
        if not samples:
            continue
        lps = reader.log_probs_batch([ink for ink, _ in samples])
        preds = decode_all(lps, reader.alphabet, decoder, lexicon, beam_width)
        targets = [t for _, t in samples]
        splits[split] = summarise(preds, targets)
        all_p += preds
        all_t += targets
        for word in dict.fromkeys(targets):
            idx = [i for i, t in enumerate(targets) if t == word]
            s = summarise([preds[i] for i in idx], [word] * len(idx))
            per_word.append({"word": word, "split": split, "n": s["n"], "cer": s["cer"], "word_acc": s["word_acc"]})
        predictions += [{"split": split, "index": i, "target": t, "pred": p} for i, (t, p) in
                        enumerate(zip(targets, preds))]
    return {**summarise(all_p, all_t), "decoder": decoder, "splits": splits, "per_word": per_word,
            "predictions": predictions}


def _set_seed(seed: int, threads: int) -> None:
    torch.manual_seed(seed)
    torch.set_num_threads(max(1, threads))


def train_reader(cfg: ReaderConfig, run: RunFolder | None = None, progress: Callable[[dict], None] | None = None,
                 stop_requested: Callable[[], bool] | None = None, data: WordData | None = None) -> dict:
    """Train a reader; returns the final summary (state, best metrics, best checkpoint)."""
    _set_seed(cfg.seed, cfg.threads)
    rng = np.random.default_rng(cfg.seed)
    data = data or word_data(cfg)
    alphabet = data.alphabet
    index = {c: k for k, c in enumerate(alphabet)}
    model = Reader(cfg, len(alphabet))
    norm = _norm_stats([encode(ink, cfg.encoding, cfg.spacing) for ink, _ in
                        data.sample_epoch(np.random.default_rng(cfg.seed + 7))[:256]])
    eval_inks = {k: v for k, v in data.eval_sets.items()}
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = numpy_ctc_loss if cfg.ctc == "numpy" else torch.nn.functional.ctc_loss
    sched = None
    t0 = time.perf_counter()
    if run is not None:
        run.write_config({"kind": "reader", **cfg.to_dict()})
        run.set_status("running", 0, "starting", total_epochs=cfg.epochs, kind="reader")

    def checkpoint(metrics: dict) -> dict:
        return make_checkpoint("reader", cfg.to_dict(), alphabet, model.state_dict(), encoding=cfg.encoding,
                               norm=norm, metrics=metrics, data=data.description)

    best, best_key, state, message, last_metrics = None, None, "finished", "", {}
    loaded = LoadedReader(model, cfg, alphabet, norm, {})
    for epoch in range(1, cfg.epochs + 1):
        pairs = data.sample_epoch(rng, epoch)
        frames = [frames_of(ink, cfg, norm) for ink, _ in pairs]
        labels = [[index[c] for c in text] for _, text in pairs]
        n_batches = math.ceil(len(pairs) / cfg.batch_size)
        if sched is None and cfg.schedule == "onecycle":
            sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=cfg.epochs * n_batches + 1,
                                                        pct_start=0.15)
        model.train()
        total, count = 0.0, 0
        for b in range(n_batches):
            sl = slice(b * cfg.batch_size, (b + 1) * cfg.batch_size)
            x, lengths = batch_frames(frames[sl])
            targets = [lab for lab in labels[sl]]
            flat = torch.tensor([c for t in targets for c in t], dtype=torch.long)
            tl = torch.tensor([len(t) for t in targets], dtype=torch.long)
            lp = model(x, lengths)
            loss = loss_fn(lp, flat, lengths, tl, blank=0, reduction="mean", zero_infinity=True)
            if not torch.isfinite(loss):
                state, message = "diverged", f"diverged at epoch {epoch}: the loss became {loss.item()}"
                break
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
            opt.step()
            if sched is not None:
                sched.step()
            total += loss.item() * len(targets)
            count += len(targets)
            if stop_requested is not None and stop_requested():
                state, message = "stopped", f"stopped during epoch {epoch}"
                break
        if state == "diverged":
            break
        if any(not torch.isfinite(p).all() for p in model.parameters()):
            state, message = "diverged", f"diverged at epoch {epoch}: the weights became NaN"
            break
        model.eval()
        result = evaluate_sets(loaded, eval_inks)
        sp = result["splits"]
        row = {"epoch": epoch, "train_loss": total / max(1, count),
               "invocab_cer": sp.get("invocab", {}).get("cer", float("nan")),
               "invocab_word_acc": sp.get("invocab", {}).get("word_acc", float("nan")),
               "heldout_cer": sp.get("heldout", {}).get("cer", float("nan")),
               "heldout_word_acc": sp.get("heldout", {}).get("word_acc", float("nan")),
               "lr": opt.param_groups[0]["lr"], "seconds": round(time.perf_counter() - t0, 3)}
        last_metrics = row
        key = (row["invocab_cer"], row["heldout_cer"] if not math.isnan(row["heldout_cer"]) else 0.0)
        if best_key is None or key < best_key:
            best_key, best = key, checkpoint(row)
            if run is not None:
                run.save_best(best)
                run.write_eval({k: v for k, v in result.items() if k != "predictions"} | {"epoch": epoch})
        if run is not None:
            run.append_metrics(row, METRIC_COLUMNS)
            run.set_status("running", epoch, f"epoch {epoch}/{cfg.epochs}", total_epochs=cfg.epochs, kind="reader")
        if progress is not None:
            progress(row)
        if state == "stopped":
            break

    if state == "diverged":
        message += "; lower the learning rate or the gradient clip"
    if run is not None:
        run.save_last(checkpoint(last_metrics))
        run.set_status(state, int(last_metrics.get("epoch", 0)), message or "done", total_epochs=cfg.epochs,
                       kind="reader")
    return {"state": state, "message": message, "last": last_metrics,
            "best": best["metrics"] if best else {}, "checkpoint": best,
            "seconds": time.perf_counter() - t0}
