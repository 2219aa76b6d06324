"""Widgets generated from the config dataclasses, so defaults live in one place (the presets)."""
from __future__ import annotations

from dataclasses import fields

import streamlit as st

from core.models import classifier, reader

# field -> (min, max, step) for sliders; fields not listed get a number or text input.
RANGES = {
    "hidden": (4, 256, 4), "layers": (1, 5, 1), "dropout": (0.0, 0.8, 0.05), "conv_channels": (0, 128, 8),
    "batch_size": (1, 128, 1), "epochs": (1, 100, 1), "repeats": (1, 20, 1), "cut_fraction": (0.0, 1.0, 0.05),
    "cut_warmup": (0, 20, 1), "holdout_frac": (0.05, 0.8, 0.05), "eval_repeats": (1, 16, 1),
    "spacing": (0.02, 0.2, 0.01), "per_class": (4, 1000, 4), "patience": (1, 50, 1), "step_size": (1, 50, 1),
    "gamma": (0.1, 1.0, 0.05), "weight_decay": (0.0, 0.01, 0.0001), "grad_clip": (0.0, 20.0, 0.5),
    "clip": (0.0, 10.0, 0.5), "n_points": (16, 128, 8), "threads": (1, 8, 1),
    "copies": (0, 16, 1), "synthetic": (0, 400, 10), "val_frac": (0.05, 0.5, 0.05), "label_smoothing": (0.0, 0.3, 0.05),
    "augment_strength": (0.0, 3.0, 0.25),
}
CHOICES = {"encoding": ["seed", "delta"], "schedule": None, "ctc": ["torch", "numpy"], "style": ["seed", "natural"],
           "readout": ["last", "mean", "max", "ends"]}
# features and classes come from the data.
HIDDEN = {"augment", "seed", "data", "min_cut", "conv_kernel", "features", "classes", "members"}


def config_widgets(config, prefix: str, columns: int = 3) -> dict:
    """One widget per config field, initialised from `config` (a preset); returns the values."""
    values = {}
    # Optional fields left at None (e.g. eval_seed) keep their preset value: no widget type fits them.
    shown = [f for f in fields(config) if f.name not in HIDDEN and getattr(config, f.name) is not None]
    cols = st.columns(columns)
    for i, f in enumerate(shown):
        v = getattr(config, f.name)
        key = f"{prefix}_{f.name}"
        col = cols[i % columns]
        if isinstance(v, bool):
            values[f.name] = col.toggle(f.name, value=v, key=key)
        elif f.name in CHOICES:
            options = CHOICES[f.name] or _schedules(config)
            values[f.name] = col.selectbox(f.name, options, index=options.index(v) if v in options else 0, key=key)
        elif f.name == "lr":
            values[f.name] = col.number_input("lr (learning rate)", 1e-5, 1.0, float(v), format="%.5f", key=key)
        elif f.name in RANGES:
            lo, hi, step = RANGES[f.name]
            if isinstance(v, int):
                values[f.name] = col.slider(f.name, int(lo), int(max(hi, v)), int(v), int(step), key=key)
            else:
                values[f.name] = col.slider(f.name, float(lo), float(max(hi, v)), float(v), float(step), key=key)
        elif isinstance(v, (int, float)):
            values[f.name] = col.number_input(f.name, value=v, key=key)
        else:
            values[f.name] = col.text_input(f.name, value=str(v), key=key)
    return values


def _schedules(config) -> list[str]:
    return list(reader.SCHEDULES if hasattr(config, "cut_fraction") else classifier.SCHEDULES)
