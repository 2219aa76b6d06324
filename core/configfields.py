"""What the reader's and the classifier's config dataclasses share: fields with help texts, and type checks."""
from __future__ import annotations

from dataclasses import field
from typing import Any

import numpy as np


def opt(default: Any, help: str):
    """A config field with its help text (read by the command line and the dashboard's widgets)."""
    return field(default=default, metadata={"help": help})


def is_type(value: Any, kind: type) -> bool:
    """`value` is a `kind`; booleans are not numbers, integers are floats."""
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    return isinstance(value, kind)
