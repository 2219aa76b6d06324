"""Alignment: how CTC reads a word, frame by frame."""
import time

import numpy as np
import streamlit as st

from core.ctc.greedy import greedy_decode
from core.data.alphabets import class_names, is_seed_alphabet
from core.data.az_words import default_lexicon
from core.errors import InputError
from core.models.alignment import explain_alignment, frame_points, frame_stride
from core.models.inference import read
from core.synth.generator import AUGMENT_PARAMS, Augment, default_augment, render_word
from dashboard.models import pick_reader
from dashboard.plots import heatmap_figure, ink_figure

st.title("Alignment")
st.caption("A CTC reader emits, for every frame of ink, a probability for each letter and for the blank. "
           "Here you see those probabilities, the best path, and where the forced alignment places each letter.")

reader, ckpt = pick_reader("align_reader")
style = "seed" if is_seed_alphabet(reader.alphabet) else "natural"

c1, c2, c3 = st.columns([2, 2, 1])
source = c1.radio("Word", ["from the vocabulary", "typed"], horizontal=True, key="align_source")
vocab = default_lexicon(ckpt)
if source == "from the vocabulary":
    word = c2.selectbox("Vocabulary word", vocab[:2000], key="align_vocab_word")
else:
    word = c2.text_input("Type a word", value=vocab[0], key="align_typed_word").strip()
seed = c3.number_input("Seed", 0, 100_000, 0, key="align_seed")
defaults = default_augment(style).to_dict()
with st.expander("Augmentation of the rendering"):
    cols = st.columns(5)
    values = {name: cols[i % 5].slider(name, float(lo), float(hi), float(defaults[name]), float(step), help=text,
                                       key=f"align_aug_{style}_{name}")
              for i, (name, (lo, hi, _d, step, text)) in enumerate(AUGMENT_PARAMS.items())}

try:
    ink = render_word(word, style, int(seed), Augment.from_dict(values)).ink
    reading = read(reader, ink, decoders=("greedy",))
    alignment = explain_alignment(reader, ink, word)
except InputError as exc:
    st.error(exc.message)
    st.caption(exc.hint or "")
    st.stop()

T = reading.log_probs.shape[0]
names = class_names(reader.alphabet)
st.markdown(f"**{T} frames** · greedy decode: **{reading.greedy or '∅'}** · target **{word}** · "
            f"log p(target) = {alignment.log_likelihood:.2f}")

frame = st.slider("Frame", 1, T, T, key="align_frame", help="the pen drawn so far and the decode so far")
play = st.button("▶ Play", key="align_play", help="step through the frames")

pts = frame_points(ink, reader.config.encoding, reader.config.spacing)
left, right = st.columns(2)
ink_slot, decode_slot = left.empty(), left.empty()
left.plotly_chart(ink_figure(pts, "Forced alignment: each letter's frames on the ink", order=False, height=280,
                             segments=alignment.point_segments), key="align_segments")


def show_frame(k: int) -> None:
    so_far = greedy_decode(reading.log_probs[:k], reader.alphabet)
    ink_slot.plotly_chart(ink_figure(pts, f"Pen drawn up to frame {k}", order=False, height=280,
                                     upto=k * frame_stride(reader)),
                          key=f"align_upto_{k}")
    decode_slot.markdown(f"Decode so far: **{so_far or '∅'}**")


if play:
    for k in np.unique(np.linspace(1, T, min(T, 40)).astype(int)):
        show_frame(int(k))
        time.sleep(0.08)
else:
    show_frame(frame)

probs = np.exp(reading.log_probs.T)
right.plotly_chart(heatmap_figure(probs, names, "Softmax per frame (classes × frames)", colorbar="p",
                                  zmin=0, zmax=1, height=260 + 6 * len(names)), key="align_softmax")
right.plotly_chart(heatmap_figure(alignment.posteriors.T, names, f"CTC posteriors of '{word}'", colorbar="p",
                                  zmin=0, zmax=1, height=260 + 6 * len(names)), key="align_posteriors")
path = reading.argmax
st.plotly_chart(heatmap_figure(np.eye(len(names))[path].T, names, "Argmax path (best class per frame)",
                               colorbar="", height=220 + 6 * len(names), zmin=0, zmax=1), key="align_argmax")
st.dataframe([{"letter": s.label, "first frame": s.start, "end frame": s.end, "mean log p": round(s.score, 3)}
              for s in alignment.segments], hide_index=True)
