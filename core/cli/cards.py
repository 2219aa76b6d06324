"""A shipped classifier's card: what a fresh evaluation on the test contributors measures, written down.

The figures are `score_on`'s (the code behind `python -m core evaluate
CHECKPOINT --data unipen-train --json`) on every isolated character of the
test contributors of `core.data.splits`: overall, per group (digits,
capitals, lowercase, symbols), case-insensitive, per contributor and per
writer, hardest first. `tests/test_cards.py` checks a card against a
fresh evaluation of one test contributor.
"""
from __future__ import annotations

import random
from pathlib import Path

from core.cli.score import labelled_samples, score_on
from core.data.splits import TEST_CONTRIBUTORS
from core.files.atomic import write_json
from core.models.checkpoint import load_checkpoint
from core.models.classifier import load_classifier
from core.train.score import score_classifier

CATEGORIES = ["1a", "1b", "1c", "1d"]
_KEYS = ("n", "accuracy", "top5", "case_insensitive", "within_group")


def _round(r: dict) -> dict:
    return {k: (round(r[k], 4) if isinstance(r[k], float) else r[k]) for k in _KEYS}


def classifier_test(path: str | Path, source: str = "unipen-train", limit: int | None = None) -> dict:
    """The test contributors' figures of the classifier at `path` (a .pt file or a folder holding one);
    `limit`: only that many of its characters, drawn at random (seeded), for a quick look."""
    ckpt = load_checkpoint(path, kind="classifier")
    if limit:
        samples, _ = labelled_samples(source, ckpt, CATEGORIES, list(TEST_CONTRIBUTORS))
        keep = set(random.Random(0).sample(range(len(samples)), min(limit, len(samples))))
        r = score_classifier(load_classifier(ckpt), [s for i, s in enumerate(samples) if i in keep])
    else:
        r = score_on(source, ckpt, load_classifier(ckpt), CATEGORIES, list(TEST_CONTRIBUTORS))
    return {"data": source, "categories": CATEGORIES, "contributors": list(r["by_contributor"]),
            "writers": len(r["by_writer"]), **_round(r),
            "by_group": {g: _round(v) for g, v in r["by_group"].items()},
            "by_contributor": {c: _round(v) | {"writers": sum(w.startswith(c + "/") for w in r["by_writer"])}
                               for c, v in r["by_contributor"].items()},
            "by_writer": {w: _round(v) for w, v in r["by_writer"].items()},
            "skipped": r["skipped"]}


def classifier_card(path: str | Path, name: str, summary: str, command: str, test: dict | None = None) -> dict:
    """The card of the classifier at `path`: its headline comes from `test` (a fresh `classifier_test`)."""
    ckpt = load_checkpoint(path, kind="classifier")
    test = test or classifier_test(path)
    who = f"{test['writers']} writers, {len(test['contributors'])} unseen labs"
    headline = {f"top-1, strangers ({who})": f"{test['accuracy']:.3f}",
                "case-insensitive top-1": f"{test['case_insensitive']:.3f}"}
    if len(test["by_group"]) > 1:
        headline["top-1 told the group"] = f"{test['within_group']:.3f}"
    n_params = sum(v.numel() for v in ckpt["state_dict"].values() if v.is_floating_point())
    return {"kind": "classifier", "name": name, "summary": summary, "headline": headline, "command": command,
            "config": ckpt.get("config"), "metrics": ckpt.get("metrics"), "data": ckpt.get("data"),
            "classes": len(ckpt["alphabet"]) if ckpt.get("alphabet") else None, "parameters": n_params,
            "test": test}


def write_card(folder: str | Path, card: dict) -> Path:
    out = Path(folder) / "card.json"
    write_json(out, card)
    return out
