"""Alignment: how CTC reads a word, frame by frame."""
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
    word = c2.selectbox(f"Vocabulary word ({len(vocab):,}; type to search them all)", vocab, key="align_vocab_word",
                        help="the reader's default lexicon, the same list the Draw page decodes with")
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

pts = frame_points(ink, reader.config.encoding, reader.config.spacing)
stride = frame_stride(reader)
PLAY_TICK_S = 0.12
st.session_state.setdefault("align_playing", False)
st.session_state.setdefault("align_frame", T)
st.session_state["align_frame"] = min(st.session_state["align_frame"], T)  # a shorter word than the last one


def toggle_play() -> None:
    playing = not st.session_state["align_playing"]
    st.session_state["align_playing"] = playing
    if playing and st.session_state["align_frame"] >= T:
        st.session_state["align_frame"] = 1


@st.fragment(run_every=PLAY_TICK_S if st.session_state["align_playing"] else None)
def scrubber() -> None:
    """The frame slider, Play and the pen so far: while playing, each tick moves the slider along."""
    if st.session_state["align_playing"]:
        st.session_state["align_frame"] = min(T, st.session_state["align_frame"] + max(1, T // 40))
    playing = st.session_state["align_playing"]
    k = st.slider("Frame", 1, T, key="align_frame", help="the pen drawn so far and the decode so far")
    st.button("⏸ Pause" if playing else "▶ Play", key="align_play", on_click=toggle_play,
              help="move the frame slider through the word")
    so_far = greedy_decode(reading.log_probs[:k], reader.alphabet)
    st.plotly_chart(ink_figure(pts, f"Pen drawn up to frame {k}", order=False, height=280, upto=k * stride),
                    key="align_upto")
    st.markdown(f"Decode so far: **{so_far or '∅'}**")
    if playing and k >= T:  # the end: stop, and run the page once more without the timer
        st.session_state["align_playing"] = False
        st.rerun()


left, right = st.columns(2)
with left:
    scrubber()
left.plotly_chart(ink_figure(pts, "Forced alignment: each letter's frames on the ink", order=False, height=280,
                             segments=alignment.point_segments), key="align_segments")

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
