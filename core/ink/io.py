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
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import InputError
from core.files.atomic import write_text
from core.ink.ink import Ink, as_ink, n_points, resample_stroke_n

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_POINTS = 20_000
INK_HINT = 'Ink JSON is {"strokes": [[[x, y], ...], ...], "label": "..."}: a list of strokes of [x, y] numbers'
_ORIGIN = {"left": 0.0, "top": 0.0, "center": 0.5, "right": 1.0, "bottom": 1.0}


def _num(v: Any, what: str) -> float:
    try:
        ok = not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v)
    except OverflowError:  # an integer too large for a float
        ok = False
    if not ok:
        raise InputError(f"canvas drawing: {what} is not a finite number ({v!r})"[:200])
    return float(v)


def _origin(v: Any) -> float:
    """Fabric's originX/originY as a fraction of the box; unknown values count as left/top."""
    return _ORIGIN.get(v, 0.0) if isinstance(v, str) else 0.0


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
    origin = np.array([_origin(obj.get("originX", "left")), _origin(obj.get("originY", "top"))])
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
        with np.errstate(over="ignore", invalid="ignore"):
            pts = _placed(obj, samples, coords, k)
        if not np.isfinite(pts).all():
            raise InputError(f"canvas drawing: object {k} has coordinates too large to place")
        ink.append(pts * np.array([1.0, -1.0]))
    return ink


def limit_points(ink: Ink, max_points: int = MAX_POINTS) -> Ink:
    """Downsample ink to at most `max_points`, keeping every stroke and its shape."""
    total = n_points(ink)
    if total <= max_points:
        return ink
    keep = max_points / total
    return [resample_stroke_n(s, max(1, int(len(s) * keep))) if len(s) > 1 else s for s in ink]


def parse_json_text(text: str, source: str) -> Any:
    """JSON text -> object; a syntax error names the line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                         "save the drawing again, or check the file in a JSON validator") from exc
    except RecursionError as exc:
        raise InputError(f"{source}: the JSON is nested too deeply to be ink", INK_HINT) from exc
    except ValueError as exc:  # an integer of more than 4300 digits
        raise InputError(f"{source}: unreadable JSON ({str(exc)[:80]})") from exc


def parse_json_bytes(data: bytes, source: str) -> Any:
    """UTF-8 JSON bytes (an upload, a file's contents) -> object, refusing more than MAX_FILE_BYTES."""
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{source} is {len(data) / 2**20:.1f} MB; the limit is {MAX_FILE_BYTES / 2**20:.0f} MB",
                         "downsample the ink or split it into several files")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read {source} as UTF-8 text", "give an Ink JSON or canvas JSON file") from exc
    return parse_json_text(text, source)


def read_json_file(path: str | Path) -> Any:
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}") from exc
    if size > MAX_FILE_BYTES:
        raise InputError(f"{p} is {size / 2**20:.1f} MB; the limit is {MAX_FILE_BYTES / 2**20:.0f} MB")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}") from exc
    return parse_json_bytes(data, str(p))


def ink_from_json(obj: Any, source: str = "ink", max_points: int | None = MAX_POINTS) -> tuple[Ink, str | None]:
    """Ink JSON or canvas json_data (an object with "objects") -> (ink, label).

    Ink of more than `max_points` points is downsampled (`limit_points`);
    `max_points=None` keeps every point, for callers that downsample later
    and say so (the Draw page).
    """
    def limited(ink: Ink) -> Ink:
        return limit_points(ink, max_points) if max_points else ink

    if isinstance(obj, dict) and "objects" in obj:
        try:
            return limited(ink_from_canvas(obj)), None
        except InputError as exc:
            raise InputError(f"{source}: {exc.message}", exc.hint or "save the canvas's json_data again") from exc
    if not isinstance(obj, dict) or not isinstance(obj.get("strokes"), list):
        raise InputError(f"{source}: expected {{\"strokes\": [[[x, y], ...], ...]}} or canvas json_data", INK_HINT)
    label = obj.get("label")
    if label is not None and not isinstance(label, str):
        raise InputError(f"{source}: 'label' must be a string", INK_HINT)
    try:
        ink = as_ink(obj["strokes"])
    except InputError as exc:
        raise InputError(f"{source}: {exc.message}", exc.hint or INK_HINT) from exc
    return limited(ink), label


def load_ink_file(path: str | Path) -> tuple[Ink, str | None]:
    """Read an Ink JSON file or a saved canvas json_data file."""
    return ink_from_json(read_json_file(path), str(path))


def ink_from_bytes(data: bytes, source: str, max_points: int | None = MAX_POINTS) -> tuple[Ink, str | None]:
    """The contents of an Ink JSON or canvas json_data file (an upload) -> (ink, label)."""
    return ink_from_json(parse_json_bytes(data, source), source, max_points)


def ink_to_json(ink: Ink, label: str | None = None) -> dict:
    obj: dict = {"strokes": [[[round(float(x), 5), round(float(y), 5)] for x, y in s] for s in ink]}
    if label is not None:
        obj["label"] = label
    return obj


def write_ink_json(path: str | Path, ink: Ink, label: str | None = None) -> None:
    write_text(Path(path), json.dumps(ink_to_json(ink, label)) + "\n")


@dataclass
class LabelledInk:
    """One labelled drawing of an Ink JSON folder, described as UNIPEN samples are (for scoring)."""

    ink: Ink
    label: str
    writer: str
    source: str
    contributor: str = "ink"
    category: str = "ink"


def load_ink_folder(folder: str | Path) -> tuple[list[LabelledInk], dict[str, int]]:
    """Every Ink JSON file below `folder` that carries a label, and the others counted by reason.

    A file's writer is the folder it lies in (relative to `folder`), so a
    folder per person gives per-writer figures.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root} is not a folder", "ink:DIR names a folder of Ink JSON files")
    samples, skipped = [], Counter()
    for f in sorted(root.rglob("*.json")):
        try:
            ink, label = load_ink_file(f)
        except InputError:
            skipped["unreadable file"] += 1
            continue
        if not label:
            skipped["no label"] += 1
            continue
        writer = str(f.parent.relative_to(root)) if f.parent != root else root.name
        samples.append(LabelledInk(ink, label, f"ink/{writer}", str(f)))
    if not samples:
        raise InputError(f"{root} holds no labelled Ink JSON files"
                         + (f" ({', '.join(f'{n} {why}' for why, n in skipped.items())})" if skipped else ""),
                         'each file needs {"strokes": ..., "label": "the text"}')
    return samples, dict(skipped)
