"""The Draw page's correction: type what a drawing really says and save it into a dataset of your own hand.

A reader adapted on the Collect page (or with `python -m core adapt`)
then learns from the drawings it misread. Each saved drawing keeps what
the reader read in it, so the page can say how many of a dataset's
samples are corrections (core.data.datasets.save_correction). The
dataset offered is the one last chosen here or on the Collect page, else
the one written to last; a new name can be typed into the same box.
"""
from __future__ import annotations

import streamlit as st

from core.data import datasets
from core.data.alphabets import letters_of
from core.errors import InputError
from core.ink.ink import Ink
from core.models.inference import Reading
from dashboard.messages import show_input_error

OWN_DATASET = "own_dataset"     # session key: the dataset last chosen on Draw or Collect (both pages read it)
OWN_READER = "own_reader"       # session key: the reader whose misreading was saved last (Collect adapts it first)
SAVED = "draw_fix_saved"        # session key: (drawing's digest, dataset, text, message) of the last save


def default_dataset(names: list[str]) -> str:
    """The dataset last chosen on Draw or Collect while it exists, else the newest, else a first name."""
    chosen = st.session_state.get(OWN_DATASET)
    if chosen in names:
        return chosen
    return names[0] if names else datasets.DEFAULT_NAME


def _message(got: dict, typed_name: str, read_as: str) -> str:
    became = (f" (the name you typed, {typed_name.strip()!r}, became `{got['name']}`: letters, digits, '-' and '_' "
              "only)") if typed_name.strip() != got["name"] else ""
    how = (f"a correction: the reader read “{read_as}”" if got["correction"]
           else "read right, so it is kept as a sample but is no correction")
    return (f"Saved “{got['text']}” to dataset `{got['name']}`{became} as {got['path'].name} ({how}): "
            f"**{got['samples']} sample{'s' * (got['samples'] != 1)}, {got['corrections']} of them "
            f"correction{'s' * (got['corrections'] != 1)}**. Adapt a reader to them on the Collect page.")


def _save(ink: Ink, text: str, name: str, reading: Reading, reader: str, digest: str) -> None:
    last = st.session_state.get(SAVED)
    if last and last[:3] == (digest, datasets.clean_text(name), datasets.clean_text(text)):
        st.info(f"This drawing is already saved with this text: {last[3]}", icon=":material/info:")
        return
    try:
        got = datasets.save_correction(name, ink, text, reading.best_text, letters_of(reading.alphabet), reader)
    except InputError as exc:
        show_input_error(exc, "Nothing was saved: ")
        return
    st.session_state[OWN_DATASET], st.session_state[OWN_READER] = got["name"], reader
    st.session_state[SAVED] = (digest, datasets.clean_text(name), got["text"],
                               _message(got, name, reading.best_text))


def correct_form(ink: Ink, reading: Reading, reader: str, digest: str, label: str | None = None) -> None:
    """Under a reading, in an expander (nothing of it is made while closed, so a stroke costs no more): the
    text the drawing should have been read as (at first what was read, or an uploaded file's label), a
    dataset, and Save. It sits in the drawing area's fragment, so
    saving reruns only that."""
    box = st.expander("Correct it: save this drawing with what you wrote into a dataset of your own hand",
                      key="draw_fix_box", on_change="rerun", icon=":material/edit_note:")
    if not box.open:
        return
    names = [d["name"] for d in datasets.list_datasets()]
    default = default_dataset(names)
    options = names if default in names else [default, *names]
    with box:
        with st.form("draw_fix", border=False, enter_to_submit=True):
            st.caption("Type what you wrote and save the drawing: adapting a reader to the dataset on the Collect "
                       "page then teaches it the drawings it got wrong.")
            left, middle, right = st.columns([5, 3, 2], vertical_alignment="bottom")
            text = left.text_input("What you wrote", value=label or reading.best_text,
                                   key=f"draw_fix_text_{digest[:16]}",
                                   placeholder="the text of the drawing",
                                   help="starts as what the reader read: change what it got wrong")
            name = middle.selectbox("Dataset", options, index=options.index(default), key="draw_fix_dataset",
                                    accept_new_options=True,
                                    help=f"one of your datasets (the Collect page's), or type a new name: letters, "
                                         f"digits, '-' and '_'; kept under `{datasets.datasets_dir()}`")
            pressed = right.form_submit_button("Save to my dataset", type="primary", icon=":material/save:",
                                               key="draw_fix_save")
        if pressed:
            _save(ink, text or "", name or "", reading, reader, digest)
        last = st.session_state.get(SAVED)
        if last and last[0] == digest:
            st.success(last[3], icon=":material/check:")
