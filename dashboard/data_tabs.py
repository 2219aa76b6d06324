"""The Data page's tabs: the glyphs, a word renderer with every augmentation and its encodings, real letters
beside synthetic ones (with the classifier's augmented copies), and one uploaded UNIPEN file."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from core.data.alphabets import AZ, SEED_ALPHABET
from core.data.az_words import letters_by_writer
from core.data.letters import augment_ink
from core.data.uploads import LIMITS_MB, sha256_hex, unipen_from_upload
from core.errors import InputError
from core.ink.encodings import encode
from core.ink.features import FEATURE_NAMES, features18
from core.ink.ink import ink_from_frames
from core.ink.io import limit_points
from core.ink.unipen import load_letters
from core.ink.unipen_categories import LOWERCASE
from core.paths import unipen_fixture
from core.synth import glyphs
from core.synth.generator import AUGMENT_PARAMS, Augment, default_augment, render_letter, render_word
from dashboard.glossary import explain
from dashboard.messages import show_input_error
from dashboard.plots import channels_figure, features_figure, ink_figure, ink_grid_figure


def alphabet_view() -> None:
    """The glyph templates of a style, in stroke order."""
    style = st.radio("Style", ["natural", "seed"], horizontal=True, key="data_glyph_style",
                     format_func={"natural": "natural (a-z, every allograph)",
                                  "seed": "seed (seed 001's ten glyphs)"}.get, help=explain("seed 001"))
    if style == "seed":
        items = [(f"{ch} · {sum(len(s) for s in glyphs.seed_glyph(ch))} pts", glyphs.seed_glyph(ch))
                 for ch in SEED_ALPHABET]
    else:
        items = [(ch if glyphs.n_allographs(ch) == 1 else f"{ch} ({k + 1})", glyphs.natural_glyph(ch, k))
                 for ch in AZ for k in range(glyphs.n_allographs(ch))]
    st.plotly_chart(ink_grid_figure(items, f"{len(items)} glyph templates, {style} style, in stroke order",
                                    columns=10),
                    key="data_glyphs", config={"displayModeBar": False})
    st.caption("Each stroke starts at its ringed number; the colour of its points runs from purple (start) "
               "to yellow (end). " + ("Letters share a baseline and keep their sizes: the x-height is 0.5, "
                                     "ascenders reach 1." if style == "natural" else
                                     "Seed 001's glyphs in their unit box with its fixed point counts; words "
                                     "place them 1.35 apart and slant each word at random."))


def word_view() -> None:
    """A word rendered with every augmentation, its encoding, the ink rebuilt from it and its features18."""
    c1, c2, c3 = st.columns([2, 2, 1])
    style_w = c2.radio("Style", ["natural", "seed"], horizontal=True, key="data_word_style",
                       help="seed: seed 001's glyphs and layout; natural: a-z with allographs\n\n"
                            + explain("seed 001"))
    word = c1.text_input("Word", value="actin" if style_w == "seed" else "handwriting",
                         key=f"data_word_{style_w}", help=f"letters: {glyphs.alphabet(style_w)}")
    seed = c3.number_input("Seed", 0, 1_000_000, 0, key="data_seed", help="same seed, same ink")
    defaults = default_augment(style_w).to_dict()
    slider_keys = {name: f"data_aug_{style_w}_{name}" for name in AUGMENT_PARAMS}

    def reset_augment():
        for k in slider_keys.values():
            st.session_state.pop(k, None)

    with st.expander("Augmentation", expanded=True):
        acols = st.columns(5)
        values = {}
        for i, (name, (lo, hi, _default, step, text)) in enumerate(AUGMENT_PARAMS.items()):
            decimals = max(0, -int(np.floor(np.log10(step))))  # a 0.001 step shows 3 decimals
            values[name] = acols[i % 5].slider(name, float(lo), float(hi), float(defaults[name]), float(step),
                                               format=f"%.{decimals}f", help=text, key=slider_keys[name])
        st.button(f"Reset to the {style_w} style's defaults", on_click=reset_augment, key="data_aug_reset")
    encoding = st.radio("Encoding", ["delta", "seed"], horizontal=True, key="data_encoding",
                        help="seed: raw (dx, dy, pen_up) as seed 001; delta: normalised, resampled, and a "
                             "stroke's first step is the jump from the previous stroke's end")
    try:
        r = render_word(word.strip(), style_w, int(seed), Augment.from_dict(values))
        frames = encode(r.ink, encoding)
        feats = features18(r.ink)
    except InputError as exc:
        st.error(exc.message + (f"  \n{exc.hint}" if exc.hint else ""))
        return
    n = sum(len(s) for s in r.ink)
    st.plotly_chart(ink_figure(r.ink, f"'{r.word}' rendered: {len(r.ink)} strokes, {n} points", height=380,
                               spans=r.letter_spans), key="data_word_ink")
    left, right = st.columns(2)
    left.plotly_chart(channels_figure(frames, title=f"{encoding} encoding: {len(frames)} frames"),
                      key="data_channels")
    right.plotly_chart(ink_figure(ink_from_frames(frames), f"The ink rebuilt from the {encoding} frames",
                                  height=320), key="data_model_ink")
    st.plotly_chart(features_figure(feats, FEATURE_NAMES,
                                    f"features18 of '{r.word}': 64 points resampled over the whole ink"),
                    key="data_features")
    st.caption(explain("features18") + " The character classifier reads them (seed 000's input); the word "
               "reader reads the encoding above.")


@st.cache_resource(show_spinner="Reading the UNIPEN letters (once per server)…", max_entries=1)
def unipen_letters(root: str):
    """writer -> letter -> [ink, ...], or None without the data; shared read-only (never mutated), so not copied."""
    if not (Path(root) / "data" / LOWERCASE).is_dir():
        return None
    return letters_by_writer(load_letters(root))


def real_view() -> None:
    """Real UNIPEN letters of one writer beside synthetic ones, and the augmented copies the classifier trains on."""
    table = unipen_letters(str(unipen_fixture()))
    if table is None:
        st.info(f"UNIPEN data was not found at `{unipen_fixture()}`, so real samples are hidden. "
                "Put the UNIPEN subset there (see the README) to compare real and synthetic letters.")
        return
    c1, c2, c3 = st.columns([1, 3, 1])
    letter = c1.selectbox("Letter", list(AZ), key="data_real_letter")
    writers = sorted(w for w, letters in table.items() if letter in letters)
    if not writers:
        st.info(f"No writer in the UNIPEN letters wrote '{letter}'.")
        return
    writer = c2.selectbox("Writer", writers, key="data_real_writer",
                          format_func=lambda w: f"{w} ({len(table[w][letter])} samples)")
    pick = c3.number_input("Sample seed", 0, 1_000_000, 0, key="data_real_seed",
                           help="which of the writer's samples, and which synthetic renderings, are shown")
    columns = 8
    samples = table[writer][letter]
    chosen = np.random.default_rng(pick).permutation(len(samples))[:columns]
    real = [(f"#{i + 1}", samples[i]) for i in sorted(chosen)]
    real += [("", [])] * (columns - len(real))  # keep the synthetic row aligned under the real one
    synthetic = [(f"seed {pick + k}", render_letter(letter, "natural", pick + k).ink) for k in range(columns)]
    st.plotly_chart(ink_grid_figure(real + synthetic, f"'{letter}': real samples by {writer} (top) and "
                                    "synthetic natural-style renderings (bottom)", columns=columns, fit="each",
                                    row_labels=["real", "synthetic"]),
                    key="data_real_vs_synthetic", config={"displayModeBar": False})
    st.caption("Each sample is scaled to fill its cell. UNIPEN train_r01_v07 (Guyon et al., ICPR 1994), "
               "category 1c, contributors apb, art and lav. " + explain("art"))
    strength = st.slider("Augmentation strength", 0.0, 3.0, 1.0, 0.25, key="data_real_strength",
                         help="what the classifier's --copies and --augment-strength do to a real letter: "
                              "rotation, slant, width, a smooth warp, jitter, stroke offsets, and now and "
                              "then a stroke backwards or the strokes in another order (1: the shipped model)")
    original = int(min(chosen))
    rng = np.random.default_rng(pick)
    copies = [(f"copy {k}", augment_ink(samples[original], rng, strength=strength)) for k in range(1, columns)]
    st.plotly_chart(ink_grid_figure([(f"#{original + 1}", samples[original])] + copies,
                                    f"'{letter}' #{original + 1} by {writer} and augmented copies "
                                    f"(strength {strength:g})", columns=columns, fit="each"),
                    key="data_real_augmented", config={"displayModeBar": False})


@st.cache_data(max_entries=4, show_spinner="Reading the UNIPEN file…")
def uploaded_unipen(digest: str, name: str, _data: bytes) -> list:
    """The samples of an uploaded file, parsed once per content (its sha256)."""
    return unipen_from_upload(name, _data)


def file_view() -> None:
    """The letters and words of one uploaded UNIPEN file, a page of them at a time."""
    st.caption("View the letters and words of one UNIPEN file (`.PEN_DOWN`, `X Y` lines, `.PEN_UP`, "
               "`.SEGMENT` labels). `.INCLUDE` statements are read only from the shared UNIPEN include "
               f"folder (`{unipen_fixture() / 'include'}`).")
    upload = st.file_uploader("UNIPEN file", key="data_unipen_upload", max_upload_size=LIMITS_MB["unipen"])
    if upload is None:
        st.info("Upload a UNIPEN data file, for example one of `data/1c/.../*.dat` of the UNIPEN subset.",
                icon=":material/upload_file:")
        return
    data = upload.getvalue()
    try:
        samples = [s for s in uploaded_unipen(sha256_hex(data), upload.name, data) if s.ink]
    except InputError as exc:
        show_input_error(exc)
        return
    if not samples:
        st.warning(f"{upload.name}: every segment refers to strokes without points, so there is nothing to draw.")
        return
    levels = sorted({s.category for s in samples})
    counts = ", ".join(f"{sum(s.category == v for s in samples)} {v or 'unsegmented'}" for v in levels)
    c1, c2, c3 = st.columns([1, 2, 1])
    level = c1.selectbox("Level", levels, key="data_unipen_level",
                         format_func=lambda v: v or "(no .SEGMENT: every stroke)")
    query = c2.text_input("Labels containing", key="data_unipen_query").strip()
    shown = [s for s in samples if s.category == level and query in s.label]
    per_page = 40
    start = c3.number_input("First sample", 1, max(1, len(shown)), 1, key="data_unipen_start") - 1
    page = shown[start:start + per_page]
    st.markdown(f"**{upload.name}**: {len(samples)} samples ({counts}); showing {len(page)} of the "
                f"{len(shown)} {level or 'unsegmented'} samples"
                + (f" whose label contains '{query}'" if query else ""))
    if page:
        items = [(s.label or "·", limit_points(s.ink)) for s in page]
        st.plotly_chart(ink_grid_figure(items, f"{upload.name}: samples {start + 1}-{start + len(page)}",
                                        columns=10, fit="each"),
                        key="data_unipen_grid", config={"displayModeBar": False})
        writers = sorted({s.writer for s in page})
        st.caption(f"Writer: {', '.join(writers)}. Each sample is scaled to fill its cell; y points up.")
