"""The shipped models in checkpoints/<name>/ and their cards."""
from __future__ import annotations

import json
from pathlib import Path

from core.files.atomic import read_json
from core.ink.unipen_categories import LINES, WORDS
from core.models.checkpoint import CHECKPOINT_NAMES
from core.paths import checkpoints_dir, runs_dir


def shipped_models() -> list[dict]:
    """Every folder of checkpoints/ (runs/ aside) holding a model: name, path, card."""
    out = []
    root = checkpoints_dir()
    if not root.is_dir():
        return out
    for d in sorted(root.iterdir()):
        if not d.is_dir() or d.name in ("runs", "uploads", "sweeps", "datasets") or not any((d / n).exists() for n in CHECKPOINT_NAMES):
            continue
        card = {}
        if (d / "card.json").exists():
            try:
                card = json.loads((d / "card.json").read_text(encoding="utf-8"))
            except ValueError:
                card = {}
        out.append({"name": d.name, "path": d, "kind": card.get("kind", "?"), "card": card})
    return out


def available_checkpoints(kind: str) -> list[tuple[str, Path]]:
    """(label, path) of every shipped model and finished-or-running run of `kind`, shipped first.

    `kind` is "reader" or "classifier"; a shipped model's kind comes from its
    card, a run's from its config.json.
    """
    out = [(f"shipped: {m['name']}", m["path"]) for m in shipped_models() if m["kind"] == kind]
    root = runs_dir()
    if root.is_dir():
        for d in sorted(root.iterdir(), reverse=True):
            config = read_json(d / "config.json") or {}
            if (d.is_dir() and not d.is_symlink() and not d.name.startswith(".") and config.get("kind") == kind
                    and (d / "best.pt").exists()):
                out.append((f"run: {d.name}", d))
    return out


def lowercase_words_cer() -> dict[str, float]:
    """Greedy CER on the test contributors' lowercase words, per shipped reader whose card measured them:
    reader-az's own test set, and the line reader's `lowercase_words` (the same words)."""
    out = {}
    for m in shipped_models():
        test = m["card"].get("test") or {}
        if m["kind"] != "reader":
            continue
        if "lowercase_words" in test:
            out[m["name"]] = float(test["lowercase_words"]["greedy"]["cer"])
        elif test.get("category") == WORDS and "greedy" in test:
            out[m["name"]] = float(test["greedy"]["cer"])
    return out


def line_word_accuracy() -> dict[str, tuple[float, float]]:
    """(greedy, lm) word accuracy (1 - WER) on the test contributors' lines, per shipped line reader whose card
    measured them (the Draw page's word on what lm adds)."""
    out = {}
    for m in shipped_models():
        categories = (m["card"].get("test") or {}).get("categories")
        table = categories.get(LINES) or {} if isinstance(categories, dict) else {}  # a line reader's card
        if m["kind"] == "reader" and "greedy" in table and "lm" in table:
            out[m["name"]] = (1 - float(table["greedy"]["wer"]), 1 - float(table["lm"]["wer"]))
    return out

