"""The Draw page's parts: what the reader knows, its lexicon, and the drawing area that reruns on its own.

A word reader gets today's canvas and a metric per decoder; a line reader
(its alphabet has the space, as reader-text's) gets a canvas a line wide
and a table of every decoder's text with its confidence, lm (a dictionary
and a word-bigram language model) last.

The drawing area is a fragment: a stroke reruns only the canvas and the
result, not the pickers and settings above it. Under a reading, a form
saves the drawing with the text it really holds into a dataset of the
person's hand (dashboard/draw_correct.py). The lexicon's trie is built
once per reader (or per edited list) and shared; the list itself is only
sent to the browser while its editor is open. Figures and tables in closed
expanders are not computed, and a reading is kept for the drawing it was
made of, so opening an expander does not read the ink again.
"""
from __future__ import annotations

import hashlib
import json
from html import escape

import numpy as np
import streamlit as st

from core.ctc.align import confidence
from core.ctc.bigram_lm import bigram_lm
from core.ctc.lexicon import Lexicon, build_lexicon
from core.data.alphabets import AZ, CHAR_GROUPS, TEXT, char_group, class_names, is_seed_alphabet, letters_of
from core.data.az_words import default_lexicon
from core.data.uploads import LIMITS_MB, ink_from_upload
from core.errors import InputError
from core.ink.ink import Ink, n_points
from core.ink.io import ink_to_json
from core.models.alphabet_check import alphabet_check
from core.models.inference import Reading, add_decoders, read
from core.train.shipped import line_word_accuracy, lowercase_words_cer
from dashboard.canvas import pen_canvas
from dashboard.draw_correct import correct_form
from dashboard.glossary import explain
from dashboard.messages import show_input_error
from dashboard.models import Picked
from dashboard.plots import heatmap_figure, ink_figure

LEXICON_WORDS = "draw_lexicon_words"   # session key: the user's own word list (a tuple), absent for the default
WORD_CANVAS = (860, 240)               # canvas pixels (width, height) for a word reader
LINE_CANVAS = (1200, 220)              # for a line reader: a line; the browser shrinks it to the column's width
# Each decoder in words (the line reader's table of readings, and the page's caption).
DECODER_WORDS = {
    "greedy": "greedy: the likeliest character of every frame",
    "beam": "beam: prefix beam search",
    "lexicon": "lexicon: every word from the word list (of English words)",
    "lm": "lm: dictionary + word-bigram language model",
}


def model_name(picked: Picked) -> str:
    """The model's name without where it comes from ("shipped: reader-az" -> "reader-az")."""
    return picked.label.split(": ", 1)[-1]


def is_seed_reader(picked: Picked) -> bool:
    """A reader of seed 001's protocol: its ten letters, or a run trained on that data."""
    return is_seed_alphabet(picked.model.alphabet) or (picked.ckpt.get("data") or {}).get("source") == "seed"


def is_line_reader(picked: Picked) -> bool:
    """A reader of lines: it knows the space (reader-text), so it reads several words at once."""
    return " " in picked.model.alphabet


def knows_every_character(alphabet) -> bool:
    """It knows every printable ASCII character and the space: nothing written on a keyboard is foreign to it."""
    return set(TEXT) <= set(alphabet)


