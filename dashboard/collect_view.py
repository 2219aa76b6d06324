"""The Collect page's datasets: choose or create one, write prompts into it, list, move and delete it.

A prompt is a random word, two or three words, a short sentence (for a
line reader: core/data/sentences.py) or the person's own text; a line
reader gets a canvas a line wide.

The writing area is a fragment: a stroke reruns only the prompt, the
canvas and its buttons. Save reruns the whole page (the counter and the
listing grow); Skip and Redo clear the canvas by giving it a new key.
Messages that must outlive a rerun wait in the session as a "flash"; the
writing area's own messages sit below the canvas, so that none appears or
goes above it and moves it under the pen.
"""
from __future__ import annotations

import random

import streamlit as st

from core.data import datasets
from core.data.sentences import sentence_prompt, sentences_of
from core.errors import InputError
from core.ink.ink import n_points
from core.train.collect import goal
from dashboard.canvas import pen_canvas
from dashboard.draw_correct import OWN_DATASET
from dashboard.messages import show_input_error
from dashboard.plots import ink_grid_figure

NEW = "New dataset…"
SHOWN = 16  # samples drawn in the listing's figure (the last ones written)
LINE_CANVAS = (1200, 220)  # a line reader's canvas: a line wide (the Draw page's); the browser fits it to the column


