"""Classifier commands: `train classifier`, `classify`, `export-npy`, and `evaluate` for classifiers.

Every `train classifier` flag is generated from `ClassifierConfig` (one per
field), so defaults live in one place: a flag not given keeps the preset's
value. `features` and `classes` have no flag: they come from the data.
"""
from __future__ import annotations

import json
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
from core.data.corpus import SOURCES_HELP, is_unipen_source
from core.data.letters import char_splits
from core.data.npy import export_npy
from core.errors import InputError
from core.files.atomic import write_json
from core.ink.io import load_ink_file
from core.models.checkpoint import load_checkpoint, save_checkpoint
from core.models.preset_times import preset_notes
from core.data.alphabets import CHAR_GROUPS
from core.models.classifier import (
    PRESETS,
    ClassifierConfig,
    classify_ink,
    load_classifier,
    make_ensemble,
    preset,
)
from core.models.device import DEVICES
from core.train.classifier import train_classifier
from core.train.evaluate import evaluate_classifier
from core.train.runs import RunFolder, StopRequested, install_stop_handler, new_run_dir, stopped_early

_FROM_DATA = ("features", "classes", "members")  # no flags: set from the data (members: by `ensemble`)


def register(commands, train_models) -> None:
    """Add `train classifier`, `classify` and `export-npy` (evaluate is core.cli's)."""
    t = train_models.add_parser("classifier", help="train the CNN-BiLSTM character classifier",
                                description="Train the character classifier; prints a line per epoch and "
                                            "the test accuracy of the best epoch.")
    t.add_argument("--preset", choices=tuple(PRESETS), default=None,
                   help=preset_help(preset_notes("classifier"), DEFAULT_PRESET))
    t.add_argument("--run-dir", default=None, help="run folder (default: checkpoints/runs/<new id>)")
    add_config_file_flag(t)
    t.add_argument("--name", default=None, help="a name for the new run's id")
    t.add_argument("--device", choices=DEVICES, default="auto",
                   help="where to train: auto (the GPU when torch sees one), cpu or cuda")
    t.add_argument("--resume", default=None, metavar="RUN",
                   help="continue the run in this folder from its last.pt (its settings, optimiser, schedule and "
                        "data order; only --epochs may change, to train longer)")
    add_config_flags(t, ClassifierConfig, skip=_FROM_DATA)
    t.set_defaults(func=_train)

    c = commands.add_parser("classify", help="name the letter in an ink file")
    c.add_argument("checkpoint", help="a .pt file or a folder holding best.pt or model.pt")
    c.add_argument("--ink", required=True, help="Ink JSON or canvas json_data file")
    c.add_argument("--top", type=int, default=5, help="how many labels to list")
    c.add_argument("--json", action="store_true", help="print [{label, probability}, ...]")
    c.add_argument("--group", choices=CHAR_GROUPS, default=None,
                   help="the character is known to be a digit, a capital, a lowercase letter or a symbol: "
                        "choose among that group only (0 or o, 1 or l often look the same)")
    c.set_defaults(func=_classify)

    m = commands.add_parser("ensemble", help="average finished classifier runs into one checkpoint",
                            description="Average the probabilities of classifier checkpoints of one architecture "
                                        "(e.g. the same recipe with other seeds); writes OUT/model.pt and prints "
                                        "each member's and the ensemble's test accuracy.")
    m.add_argument("checkpoints", nargs="+", help=".pt files or run folders (best.pt)")
    m.add_argument("--out", required=True, help="folder for model.pt (and eval.json)")
    m.add_argument("--data", default=None, help="data to test on (default: the first member's)")
    m.set_defaults(func=_ensemble)

    e = commands.add_parser("export-npy", help="write character data in seed 000's .npy format")
    e.add_argument("--source", default="synthetic", help="synthetic | unipen | unipen:PATH (folder or archive) | "
                                                          "unipen-train")
    e.add_argument("--out", required=True, help="folder for X_{train,val,test}.npy and y_{...}.npy")
    e.add_argument("--seed", type=int, default=0, help="seed of the synthetic letters")
    e.add_argument("--per-class", type=int, default=200,
                   help="synthetic training letters per class (val and test: a quarter each)")
    e.set_defaults(func=_export)


