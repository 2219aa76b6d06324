"""The Train page's data source: one widget per preset (a new preset brings its own data), the preset's
data where this machine has it, and what each source is."""
from __future__ import annotations

import streamlit as st

from core.data.splits import TEST_CONTRIBUTORS
from core.paths import unipen_fixture, unipen_train_archive
from dashboard.forms import field_label, widget_help
from dashboard.glossary import explain

DATA_OPTIONS = {"reader": ["unipen", "unipen-train", "synthetic", "seed"],
                "classifier": ["unipen", "unipen-train", "synthetic", "npy"]}
DATA_WORDS = {
    "unipen": "real and synthetic a-z (UNIPEN handwriting plus generated)",
    "unipen-train": "the whole UNIPEN training corpus (about 200 writers), split by contributor",
    "synthetic": "synthetic a-z only (generated)",
    "seed": "seed 001's protocol (ten letters, 47 words)",
    "npy": "seed 000's .npy files (upload or folder)",
}


def choose_data(where, kind: str, config_cls, base, preset_name: str) -> str:
    """The data source picked in `where` (a column), starting from the preset's where this machine has it."""
    have_unipen, have_corpus = (unipen_fixture() / "data").is_dir(), unipen_train_archive().is_file()
    data_options = DATA_OPTIONS[kind]
    base_data = base.data.split(":", 1)[0]
    if base_data == "unipen-train" and not have_corpus:
        base_data = "unipen"  # the training corpus is not on this machine: its small subset
    if base_data == "unipen" and not have_unipen:
        base_data = "synthetic"  # the preset's real data is not on this machine
    # One data widget per preset, as every option below: a new preset brings its own data. (Resetting one shared
    # widget's state made the browser keep showing the old choice while the server used the new one.)
    return where.selectbox(field_label(config_cls, "data"), data_options,
                           index=data_options.index(base_data) if base_data in data_options else 0,
                           key=f"train_data_{kind}_{preset_name}",
                           format_func=lambda d: f"{d}: {DATA_WORDS[d]}", help=widget_help(config_cls, "data"))


def data_notes(data: str) -> None:
    """What the chosen source is, or why this machine cannot train on it."""
    if data == "unipen" and not (unipen_fixture() / "data").is_dir():
        st.warning(f"The UNIPEN data is not at `{unipen_fixture()}`: put it there to train on real handwriting, or "
                   "choose synthetic data.", icon=":material/warning:")
    if data == "unipen-train" and not unipen_train_archive().is_file():
        st.warning(f"The UNIPEN training corpus is not at `{unipen_train_archive()}`: put its archive there, or "
                   "choose unipen (a small subset) or synthetic data.", icon=":material/warning:")
    elif data == "unipen-train":
        st.caption("Split by contributor (a contributor is one lab with its own tablets and writers): the test "
                   f"contributors {', '.join(TEST_CONTRIBUTORS)} are never trained on; the validation contributors "
                   "choose the best epoch. The first use unpacks and reads the corpus once (about two minutes); then "
                   "it loads in seconds.")
    if data == "seed":
        st.info("Seed 001's protocol: a reader trained on it knows ten letters only (c o l t i n m a e u) and the "
                "47 words of that experiment. It is for reproducing and studying seed 001 (the Research page asks its "
                "open questions), not for reading the canvas: for that, train on unipen or synthetic data.",
                icon=":material/info:")
        st.caption(explain("seed 001"))
    elif data == "npy":
        st.caption(explain("seed 000", "features18"))
