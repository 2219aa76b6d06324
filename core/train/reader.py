"""Training and evaluation of the word reader.

`train_reader` is a plain function: every epoch it renders fresh training
words (a share of them cut at letter boundaries when asked), trains in
padded, packed batches, evaluates on fixed sets (in-vocabulary and held-out
words), reports a row of metrics through `progress(dict)` and records the
run folder: config.json, metrics.csv, status.json, best.pt (lowest
in-vocabulary CER, ties broken by held-out CER, then by the later epoch),
last.pt and eval.json (the evaluation of best.pt, with its per-word table).

Determinism: torch's seed and thread count are set from the config, and
epoch e draws its renderings from ``numpy.random.default_rng([seed, e])``,
so the same config gives the same metrics apart from times.

A data source is one function `config -> WordData` in `DATA_SOURCES`;
``--data NAME[:ARG]`` picks it by NAME.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch

from core import decoders
from core.checkpoints import make_checkpoint
from core.errors import InputError
from core.ink import Ink
from core.metrics import summarise
from core.reader import (LoadedReader, ReaderConfig, WordReader, build_reader, decode, encode_ink, n_parameters,
                         pad_frames, read_frames, reader_alphabet)
from core.runs import RunFolder

METRIC_COLUMNS = ["epoch", "train_loss", "invocab_cer", "invocab_word_acc", "heldout_cer",
                  "heldout_word_acc", "lr", "seconds"]


@dataclass
class WordData:
    """What a reader trains and is evaluated on.

    `sample_epoch(rng, epoch)` returns fresh (ink, text) pairs for epoch
    `epoch` (1-based) drawn from `rng`; `eval_sets` maps a split name
    ("invocab", "heldout", ...) to fixed (ink, text) pairs; `lexicon` is the
    default word list of lexicon decoding.
    """

    alphabet: list[str]
    sample_epoch: Callable[[np.random.Generator, int], list[tuple[Ink, str]]]
    eval_sets: dict[str, list[tuple[Ink, str]]]
    description: dict
    lexicon: list[str]


def cut_share(cfg: ReaderConfig, epoch: int) -> float:
    """The share of epoch `epoch`'s words cut at letter boundaries.

    During the first `cut_warmup` epochs it falls linearly from 1.0 (only
    pieces: the reader first learns letters and pairs of letters) to
    `cut_fraction`.
    """
    if cfg.cut_warmup > 0 and epoch <= cfg.cut_warmup:
        return 1.0 - (1.0 - cfg.cut_fraction) * (epoch - 1) / cfg.cut_warmup
    return cfg.cut_fraction


def seed_protocol_data(cfg: ReaderConfig) -> WordData:
    """Seed 001's protocol: train on in-vocabulary words and their letter-boundary pieces
    (never a piece that spells a held-out word); evaluate on fixed renderings of in-vocabulary
    and held-out words, in the seed style."""
    from core.datasets import SEED_ALPHABET, SEED_VOCAB, epoch_words, letter_cuts, protocol_eval_set, split_vocab
    from core.generator import Augment, render_word

    train_words, heldout = split_vocab(cfg.seed, cfg.holdout_frac)
    if not train_words:
        raise InputError("the held-out fraction leaves no training words", "lower holdout_frac")
    train_aug = Augment.from_dict(cfg.augment)
    # The protocol's test renderings are always seed 001's: only training may vary.
    eval_seed = cfg.seed if cfg.eval_seed is None else cfg.eval_seed
    evals = protocol_eval_set(train_words, heldout, eval_seed, cfg.eval_repeats, "seed", Augment.seed_style())

    # A piece of an in-vocabulary word can spell a held-out word ("tone" in "atone"): such
    # pieces are never trained on alone, so held-out words stay unseen as words.
    held = set(heldout)
    allowed = sorted({p for w in train_words for p in letter_cuts(w, cfg.min_cut)} - held - set(train_words))

    def sample_epoch(rng: np.random.Generator, epoch: int) -> list[tuple[Ink, str]]:
        words = epoch_words(train_words, cfg.repeats, rng, cut_share(cfg, epoch), cfg.min_cut)
        words = [allowed[rng.integers(len(allowed))] if w in held else w for w in words]
        return [(render_word(w, cfg.style, rng, train_aug).ink, w) for w in words]

    sets = {split: [(s.rendering.ink, s.word) for s in evals if s.split == split]
            for split in ("invocab", "heldout")}
    description = {"source": "seed", "train_words": train_words, "heldout_words": heldout,
                   "style": cfg.style, "eval_repeats": cfg.eval_repeats, "eval_seed": eval_seed,
                   "cut_fraction": cfg.cut_fraction, "cut_warmup": cfg.cut_warmup}
    return WordData(reader_alphabet(SEED_ALPHABET), sample_epoch, sets, description, list(SEED_VOCAB))


def az_data(cfg: ReaderConfig) -> WordData:
    """a-z words: synthetic natural-style words, and (unipen[:PATH]) real UNIPEN ink (core.azdata)."""
    from core.azdata import az_word_data

    return az_word_data(cfg)


# name -> function(config) -> WordData; `--data name[:arg]` selects one by name.
DATA_SOURCES: dict[str, Callable[[ReaderConfig], WordData]] = {
    "seed": seed_protocol_data, "synthetic": az_data, "unipen": az_data}


def word_data(cfg: ReaderConfig) -> WordData:
    """The data source named by `cfg.data` (the part before any ':')."""
    name = cfg.data.split(":", 1)[0]
    if name not in DATA_SOURCES:
        raise InputError(f"unknown reader data source {cfg.data!r}",
                         f"choose one of {', '.join(DATA_SOURCES)}")
    return DATA_SOURCES[name](cfg)


# ----------------------------------------------------------------------------
# Evaluation


def decode_all(log_probs: Sequence[np.ndarray], alphabet: list[str], decoder: str = "greedy",
               lexicon: Sequence[str] | None = None, beam_width: int = 10) -> list[str]:
    """The text of every (T, K) matrix with one decoder (see `core.reader.decode`)."""
    if decoder == "greedy":  # the per-epoch path: skip the alternatives
        return [decoders.greedy_decode(lp, alphabet) for lp in log_probs]
    return [decode(lp, alphabet, decoder, lexicon, beam_width, top=1)[0] for lp in log_probs]


def per_word_table(preds: Sequence[str], targets: Sequence[str], split: str) -> list[dict]:
    """One row per distinct target word: word, split, n, cer, word_acc."""
    rows = []
    for word in dict.fromkeys(targets):
        idx = [i for i, t in enumerate(targets) if t == word]
        s = summarise([preds[i] for i in idx], [word] * len(idx))
        rows.append({"word": word, "split": split, "n": s["n"], "cer": s["cer"], "word_acc": s["word_acc"]})
    return rows


def evaluate_frames(model: WordReader, alphabet: list[str], sets: dict[str, tuple[list[np.ndarray], list[str]]],
                    decoder: str = "greedy", lexicon: Sequence[str] | None = None, beam_width: int = 10) -> dict:
    """Evaluate encoded words: overall n/cer/corpus_cer/word_acc, `splits`, `per_word`, `predictions`.

    `sets` maps a split name to (frames, targets). Overall figures pool the
    samples of every split.
    """
    splits, per_word, predictions, all_p, all_t = {}, [], [], [], []
    for split, (frames, targets) in sets.items():
        if not targets:
            continue
        preds = decode_all(read_frames(model, frames), alphabet, decoder, lexicon, beam_width)
        splits[split] = summarise(preds, targets)
        per_word += per_word_table(preds, targets, split)
        predictions += [{"split": split, "index": i, "target": t, "pred": p}
                        for i, (t, p) in enumerate(zip(targets, preds))]
        all_p += preds
        all_t += targets
    return {**summarise(all_p, all_t), "decoder": decoder, "splits": splits, "per_word": per_word,
            "predictions": predictions}


def encode_sets(cfg: ReaderConfig, sets: dict[str, list[tuple[Ink, str]]]
                ) -> dict[str, tuple[list[np.ndarray], list[str]]]:
    """(ink, text) sets -> (frames, texts) sets in the reader's encoding (encoded once, read every epoch)."""
    return {split: ([encode_ink(cfg, ink) for ink, _ in pairs], [t for _, t in pairs])
            for split, pairs in sets.items()}