def _train(args) -> int:
    if args.resume:
        cfg, run, last = resumed_config(args, "classifier", ClassifierConfig)
    else:
        cfg, last = base_config(args, ClassifierConfig, preset).replace(
            **{k: v for k, v in overrides_from(args, ClassifierConfig).items() if k not in _FROM_DATA}), None
        named = run_preset(args)
        run = RunFolder(Path(args.run_dir) if args.run_dir else new_run_dir("classifier", args.name, named))
        run.write_about("classifier", named, cfg.data)
    stop = install_stop_handler()
    print(f"run folder: {run.path}", flush=True)

    def show(row: dict) -> None:
        print(f"epoch {row['epoch']:3d}  loss {row['train_loss']:.4f}  train acc {row['train_acc']:.4f}  "
              f"val loss {row['val_loss']:.4f}  val acc {row['val_acc']:.4f}  lr {row['lr']:.2e}  "
              f"{row['seconds']:.1f}s", flush=True)

    try:
        result = train_classifier(cfg, run, show, stop, resume=last, device=args.device)
    except StopRequested:
        return stopped_early(run, "classifier")
    except InputError as exc:
        run.set_status("failed", 0, str(exc), kind="classifier")
        raise
    except Exception as exc:
        run.set_status("failed", 0, f"{type(exc).__name__}: {exc}", kind="classifier")
        raise
    if "test" in result:
        t = result["test"]
        print(f"test accuracy {t['accuracy']:.4f}  top-5 {t['top5']:.4f}  ({t['n']} letters, best epoch "
              f"{result['best']['epoch']})", flush=True)
    if result["state"] == "diverged":  # as the reader's trainer: one error line, exit 1
        print(f"error: {result['message']}", file=sys.stderr)
        return 1
    print(f"{result['state']}: {result['message'] or 'done'}", flush=True)
    return 0


def _classify(args) -> int:
    if args.top < 1:
        raise InputError("--top must be at least 1")
    clf = load_classifier(load_checkpoint(args.checkpoint, kind="classifier"))
    ink, _ = load_ink_file(args.ink)
    out = classify_ink(clf, ink, args.top, args.group)
    if args.json:
        print(json.dumps([{"label": c, "probability": p} for c, p in out]))
    else:
        for c, p in out:
            print(f"{c}\t{p:.4f}")
    return 0


def _ensemble(args) -> int:
    ckpts = [load_checkpoint(c, kind="classifier") for c in args.checkpoints]
    ens = make_ensemble(ckpts)
    cfg = ClassifierConfig.from_dict(ens["config"])
    # Validation counts only when every member kept the same writers out (one val_frac).
    val_fracs = {ClassifierConfig.from_dict(c["config"]).val_frac for c in ckpts}
    splits = char_splits(args.data or cfg.data, cfg.seed, cfg.per_class, cfg.n_points, val_frac=min(val_fracs),
                         charset=cfg.charset)
    X, y = splits.X["test"], splits.y["test"]
    for path, ckpt in zip(args.checkpoints, ckpts):
        r = evaluate_classifier(load_classifier(ckpt), X, y)
        print(f"member {path}: test accuracy {r['accuracy']:.4f}  top-5 {r['top5']:.4f}")
    ensemble = load_classifier(ens)
    result = evaluate_classifier(ensemble, X, y, splits.writers.get("test"))
    ens["metrics"] = {**ens["metrics"], "test_acc": result["accuracy"], "test_top5": result["top5"]}
    if len(val_fracs) == 1 and len(splits.y["val"]):
        val = evaluate_classifier(ensemble, splits.X["val"], splits.y["val"])
        ens["metrics"]["val_acc"] = val["accuracy"]
        print(f"ensemble of {len(ckpts)}: validation accuracy {val['accuracy']:.4f}  ({val['n']} letters)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    save_checkpoint(out / "model.pt", ens)
    write_json(out / "eval.json", {"split": "test", "data": args.data or cfg.data, **result})
    print(f"ensemble of {len(ckpts)}: test accuracy {result['accuracy']:.4f}  top-5 {result['top5']:.4f}  "
          f"({result['n']} letters) -> {out / 'model.pt'}")
    return 0


def _export(args) -> int:
    if not (args.source == "synthetic" or is_unipen_source(args.source)):
        raise InputError(f"export-npy cannot read {args.source!r}", f"use --source synthetic, {SOURCES_HELP}")
    if args.per_class < 1:
        raise InputError("--per-class must be at least 1")
    splits = char_splits(args.source, args.seed, args.per_class)
    out = export_npy(splits, args.out)
    sizes = ", ".join(f"{s} {n}" for s, n in splits.sizes().items())
    print(f"wrote {out}: {sizes} letters of shape {splits.X['train'].shape[1:]}, {len(splits.classes)} classes")
    return 0


def evaluate_command(ckpt: dict, args) -> int:
    """`evaluate CHECKPOINT [--data SOURCE] [--seed N] [--json] [--out FILE]` for a classifier: its test split."""
    clf = load_classifier(ckpt)
    cfg = clf.config
    source = args.data or cfg.data
    if source == "seed":
        raise InputError("--data seed is the word reader's protocol", "use synthetic, unipen[:PATH] or npy:DIR")
    splits = char_splits(source, cfg.seed if args.seed is None else args.seed, cfg.per_class, cfg.n_points,
                         charset=cfg.charset)
    result = evaluate_classifier(clf, splits.X["test"], splits.y["test"], splits.writers.get("test"))
    if args.out:
        write_json(Path(args.out), {"data": source, **result})
    shown = {k: result[k] for k in ("n", "accuracy", "top5", "per_class", "per_writer") if k in result}
    if args.json:
        print(json.dumps(shown))
    else:
        print(f"{source} test: n={shown['n']}  accuracy {shown['accuracy']:.4f}  top-5 {shown['top5']:.4f}")
        for w, r in shown.get("per_writer", {}).items():
            print(f"  writer {w}: n={r['n']}  accuracy {r['accuracy']:.4f}")
    return 0
