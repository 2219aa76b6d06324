"""How long a training preset takes, from measurement: `bench/preset_times.py --write` times each preset's
first epoch on a real run and keeps the figures in preset_times.json beside this module; the Train page's
preset picker and `--preset`'s help say the time from them, never from a figure typed in a note."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from core.models import classifier, reader  # the notes live beside the presets

TIMES_FILE = Path(__file__).with_name("preset_times.json")


def estimate_seconds(measured: dict, epochs: int | None = None) -> float:
    """Start (loading the data, building the model) + epochs x the measured mean epoch."""
    return measured["start_s"] + (measured["epochs"] if epochs is None else epochs) * measured["epoch_s"]


@lru_cache(maxsize=1)
def _times() -> dict:
    try:
        return json.loads(TIMES_FILE.read_text())
    except (OSError, ValueError):
        return {}


def in_words(seconds: float) -> str:
    """A duration as a person says it: seconds under two minutes, minutes under two hours, else hours."""
    if seconds < 120:
        return f"about {max(5, round(seconds / 5) * 5):.0f} s"
    if seconds < 7200:
        return f"about {round(seconds / 60):.0f} minutes"
    return f"about {seconds / 3600:.1f} hours"


CORES = {1: "one core", 2: "two cores"}


def preset_time(kind: str, name: str, epochs: int | None = None) -> str | None:
    """'about N minutes on one core' for a preset (with `epochs` instead of its own; the cores are its threads),
    or None when unmeasured."""
    measured = _times().get(kind, {}).get(name)
    if not measured:
        return None
    presets = {"reader": reader.PRESETS, "classifier": classifier.PRESETS}[kind]
    threads = getattr(presets.get(name), "threads", 1) or 1
    return f"{in_words(estimate_seconds(measured, epochs))} on {CORES.get(threads, f'{threads} cores')} (measured)"


def preset_note(kind: str, name: str) -> str:
    """What a preset is (its note beside the presets) and, where measured, how long it takes: the words the
    Train page's picker and `--preset`'s help show."""
    note = {"reader": reader.PRESET_NOTES, "classifier": classifier.PRESET_NOTES}[kind][name]
    took = preset_time(kind, name)
    return f"{note}; {took}" if took else note


def preset_notes(kind: str) -> dict[str, str]:
    """`preset_note` of every preset of `kind`, in the presets' order."""
    return {name: preset_note(kind, name) for name in {"reader": reader.PRESETS, "classifier": classifier.PRESETS}[kind]}
