"""Widgets generated from the config dataclasses, so defaults live in one place (the presets).

Every field's help text (its metadata, which the command line's `--help`
prints too) reads "Label in words: what it does, its range, what raising
it does"; a widget's label is the part before the first ": " and its help
icon the whole text, with the command-line flag.
"""
from __future__ import annotations

from dataclasses import fields

import streamlit as st

from core.ink.encodings import ENCODINGS
from core.models import classifier, reader
from core.models.preset_times import preset_note

# field -> (min, max, step) for sliders (the ranges the help texts name); others get a number or text input.
RANGES = {
    "hidden": (4, 512, 4), "layers": (1, 5, 1), "dropout": (0.0, 0.8, 0.05), "conv_channels": (0, 128, 8),
    "conv_stride": (1, 3, 1), "batch_size": (1, 128, 1), "epochs": (1, 100, 1), "repeats": (1, 20, 1),
    "cut_fraction": (0.0, 1.0, 0.05), "cut_warmup": (0, 20, 1), "holdout_frac": (0.05, 0.8, 0.05),
    "eval_repeats": (1, 16, 1), "spacing": (0.02, 0.2, 0.01), "per_class": (4, 1000, 4), "patience": (1, 50, 1),
    "step_size": (1, 50, 1), "gamma": (0.1, 1.0, 0.05), "weight_decay": (0.0, 0.01, 0.0001),
    "grad_clip": (0.0, 20.0, 0.5), "clip": (0.0, 10.0, 0.5), "n_points": (16, 128, 8), "threads": (1, 8, 1),
    "copies": (0, 16, 1), "synthetic": (0, 400, 10), "val_frac": (0.05, 0.5, 0.05), "label_smoothing": (0.0, 0.3, 0.05),
    "augment_strength": (0.0, 3.0, 0.25), "capitals": (0.0, 0.6, 0.05), "letter_by_letter": (0.0, 1.0, 0.05),
    "word_lines": (0.0, 0.8, 0.05), "augment_lines": (0.0, 1.0, 0.05),
}
# field -> its options; None: they depend on the config class (`choices`).
CHOICES = {"encoding": ["delta", "delta-line", *[e for e in ENCODINGS if e not in ("delta", "delta-line")]],
           "schedule": None, "ctc": ["torch", "numpy"], "style": ["natural", "seed"],
           "readout": ["mean", "last", "max", "ends"], "charset": None}
# The characters each model can learn (the configs' own checks: reader az or text, classifier az or chars).
CHARSETS = {reader.ReaderConfig: ["az", "text"], classifier.ClassifierConfig: ["az", "chars"]}
# Text inputs: a label where the help text's own is too short to say what to type, and a placeholder.
TEXT_LABELS = {"init": "Start from the weights of"}
PLACEHOLDERS = {"init": "nothing: fresh weights (or a reader's folder or .pt, e.g. checkpoints/reader-az)"}
# data and seed have their own widgets on the page; features and classes come from the data.
HIDDEN = {"augment", "seed", "data", "min_cut", "conv_kernel", "features", "classes", "members"}

# What each preset is, in words (the Train page's preset picker), as core defines it beside the presets.


def field_help(config_cls, name: str) -> str:
    """A field's help text as the command line prints it."""
    return next(f.metadata.get("help", "") for f in fields(config_cls) if f.name == name)


def field_label(config_cls, name: str) -> str:
    """A field's label in words: its help text up to the first ": " (the field name if it has none)."""
    text = field_help(config_cls, name)
    return text.split(": ", 1)[0] if ": " in text else name


def widget_help(config_cls, name: str) -> str:
    """The help icon's text: the field's help text and the matching command-line flag."""
    flag = "--" + name.replace("_", "-")
    return f"{field_help(config_cls, name)}.\n\nCommand line: `{flag}` (option `{name}`)."


def preset_label(kind: str, name: str) -> str:
    return f"{name}: {preset_note(kind, name)}"


def config_widgets(config, prefix: str, columns: int = 3) -> dict:
    """One widget per config field, initialised from `config` (a preset); returns the values."""
    values = {}
    cls = type(config)
    # Optional fields left at None (e.g. eval_seed) keep their preset value: no widget type fits them.
    shown = [f for f in fields(config) if f.name not in HIDDEN and getattr(config, f.name) is not None]
    cols = st.columns(columns)
    for i, f in enumerate(shown):
        v = getattr(config, f.name)
        key = f"{prefix}_{f.name}"
        col = cols[i % columns]
        label, text = field_label(cls, f.name), widget_help(cls, f.name)
        if isinstance(v, bool):
            values[f.name] = col.toggle(label, value=v, key=key, help=text)
        elif f.name in CHOICES:
            options = choices(config, f.name)
            values[f.name] = col.selectbox(label, options, index=options.index(v), key=key, help=text)
        elif f.name == "lr":
            values[f.name] = col.number_input(label, 1e-5, 1.0, float(v), format="%.5f", key=key, help=text)
        elif f.name in RANGES:
            lo, hi, step = RANGES[f.name]
            if isinstance(v, int):
                values[f.name] = col.slider(label, int(lo), int(max(hi, v)), int(v), int(step), key=key, help=text)
            else:
                values[f.name] = col.slider(label, float(lo), float(max(hi, v)), float(v), float(step), key=key,
                                            help=text)
        elif isinstance(v, (int, float)):
            values[f.name] = col.number_input(label, value=v, key=key, help=text)
        else:
            values[f.name] = col.text_input(TEXT_LABELS.get(f.name, label), value=str(v), key=key, help=text,
                                            placeholder=PLACEHOLDERS.get(f.name))
    return values


def choices(config, name: str) -> list[str]:
    """The options of a choice field for this config; its own value is always one of them (never shown as
    another)."""
    options = CHOICES[name]
    if options is None:
        options = _schedules(config) if name == "schedule" else CHARSETS[type(config)]
    value = getattr(config, name)
    return list(options) if value in options else [value, *options]


def _schedules(config) -> list[str]:
    return list(reader.SCHEDULES if hasattr(config, "cut_fraction") else classifier.SCHEDULES)