def known_letters(picked: Picked) -> None:
    """Say which characters the reader knows; a reader of seed 001's protocol says what it is for."""
    letters = letters_of(picked.model.alphabet)
    if knows_every_character(letters):
        others = "".join(c for c in letters if c not in TEXT)
        st.caption(f"**{model_name(picked)}** reads lines: it knows {len(letters)} characters, every printable "
                   "ASCII character (capitals, digits, punctuation) and the space"
                   + (f", and {' '.join(others)}" if others else "") + ". No unknown-character check is made "
                   "for it: there is no character it could not write out (the check is reader-az's, for capitals "
                   "and digits written to a lowercase reader).")
        lower_case_note(model_name(picked))
        return
    if is_seed_reader(picked):
        st.info(f"**{model_name(picked)}** was trained on seed 001's protocol: it knows ten letters only "
                f"({' '.join(letters)}) and was made to reproduce that experiment on its 47 words (ant, tonic, "
                "moon, ...). It cannot read English words in general: pick reader-az for those.",
                icon=":material/info:")
        st.caption(explain("seed 001"))
        return
    extra = " (lowercase only: no capitals, digits, punctuation or spaces)" if set(letters) == set(AZ) else ""
    shown = " ".join("space" if c == " " else c for c in letters)
    st.caption(f"**{model_name(picked)}** knows {len(letters)} characters: {shown}{extra}.")


def lower_case_note(name: str) -> None:
    """Where the shipped word reader reads single lowercase words better than this line reader, say so."""
    cers = lowercase_words_cer()
    if name in cers and "reader-az" in cers and cers["reader-az"] < cers[name]:
        st.caption(f"For a single lowercase word, reader-az reads better: on the test contributors' lowercase words "
                   f"its greedy CER is {cers['reader-az']:.3f}, {name}'s {cers[name]:.3f}.")


@st.cache_resource(show_spinner="Loading the language model: 20,000 words and their pairs…")
def language_model():
    """The lm decoder's model, loaded before the first drawing is read (seconds the first time on a machine,
    then from the cache folder; `read` finds it loaded)."""
    return bigram_lm()


@st.cache_resource(max_entries=8, show_spinner=False)
def _default_trie(model_key: str, _ckpt: dict, alphabet: tuple) -> Lexicon:
    """The reader's default lexicon as a trie, built once per model (its key: file and time, or sha256)."""
    return build_lexicon(default_lexicon(_ckpt), alphabet)


@st.cache_resource(max_entries=8, show_spinner=False)
def _custom_trie(digest: str, _words: tuple, alphabet: tuple) -> Lexicon:
    return build_lexicon(_words, alphabet)


def _words_of(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(w.strip() for w in text.splitlines() if w.strip()))


def _set_words(words: tuple[str, ...] | None) -> None:
    if words:
        st.session_state[LEXICON_WORDS] = words
    else:
        st.session_state.pop(LEXICON_WORDS, None)


def lexicon_choice(picked: Picked, enabled: bool) -> tuple[Lexicon | None, str]:
    """The lexicon to decode with (None when off) and a key naming it; its editor renders only when opened."""
    custom = st.session_state.get(LEXICON_WORDS)
    alphabet = tuple(picked.model.alphabet)
    if custom:
        digest = hashlib.sha256("\n".join(custom).encode()).hexdigest()
        trie, key = _custom_trie(digest, custom, alphabet), f"custom:{digest}"
    else:
        trie, key = _default_trie(picked.key, picked.ckpt, alphabet), f"default:{picked.key}"
    what = "your own list" if custom else "the reader's default list"
    box = st.expander(f"Lexicon: {len(trie.words):,} words ({what}); open to edit it or upload one",
                      key="draw_lexicon_box", on_change="rerun")
    if box.open:
        with box:
            text = "\n".join(custom or default_lexicon(picked.ckpt))
            st.text_area("One word per line", value=text, height=180, key="draw_lexicon_text",
                         disabled=not enabled, on_change=lambda: _set_words(_words_of(
                             st.session_state["draw_lexicon_text"])),
                         help="press Ctrl+Enter or click outside the box to use the edited list")
            a, b = st.columns([3, 1])
            upload = a.file_uploader("Or upload a word list (.txt, one word per line)", type=["txt"],
                                     key="draw_lexicon_upload", max_upload_size=LIMITS_MB["ink"], disabled=not enabled)
            if upload is not None and st.session_state.get("draw_lexicon_upload_seen") != upload.file_id:
                st.session_state["draw_lexicon_upload_seen"] = upload.file_id
                _set_words(_words_of(upload.getvalue().decode("utf-8", errors="replace")))
                st.rerun()
            b.button("Back to the default list", key="draw_lexicon_reset", on_click=_set_words, args=(None,),
                     disabled=not custom)
            if trie.skipped:
                st.caption(f"{trie.skipped:,} words left out: they use characters the reader does not know "
                           f"(e.g. {', '.join(trie.skipped_examples)}).")
    return (trie if enabled else None), key


