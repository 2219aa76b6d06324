"""The Collect page's adaptations: a dataset copied into a run folder, `python -m core adapt` started on it,
and the held-back samples read before and after.

A run keeps the samples it adapted on in `<run>/samples/` (the dataset may
change while it trains or later) and says what it came from in
`<run>/collect.json` (dataset, reader, steps, held-back count). The
held-back samples are the last ones, as `adapt --holdout` takes them
(core.train.adapt.holdout_split), read greedily by the evaluation the
command line uses (core.train.evaluate.evaluate_sets).
"""
from __future__ import annotations

import shutil
from pathlib import Path

from core.data import datasets
from core.errors import InputError
from core.files.atomic import read_json, write_json
from core.ink.io import load_ink_folder
from core.models.checkpoint import load_checkpoint, resolve_checkpoint
from core.models.inference import load_reader
from core.train.adapt import AdaptConfig, holdout_split
from core.train.evaluate import evaluate_sets
from core.train.runs import RunFolder, free_cores, launch, new_run_dir, read_status, runs_dir

RECORD = "collect.json"
GOAL = 20  # samples worth writing before adapting (a minute of adaptation on one core)
# ... for a line reader: ten lines of one writer (aga's AnnZchrl) cut reader-text's CER on sixteen more of that
# writer's lines by a third, 0.100 -> 0.068, in 60 steps (core/data/rehearsal.py)
LINE_GOAL = 10


def goal(alphabet) -> int:
    """Samples worth writing before adapting a reader of `alphabet`: lines for a line reader, else words."""
    return LINE_GOAL if " " in alphabet else GOAL


def default_holdout(n: int) -> int:
    """About a quarter of the samples, at least one once there are four; none below four."""
    return max(1, round(n / 4)) if n >= 4 else 0


def eval_every(steps: int) -> int:
    """Steps between two evaluations: about six points on the curve (every 20 of the default 120 steps)."""
    return max(1, steps // 6)


def prepare_adaptation(dataset: str, reader: str | Path, steps: int = AdaptConfig().steps,
                       holdout: int | None = None) -> tuple[Path, list[str]]:
    """A new run folder holding a copy of the dataset and its record; (its path, the `adapt` arguments to run)."""
    name = datasets.safe_name(dataset)
    files = [path for path, _, _ in datasets.samples(name)]
    if not files:
        raise InputError(f"dataset {name} holds no samples", "write and save a few words first")
    holdout = default_holdout(len(files)) if holdout is None else int(holdout)
    holdout_split(files, holdout)  # refuses a split that leaves nothing to adapt on
    AdaptConfig(steps=int(steps))  # refuses a bad step count
    reader_file = resolve_checkpoint(reader)
    load_checkpoint(reader_file, kind="reader")  # a clear error here, not in the background process's log
    path = new_run_dir("reader", name, "adapted")
    (path / "samples").mkdir()
    for f in files:
        shutil.copy2(f, path / "samples" / f.name)
    write_json(path / RECORD, {"dataset": name, "reader": str(reader_file), "steps": int(steps),
                               "holdout": holdout, "samples": len(files)})
    RunFolder(path).write_about("reader", "adapted", f"dataset {name}", adapted_from=str(reader_file))
    RunFolder(path).set_status("starting", 0, "launching the adaptation", kind="reader")
    return path, ["adapt", str(reader_file), "--data", f"ink:{path / 'samples'}", "--out", str(path),
                  "--holdout", str(holdout), "--steps", str(int(steps)), "--eval-every", str(eval_every(int(steps)))]


def start_adaptation(dataset: str, reader: str | Path, steps: int = AdaptConfig().steps,
                     holdout: int | None = None) -> str:
    """Copy the dataset into a new run folder and start `adapt` on it in the background; returns the run id."""
    if free_cores() < 1:  # checked before the run folder exists, so a refused start leaves nothing behind
        raise InputError("every CPU core already has a run: at most one run per core",
                         "wait for a run to finish or stop it on the Train page")
    path, args = prepare_adaptation(dataset, reader, steps, holdout)
    try:
        proc = launch(args, path / "log.txt", 1, "adapt reader", checked=True)
    except OSError as exc:  # the process did not start: say so instead of a run that seems to be starting
        RunFolder(path).set_status("failed", 0, f"could not start the adaptation: {exc}")
        raise InputError(f"could not start the adaptation ({exc})") from exc
    status = read_json(path / "status.json") or {}
    if status.get("state") == "starting":
        write_json(path / "status.json", {**status, "pid": proc.pid})
    return path.name


def adaptation_runs(dataset: str | None = None) -> list[dict]:
    """Runs started by `start_adaptation` (of one dataset, if given), newest first: id, path, state, record."""
    root = runs_dir()
    if not root.is_dir():
        return []
    out = []
    for p in sorted(root.iterdir(), reverse=True):
        record = read_json(p / RECORD) if p.is_dir() and not p.is_symlink() else None
        if record and (dataset is None or record.get("dataset") == dataset):
            out.append({"id": p.name, "path": p, "state": read_status(p).get("state"), **record})
    return out


def before_after(run: str | Path) -> dict:
    """The held-back samples of a finished adaptation read by the original reader and by the adapted one.

    Returns {"n", "before": {cer, word_acc}, "after": {...}, "rows": [{label, before, after}]}.
    """
    path = Path(run)
    record = read_json(path / RECORD)
    if not record:
        raise InputError(f"{path.name} is not an adaptation of a dataset", f"it has no {RECORD}")
    if not (path / "best.pt").exists():
        raise InputError(f"{path.name} has no adapted reader yet", "wait for the run to finish")
    found, _ = load_ink_folder(path / "samples")
    _, held = holdout_split([(s.ink, s.label) for s in found], int(record.get("holdout", 0)))
    if not held:
        return {"n": 0, "before": {}, "after": {}, "rows": []}
    results = {}
    for when, source in (("before", record["reader"]), ("after", path / "best.pt")):
        results[when] = evaluate_sets(load_reader(load_checkpoint(source, kind="reader")), {"heldout": held})
    preds = {when: [p["pred"] for p in r["predictions"]] for when, r in results.items()}
    return {"n": len(held),
            **{when: {m: r["splits"]["heldout"][m] for m in ("cer", "word_acc")} for when, r in results.items()},
            "rows": [{"label": label, "before": b, "after": a}
                     for (_, label), b, a in zip(held, preds["before"], preds["after"])]}
