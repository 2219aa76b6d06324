"""Classifier commands: `train classifier`, `classify`, `export-npy`, and `evaluate` for classifiers."""
from __future__ import annotations

import json
from pathlib import Path

from core.classifier import PRESETS, ClassifierConfig, load_classifier, preset
from core.cli_reader import add_config_flags, overrides_from
from core.errors import InputError


def register(commands, train_models) -> None:
    t = train_models.add_parser("classifier", help="train the CNN-BiLSTM character classifier")
    t.add_argument("--preset", choices=tuple(PRESETS), default="fast")
    t.add_argument("--run-dir", default=None)
    t.add_argument("--name", default=None)
    add_config_flags(t, ClassifierConfig)
    t.set_defaults(func=_train)

    c = commands.add_parser("classify", help="name the letter in an ink file")
    c.add_argument("checkpoint")
    c.add_argument("--ink", required=True)
    c.add_argument("--top", type=int, default=5)
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=_classify)

    e = commands.add_parser("export-npy", help="write character data in seed 000's .npy format")
    e.add_argument("--source", default="synthetic", help="synthetic | unipen[:PATH]")
    e.add_argument("--out", required=True)
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--per-class", type=int, default=200, help="synthetic training letters per class")
    e.set_defaults(func=_export)


def _train(args) -> int:
    from core.runs import RunFolder, install_stop_handler, new_run_dir
    from core.train_classifier import train_classifier

    cfg = preset(args.preset, **overrides_from(args, ClassifierConfig))
    run = RunFolder(Path(args.run_dir) if args.run_dir else new_run_dir("classifier", args.name))
    stop = install_stop_handler()
    print(f"run folder: {run.path}", flush=True)

    def show(row):
        print(f"epoch {row['epoch']:3d}  loss {row['train_loss']:.4f}  train acc {row['train_acc']:.3f}  "
              f"val acc {row['val_acc']:.3f}  {row['seconds']:.1f}s", flush=True)

    try:
        result = train_classifier(cfg, run, show, stop)
    except Exception as exc:
        run.set_status("failed", 0, f"{type(exc).__name__}: {exc}" if not isinstance(exc, InputError) else str(exc))
        raise
    if "test" in result:
        print(f"test accuracy {result['test']['accuracy']:.4f}  top-5 {result['test']['top5']:.4f}")
    print(f"{result['state']}: {result['message'] or 'done'}", flush=True)
    return 0 if result["state"] in ("finished", "stopped") else 1


def _classify(args) -> int:
    from core.checkpoints import load_checkpoint
    from core.inkio import load_ink_file

    clf = load_classifier(load_checkpoint(args.checkpoint, kind="classifier"))
    ink, _ = load_ink_file(args.ink)
    if args.top < 1:
        raise InputError("--top must be at least 1")
    out = clf.classify_ink(ink, args.top)
    if args.json:
        print(json.dumps([{"label": c, "probability": p} for c, p in out]))
    else:
        for c, p in out:
            print(f"{c}\t{p:.4f}")
    return 0


def _export(args) -> int:
    from core.chardata import char_splits, export_npy

    if args.source.startswith("npy:"):
        raise InputError("export-npy reads synthetic or unipen data", "an npy folder is already in this format")
    splits = char_splits(args.source, args.seed, args.per_class)
    out = export_npy(splits, args.out)
    sizes = ", ".join(f"{s} {len(splits.y[s])}" for s in ("train", "val", "test"))
    print(f"wrote {out}: {sizes} samples, {len(splits.classes)} classes")
    return 0


def evaluate_command(ckpt: dict, args) -> int:
    from core.chardata import char_splits
    from core.train_classifier import evaluate_classifier

    clf = load_classifier(ckpt)
    cfg = clf.config
    source = args.data or cfg.data
    splits = char_splits(source, cfg.seed if args.seed is None else args.seed, cfg.per_class, cfg.n_points)
    X, y = splits.X["test"], splits.y["test"]
    if X.shape[1:] != (cfg.n_points, len(clf.norm["mean"])):
        raise InputError(f"the data has shape {X.shape[1:]}, the model reads {(cfg.n_points, len(clf.norm['mean']))}")
    result = evaluate_classifier(clf, X, y)
    if args.out:
        from core.atomic import write_json

        write_json(Path(args.out), result)
    shown = {k: result[k] for k in ("n", "accuracy", "top5", "per_class")}
    if args.json:
        print(json.dumps(shown))
    else:
        print(f"n={shown['n']}  accuracy {shown['accuracy']:.4f}  top-5 {shown['top5']:.4f}")
    return 0