def _digest(ink: Ink) -> str:
    h = hashlib.sha256()
    for s in ink:
        a = np.ascontiguousarray(s, dtype=np.float64)
        h.update(len(a).to_bytes(8, "little") + a.tobytes())
    return h.hexdigest()


# A line reader's answer is lm's: the page reads greedy and lm first and shows the answer, then adds beam and
# the lexicon from the same log-probabilities (`add_decoders`), so the answer is on screen before the whole table.
FIRST_LINE_DECODERS, LATER_LINE_DECODERS = ("greedy", "lm"), ("beam", "lexicon")


def cached_reading(picked: Picked, ink: Ink, digest: str, lexicon: Lexicon | None, settings: tuple) -> Reading:
    """`read` of this drawing (`digest`: its `_digest`), reused while the drawing and the settings stay the same
    (one per session). A word reader runs its own decoders (`read_decoders`); a line reader first its greedy and
    lm only (`complete_reading` adds the others)."""
    key = (picked.key, digest, settings)
    last = st.session_state.get("draw_last_reading")
    if last is not None and last[0] == key:
        return last[1]
    partial = is_line_reader(picked)
    reading = read(picked.model, ink, lexicon=lexicon, beam_width=settings[1], budget=settings[2],
                   decoders=FIRST_LINE_DECODERS if partial else None)
    st.session_state["draw_last_reading"] = (key, reading, not partial)
    return reading


def complete_reading(picked: Picked, digest: str, reading: Reading, lexicon: Lexicon | None, settings: tuple
                     ) -> Reading:
    """A line reader's reading with the decoders the first pass left out (kept as the session's last reading)."""
    key = (picked.key, digest, settings)
    last = st.session_state["draw_last_reading"]
    if last[0] == key and last[2]:
        return last[1]
    full = add_decoders(reading, LATER_LINE_DECODERS, lexicon, beam_width=settings[1], budget=settings[2])
    st.session_state["draw_last_reading"] = (key, full, True)
    return full


def decoder_readings(reading: Reading) -> list[tuple[str, str, float]]:
    """(decoder, text, confidence) of every decoder that ran, in the order of how much they know."""
    texts = {"greedy": reading.greedy, "beam": reading.beam[0][0] if reading.beam else None,
             "lexicon": reading.lexicon[0][0] if reading.lexicon else None,
             "lm": reading.lm[0][0] if reading.lm else None}
    rows = []
    for name, text in texts.items():
        if text is None:
            continue
        rows.append((name, text, reading.confidence if text == reading.text else
                     confidence(reading.log_probs, text, reading.alphabet)))
    return rows


def _the_ink(source: str, line: bool = False) -> tuple[Ink | None, str | None]:
    """(ink, its label from the file) of the canvas (a line wide for a line reader) or the upload; None (after
    saying why) when there is none."""
    if source == "Draw":
        width, height = LINE_CANVAS if line else WORD_CANVAS
        try:
            ink = pen_canvas("draw_pad", width, height)
        except InputError as exc:
            show_input_error(exc, "The drawing could not be read: ")
            return None, None
        if n_points(ink) < 2:
            if line:
                st.info("Write a line above, as you would on paper: capitals, digits, punctuation and spaces "
                        "between the words. Each stroke is read as soon as the pen lifts. Undo, Redo and Clear "
                        "are the buttons above the canvas.", icon=":material/draw:")
            else:
                st.info("Draw a word above in lowercase letters: each stroke is read as soon as the pen lifts. "
                        "Undo, Redo and Clear are the buttons above the canvas.", icon=":material/draw:")
            return None, None
        return ink, None
    upload = st.file_uploader("Ink JSON or canvas json_data", type=["json"], key="draw_ink_upload",
                              max_upload_size=LIMITS_MB["ink"],
                              help='{"strokes": [[[x, y], ...], ...], "label": "..."} with y up, or the '
                                   "canvas's json_data (an object with \"objects\"); read exactly like a drawing")
    if upload is None:
        st.info("Upload an Ink JSON file (for example one written by `python -m core render`) or a saved "
                "canvas json_data file.", icon=":material/upload_file:")
        return None, None
    try:
        return ink_from_upload(upload.name, upload.getvalue())
    except InputError as exc:
        show_input_error(exc)
        return None, None


