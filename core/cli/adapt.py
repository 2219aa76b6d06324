"""`adapt READER --data ink:DIR --out RUN_DIR`: fine-tune a reader on one person's samples (core.train.adapt)."""
from __future__ import annotations

from pathlib import Path

from core.cli.flags import add_config_flags, overrides_from
from core.errors import InputError
from core.ink.io import load_ink_folder
from core.models.checkpoint import load_checkpoint
from core.models.inference import load_reader
from core.train.adapt import AdaptConfig, adapt_reader, holdout_split
from core.train.evaluate import evaluate_sets
from core.train.runs import RunFolder, StopRequested, install_stop_handler, new_run_dir, stopped_early


def register(commands, train_models) -> None:
    a = commands.add_parser("adapt", help="fine-tune a reader on a few samples of one person's handwriting",
                            description="Adapt a reader to a writer; prints the CER on the held-back samples before "
                                        "and after. The adapted reader is an ordinary run (best.pt).")
    a.add_argument("reader", help="the reader to adapt: a .pt file or a folder holding best.pt or model.pt")
    a.add_argument("--data", required=True, help="ink:DIR, a folder of labelled Ink JSON files (a dataset)")
    a.add_argument("--out", default=None, help="run folder (default: checkpoints/runs/<new id>)")
    a.add_argument("--holdout", type=int, default=0,
                   help="keep the last N samples out of the adaptation to measure it (default 0)")
    add_config_flags(a, AdaptConfig)
    a.set_defaults(func=_adapt)


def _adapt(args) -> int:
    if not args.data.startswith("ink:"):
        raise InputError(f"adapt reads ink:DIR, not {args.data!r}", "save samples on the Collect page, or give a folder")
    ckpt = load_checkpoint(args.reader, kind="reader")
    found, _ = load_ink_folder(args.data[len("ink:"):])
    pairs = [(s.ink, s.label) for s in found]
    train, held = holdout_split(pairs, args.holdout)
    cfg = AdaptConfig.from_dict({**AdaptConfig().to_dict(), **overrides_from(args, AdaptConfig)})
    run = RunFolder(Path(args.out) if args.out else new_run_dir("reader", preset="adapted"))
    if not (run.path / "run.json").exists():  # the Collect page names the dataset itself
        run.write_about("reader", "adapted", args.data, adapted_from=str(args.reader))
    print(f"run folder: {run.path}", flush=True)
    if held:
        before = evaluate_sets(load_reader(ckpt), {"heldout": held})["splits"]["heldout"]["cer"]
        print(f"held-back CER before: {before:.4f} ({len(held)} samples)", flush=True)

    def show(row: dict) -> None:
        held_text = f"  held-back CER {row['heldout_cer']:.4f}" if held else ""
        print(f"step {row['epoch'] * cfg.eval_every:4d}  loss {row['train_loss']:.4f}  "
              f"own CER {row['invocab_cer']:.4f}{held_text}  {row['seconds']:.1f}s", flush=True)

    try:
        result = adapt_reader(ckpt, train, held, cfg, run, show, install_stop_handler())
    except StopRequested:
        return stopped_early(run, "reader")
    except Exception as exc:
        run.set_status("failed", 0, str(exc) if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}")
        raise
    print(f"{result['state']}: adapted to {len(train)} samples in {result['seconds']:.1f}s -> {run.path / 'best.pt'}")
    return 0 if result["state"] != "diverged" else 1