def counted(n: int, noun: str) -> str:
    """"1 sample", "2 samples"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def flash(kind: str, text: str, where: str = "top") -> None:
    """Keep a message (st.success, st.error, ...) to show at `where` after the next rerun."""
    st.session_state[f"collect_flash_{where}"] = (kind, text)


def show_flash(where: str = "top") -> None:
    kind, text = st.session_state.pop(f"collect_flash_{where}", (None, None))
    if kind:
        getattr(st, kind)(text)


def _create() -> None:
    raw = st.session_state.get("collect_new_name", "")
    try:
        name = datasets.safe_name(raw)
    except InputError as exc:
        flash("error", exc.message + (f"  \nHint: {exc.hint}" if exc.hint else ""))
        return
    existed = datasets.dataset_path(name).is_dir()
    datasets.dataset_path(name).mkdir(parents=True, exist_ok=True)
    st.session_state["collect_dataset"] = st.session_state[OWN_DATASET] = name
    became = f" (the name you typed, {raw.strip()!r}, became `{name}`: letters, digits, '-' and '_' only)" \
        if raw.strip() != name else ""
    flash("success", f"{'Opened the existing' if existed else 'Created the'} dataset `{name}`{became}.")


def choose_dataset() -> str | None:
    """A picker of the datasets with a way to make a new one; the chosen name, or None before the first."""
    names = [d["name"] for d in datasets.list_datasets()]
    if st.session_state.get("collect_dataset") not in names + [NEW]:  # first the one chosen here or on Draw
        own = st.session_state.get(OWN_DATASET)
        st.session_state["collect_dataset"] = own if own in names else names[0] if names else NEW
    left, right = st.columns([2, 3])
    choice = left.selectbox("Dataset", names + [NEW], key="collect_dataset",
                            help=f"a folder of Ink JSON files under `{datasets.datasets_dir()}`")
    if choice == NEW:
        right.text_input("Name of the new dataset", key="collect_new_name", placeholder="e.g. my-hand",
                         help="letters, digits, '-' and '_'; other characters become '-'")
        right.button("Create", key="collect_create", on_click=_create, type="primary")
    show_flash()
    if choice != NEW:
        st.session_state[OWN_DATASET] = choice  # the Draw page saves its corrections here too
    return None if choice == NEW else choice


def _new_prompt(letters: list[str], how: str, avoid=()) -> None:
    rng = random.Random()
    words = rng.choice((2, 3)) if how == "phrase" else 1
    try:
        st.session_state["collect_prompt"] = (sentence_prompt(letters, rng, avoid) if how == "sentence"
                                              else datasets.prompt(letters, rng, words, avoid))
    except InputError:
        st.session_state["collect_prompt"] = ""
    st.session_state["collect_pad"] = st.session_state.get("collect_pad", 0) + 1


def _clear_pad() -> None:
    st.session_state["collect_pad"] = st.session_state.get("collect_pad", 0) + 1


def prompt_choice(letters: list[str], written: set[str]) -> str:
    """The text to write: a random prompt of the reader's letters, or the user's own."""
    ways = {"word": "a random word", "phrase": "two or three words", "sentence": "a short sentence",
            "own": "my own text"}
    if " " not in letters:
        ways.pop("phrase")  # a reader without a space cannot be taught a phrase
    if not sentences_of(letters):
        ways.pop("sentence")  # ... nor a sentence, whose capitals and marks a line reader reads
    first = "sentence" if "sentence" in ways else "word"  # a line reader learns lines: sentences first
    if st.session_state.get("collect_how") not in ways or st.session_state.get("collect_how_first") != first:
        st.session_state["collect_how"] = st.session_state["collect_how_first"] = first  # a reader of another kind
    how = st.radio("Prompt", list(ways), format_func=ways.get, horizontal=True, key="collect_how",
                   help="random words come from the 3,000 commonest English words, using only the letters the "
                        "reader reads; sentences (for a line reader) are short everyday lines and pangrams, "
                        "15-45 characters with capitals and punctuation")
    if how == "own":
        text = st.text_input("Your text", key="collect_own", placeholder="type what you will write")
        unknown = sorted(set(text) - set(letters))
        if unknown:
            st.warning(f"The reader does not read {' '.join(repr(c) for c in unknown)}: you can save this sample, "
                       "but adapting this reader will leave it out.", icon=":material/warning:")
        return text.strip()
    if not st.session_state.get("collect_prompt") or st.session_state.get("collect_prompt_how") != how:
        st.session_state["collect_prompt_how"] = how
        _new_prompt(letters, how, written)
    return st.session_state["collect_prompt"]


@st.fragment
def write_area(name: str, letters: list[str], how_many: int, written: set[str]) -> None:
    """The prompt, the canvas, Save / Skip / Redo, and the counter toward the goal."""
    text = prompt_choice(letters, written)
    st.markdown(f"<div data-testid='collect-prompt' style='font-size:1.6rem'>Write: <b>{text or '…'}</b></div>",
                unsafe_allow_html=True)
    st.session_state.setdefault("collect_pad", 0)
    width, height = LINE_CANVAS if " " in letters else (860, 220)
    ink = pen_canvas(f"collect_pad_{st.session_state['collect_pad']}", width, height)
    if len(ink):
        st.markdown(f"<div data-testid='collect-count' style='color:#888;font-size:0.85em'>{len(ink)} strokes · "
                    f"{n_points(ink)} points drawn</div>", unsafe_allow_html=True)
    b1, b2, b3, _ = st.columns([1, 1, 1, 3])
    save = b1.button("Save", type="primary", key="collect_save", icon=":material/save:")
    how = st.session_state.get("collect_how", "word")
    b2.button("Skip", key="collect_skip", help="a new prompt (and a clear canvas)", on_click=_new_prompt,
              args=(letters, how, written | {text}))
    b3.button("Redo", key="collect_redo", help="clear the canvas and write the same prompt again",
              on_click=_clear_pad)
    if save:
        try:
            if not text:
                raise InputError("there is no text to save the drawing with", "type your text above")
            if n_points(ink) < 2:
                raise InputError("the canvas is empty", f"write “{text}” on it, then press Save")
            path = datasets.add_sample(name, ink, text)
        except InputError as exc:
            show_input_error(exc, "Nothing was saved: ")
        else:
            st.session_state["collect_saved"] = (name, f"Saved “{text}” as {path.name} in `{name}`.")
            _new_prompt(letters, how, written | {text})
            st.rerun()
    saved = st.session_state.get("collect_saved")
    if saved and saved[0] == name and not save:  # below the canvas, and kept: a message above would move it
        st.success(saved[1], icon=":material/check:")
    aim = goal(letters)
    st.progress(min(1.0, how_many / aim),
                text=f"**{counted(how_many, 'sample')} in {name}** · {max(0, aim - how_many)} more to reach "
                     f"{aim}, enough to adapt a reader" if how_many < aim else f"**{how_many} samples in {name}** · "
                     f"goal of {aim} reached: adapt a reader below")


@st.cache_data(max_entries=8, show_spinner=False)
def _listing(name: str, stamp: tuple) -> tuple[list[dict], list[tuple[str, list]]]:
    """The table of a dataset's samples and its last ones' ink, read again when its folder changes."""
    found = datasets.samples(name)
    read = {r["file"]: r["read_as"] for r in datasets.readings(name)}
    rows = [{"file": p.name, "label": label or "", "read as": read.get(p.name) or "",
             "correction": "✓" if datasets.is_correction({"label": label, "read_as": read.get(p.name)}) else "",
             "strokes": len(ink), "points": sum(len(s) for s in ink)} for p, ink, label in found]
    return rows, [(label or "?", ink) for _, ink, label in found[-SHOWN:]]


def contents(name: str) -> tuple[list[dict], list[tuple[str, list]]]:
    """(a row per sample: file, label, what a reader read (a drawing saved from the Draw page), whether that
    was a correction, strokes, points; the last samples' (label, ink)) of a dataset."""
    folder = datasets.dataset_path(name)
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    return _listing(name, (len(files), max((f.stat().st_mtime_ns for f in files), default=0)))


def listing(name: str, rows: list[dict], inks: list[tuple[str, list]]) -> None:
    """The dataset's last samples drawn, and every one in a table."""
    if not rows:
        st.info(f"`{name}` is empty: write the prompt on the canvas and press Save, or import a zip below.",
                icon=":material/edit_note:")
        return
    title = (f"The last {len(inks)} of {len(rows)} samples" if len(rows) > len(inks)
             else f"All {len(rows)} samples" if len(rows) > 1 else "The one sample")
    st.plotly_chart(ink_grid_figure(inks, title, columns=8, fit="each", order=False, width_px=1100),
                    key="collect_grid")
    fixed = sum(r["correction"] == "✓" for r in rows)
    if any(r["read as"] or r["correction"] for r in rows):  # some were saved from a reading on the Draw page
        st.caption(f"{counted(len(rows), 'sample')}, {fixed} of them correction{'' if fixed == 1 else 's'}: "
                   "drawings a reader misread on the Draw page, saved there with the text they really hold.")
    else:
        st.caption("A drawing a reader misreads on the Draw page can be saved here too, with the text it really "
                   "holds (*Correct it* under the reading).")
    with st.expander(f"Table of the {counted(len(rows), 'sample')}"):
        st.dataframe(rows, hide_index=True, key="collect_table")


def move_and_delete(name: str, n: int) -> None:
    """Download the dataset (Ink JSON or InkML zip), import a zip or a folder into it, delete it."""
    show_flash("data")
    d1, d2, _ = st.columns([1, 1, 2])
    d1.download_button("Download zip (Ink JSON)", datasets.export_zip(name) if n else b"", f"{name}.zip",
                       "application/zip", key="collect_zip", disabled=not n, icon=":material/download:")
    d2.download_button("Download zip (InkML)", datasets.export_zip(name, inkml=True) if n else b"",
                       f"{name}-inkml.zip", "application/zip", key="collect_inkml", disabled=not n,
                       icon=":material/download:")
    with st.expander("Import samples: a zip of Ink JSON or InkML files, or a folder on the server"):
        up = st.file_uploader("Zip file", type=["zip"], key="collect_upload",
                              max_upload_size=datasets.MAX_ZIP_BYTES // 2**20)
        folder = st.text_input("Or a folder", key="collect_folder", placeholder="/path/to/folder of .json or .inkml")
        if st.button("Import", key="collect_import"):
            try:
                if up is None and not folder.strip():
                    raise InputError("nothing to import", "choose a zip file or type a folder")
                got = (datasets.import_zip(name, up.getvalue(), up.name) if up is not None
                       else datasets.import_folder(name, folder.strip()))
            except InputError as exc:
                show_input_error(exc, "Nothing was imported: ")
            else:
                skipped = ", ".join(f"{k} {why}" for why, k in got["skipped"].items())
                flash("success", f"Imported {got['added']} samples into `{name}`"
                      + (f" (left out: {skipped})" if skipped else "") + ".", "data")
                st.rerun()
    with st.expander(f"Delete the dataset `{name}`"):
        sure = st.checkbox(f"Yes, delete `{name}` and its {n} samples for good", key=f"collect_sure_{name}")
        if st.button("Delete dataset", key="collect_delete", disabled=not sure, icon=":material/delete:"):
            datasets.delete_dataset(name)
            st.session_state.pop("collect_dataset", None)
            flash("success", f"Deleted the dataset `{name}`.")
            st.rerun()
