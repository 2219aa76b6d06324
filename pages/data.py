"""Data: the glyphs, a word renderer with every augmentation, its encodings, and real samples."""
import numpy as np
import streamlit as st

from core import glyphs
from core.features import FEATURE_NAMES, features18
from core.generator import AUGMENT_PARAMS, Augment, default_augment, render_letter, render_word
from core.ink import encode
from dashboard.plots import channels_figure, heatmap_figure, ink_figure

st.title("Data")
st.caption("Every pen source becomes *ink*: a list of strokes of (x, y) points, y up. "
           "Here you see the synthetic letters, a rendered word, what the models read, and real handwriting.")

tab_glyphs, tab_word, tab_real = st.tabs(["Alphabet", "Word renderer", "Real handwriting (UNIPEN)"])

with tab_glyphs:
    style = st.radio("Style", ["natural", "seed"], horizontal=True, key="data_glyph_style",
                     help="seed: seed 001's ten glyphs; natural: a-z with allographs")
    st.caption("Stroke numbers in red mark where each stroke starts; colour runs from its start (purple) "
               "to its end (yellow).")
    items = ([(ch, k) for ch in glyphs.NATURAL_LETTERS for k in range(glyphs.n_allographs(ch))]
             if style == "natural" else [(ch, 0) for ch in glyphs.SEED_LETTERS])
    cols = st.columns(6)
    for i, (ch, k) in enumerate(items):
        ink = list(glyphs.seed_glyph(ch) if style == "seed" else glyphs.natural_glyph(ch, k))
        title = ch if style == "seed" else f"{ch} (form {k + 1})"
        cols[i % 6].plotly_chart(ink_figure(ink, title, height=150, compact=True), key=f"data_glyph_{style}_{ch}_{k}",
                                 config={"displayModeBar": False}, width="content")

with tab_word:
    c1, c2, c3 = st.columns([2, 1, 1])
    style_w = c2.radio("Style", ["natural", "seed"], horizontal=True, key="data_word_style")
    word = c1.text_input("Word", value="actin" if style_w == "seed" else "handwriting", key="data_word")
    seed = c3.number_input("Seed", 0, 10_000, 0, key="data_seed")
    defaults = default_augment(style_w).to_dict()
    with st.expander("Augmentation", expanded=True):
        acols = st.columns(5)
        values = {}
        for i, (name, (lo, hi, _d, step, text)) in enumerate(AUGMENT_PARAMS.items()):
            values[name] = acols[i % 5].slider(name, float(lo), float(hi), float(defaults[name]), float(step),
                                               help=text, key=f"data_aug_{style_w}_{name}")
    encoding = st.radio("Encoding", ["delta", "seed"], horizontal=True, key="data_encoding",
                        help="seed: raw (dx, dy, pen_up); delta: normalised, resampled, with pen-up jumps")
    try:
        r = render_word(word.strip(), style_w, int(seed), Augment.from_dict(values))
    except Exception as exc:  # InputError: a clear message, never a traceback
        st.error(str(exc))
        st.stop()
    n = sum(len(s) for s in r.ink)
    st.plotly_chart(ink_figure(r.ink, f"'{word}' · {len(r.ink)} strokes · {n} points", height=300),
                    key="data_word_ink")
    frames = encode(r.ink, encoding)
    left, right = st.columns(2)
    left.plotly_chart(channels_figure(frames, title=f"{encoding} encoding · {len(frames)} frames"),
                      key="data_channels")
    feats = features18(r.ink)
    right.plotly_chart(heatmap_figure(feats.T, FEATURE_NAMES, "features18 (64 points over the whole ink)",
                                      x_title="point", colorbar="value", height=420), key="data_features")


@st.cache_resource(show_spinner="Reading UNIPEN letters…")
def unipen_letters():
    from core.unipen import DEFAULT_UNIPEN, load_letters

    if not (DEFAULT_UNIPEN / "data" / "1c").is_dir():
        return None
    from core.wordsets import letters_by_writer

    return letters_by_writer(load_letters(DEFAULT_UNIPEN))


with tab_real:
    table = unipen_letters()
    if table is None:
        st.info("UNIPEN data was not found next to the project (../shared/data/unipen); real samples are hidden.")
    else:
        c1, c2 = st.columns(2)
        letter = c1.selectbox("Letter", list(glyphs.NATURAL_LETTERS), key="data_real_letter")
        writers = sorted(w for w, letters in table.items() if letter in letters)
        writer = c2.selectbox("Writer", writers, key="data_real_writer")
        samples = table[writer][letter][:6]
        st.markdown(f"**Real '{letter}' by {writer}** ({len(table[writer][letter])} samples)")
        cols = st.columns(6)
        for i, ink in enumerate(samples):
            cols[i].plotly_chart(ink_figure(ink, f"real #{i + 1}", height=200, compact=True), key=f"data_real_{i}",
                                 config={"displayModeBar": False}, width="content")
        st.markdown(f"**Synthetic '{letter}'** (natural style, seeds 0-5)")
        cols = st.columns(6)
        for i in range(6):
            cols[i].plotly_chart(ink_figure(render_letter(letter, "natural", i).ink, f"seed {i}", height=200, compact=True),
                                 key=f"data_synth_{i}", config={"displayModeBar": False}, width="content")
        st.caption("UNIPEN train_r01_v07 (Guyon et al., ICPR 1994), CC BY 4.0.")