@st.fragment
def drawing_area(picked: Picked, classifier: Picked | None, source: str, lexicon: Lexicon | None,
                 settings: tuple) -> None:
    """The canvas (or the upload) and everything read from it; `settings` is (lexicon key, beam width, budget)."""
    ink, label = _the_ink(source, is_line_reader(picked))
    if ink is None:
        return
    try:
        digest = _digest(ink)  # once a stroke: it hashes every point
        reading = cached_reading(picked, ink, digest, lexicon, settings)
    except InputError as exc:
        show_input_error(exc)
        return
    reading = show_reading(picked, reading, ink, label, lexicon is not None,
                           lambda first: complete_reading(picked, digest, first, lexicon, settings))
    correct_form(ink, reading, model_name(picked), digest, label)
    if source == "Draw":
        st.download_button("Download this drawing (Ink JSON)", data=lambda: json.dumps(ink_to_json(ink)) + "\n",
                           file_name="drawing.json", mime="application/json", on_click="ignore",
                           key="draw_download", icon=":material/download:",
                           help="the strokes as the page read them (canvas pixels, y up): "
                                "`python -m core decode CHECKPOINT --ink drawing.json --decoder lm` reads it "
                                "as this page does, and Upload ink above takes it back")
    if len(reading.greedy) <= 1 and classifier is not None:
        st.subheader("As a single character")
        groups = [g for g in CHAR_GROUPS if any(char_group(c) == g for c in classifier.model.classes)]
        group = None
        if len(groups) > 1:
            choice = st.radio("It is", ["any character", *groups], horizontal=True, key="draw_char_group",
                              help="tell the classifier what you wrote: 0 and o, 1 and l, O and o often have one "
                                   "shape, and told the group it chooses among that group only")
            group = None if choice == "any character" else choice
        try:
            top = classifier.model.classify_ink(ink, 5, group)
        except InputError as exc:
            show_input_error(exc, "The classifier could not read this ink: ")
        else:
            st.caption(f"{classifier.label}: the character classifier's top five"
                       + (f" among {group}" if group else ""))
            st.dataframe({"letter": [c for c, _ in top], "probability": [round(p, 3) for _, p in top]},
                         hide_index=True)


