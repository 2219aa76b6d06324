"""A person's own handwriting: named datasets of Ink JSON files under `checkpoints/datasets/<name>/`.

Each sample is one file `NNNN.json` (`{"strokes": ..., "label": ...}`, y
up), numbered in the order it was written, so `--data ink:<folder>` reads
a dataset as any other folder of Ink JSON files. A sample saved from the
Draw page also keeps what the reader read (`"read_as"`, and `"reader"`):
it is a correction when that differs from its label. Readers of Ink JSON
ignore the extra keys, and samples without them (prompted ones, older
datasets) are no corrections. A dataset travels as a
zip of those files, or as a zip of InkML files (one document per sample,
`<trace>` per stroke, `<annotation type="truth">` for the label); both
import back, and so does a folder. Names are made safe as run names are.
"""
from __future__ import annotations

import io
import json
import random
import re
import shutil
import zipfile
from pathlib import Path

from core.data.alphabets import AZ
from core.data.az_words import english_words
from core.errors import InputError
from core.files.atomic import write_text
from core.ink.ink import Ink, n_points
from core.ink.inkml import ink_to_inkml, inkml_to_ink
from core.ink.io import ink_from_bytes, ink_to_json, load_ink_file, read_json_file
from core.paths import datasets_dir

MAX_ZIP_BYTES = 64 * 2**20
MAX_FILES = 5000
DEFAULT_NAME = "my-hand"  # the dataset offered before any exists
_SAFE = re.compile(r"[^A-Za-z0-9_-]+")
# Frequent words no prompt should ask a person to write (the list is the web's commonest words)
PROMPT_LEFT_OUT = frozenset({"ass", "bitch", "damn", "dick", "fuck", "fucked", "fucking", "kill", "killed", "killing",
                             "murder", "porn", "sex", "sexual", "shit", "suicide"})


def safe_name(name: str) -> str:
    """A dataset name as a folder name: letters, digits, '-' and '_' (others become '-'), at most 40."""
    safe = _SAFE.sub("-", (name or "").strip()).strip("-")[:40]
    if not safe:
        raise InputError(f"{name!r} is not a usable dataset name", "use letters, digits, '-' or '_'")
    return safe


def prompt(letters, rng: random.Random, words: int = 1, avoid=(), common: int = 3000) -> str:
    """A text to write: `words` frequent English words (3 to 9 letters) made only of `letters`, joined by
    spaces; words in `avoid` (already written) are left out while others remain, and so are a few rude ones."""
    known = set(letters)
    pool = [w for w in english_words()[:common]
            if 3 <= len(w) <= 9 and set(w) <= known and w not in PROMPT_LEFT_OUT]
    if not pool:
        raise InputError("no word of the English list uses only these letters", "type a text of your own")
    fresh = [w for w in pool if w not in set(avoid)] or pool
    return " ".join(rng.choice(fresh) for _ in range(max(1, words)))


def dataset_path(name: str) -> Path:
    return datasets_dir() / safe_name(name)


def list_datasets() -> list[dict]:
    """Every dataset: name, folder and how many samples it holds, newest first."""
    root = datasets_dir()
    if not root.is_dir():
        return []
    out = [{"name": d.name, "path": d, "samples": len(list(d.glob("*.json")))}
           for d in root.iterdir() if d.is_dir() and not d.is_symlink() and not d.name.startswith(".")]
    return sorted(out, key=lambda r: -r["path"].stat().st_mtime)


def samples(name: str) -> list[tuple[Path, Ink, str | None]]:
    """(file, ink, label) of every sample of a dataset, in the order they were written."""
    folder = dataset_path(name)
    return [(f, *load_ink_file(f)) for f in sorted(folder.glob("*.json"))]


def add_sample(name: str, ink: Ink, label: str, read_as: str | None = None, reader: str | None = None) -> Path:
    """Save one labelled drawing as the dataset's next file; returns its path. `read_as`: what `reader` read
    in it (a drawing saved from the Draw page), kept beside the label."""
    if n_points(ink) < 2:
        raise InputError("the drawing is empty or a single point", "write the prompt, then save")
    if not label or not label.strip():
        raise InputError("a sample needs its text", "type what you wrote")
    folder = dataset_path(name)
    folder.mkdir(parents=True, exist_ok=True)
    numbers = [int(f.stem) for f in folder.glob("*.json") if f.stem.isdigit()]
    path = folder / f"{max(numbers, default=0) + 1:04d}.json"
    obj = ink_to_json(ink, label.strip())
    if read_as is not None:
        obj["read_as"] = read_as
        if reader:
            obj["reader"] = reader
    write_text(path, json.dumps(obj) + "\n")
    return path


def readings(name: str) -> list[dict]:
    """Per sample file, in the order written: file, label, and what a reader read in it (None when it was
    not saved from a reading); unreadable files are left out."""
    out = []
    for f in sorted(dataset_path(name).glob("*.json")):
        try:
            obj = read_json_file(f)
        except InputError:
            continue
        if isinstance(obj, dict):
            read_as = obj.get("read_as")
            out.append({"file": f.name, "label": obj.get("label"),
                        "read_as": read_as if isinstance(read_as, str) else None})
    return out


