"""Reading and writing ink: the canvas's json_data and Ink JSON files.

Ink JSON is ``{"strokes": [[[x, y], ...], ...], "label": "..."}`` (label
optional, y up). The drawing canvas (streamlit-drawable-canvas 0.13,
Fabric.js) returns one `path` object per stroke; its pointer samples are
the `M` point, every `Q` control point and the final `L` point (the `Q`
end points are midpoints Fabric adds for smoothness). Anything malformed
raises `InputError`, never another exception.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import InputError
from core.ink import Ink, as_ink, n_points, resample_stroke_n

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_POINTS = 20_000
_ORIGIN = {"left": 0.0, "top": 0.0, "center": 0.5, "right": 1.0, "bottom": 1.0}


def _num(v: Any, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise InputError(f"canvas drawing: {what} is not a finite number ({v!r})")
    return float(v)


def _path_samples(path: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Pointer samples of one Fabric path, and every coordinate (for its bounding box)."""
    if not isinstance(path, list) or not path:
        raise InputError(f"canvas drawing: object {k} has no path commands")
    samples, coords = [], []
    for cmd in path:
        if not isinstance(cmd, list) or not cmd or not isinstance(cmd[0], str):
            raise InputError(f"canvas drawing: object {k} has a malformed path command {cmd!r}"[:160])
        op, args = cmd[0].upper(), [_num(a, f"a coordinate of object {k}") for a in cmd[1:]]
        need = {"M": 2, "L": 2, "Q": 4}.get(op)
        if need is None or len(args) != need:
            raise InputError(f"canvas drawing: object {k} has an unsupported path command {cmd[0]!r}")
        pts = [args[i:i + 2] for i in range(0, need, 2)]
        coords += pts
        samples.append(pts[0])  # M and L points; Q's control point (its end point is a midpoint)
    if path[-1][0].upper() == "Q":
        samples.append(coords[-1])
    return np.asarray(samples, float), np.asarray(coords, float)


def _placed(obj: dict, samples: np.ndarray, coords: np.ndarray, k: int) -> np.ndarray:
    """Apply the object's move, scale and rotation, as Fabric does, to canvas pixels."""
    sx, sy = _num(obj.get("scaleX", 1), "scaleX"), _num(obj.get("scaleY", 1), "scaleY")
    sw = _num(obj.get("strokeWidth", 0), "strokeWidth")
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    offset = obj.get("pathOffset")
    if isinstance(offset, dict):
        center_path = np.array([_num(offset.get("x"), "pathOffset.x"), _num(offset.get("y"), "pathOffset.y")])
    else:
        center_path = (lo + hi) / 2
    if "left" not in obj or "top" not in obj:
        return samples  # an unplaced path: its coordinates are canvas pixels already
    w = _num(obj.get("width", hi[0] - lo[0]), "width")
    h = _num(obj.get("height", hi[1] - lo[1]), "height")
    dims = np.array([(w + sw) * sx, (h + sw) * sy])
    origin = np.array([_ORIGIN.get(obj.get("originX", "left"), 0.0), _ORIGIN.get(obj.get("originY", "top"), 0.0)])
    center = np.array([_num(obj["left"], "left"), _num(obj["top"], "top")]) + (0.5 - origin) * dims
    local = (samples - center_path) * np.array([sx, sy])
    angle = math.radians(_num(obj.get("angle", 0), "angle"))
    if angle:
        c, s = math.cos(angle), math.sin(angle)
        local = local @ np.array([[c, s], [-s, c]])
    return center + local


def ink_from_canvas(json_data: Any) -> Ink:
    """Canvas json_data -> Ink (one stroke per path object, y flipped to point up)."""
    if not isinstance(json_data, dict) or not isinstance(json_data.get("objects"), list):
        raise InputError("canvas drawing: expected an object with an 'objects' list")
    ink: Ink = []
    for k, obj in enumerate(json_data["objects"]):
        if not isinstance(obj, dict):
            raise InputError(f"canvas drawing: object {k} is not an object")
        if obj.get("type") not in ("path", "Path"):
            continue
        samples, coords = _path_samples(obj.get("path"), k)
        pts = _placed(obj, samples, coords, k)
        ink.append(pts * np.array([1.0, -1.0]))
    return ink


def limit_points(ink: Ink, max_points: int = MAX_POINTS) -> Ink:
    """Downsample ink to at most `max_points`, keeping every stroke and its shape."""
    total = n_points(ink)
    if total <= max_points:
        return ink
    keep = max_points / total
    return [resample_stroke_n(s, max(1, int(len(s) * keep))) if len(s) > 1 else s for s in ink]


def read_json_file(path: str | Path) -> Any:
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}") from exc
    if size > MAX_FILE_BYTES:
        raise InputError(f"{p} is {size / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {p} as UTF-8 text") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{p}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc


def ink_from_json(obj: Any, source: str = "ink") -> tuple[Ink, str | None]:
    """Ink JSON or canvas json_data (an object with "objects") -> (ink, label)."""
    if isinstance(obj, dict) and "objects" in obj:
        return limit_points(ink_from_canvas(obj)), None
    if not isinstance(obj, dict) or not isinstance(obj.get("strokes"), list):
        raise InputError(f"{source}: expected {{\"strokes\": [[[x, y], ...], ...]}} or canvas json_data")
    label = obj.get("label")
    if label is not None and not isinstance(label, str):
        raise InputError(f"{source}: 'label' must be a string")
    try:
        ink = as_ink(obj["strokes"])
    except InputError as exc:
        raise InputError(f"{source}: {exc.message}") from exc
    return limit_points(ink), label


def load_ink_file(path: str | Path) -> tuple[Ink, str | None]:
    """Read an Ink JSON file or a saved canvas json_data file."""
    return ink_from_json(read_json_file(path), str(path))


def ink_to_json(ink: Ink, label: str | None = None) -> dict:
    obj: dict = {"strokes": [[[round(float(x), 5), round(float(y), 5)] for x, y in s] for s in ink]}
    if label is not None:
        obj["label"] = label
    return obj


def write_ink_json(path: str | Path, ink: Ink, label: str | None = None) -> None:
    from core.atomic import write_text

    write_text(Path(path), json.dumps(ink_to_json(ink, label)) + "\n")