def show_reading(picked: Picked, reading: Reading, ink: Ink, label: str | None, use_lexicon: bool,
                 complete=lambda first: first) -> Reading:
    """The answers, the warnings, and (in expanders, computed only when open) the alternatives and figures;
    a line reader's table is drawn once its first decoders have read and again when `complete` has added the
    others. Returns the complete reading."""
    line = is_line_reader(picked)
    if line:
        table = st.empty()
        with table.container():
            show_line_readings(reading, use_lexicon, None, complete=False)
    else:
        c1, c2, c3, c4 = st.columns(4)
        c1.metric("Greedy", reading.greedy or "∅")
        c2.metric("Beam", reading.beam[0][0] if reading.beam and reading.beam[0][0] else "∅")
        c3.metric("Lexicon", reading.lexicon[0][0] if reading.lexicon else ("off" if not use_lexicon else "∅"))
        c4.metric("Confidence", f"{reading.confidence:.0%}",
                  help="per-character CTC probability of the text read: p(text | ink) ** (1 / length)")
    st.markdown(f"<div data-testid='draw-result'>read as: <b>{escape(reading.best_text)}</b></div>"
                f"<div data-testid='draw-count' style='color:#888;font-size:0.85em'>{len(ink)} strokes · "
                f"{reading.n_points} points · {reading.log_probs.shape[0]} frames"
                + (f" · labelled <b>{escape(label)}</b> in the file" if label else "") + "</div>",
                unsafe_allow_html=True)
    if line:  # the answer is on screen: now the other decoders' rows
        reading = complete(reading)
        with table.container():
            show_line_readings(reading, use_lexicon,
                               model_name(picked) if picked.label.startswith("shipped: ") else None)
    if reading.downsampled:
        st.warning("The ink had more than 20,000 points; it was downsampled to 20,000 (every stroke kept) "
                   "before it was read.")
    # The check's weights were fitted to reader-az; a reader that knows every character has none it cannot read.
    check = None if knows_every_character(reading.alphabet) else alphabet_check(
        reading.log_probs, reading.alphabet, reading.text, reading.greedy, ink)
    if check is not None and check.likely:
        letters = letters_of(reading.alphabet)
        known = "lowercase a-z" if set(letters) == set(AZ) else " ".join(letters)
        st.warning(f"This drawing probably holds characters {model_name(picked)} cannot read: it knows {known} only, "
                   "so a capital, a digit or a punctuation mark comes back as the nearest letters it knows. "
                   f"(Its confidence in '{reading.text}' is {check.text_confidence:.0%}, in its own letters "
                   f"'{reading.greedy}' {check.greedy_confidence:.0%}"
                   + (", and the strokes are nearly as tall as the word, as capitals are" if check.stroke_height > 0.8
                      else "") + ".)", icon=":material/warning:")
    if not reading.lexicon_exact:
        st.caption("The lexicon search stopped at its budget: the word shown is the likeliest of those it scored, "
                   "which is nearly always the likeliest of all. Turn on *Exact lexicon search* to score every word.")
    alternatives = st.expander("Alternatives", key="draw_alternatives", on_change="rerun")
    if alternatives.open:
        with alternatives:
            lists = [(name, alts) for name, alts in (("beam", reading.beam), ("lexicon", reading.lexicon),
                                                     ("lm", reading.lm)) if alts or name == "beam"]
            for col, (name, alts) in zip(st.columns(max(2, len(lists))), lists):
                col.dataframe({name: [t for t, _ in alts], "log p" if name != "lm" else "score":
                               [round(s, 2) for _, s in alts]}, hide_index=True)
            if reading.lm:
                st.caption("lm's score adds the language model's terms to log p (core/ctc/lm.py).")
    view = st.expander("What the reader saw: the ink as it reads it, and its softmax per frame",
                       key="draw_view", on_change="rerun")
    if view.open:
        with view:
            left, right = (st.container(), st.container()) if line else st.columns(2)
            left.plotly_chart(ink_figure(reading.model_ink, "The ink as the model sees it (normalised)", height=300),
                              key="draw_model_ink")
            probs, names, hidden = softmax_rows(reading)
            right.plotly_chart(heatmap_figure(probs, names, "Softmax per frame", colorbar="p",
                                              height=300 + (12 if hidden else 6) * len(names), zmin=0, zmax=1),
                               key="draw_heatmap")
            if hidden:
                right.caption(f"{len(names)} of {len(reading.alphabet)} classes shown: the blank, the space and every "
                              f"character above {MIN_SHOWN_P:.0%} at some frame (the other {hidden} never are).")
    return reading


MAX_ROWS = 40        # a softmax heatmap of more classes (a line reader's 96) shows only the likely ones
MIN_SHOWN_P = 0.02   # ... those above this probability at some frame


