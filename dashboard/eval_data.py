"""A reader's evaluation data for the pages, built once per model and shared (Evaluate, Alignment).

Kept per picked model's key (a file's path and time, or an upload's
sha256) in a store that lives as long as the server; the reader itself is
never changed. A text reader's data come from the training corpus (about
a minute the first time on a busy machine), so the page passes a
`progress` that shows each step of the loading.
"""
from __future__ import annotations

import threading
from typing import Callable

import streamlit as st

from core.train.reader import word_data


@st.cache_resource(max_entries=4)
def model_store(model_key: str) -> dict:
    """A dict kept per model for the whole server: what was computed once for it (data, log-probabilities,
    decoded results). Filled outside cached functions, so progress shown while filling it is never replayed."""
    return {"lock": threading.Lock()}


def eval_data(model_key: str, reader, progress: Callable[[str], None] | None = None):
    """core.train.reader.word_data of the reader's config: its evaluation sets, lexicon and description."""
    store = model_store(model_key)
    with store["lock"]:  # two sessions asking at once build it once
        if "data" not in store:
            if progress is None:
                with st.spinner("Preparing the evaluation data…"):
                    store["data"] = word_data(reader.config)
            else:
                store["data"] = word_data(reader.config, progress)
    return store["data"]
