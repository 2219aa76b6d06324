"""Files: atomic writes (a reader never sees a half-written run file) and tolerant JSON reads.

Each write goes to a temporary file in the same folder, is flushed to disk
and then moved over the target with `os.replace`, which is atomic on POSIX.
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence


def replace_with(path: Path, write: Callable[[io.BufferedWriter], None]) -> None:
    """Write `path` through `write(file)` on a temporary file that then replaces it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; run files are for every user of the machine
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_bytes(path: Path, data: bytes) -> None:
    replace_with(path, lambda fh: fh.write(data))


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, obj: Any) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def append_csv_row(path: Path, row: Mapping[str, Any], columns: Sequence[str] | None = None) -> None:
    """Append one row to a CSV file, rewriting it atomically (run logs are small)."""
    path = Path(path)
    columns = list(columns or row.keys())
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    if not old:
        writer.writeheader()
    writer.writerow({k: row.get(k, "") for k in columns})
    write_text(path, old + buf.getvalue())


def read_json(path: Path) -> dict | None:
    """A JSON file's object, or None when it is missing or unreadable (a run folder being written)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
