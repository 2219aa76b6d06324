"""The shipped models in checkpoints/<name>/ and their cards."""
from __future__ import annotations

import json
from pathlib import Path

from core.checkpoints import CHECKPOINT_NAMES

CHECKPOINTS_DIR = Path(__file__).resolve().parents[1] / "checkpoints"


def shipped_models() -> list[dict]:
    """Every folder of checkpoints/ (runs/ aside) holding a model: name, path, card."""
    out = []
    if not CHECKPOINTS_DIR.is_dir():
        return out
    for d in sorted(CHECKPOINTS_DIR.iterdir()):
        if not d.is_dir() or d.name == "runs" or not any((d / n).exists() for n in CHECKPOINT_NAMES):
            continue
        card = {}
        if (d / "card.json").exists():
            try:
                card = json.loads((d / "card.json").read_text(encoding="utf-8"))
            except ValueError:
                card = {}
        out.append({"name": d.name, "path": d, "kind": card.get("kind", "?"), "card": card})
    return out