def evaluate_sets(reader: LoadedReader, sets: dict[str, list[tuple[Ink, str]]], decoder: str = "greedy",
                  lexicon: Sequence[str] | None = None, beam_width: int = 10) -> dict:
    """Evaluate a loaded reader on (ink, text) sets; see `evaluate_frames`."""
    return evaluate_frames(reader.model, reader.alphabet, encode_sets(reader.config, sets), decoder, lexicon,
                           beam_width)


# ----------------------------------------------------------------------------
# Training


def lr_at(cfg: ReaderConfig, step: int, total: int) -> float:
    """The learning rate of batch step `step` (0-based) out of `total`.

    onecycle (Smith & Topin 2019): a cosine rise from lr/25 to lr over the
    first 15% of steps, then a cosine fall to lr/1000. cosine: a cosine
    fall from lr to lr/1000.
    """
    if cfg.schedule == "constant":
        return cfg.lr
    frac = min(1.0, step / max(1, total - 1))
    low = cfg.lr / 1000

    def fall(p: float, a: float, b: float) -> float:
        return b + (a - b) * 0.5 * (1 + math.cos(math.pi * p))

    if cfg.schedule == "cosine":
        return fall(frac, cfg.lr, low)
    warm = 0.15
    if frac < warm:
        return fall(frac / warm, cfg.lr / 25, cfg.lr)
    return fall((frac - warm) / (1 - warm), cfg.lr, low)