def softmax_rows(reading: Reading) -> tuple[np.ndarray, list[str], int]:
    """(probabilities (classes, T), their names, how many classes were left out) for the heatmap: every class of
    a small alphabet; of a large one the blank, the space and those above MIN_SHOWN_P at some frame."""
    probs = np.exp(reading.log_probs.T)
    names = ["space" if c == " " else c for c in class_names(reading.alphabet)]
    if len(names) <= MAX_ROWS:
        return probs, names, 0
    keep = [i for i, c in enumerate(reading.alphabet) if i == 0 or c == " " or probs[i].max() >= MIN_SHOWN_P]
    return probs[keep], [names[i] for i in keep], len(names) - len(keep)


def show_line_readings(reading: Reading, use_lexicon: bool, shipped: str | None = None, complete: bool = True
                       ) -> None:
    """A line reader's readings: every decoder's text, in full, with its confidence (lm's is the answer); for
    a `shipped` reader (its name), what its card measured lm adds. Not `complete`: the first decoders' rows,
    the others still reading."""
    def name_cell(name: str) -> str:
        short, words = DECODER_WORDS[name].split(": ", 1)
        return (f"<td style='white-space:nowrap'><b>{short}</b> "
                f"<span style='color:#777;font-size:0.85em'>{escape(words)}</span></td>")

    cells, ran = [], {name: (text, conf) for name, text, conf in decoder_readings(reading)}
    for name in DECODER_WORDS:
        if name in ran:
            text, conf = ran[name]
            answer = name == reading.decoder
            cells.append(f"<tr data-decoder='{name}' style='{'font-weight:600;' if answer else ''}'>"
                         f"{name_cell(name)}<td data-testid='draw-text-{name}' style='font-family:monospace;"
                         f"font-size:1.15em;white-space:pre-wrap'>{escape(text) or '∅'}</td>"
                         f"<td style='text-align:right'>{conf:.0%}</td>"
                         f"<td style='text-align:center'>{'answer' if answer else ''}</td></tr>")
        elif not complete and name in LATER_LINE_DECODERS and (name != "lexicon" or use_lexicon):
            cells.append(f"<tr data-decoder-pending='{name}' style='color:#888'>{name_cell(name)}"
                         "<td>reading…</td><td></td><td></td></tr>")
    if complete and not reading.lexicon:
        why = "off" if not use_lexicon else "∅ no line of list words fits the ink"
        cells.append(f"<tr data-decoder-off='lexicon' style='color:#888'>{name_cell('lexicon')}"
                     f"<td>{why}</td><td></td><td></td></tr>")
    st.markdown("<table data-testid='draw-decoders' style='width:100%;table-layout:auto'><thead><tr>"
                "<th style='width:1%'>decoder</th><th>read as</th><th style='width:1%;text-align:right'>"
                "ink's confidence</th><th style='width:1%'></th></tr></thead><tbody>" + "".join(cells)
                + "</tbody></table>", unsafe_allow_html=True)
    measured = line_word_accuracy().get(shipped) if shipped else None
    st.caption(f"The answer is {reading.decoder}'s. Ink's confidence: how likely the ink alone makes each text "
               "(the reader's CTC probability per character, p(text | ink) ** (1 / length)), the same measure on "
               "every row. lm weighs that against a dictionary of 20,000 English words and how often each word "
               "follows the one before it, so its answer may be a little less likely under the ink than greedy's "
               "letter-by-letter reading and still be right more often"
               + (f" (on the test contributors' lines {shipped}'s card measures lm's word accuracy, 1 − WER, at "
                  f"{measured[1]:.2f} against greedy's {measured[0]:.2f})" if measured else "")
               + "; it spells out a word it does not know (a name, a number) when the ink says so. The lexicon row "
               "takes every word from an English word list, so it shows ∅ when no line of list words fits the ink "
               "(a number, a name, a symbol).")
