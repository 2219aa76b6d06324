"""Draw: write a word with the mouse (or upload ink) and see the reader read it after every stroke."""
from html import escape

import streamlit as st

from core.data.alphabets import class_names
from core.data.az_words import default_lexicon
from core.data.uploads import LIMITS_MB, ink_from_upload
from core.errors import InputError
from core.ink.io import ink_from_canvas
from core.models.inference import read
from dashboard.messages import show_input_error
from dashboard.models import lexicon_from_text, pick_model, pick_reader
from dashboard.plots import heatmap_figure, ink_figure

st.title("Draw")
st.caption("Write a word on the canvas, or upload ink. After every stroke the reader decodes it three ways: "
           "greedy (best path), prefix beam search, and the best word of a lexicon by CTC likelihood.")

left_pick, right_pick = st.columns(2)
with left_pick:
    reader, ckpt = pick_reader("draw_reader", help="reader-az reads lowercase a-z handwriting; "
                                                    "reader-seed knows seed 001's ten letters")
with right_pick:
    classifier = pick_model("classifier", "draw_classifier", "Classifier (for single letters)",
                            help="names the letter when the reader reads at most one character", required=False)

source = st.radio("Ink", ["Draw", "Upload ink"], horizontal=True, key="draw_source", label_visibility="collapsed")
label = None
if source == "Draw":
    from streamlit_drawable_canvas import st_canvas  # needs a running Streamlit server

    canvas = st_canvas(stroke_width=4, stroke_color="#111", background_color="#fff", height=240, width=860,
                       drawing_mode="freedraw", key="draw_canvas", update_streamlit=True)
else:
    upload = st.file_uploader("Ink JSON or canvas json_data", type=["json"], key="draw_ink_upload",
                              max_upload_size=LIMITS_MB["ink"],
                              help='{"strokes": [[[x, y], ...], ...], "label": "..."} with y up, or the '
                                   "canvas's json_data (an object with \"objects\"); read exactly like a drawing")
o1, o2 = st.columns([1, 2])
use_lexicon = o1.toggle("Decode with a lexicon", value=True, key="draw_use_lexicon")
beam_width = o2.slider("Beam width", 1, 32, 10, key="draw_beam")
lex_default = default_lexicon(ckpt)
with st.expander(f"Lexicon ({len(lex_default):,} words by default; edit freely, one word per line)"):
    lex_text = st.text_area("Lexicon", value="\n".join(lex_default), height=160, key="draw_lexicon",
                            disabled=not use_lexicon, label_visibility="collapsed")

if source == "Draw":
    json_data = canvas.json_data if canvas is not None else None
    try:
        ink = ink_from_canvas(json_data) if json_data else []
    except InputError as exc:
        show_input_error(exc, "The drawing could not be read: ")
        st.stop()
    if sum(len(s) for s in ink) < 2:
        st.info("Draw a word above (lowercase letters). Use the canvas toolbar to undo or clear.",
                icon=":material/draw:")
        st.stop()
else:
    if upload is None:
        st.info("Upload an Ink JSON file (for example one written by `python -m core render`) or a saved "
                "canvas json_data file.", icon=":material/upload_file:")
        st.stop()
    try:
        ink, label = ink_from_upload(upload.name, upload.getvalue())
    except InputError as exc:
        show_input_error(exc)
        st.stop()

lexicon = lexicon_from_text(lex_text) if use_lexicon else None
try:
    reading = read(reader, ink, lexicon=lexicon, beam_width=beam_width)
except InputError as exc:
    show_input_error(exc)
    st.stop()

c1, c2, c3, c4 = st.columns(4)
c1.metric("Greedy", reading.greedy or "∅")
c2.metric("Beam", reading.beam[0][0] if reading.beam and reading.beam[0][0] else "∅")
c3.metric("Lexicon", reading.lexicon[0][0] if reading.lexicon else ("off" if not use_lexicon else "∅"))
c4.metric("Confidence", f"{reading.confidence:.0%}", help="per-character CTC probability of the text read: p(text | ink) ** (1 / length)")
st.markdown(f"<div data-testid='draw-result'>read as: <b>{reading.best_text}</b></div>"
            f"<div data-testid='draw-count' style='color:#888;font-size:0.85em'>{len(ink)} strokes · "
            f"{reading.n_points} points · {reading.log_probs.shape[0]} frames"
            + (f" · labelled <b>{escape(label)}</b> in the file" if label else "") + "</div>", unsafe_allow_html=True)
if reading.downsampled:
    st.warning("The ink had more than 20,000 points; it was downsampled to 20,000 (every stroke kept) "
               "before it was read.")

with st.expander("Alternatives"):
    a, b = st.columns(2)
    a.dataframe({"beam": [t for t, _ in reading.beam], "log p": [round(s, 2) for _, s in reading.beam]},
                hide_index=True)
    if reading.lexicon:
        b.dataframe({"lexicon": [t for t, _ in reading.lexicon], "log p": [round(s, 2) for _, s in reading.lexicon]},
                    hide_index=True)

left, right = st.columns(2)
left.plotly_chart(ink_figure(reading.model_ink, "The ink as the model sees it (normalised)", height=300),
                  key="draw_model_ink")
probs = __import__("numpy").exp(reading.log_probs.T)
names = class_names(reading.alphabet)
right.plotly_chart(heatmap_figure(probs, names, "Softmax per frame", colorbar="p", height=300 + 6 * len(names),
                                  zmin=0, zmax=1), key="draw_heatmap")

if len(reading.greedy) <= 1 and classifier is not None:
    try:
        top = classifier.model.classify_ink(ink, 5)
    except InputError as exc:
        show_input_error(exc, "The classifier could not read this ink: ")
    else:
        st.subheader("As a single letter")
        st.caption(f"{classifier.label}: the character classifier's top five")
        st.dataframe({"letter": [c for c, _ in top], "probability": [round(p, 3) for _, p in top]}, hide_index=True)