class Adam:
    """Adam (Kingma & Ba, ICLR 2015) with torch's defaults (betas 0.9/0.999, eps 1e-8, no decay).

    Written out because `torch.optim` imports `torch._dynamo` on first use,
    which costs about a second: a fifth of the fast preset's 5-s budget.
    Tests check it step for step against `torch.optim.Adam`.
    """

    def __init__(self, params, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.params = [p for p in params if p.requires_grad]
        self.lr, self.betas, self.eps, self.t = lr, betas, eps, 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for p, m, v in zip(self.params, self.m, self.v):
            if p.grad is None:
                continue
            m.mul_(b1).add_(p.grad, alpha=1 - b1)
            v.mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
            p.addcdiv_(m, (v / c2).sqrt_().add_(self.eps), value=-self.lr / c1)


def _input_stats(frames: Sequence[np.ndarray]) -> tuple[list[float], list[float]]:
    """Mean and std of (dx, dy) over training frames; the pen_up flag stays 0/1."""
    allf = np.concatenate(frames).astype(np.float64)
    mean, std = allf.mean(axis=0), allf.std(axis=0)
    mean[2], std[2] = 0.0, 1.0
    return mean.tolist(), np.maximum(std, 1e-3).tolist()


def _batches(lengths: Sequence[int], batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Batches of sample indices with similar lengths, in random order.

    Samples are sorted by length (ties at random) and cut into batches,
    whose order is then shuffled: packed sequences then waste little work
    on padding, and every epoch still sees its batches in a new order.
    """
    order = np.lexsort((rng.random(len(lengths)), np.asarray(lengths)))
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def _ctc_loss_fn(name: str):
    if name == "numpy":
        from core.ctc import numpy_ctc_loss

        return numpy_ctc_loss
    return torch.nn.functional.ctc_loss


def _feasible(n_frames: int, labels: list[int]) -> bool:
    """CTC needs a frame per label plus one between each pair of repeated labels."""
    repeats = sum(1 for a, b in zip(labels, labels[1:]) if a == b)
    return 0 < len(labels) and len(labels) + repeats <= n_frames


def train_reader(cfg: ReaderConfig, run: RunFolder | None = None, progress: Callable[[dict], None] | None = None,
                 stop_requested: Callable[[], bool] | None = None, data: WordData | None = None) -> dict:
    """Train a word reader as `cfg` says; returns a summary.

    The summary holds `state` (finished | stopped | diverged), `message`,
    `history` (every epoch's metrics row), `best` and `last` rows,
    `checkpoint` (the best checkpoint dict), `eval` (its evaluation) and
    `seconds`. `progress` gets each row (plus `total_epochs`) after its
    epoch; `stop_requested` is polled between batches.
    """
    t0 = time.perf_counter()
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    data = data or word_data(cfg)
    alphabet = data.alphabet
    index = {c: k for k, c in enumerate(alphabet)}
    eval_sets = encode_sets(cfg, data.eval_sets)
    model = build_reader(cfg, alphabet)
    opt = Adam(model.parameters(), lr=lr_at(cfg, 0, 1))
    loss_fn = _ctc_loss_fn(cfg.ctc)
    description = {**data.description, "parameters": n_parameters(model)}
    if run is not None:
        run.write_config({"kind": "reader", **cfg.to_dict()})
        run.set_status("running", 0, "starting", total_epochs=cfg.epochs, kind="reader")

    def checkpoint(metrics: dict) -> dict:
        return make_checkpoint("reader", cfg.to_dict(), alphabet, model.state_dict(), encoding=cfg.encoding,
                               norm={"mean": model.in_mean.tolist(), "std": model.in_std.tolist()},
                               metrics=metrics, data=description)

    state, message = "finished", ""
    history: list[dict] = []
    best = best_key = best_eval = None
    step, total_steps = 0, None
    for epoch in range(1, cfg.epochs + 1):
        if stop_requested is not None and stop_requested():
            state, message = "stopped", f"stopped before epoch {epoch}"
            break
        rng = np.random.default_rng([cfg.seed, epoch])
        pairs = data.sample_epoch(rng, epoch)
        frames = [encode_ink(cfg, ink) for ink, _ in pairs]
        labels = [[index[c] for c in text] for _, text in pairs]
        n_out = model.output_lengths(torch.tensor([len(f) for f in frames])).tolist()
        keep = [i for i in range(len(pairs)) if _feasible(n_out[i], labels[i])]
        if not keep:
            raise InputError(f"epoch {epoch} has no word with enough frames for its letters",
                             "lower the resampling spacing")
        if epoch == 1 and cfg.input_scaling:
            model.set_input_stats(*_input_stats([frames[i] for i in keep]))
            total_steps = cfg.epochs * math.ceil(len(keep) / cfg.batch_size)
        model.train()
        loss_sum, n_seen, bad_loss = 0.0, 0, None
        for batch in _batches([len(frames[i]) for i in keep], cfg.batch_size, rng):
            idx = [keep[i] for i in batch]
            x, lengths = pad_frames([frames[i] for i in idx])
            targets = torch.tensor([c for i in idx for c in labels[i]], dtype=torch.long)
            target_lengths = torch.tensor([len(labels[i]) for i in idx], dtype=torch.long)
            opt.lr = lr_at(cfg, step, total_steps)
            log_probs = model(x, lengths).transpose(0, 1)  # (T, B, K), as CTC wants it
            # Summed over the batch, divided by its size: per-word CTC loss, as seed 001 trained.
            loss = loss_fn(log_probs, targets, model.output_lengths(lengths), target_lengths, blank=0,
                           reduction="sum") / len(idx)
            if not torch.isfinite(loss):
                bad_loss = loss.item()
                break
            opt.zero_grad()
            loss.backward()
            if cfg.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            step += 1
            loss_sum += loss.item() * len(idx)
            n_seen += len(idx)
            if stop_requested is not None and stop_requested():
                state, message = "stopped", f"stopped during epoch {epoch}"
                break
        if bad_loss is not None or not all(torch.isfinite(p).all() for p in model.parameters()):
            what = f"the loss became {bad_loss}" if bad_loss is not None else "the weights became NaN"
            state, message = "diverged", f"diverged at epoch {epoch}: {what}"
            break
        if state == "stopped":
            break
        result = evaluate_frames(model, alphabet, eval_sets)
        sp = result["splits"]
        row = {"epoch": epoch, "train_loss": loss_sum / max(1, n_seen),
               "invocab_cer": sp.get("invocab", {}).get("cer", float("nan")),
               "invocab_word_acc": sp.get("invocab", {}).get("word_acc", float("nan")),
               "heldout_cer": sp.get("heldout", {}).get("cer", float("nan")),
               "heldout_word_acc": sp.get("heldout", {}).get("word_acc", float("nan")),
               "lr": opt.lr, "seconds": round(time.perf_counter() - t0, 3)}
        history.append(row)
        held = row["heldout_cer"] if not math.isnan(row["heldout_cer"]) else 0.0
        key = (row["invocab_cer"], held)
        # On a full tie the later epoch wins: it has trained on more renderings.
        if best_key is None or key <= best_key:
            best_key, best = key, checkpoint(row)
            best_eval = {k: v for k, v in result.items() if k != "predictions"} | {"epoch": epoch}
            if run is not None:
                run.save_best(best)
                run.write_eval(best_eval)
        if run is not None:
            run.append_metrics(row, METRIC_COLUMNS)
            run.set_status("running", epoch, f"epoch {epoch}/{cfg.epochs}", total_epochs=cfg.epochs, kind="reader")
        if progress is not None:
            progress({**row, "total_epochs": cfg.epochs})

    last_row = history[-1] if history else {}
    weights_ok = all(torch.isfinite(p).all() for p in model.parameters())
    if state == "finished":
        message = f"finished {cfg.epochs} epochs"
    if state == "diverged":
        message += f"; lower the learning rate (it was {cfg.lr:g}) and keep gradient clipping on"
    if run is not None:
        if weights_ok:
            run.save_last(checkpoint(last_row))
        run.set_status(state, int(last_row.get("epoch", 0)), message,
                       total_epochs=cfg.epochs, kind="reader")
    return {"state": state, "message": message, "history": history, "last": last_row,
            "best": best["metrics"] if best else {}, "checkpoint": best, "eval": best_eval,
            "seconds": time.perf_counter() - t0}
