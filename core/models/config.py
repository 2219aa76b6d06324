"""What the reader's and the classifier's config dataclasses share: fields with help texts, and type checks."""
from __future__ import annotations

from dataclasses import field, fields
from typing import Any

import numpy as np

from core.errors import InputError


def option(default: Any, help: str):
    """A config field with its help text (read by the command line and the dashboard's widgets)."""
    return field(default=default, metadata={"help": help})


def is_type(value: Any, kind: type) -> bool:
    """`value` is a `kind`; booleans are not numbers, integers are floats."""
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    return isinstance(value, kind)


# A field's annotation (a string under `from __future__ import annotations`) -> the type its value must have.
FIELD_TYPES = {"int": int, "float": float, "bool": bool, "str": str, "int | None": int}


def check_field_types(config, what: str) -> None:
    """Raise InputError when a field of the dataclass `config` holds a value of the wrong type
    (None is allowed only where the annotation says `| None`)."""
    for f in fields(config):
        kind, value = FIELD_TYPES.get(str(f.type)), getattr(config, f.name)
        if kind is None or (value is None and "None" in str(f.type)):
            continue
        if not is_type(value, kind):
            raise InputError(f"{what} config: {f.name} must be {kind.__name__}, got {value!r}")
