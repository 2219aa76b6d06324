"""Alignment: how CTC reads a word or a line, frame by frame."""
import numpy as np
import streamlit as st

from core.ctc.greedy import greedy_decode
from core.data.alphabets import class_names, is_seed_alphabet
from core.data.az_words import default_lexicon
from core.errors import InputError
from core.models.alignment import explain_alignment, frame_stride
from core.models.inference import read
from core.synth.generator import AUGMENT_PARAMS, Augment, default_augment, render_word
from dashboard.alignment_lines import (
    frame_ink,
    ink_height,
    pick_line_ink,
    point_segments,
    row_names,
    shown_rows,
    target_input,
)
from dashboard.evaluate_lines import is_line_reader, md_escape
from dashboard.models import pick_model
from dashboard.plots import heatmap_figure, ink_figure, mark_frames

st.title("Alignment")
st.caption("A CTC reader emits, for every frame of ink, a probability for each letter and for the blank. "
           "Here you see those probabilities, the best path, and where the forced alignment places each letter.")

picked = pick_model("reader", "align_reader", "Reader")
reader, ckpt = picked.model, picked.ckpt
lines = is_line_reader(reader.alphabet)  # a line reader: a line of real ink, the target typed freely

try:
    if lines:
        ink, label, identity = pick_line_ink(picked, reader)
        reading = read(reader, ink, decoders=("greedy",))
        word = target_input(label or reading.greedy, identity)
    else:
        style = "seed" if is_seed_alphabet(reader.alphabet) else "natural"
        c1, c2, c3 = st.columns([2, 2, 1])
        source = c1.radio("Word", ["from the vocabulary", "typed"], horizontal=True, key="align_source")
        vocab = default_lexicon(ckpt)
        if source == "from the vocabulary":
            word = c2.selectbox(f"Vocabulary word ({len(vocab):,}; type to search them all)", vocab,
                                key="align_vocab_word",
                                help="the reader's default lexicon, the same list the Draw page decodes with")
        else:
            word = c2.text_input("Type a word", value=vocab[0], key="align_typed_word").strip()
        seed = c3.number_input("Seed", 0, 100_000, 0, key="align_seed")
        defaults = default_augment(style).to_dict()
        with st.expander("Augmentation of the rendering"):
            cols = st.columns(5)
            values = {name: cols[i % 5].slider(name, float(lo), float(hi), float(defaults[name]), float(step),
                                               help=text, key=f"align_aug_{style}_{name}")
                      for i, (name, (lo, hi, _d, step, text)) in enumerate(AUGMENT_PARAMS.items())}
        ink = render_word(word, style, int(seed), Augment.from_dict(values)).ink
        reading = read(reader, ink, decoders=("greedy",))
    alignment = explain_alignment(reader, ink, word)
except InputError as exc:
    st.error(exc.message)
    st.caption(exc.hint or "")
    st.stop()

T = reading.log_probs.shape[0]
names = class_names(reader.alphabet)
st.markdown(f"**{T} frames** · greedy decode: **{md_escape(reading.greedy) or '∅'}** · target **{md_escape(word)}** · "
            f"log p(target) = {alignment.log_likelihood:.2f}")

pts = frame_ink(reader, ink)
segments = point_segments(reader, pts, alignment.segments)
stride = frame_stride(reader)
PLAY_TICK_S = 0.12
INK_HEIGHT = ink_height(pts) if lines else 280
st.session_state.setdefault("align_playing", False)
st.session_state.setdefault("align_frame", T)
st.session_state["align_frame"] = min(st.session_state["align_frame"], T)  # a shorter word than the last one
if lines and st.session_state.get("align_frame_of") != identity:  # another line: the whole of it first
    st.session_state["align_frame_of"] = identity
    st.session_state["align_frame"] = T


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
              help="move the frame slider through the " + ("line" if lines else "word"))
    so_far = greedy_decode(reading.log_probs[:k], reader.alphabet)
    st.plotly_chart(ink_figure(pts, f"Pen drawn up to frame {k}", order=False, height=INK_HEIGHT, upto=k * stride),
                    key="align_upto")
    st.markdown(f"Decode so far: **{md_escape(so_far) or '∅'}**")
    if playing and k >= T:  # the end: stop, and run the page once more without the timer
        st.session_state["align_playing"] = False
        st.rerun()


probs = np.exp(reading.log_probs.T)
if lines:  # one column: a line is wide; heatmap rows only for the classes that matter
    scrubber()
    st.plotly_chart(ink_figure(pts, "Forced alignment: each character's frames on the ink", order=False,
                               height=ink_height(pts, extra=0.5), segments=segments, segment_labels=True),
                    key="align_segments")
    everything = st.toggle(f"Every class as a row ({len(names)})", key="align_all_rows",
                           help="off: the blank, the target's characters and any class whose probability reaches "
                                "5% at some frame")
    rows = list(range(len(names))) if everything else shown_rows(reader.alphabet, word, probs)
    shown = row_names([names[k] for k in rows])
    marks = [((s.start + s.end - 1) / 2, label) for s, (_, _, label) in zip(alignment.segments, segments)]
    height = 200 + (6 if everything else 16) * len(rows)
    st.plotly_chart(heatmap_figure(probs[rows], shown, f"Softmax per frame ({len(rows)} classes × {T} frames)",
                                   colorbar="p", zmin=0, zmax=1, height=height), key="align_softmax")
    st.plotly_chart(mark_frames(heatmap_figure(alignment.posteriors.T[rows], shown,
                                               "CTC posteriors of the target, each character over its aligned frames",
                                               colorbar="p", zmin=0, zmax=1, height=height + 30), marks),
                    key="align_posteriors")
    path = reading.argmax
    on_path = sorted(set(path.tolist()) | {0})
    st.plotly_chart(heatmap_figure(np.eye(len(names))[path].T[on_path], row_names([names[k] for k in on_path]),
                                   "Argmax path (best class per frame; the classes it visits)", colorbar="",
                                   height=200 + 16 * len(on_path), zmin=0, zmax=1), key="align_argmax")
else:
    left, right = st.columns(2)
    with left:
        scrubber()
    left.plotly_chart(ink_figure(pts, "Forced alignment: each letter's frames on the ink", order=False,
                                 height=INK_HEIGHT, segments=segments), key="align_segments")
    right.plotly_chart(heatmap_figure(probs, names, "Softmax per frame (classes × frames)", colorbar="p",
                                      zmin=0, zmax=1, height=260 + 6 * len(names)), key="align_softmax")
    right.plotly_chart(heatmap_figure(alignment.posteriors.T, names, f"CTC posteriors of '{word}'", colorbar="p",
                                      zmin=0, zmax=1, height=260 + 6 * len(names)), key="align_posteriors")
    path = reading.argmax
    st.plotly_chart(heatmap_figure(np.eye(len(names))[path].T, names, "Argmax path (best class per frame)",
                                   colorbar="", height=220 + 6 * len(names), zmin=0, zmax=1), key="align_argmax")
st.dataframe([{"letter": label, "first frame": s.start, "end frame": s.end, "mean log p": round(s.score, 3)}
              for s, (_, _, label) in zip(alignment.segments, segments)], hide_index=True)
