"""`sweep`: a grid of options times seeds, each an ordinary run, summarised in sweep.csv."""
from __future__ import annotations

import sys
from pathlib import Path

from core.cli.flags import DEFAULT_PRESET
from core.errors import InputError
from core.movement.study import (FOLDER, ctc_pace, ctc_split, data_movement_table, estimated_seconds, format_table,
                                 growth, parse_setting, write_results)
from core.paths import research_dir
from core.train.research import run_question, timing_table
from core.train.sweep import parse_grid, plan, plan_file, run_sweep
from core.train.writer_adaptation import run_adaptation


def register(commands, train_models) -> None:
    p = commands.add_parser("sweep", help="run a grid of options x seeds as ordinary runs")
    p.add_argument("model", choices=("reader", "classifier"))
    p.add_argument("--preset", default=DEFAULT_PRESET)
    p.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a fixed option for every run")
    p.add_argument("--seeds", default="0", help="comma-separated seeds, e.g. 0,1,2")
    p.add_argument("--plan", default=None, metavar="FILE",
                   help="a plan.json (kind, preset, grid, seeds, fixed: what the Train page's sweep form writes): "
                        "its values instead of --preset, --grid, --set and --seeds")
    p.add_argument("--out", required=True, help="sweep folder (runs/ and sweep.csv)")
    p.add_argument("--executor", choices=("local", "ray"), default="local")
    p.add_argument("--address", default=None, help="Ray cluster address (default: start or join a local one)")
    p.add_argument("--workers", type=int, default=None, help="local parallel runs (default: one per core)")
    p.add_argument("--runs-dir", default=None,
                   help="put the run folders here as <sweep>-<run> (the dashboard uses checkpoints/runs) "
                        "instead of OUT/runs/")
    p.set_defaults(func=_sweep)
    register_research(commands)


def _sweep(args) -> int:
    if args.plan:
        specs = plan(args.model, **plan_file(args.plan, args.model))
    else:
        try:
            seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
        except ValueError as exc:
            raise InputError(f"--seeds {args.seeds!r}: expected integers like 0,1,2") from exc
        fixed = {k: v[0] for k, v in parse_grid(args.set).items()}
        specs = plan(args.model, args.preset, parse_grid(args.grid), seeds, fixed)
    print(f"{len(specs)} runs -> {args.out}", flush=True)
    rows = run_sweep(specs, args.out, args.executor, args.address, args.workers,
                     progress=lambda r: print(f"done {r['run']}: {r.get('state')} {r.get('seconds')}s", flush=True),
                     runs_dir=args.runs_dir)
    print(f"wrote {args.out}/sweep.csv ({len(rows)} rows)")
    return 0


def register_research(commands) -> None:
    p = commands.add_parser("research", help="run one of seed 001's open questions as a sweep")
    p.add_argument("question", help="bidirectional | hidden | seeds | compositional | timing | adaptation "
                                    "(how many samples of a hand the reader needs: writer adaptation on real "
                                    "writers) | data-movement (how much of a training step's ByteDMD data movement "
                                    "is CTC, how much BPTT: traced in-process, no training)")
    p.add_argument("--small", action="store_true", help="one seed (the Research page's rerun)")
    p.add_argument("--quick", action="store_true",
                   help="data-movement: three small settings (seconds) instead of the full table (minutes)")
    p.add_argument("--setting", action="append", default=None, metavar="T=..,L=..,H=..[,K=..]",
                   help="data-movement: trace this setting instead (frames, letters, hidden units per direction, "
                        "classes; repeatable), for instance --setting T=600,L=39,H=64")
    p.add_argument("--vectors-in-registers", action="store_true",
                   help="data-movement: model blocked products that read their reused vector once (the least the "
                        "BLSTM must move) instead of once per row")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--out", default=None)
    p.set_defaults(func=_research)


def _research(args) -> int:
    if args.question == "data-movement":
        return _data_movement(args)
    if args.question == "adaptation":
        small = {"ns": (5, 20), "max_writers": 2} if args.small else {}
        out = Path(args.out) if args.out else research_dir() / ("adaptation-small" if args.small else "adaptation")
        print(f"wrote {run_adaptation(out, **small)}", flush=True)
        return 0
    if args.question == "timing":
        rows = timing_table(args.out, args.small, args.epochs, args.workers)
        for r in rows:
            print(r)
        return 0
    rows = run_question(args.question, args.out, args.small, args.epochs, args.workers,
                        progress=lambda r: print(f"done {r['run']}: {r.get('state')} {r.get('seconds')}s", flush=True))
    print(f"{len(rows)} runs")
    return 0


def _data_movement(args) -> int:
    def progress(row: dict) -> None:
        print(f"traced T={row['T']} S={row['S']} H={row['H']} K={row['K']} in {row['trace_seconds']} s",
              file=sys.stderr, flush=True)

    own = [parse_setting(text) for text in args.setting or ()]
    for s in own:
        print(f"tracing T={s.T} S={s.S} H={s.H} K={s.K}: about {estimated_seconds(s):.0f} s", file=sys.stderr,
              flush=True)
    rows = data_movement_table(args.quick or args.small, progress, settings=own or None,
                               registers=args.vectors_in_registers)
    print(format_table(rows))
    for group, exponents in growth(rows).items():
        print(f"growth with {group}: " + ", ".join(f"{part} ^{e:.2f}" for part, e in exponents.items()))
    print("torch's CTC per frame and state: " + ", ".join(f"T={T} {ns:.0f} ns" for T, ns in ctc_pace(rows).items()))
    print("CTC's ByteDMD by stage (setup / alpha / beta / posteriors and gradient): " + "; ".join(ctc_split(rows)))
    if args.out or not (args.quick or args.small or own):
        print(f"wrote {write_results(rows, Path(args.out) if args.out else research_dir() / FOLDER)}")
    return 0
