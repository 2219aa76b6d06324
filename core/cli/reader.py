"""Reader commands: `train reader`, `decode`, and `evaluate` for reader checkpoints.

Every `train reader` flag is generated from `ReaderConfig` (one per field,
`--aug-NAME` per augmentation parameter), so defaults live in one place:
a flag that is not given leaves the preset's value.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from core.cli.flags import (
    DEFAULT_PRESET,
    add_config_file_flag,
    add_config_flags,
    base_config,
    overrides_from,
    preset_help,
    resumed_config,
    run_preset,
)
from core.data.az_words import default_lexicon
from core.errors import InputError
from core.files.atomic import write_json
from core.ink.io import load_ink_file
from core.models.checkpoint import load_checkpoint
from core.models.device import DEVICES
from core.models.inference import DECODERS, load_reader
from core.models.preset_times import preset_notes
from core.models.reader import PRESETS, ReaderConfig, preset
from core.synth.generator import AUGMENT_PARAMS
from core.train.evaluate import evaluate_sets
from core.train.reader import train_reader, word_data
from core.train.runs import RunFolder, StopRequested, install_stop_handler, new_run_dir, stopped_early


def add_reader_flags(parser: argparse.ArgumentParser) -> None:
    """Every ReaderConfig flag, `--unidirectional`, and `--aug-NAME` per augmentation parameter."""
    add_config_flags(parser, ReaderConfig)
    parser.add_argument("--unidirectional", dest="bidirectional", action="store_false", default=None,
                        help="same as --no-bidirectional")
    aug = parser.add_argument_group("augmentation of the training renderings (default: the preset's)")
    for name, (lo, hi, _default, _step, text) in AUGMENT_PARAMS.items():
        aug.add_argument(f"--aug-{name}", dest=f"aug_{name}", type=float, default=None, metavar="X",
                         help=f"{text} [{lo}..{hi}]")
    aug.add_argument("--aug", action="append", default=[], metavar="NAME=X",
                     help="the same as --aug-NAME X (repeatable; the dashboard uses this form)")


def config_from_args(args) -> ReaderConfig:
    """The preset with every given flag applied."""
    base = base_config(args, ReaderConfig, preset).replace(**overrides_from(args, ReaderConfig))
    aug = {}
    for item in getattr(args, "aug", []) or []:
        name, sep, value = item.partition("=")
        try:
            aug[name.strip()] = float(value)
        except ValueError:
            raise InputError(f"--aug {item!r}: expected NAME=NUMBER", f"names: {', '.join(AUGMENT_PARAMS)}") from None
        if not sep:
            raise InputError(f"--aug {item!r}: expected NAME=NUMBER")
    aug.update({k: getattr(args, f"aug_{k}") for k in AUGMENT_PARAMS if getattr(args, f"aug_{k}", None) is not None})
    return base.replace(augment={**base.augment, **aug}) if aug else base


def register(commands, train_models) -> None:
    """Add `train reader` and `decode` (evaluate is core.cli's, dispatched to `evaluate_command`)."""
    t = train_models.add_parser("reader", help="train the BLSTM+CTC word reader",
                                description="Train the word reader; prints a line per epoch.")
    t.add_argument("--preset", choices=tuple(PRESETS), default=None,
                   help=preset_help(preset_notes("reader"), DEFAULT_PRESET))
    t.add_argument("--run-dir", default=None, help="run folder (default: checkpoints/runs/<new id>)")
    add_config_file_flag(t)
    t.add_argument("--name", default=None, help="a name for the new run's id")
    t.add_argument("--device", choices=DEVICES, default="auto",
                   help="where to train: auto (the GPU when torch sees one), cpu or cuda")
    t.add_argument("--resume", default=None, metavar="RUN",
                   help="continue the run in this folder from its last.pt (its settings, optimiser, schedule and "
                        "data order; only --epochs may change, to train longer)")
    add_reader_flags(t)
    t.set_defaults(func=_train)

    d = commands.add_parser("decode", help="read an ink file with a reader checkpoint")
    d.add_argument("checkpoint", help="a .pt file or a folder holding best.pt or model.pt")
    d.add_argument("--ink", required=True, help="Ink JSON or canvas json_data file")
    d.add_argument("--decoder", choices=DECODERS, default="greedy")
    d.add_argument("--lexicon", default=None,
                   help="a text file with one word per line (default: the reader's vocabulary)")
    d.add_argument("--beam-width", type=int, default=10)
    d.add_argument("--json", action="store_true", help="print text, alternatives and confidence as JSON")
    d.set_defaults(func=_decode)


def _train(args) -> int:
    if args.resume:
        cfg, run, last = resumed_config(args, "reader", ReaderConfig)
    else:
        cfg, last = config_from_args(args), None
        named = run_preset(args)
        run = RunFolder(Path(args.run_dir) if args.run_dir else new_run_dir("reader", args.name, named))
        run.write_about("reader", named, cfg.data)
    stop = install_stop_handler()
    print(f"run folder: {run.path}", flush=True)

    def show(row: dict) -> None:
        print(f"epoch {row['epoch']:3d}/{row['total_epochs']}  loss {row['train_loss']:8.4f}  "
              f"in-vocab CER {row['invocab_cer']:.4f} word {row['invocab_word_acc']:.3f}  "
              f"held-out CER {row['heldout_cer']:.4f} word {row['heldout_word_acc']:.3f}  "
              + ("" if math.isnan(row.get("test_cer", math.nan)) else f"test CER {row['test_cer']:.4f}  ")
              + f"lr {row['lr']:.2e}  {row['seconds']:6.1f}s", flush=True)

    try:
        result = train_reader(cfg, run, show, stop, resume=last, device=args.device)
    except StopRequested:
        return stopped_early(run, "reader")
    except Exception as exc:
        # Record why the run ended before passing the error on (InputError: exit 2).
        run.set_status("failed", 0, str(exc) if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}")
        raise
    if result["state"] == "diverged":
        print(f"error: {result['message']}", file=sys.stderr)
        return 1
    best = result["best"]
    print(f"{result['state']}: {result['message']}; best epoch {best.get('epoch', '-')} "
          f"(in-vocab CER {best.get('invocab_cer', float('nan')):.4f}, "
          f"held-out CER {best.get('heldout_cer', float('nan')):.4f}) in {result['seconds']:.1f}s", flush=True)
    return 0


def read_lexicon(path: str | None, default: list[str]) -> list[str]:
    """Words of a lexicon file (one per line), or `default` when no file is given."""
    if path is None:
        return default
    try:
        words = [w.strip() for w in Path(path).read_text(encoding="utf-8").splitlines() if w.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the lexicon {path}", "give a UTF-8 text file, one word per line") from exc
    if not words:
        raise InputError(f"the lexicon {path} has no words", "give one word per line")
    return words


def _decode(args) -> int:
    ckpt = load_checkpoint(args.checkpoint, kind="reader")
    reader = load_reader(ckpt)
    ink, _ = load_ink_file(args.ink)
    if sum(len(s) for s in ink) < 2:
        raise InputError(f"{args.ink} holds fewer than two points", "draw a word with at least one stroke")
    lexicon = read_lexicon(args.lexicon, default_lexicon(ckpt)) if args.decoder == "lexicon" else None
    out = reader.read_text(ink, args.decoder, lexicon, args.beam_width)
    out.pop("log_probs")
    print(json.dumps(out) if args.json else out["text"])
    return 0


def evaluate_command(ckpt: dict, args) -> int:
    """`evaluate CHECKPOINT [--data SOURCE] [--decoder ...] [--seed N] [--json]` for a reader.

    The held-out split is the one the reader was trained with; `--seed`
    changes only the evaluation renderings (fresh ink, same words).
    """
    reader = load_reader(ckpt)
    over = {}
    if args.data is not None:
        over["data"] = args.data
    if args.seed is not None:
        over["eval_seed"] = args.seed
    cfg = reader.config.replace(**over)
    data = word_data(cfg)
    if data.alphabet != reader.alphabet:
        raise InputError(f"the data '{cfg.data}' uses another alphabet than this reader",
                         "evaluate a seed-protocol reader on --data seed")
    lexicon = read_lexicon(args.lexicon, data.lexicon) if args.decoder == "lexicon" else None
    result = evaluate_sets(reader, data.eval_sets, args.decoder, lexicon, args.beam_width)
    result["data"] = cfg.data
    result["eval_seed"] = data.description.get("eval_seed")
    if args.out:
        write_json(Path(args.out), result)
    shown = {k: v for k, v in result.items() if k != "predictions"}
    if args.json:
        print(json.dumps(shown))
    else:
        for split, s in result["splits"].items():
            print(f"{split:10s} n={s['n']:5d}  CER {s['cer']:.4f}  corpus CER {s['corpus_cer']:.4f}  "
                  f"word accuracy {s['word_acc']:.3f}")
        print(f"{'all':10s} n={result['n']:5d}  CER {result['cer']:.4f}  corpus CER {result['corpus_cer']:.4f}  "
              f"word accuracy {result['word_acc']:.3f}  ({args.decoder} decoding)")
    sys.stdout.flush()
    return 0
