"""Command-line flags generated from a config dataclass (one per field, help from its metadata), and `--resume`.

A flag that is not given stays None, so the preset's value is kept: the
defaults live in the config alone.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import fields
from pathlib import Path

from core.errors import InputError
from core.train.runs import RunFolder, resume_point

_TYPES = {"int": int, "float": float, "str": str, "int | None": int, "float | None": float, "str | None": str}
_SKIP = ("augment",)  # dict-valued fields get their own flags


def add_config_flags(parser: argparse.ArgumentParser, config_cls, skip=()) -> None:
    """One flag per field of a config dataclass (default None: keep the preset's value).

    `--some-field` for `some_field`; booleans get `--x/--no-x`. Help texts
    come from each field's metadata.
    """
    group = parser.add_argument_group("settings (default: the preset's)")
    for f in fields(config_cls):
        if f.name in skip or f.name in _SKIP:
            continue
        flag = "--" + f.name.replace("_", "-")
        text = f.metadata.get("help", "")
        if str(f.type) in ("bool", "<class 'bool'>"):
            group.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=None, help=text)
        else:
            kind = _TYPES.get(str(f.type), f.type if isinstance(f.type, type) else str)
            group.add_argument(flag, dest=f.name, type=kind, default=None, metavar=f.name.upper(), help=text)


def preset_help(notes: dict[str, str], default: str) -> str:
    """`--preset`'s help: every preset with what it is, in the words the Train page's picker shows."""
    listed = " | ".join(f"{name} = {note}" for name, note in notes.items())
    return f"starting settings (default: {default}): {listed}".replace("%", "%%")  # argparse formats help with %


def add_config_file_flag(parser: argparse.ArgumentParser) -> None:
    """`--config FILE`: start from a saved config (a run folder's config.json) instead of the preset."""
    parser.add_argument("--config", default=None, metavar="FILE",
                        help="a config.json (e.g. a run folder's): its settings instead of the preset's (--preset then "
                             "only names the run); flags given beside it still change them")


DEFAULT_PRESET = "fast"  # `train reader|classifier` without --preset or --config


def run_preset(args) -> str:
    """The preset a new run is named by: the one given, else "config" for a run of a saved config, else the
    default preset."""
    return args.preset or ("config" if getattr(args, "config", None) else DEFAULT_PRESET)


def base_config(args, config_cls, preset_of):
    """The settings a new run starts from: `--config`'s file when given, else the preset's."""
    if not getattr(args, "config", None):
        return preset_of(args.preset or DEFAULT_PRESET)
    path = Path(args.config)
    try:
        values = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the config {path}: {exc}", "give a config.json a run wrote") from None
    if not isinstance(values, dict):
        raise InputError(f"{path} holds no config (expected a JSON object of settings)")
    return config_cls.from_dict({k: v for k, v in values.items() if k != "kind"})  # a run's names its kind


def overrides_from(args, config_cls) -> dict:
    """The config fields given on the command line, as a dict."""
    return {f.name: getattr(args, f.name) for f in fields(config_cls)
            if f.name not in _SKIP and getattr(args, f.name, None) is not None}


def resumed_config(args, kind: str, config_cls):
    """(config, run folder, last.pt) for `--resume RUN`; only --epochs may be given besides it."""
    config, last = resume_point(Path(args.resume), kind)
    given = sorted(set(overrides_from(args, config_cls)) - {"epochs"})
    if given or getattr(args, "aug", None) or args.run_dir:
        raise InputError(f"--resume keeps the run's settings: {', '.join(given) or '--aug/--run-dir'} cannot change",
                         "start a new run to train with other settings")
    cfg = config_cls.from_dict(config)
    if args.epochs is not None:
        cfg = cfg.replace(epochs=args.epochs)
    return cfg, RunFolder(Path(args.resume)), last
