"""Reader commands: `train reader`, `decode`, and `evaluate` for reader checkpoints."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields
from pathlib import Path

from core.errors import InputError
from core.reader import PRESETS, ReaderConfig, load_reader, preset


def add_config_flags(p: argparse.ArgumentParser, config_cls, skip=()) -> None:
    """One flag per config field, default None so only what is given overrides the preset."""
    for f in fields(config_cls):
        if f.name in skip or f.name == "augment":
            continue
        flag = "--" + f.name.replace("_", "-")
        if f.type in ("bool", bool):
            p.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=None)
        else:
            kind = {"int": int, "float": float, "str": str}.get(str(f.type), str)
            p.add_argument(flag, dest=f.name, type=kind, default=None)


def overrides_from(args, config_cls) -> dict:
    return {f.name: getattr(args, f.name) for f in fields(config_cls)
            if f.name != "augment" and getattr(args, f.name, None) is not None}


def register(commands, train_models) -> None:
    t = train_models.add_parser("reader", help="train the BLSTM+CTC word reader")
    t.add_argument("--preset", choices=tuple(PRESETS), default="fast")
    t.add_argument("--run-dir", default=None, help="run folder (default: checkpoints/runs/<new id>)")
    t.add_argument("--name", default=None, help="a name for the run id")
    t.add_argument("--aug", action="append", default=[], metavar="NAME=VALUE",
                   help="override one augmentation parameter (repeatable)")
    add_config_flags(t, ReaderConfig)
    t.set_defaults(func=_train)

    d = commands.add_parser("decode", help="read an ink file with a reader checkpoint")
    d.add_argument("checkpoint")
    d.add_argument("--ink", required=True, help="Ink JSON or canvas json_data file")
    d.add_argument("--decoder", choices=("greedy", "beam", "lexicon"), default="greedy")
    d.add_argument("--lexicon", default=None, help="a text file with one word per line (default: the model's)")
    d.add_argument("--beam-width", type=int, default=10)
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=_decode)


def config_from_args(args) -> ReaderConfig:
    over = overrides_from(args, ReaderConfig)
    base = preset(args.preset, **over)
    if args.aug:
        aug = dict(base.augment)
        for item in args.aug:
            name, _, value = item.partition("=")
            try:
                aug[name] = float(value)
            except ValueError as exc:
                raise InputError(f"--aug {item!r}: expected NAME=NUMBER") from exc
        base = ReaderConfig.from_dict({**base.to_dict(), "augment": aug})
    return base


def _train(args) -> int:
    from core.runs import RunFolder, install_stop_handler, new_run_dir
    from core.train_reader import train_reader

    cfg = config_from_args(args)
    run = RunFolder(Path(args.run_dir) if args.run_dir else new_run_dir("reader", args.name))
    stop = install_stop_handler()
    print(f"run folder: {run.path}", flush=True)

    def show(row):
        print(f"epoch {row['epoch']:3d}  loss {row['train_loss']:.4f}  in-vocab CER {row['invocab_cer']:.4f} "
              f"(word {row['invocab_word_acc']:.3f})  held-out CER {row['heldout_cer']:.4f} "
              f"(word {row['heldout_word_acc']:.3f})  {row['seconds']:.1f}s", flush=True)

    try:
        result = train_reader(cfg, run, show, stop)
    except InputError as exc:
        run.set_status("failed", 0, str(exc))
        raise
    except Exception as exc:
        run.set_status("failed", 0, f"{type(exc).__name__}: {exc}")
        raise
    print(f"{result['state']}: {result['message'] or 'done'}", flush=True)
    return 0 if result["state"] in ("finished", "stopped") else 1


def read_lexicon(path: str | None, default: list[str]) -> list[str]:
    if path is None:
        return default
    try:
        words = [w.strip() for w in Path(path).read_text(encoding="utf-8").splitlines() if w.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the lexicon {path}") from exc
    if not words:
        raise InputError(f"the lexicon {path} has no words")
    return words


def model_lexicon(ckpt: dict) -> list[str]:
    """The lexicon a reader decodes with by default: its vocabulary, or the English list for a-z readers."""
    data = ckpt.get("data") or {}
    if data.get("source") == "seed":
        from core.datasets import SEED_VOCAB

        return list(SEED_VOCAB)
    from core.wordsets import lexicon_for

    return lexicon_for(data.get("eval_vocabulary", []))


def decode_ink(reader, ink, decoder: str, lexicon: list[str], beam_width: int = 10) -> dict:
    """Text and alternatives of one ink with one decoder."""
    from core import decoders

    lp = reader.log_probs(ink)
    if decoder == "greedy":
        text, alts = decoders.greedy_decode(lp, reader.alphabet), []
    elif decoder == "beam":
        alts = decoders.beam_decode(lp, reader.alphabet, beam_width)
        text = alts[0][0] if alts else ""
    else:
        alts = decoders.lexicon_decode(lp, reader.alphabet, lexicon, top=5)
        text = alts[0][0] if alts else ""
    return {"text": text, "decoder": decoder, "alternatives": [{"text": t, "log_prob": s} for t, s in alts],
            "confidence": decoders.confidence(lp), "frames": int(lp.shape[0])}


def _decode(args) -> int:
    from core.checkpoints import load_checkpoint
    from core.inkio import load_ink_file

    ckpt = load_checkpoint(args.checkpoint, kind="reader")
    reader = load_reader(ckpt)
    ink, _ = load_ink_file(args.ink)
    if sum(len(s) for s in ink) < 2:
        raise InputError(f"{args.ink} holds fewer than two points", "draw a word with at least one stroke")
    lexicon = read_lexicon(args.lexicon, model_lexicon(ckpt)) if args.decoder == "lexicon" else []
    out = decode_ink(reader, ink, args.decoder, lexicon, args.beam_width)
    print(json.dumps(out) if args.json else out["text"])
    return 0


def evaluate_command(ckpt: dict, args) -> int:
    from core.train_reader import evaluate_sets, word_data

    reader = load_reader(ckpt)
    cfg = reader.config
    over = {}
    if args.data is not None:
        over["data"] = args.data
    if args.seed is not None:
        over["seed"] = args.seed
    cfg = ReaderConfig.from_dict({**cfg.to_dict(), **over})
    data = word_data(cfg)
    if data.alphabet != reader.alphabet:
        raise InputError(f"the data '{cfg.data}' uses another alphabet than this reader",
                         "evaluate a seed-protocol reader on --data seed and an a-z reader on unipen")
    lexicon = read_lexicon(args.lexicon, data.lexicon) if args.decoder == "lexicon" else None
    result = evaluate_sets(reader, data.eval_sets, args.decoder, lexicon, args.beam_width)
    if args.out:
        from core.atomic import write_json

        write_json(Path(args.out), result)
    shown = {k: v for k, v in result.items() if k != "predictions"}
    if args.json:
        print(json.dumps(shown))
    else:
        for split, s in result["splits"].items():
            print(f"{split:10s} n={s['n']:5d}  CER {s['cer']:.4f}  corpus CER {s['corpus_cer']:.4f}  "
                  f"word accuracy {s['word_acc']:.3f}")
        print(f"{'all':10s} n={result['n']:5d}  CER {result['cer']:.4f}  corpus CER {result['corpus_cer']:.4f}  "
              f"word accuracy {result['word_acc']:.3f}  ({args.decoder})")
    sys.stdout.flush()
    return 0
