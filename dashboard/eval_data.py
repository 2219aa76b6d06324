"""A reader's evaluation data for the pages, built once per model and shared (Evaluate, Alignment).

Cached by the picked model's key (a file's path and time, or an upload's
sha256); the reader itself is passed unhashed (the leading underscore) and
never changed. A text reader's data come from the training corpus (about
a minute the first time on a busy machine).
"""
from __future__ import annotations

import streamlit as st

from core.train.reader import word_data


@st.cache_resource(max_entries=4, show_spinner="Preparing the evaluation data…")
def eval_data(model_key: str, _reader):
    """core.train.reader.word_data of the reader's config: its evaluation sets, lexicon and description."""
    return word_data(_reader.config)
