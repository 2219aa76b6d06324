"""Models and lexicons for the pages, loaded once per server and never mutated."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.checkpoints import load_checkpoint, resolve_checkpoint


def _mtime(path: str) -> float:
    return resolve_checkpoint(path).stat().st_mtime


@st.cache_resource(max_entries=8, show_spinner="Loading the reader…")
def _reader(path: str, mtime: float):
    from core.reader import load_reader

    ckpt = load_checkpoint(path, kind="reader")
    return load_reader(ckpt), {k: v for k, v in ckpt.items() if k != "state_dict"}


def cached_reader(path: str):
    """(LoadedReader, checkpoint without weights); reloaded when the file changes."""
    return _reader(path, _mtime(path))


@st.cache_resource(max_entries=4, show_spinner="Loading the classifier…")
def _classifier(path: str, mtime: float):
    from core.classifier import load_classifier

    return load_classifier(load_checkpoint(path, kind="classifier"))


def cached_classifier(path: str):
    return _classifier(path, _mtime(path))


def default_lexicon(ckpt: dict) -> list[str]:
    """The reader's own vocabulary (seed protocol) or the English list plus evaluated words (a-z)."""
    from core.wordsets import default_lexicon as core_default

    return core_default(ckpt)


@st.cache_data(max_entries=16)
def lexicon_from_text(text: str) -> list[str]:
    return [w.strip() for w in text.splitlines() if w.strip()]


def checkpoint_label(path: Path) -> str:
    return Path(path).name


def pick_reader(key: str, help: str | None = None):
    """A reader picker (shipped models first, reader-az preferred) that loads the choice.

    Returns (LoadedReader, checkpoint without weights); stops the page with a
    clear message when there is no reader or the file cannot be loaded.
    """
    from core.errors import InputError
    from core.shipped import available_checkpoints

    readers = available_checkpoints("reader")
    if not readers:
        st.error("No reader checkpoint was found.", icon="🚫")
        st.info("Train one on the Train page, or restore the shipped models in `checkpoints/`.")
        st.stop()
    labels = [label for label, _ in readers]
    default = next((i for i, label in enumerate(labels) if "reader-az" in label), 0)
    choice = st.selectbox("Reader", labels, index=default, key=key, help=help)
    try:
        return cached_reader(str(dict(readers)[choice]))
    except InputError as exc:
        st.error(exc.message, icon="🚫")
        st.caption(exc.hint or "")
        st.stop()