def is_correction(row: dict) -> bool:
    """A sample whose reader read something other than its label."""
    return row["read_as"] is not None and row["read_as"] != row["label"]


def tally(name: str) -> dict:
    """{"samples": how many the dataset holds, "corrections": how many of them a reader had misread}."""
    rows = readings(name)
    return {"samples": len(rows), "corrections": sum(is_correction(r) for r in rows)}


def clean_text(text: str | None) -> str:
    """Typed text as a label: surrounding blanks dropped, every run of blanks inside it one space."""
    return " ".join((text or "").split())


def _shown(chars) -> str:
    names = ["the space" if c == " " else repr(c) for c in chars]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def check_text(text: str, letters, reader: str = "the reader") -> str:
    """The cleaned text, or an InputError that says it is blank or which characters `reader` cannot learn."""
    text = clean_text(text)
    if not text:
        raise InputError("the text is empty", "type what you wrote, then save")
    unknown = sorted(set(text) - set(letters))
    if unknown:
        known = ("lowercase a-z" if set(letters) == set(AZ) else " ".join(letters) if len(letters) <= 30
                 else f"{len(letters)} characters")
        raise InputError(f"{reader} cannot learn {_shown(unknown)}: it reads {known} only",
                         "type the text without them, or pick a reader that knows them")
    return text


def save_correction(name: str, ink: Ink, text: str, read_as: str, letters, reader: str = "the reader") -> dict:
    """Save a drawing with the text it really holds (checked against the reader's `letters`) into a dataset.

    Returns {"path", "name", "text", "correction" (the reader read otherwise), "samples", "corrections"}.
    """
    name = safe_name(name)
    text = check_text(text, letters, reader)
    if n_points(ink) < 2:
        raise InputError("the canvas is empty", "write on it, then save")
    path = add_sample(name, ink, text, read_as, reader)
    return {"path": path, "name": name, "text": text, "correction": read_as != text, **tally(name)}


def delete_dataset(name: str) -> None:
    folder = dataset_path(name)
    if folder.is_dir():
        shutil.rmtree(folder)


def export_zip(name: str, inkml: bool = False) -> bytes:
    """The dataset as a zip of its Ink JSON files, or of one InkML document per sample."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path, ink, label in samples(name):
            if inkml:
                z.writestr(f"{path.stem}.inkml", ink_to_inkml(ink, label))
            else:
                z.writestr(path.name, path.read_bytes())
    return buf.getvalue()


def _read_member(member: str, data: bytes) -> tuple[Ink, str | None]:
    if member.lower().endswith(".inkml"):
        return inkml_to_ink(data, member)
    return ink_from_bytes(data, member)


def import_files(name: str, files: list[tuple[str, bytes]]) -> dict:
    """Add (file name, bytes) pairs of Ink JSON or InkML files to a dataset; labelled ones only.

    Returns {"added": n, "skipped": {reason: n}}; nothing is written when no file is usable.
    """
    usable, skipped = [], {}
    for member, data in files:
        try:
            ink, label = _read_member(member, data)
        except InputError:
            skipped["unreadable file"] = skipped.get("unreadable file", 0) + 1
            continue
        if not label:
            skipped["no label"] = skipped.get("no label", 0) + 1
            continue
        usable.append((ink, label))
    if not usable:
        raise InputError(f"none of the {len(files)} files is a labelled drawing"
                         + (f" ({', '.join(f'{n} {why}' for why, n in skipped.items())})" if skipped else ""),
                         'give Ink JSON files with a "label", or InkML files with <annotation type="truth">')
    for ink, label in usable:
        add_sample(name, ink, label)
    return {"added": len(usable), "skipped": skipped}


def import_zip(name: str, data: bytes, source: str = "the zip file") -> dict:
    """Import the .json and .inkml files of a zip (any folders inside it) into a dataset."""
    if len(data) > MAX_ZIP_BYTES:
        raise InputError(f"{source} is {len(data) / 2**20:.1f} MB; the limit is {MAX_ZIP_BYTES // 2**20} MB")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = [m for m in z.infolist() if not m.is_dir()
                       and m.filename.lower().endswith((".json", ".inkml")) and "__MACOSX" not in m.filename]
            if len(members) > MAX_FILES:
                raise InputError(f"{source} holds {len(members)} files; the limit is {MAX_FILES}")
            if sum(m.file_size for m in members) > 4 * MAX_ZIP_BYTES:
                raise InputError(f"{source} unpacks to more than {4 * MAX_ZIP_BYTES // 2**20} MB")
            files = [(m.filename, z.read(m)) for m in members]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(f"{source} is not a readable zip archive ({exc})"[:200]) from exc
    return import_files(name, files)


def import_folder(name: str, folder: str | Path) -> dict:
    """Import every .json and .inkml file below a folder into a dataset."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder")
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".json", ".inkml") and p.is_file())
    return import_files(name, [(str(p.relative_to(folder)), p.read_bytes()) for p in paths])
