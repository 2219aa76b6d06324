"""Models and lexicons for the pages, loaded once per server and never mutated.

A picker lists the shipped models and the runs of one kind, plus "Upload a
checkpoint (.pt)". Files are cached by path and modification time, uploads
by the sha256 of their bytes; both caches are bounded and hold models in
eval mode that no page may change.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from core.data.uploads import LIMITS_MB, sha256_hex
from core.errors import InputError
from core.models.checkpoint import load_checkpoint, resolve_checkpoint
from core.models.classifier import load_classifier
from core.models.inference import load_reader
from core.models.uploads import model_from_upload
from core.train.shipped import available_checkpoints
from dashboard.messages import show_input_error

UPLOAD = "Upload a checkpoint (.pt)…"


@dataclass(frozen=True)
class Picked:
    """A loaded model with what it is: the checkpoint without weights, the choice's label and a cache key."""

    model: Any   # core.models.reader.LoadedReader or core.models.classifier.LoadedClassifier
    ckpt: dict
    label: str
    key: str     # "path@mtime" of a file, "sha256:..." of an upload: what results may be cached by


def _mtime(path: str) -> float:
    return resolve_checkpoint(path).stat().st_mtime


@st.cache_resource(max_entries=8, show_spinner="Loading the reader…")
def _reader(path: str, mtime: float):
    ckpt = load_checkpoint(path, kind="reader")
    return load_reader(ckpt), {k: v for k, v in ckpt.items() if k != "state_dict"}


def cached_reader(path: str):
    """(LoadedReader, checkpoint without weights); reloaded when the file changes."""
    return _reader(path, _mtime(path))


@st.cache_resource(max_entries=4, show_spinner="Loading the classifier…")
def _classifier(path: str, mtime: float):
    return load_classifier(load_checkpoint(path, kind="classifier"))


def cached_classifier(path: str):
    return _classifier(path, _mtime(path))


@st.cache_resource(max_entries=4, show_spinner="Loading the uploaded checkpoint…")
def _uploaded(digest: str, kind: str, _name: str, _data: bytes):
    """(model, checkpoint without weights) of uploaded bytes, keyed by their sha256 (the bytes are not hashed)."""
    return model_from_upload(_name, _data, kind)


def _load_file(kind: str, label: str, path: str) -> Picked:
    if kind == "reader":
        model, ckpt = cached_reader(path)
    else:
        model = cached_classifier(path)
        ckpt = {k: v for k, v in model.checkpoint.items() if k != "state_dict"}
    return Picked(model, ckpt, label, f"{path}@{_mtime(path)}")


def _load_upload(kind: str, key: str, required: bool) -> Picked | None:
    f = st.file_uploader(f"{kind.capitalize()} checkpoint", type=["pt", "pth"], key=f"{key}_upload",
                         max_upload_size=LIMITS_MB["checkpoint"],
                         help="a best.pt or model.pt written by this tool; it is loaded with "
                              "torch.load(weights_only=True), so a file that needs pickle is refused")
    if f is None:
        if required:
            st.info(f"Upload a {kind} checkpoint (.pt) to use it here.", icon=":material/upload_file:")
            st.stop()
        return None
    data = f.getvalue()
    digest = sha256_hex(data)
    model, ckpt = _uploaded(digest, kind, f.name, data)
    return Picked(model, ckpt, f"upload: {f.name}", f"sha256:{digest}")


# The reader a newcomer meets first, on Draw and on Collect alike (the line reader: it reads what people write).
FIRST_READER = "reader-text"


def pick_model(kind: str, key: str, label: str | None = None, help: str | None = None,
               required: bool = True, prefer: tuple[str, ...] = ()) -> Picked | None:
    """A picker of `kind` ("reader" or "classifier"): shipped models first, then runs, then an upload.

    The first choice is the first shipped model of `prefer` that is there,
    else `<kind>-az`, else the first one. A file that cannot be loaded
    shows an error; then the page stops (`required`) or the picker returns
    None.
    """
    choices = available_checkpoints(kind)
    labels = [c for c, _ in choices] + [UPLOAD]
    default = next((labels.index(f"shipped: {p}") for p in prefer if f"shipped: {p}" in labels),
                   next((i for i, c in enumerate(labels) if f"{kind}-az" in c), 0))
    if not choices:
        st.info(f"No {kind} checkpoint was found: train one on the Train page, or upload one.")
    choice = st.selectbox(label or kind.capitalize(), labels, index=default, key=key, help=help)
    try:
        if choice == UPLOAD:
            return _load_upload(kind, key, required)
        return _load_file(kind, choice, str(dict(choices)[choice]))
    except InputError as exc:
        show_input_error(exc)
        if required:
            st.stop()
        return None


def pick_reader(key: str, help: str | None = None):
    """A reader picker that loads the choice: (LoadedReader, checkpoint without weights).

    Stops the page with a clear message when no reader is chosen or the file
    cannot be loaded.
    """
    picked = pick_model("reader", key, "Reader", help)
    return picked.model, picked.ckpt


@st.cache_data(max_entries=16)
def lexicon_from_text(text: str) -> list[str]:
    return [w.strip() for w in text.splitlines() if w.strip()]
