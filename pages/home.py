"""Home: what the lab is, the shipped models, recent runs, and where to go."""
from pathlib import Path

import streamlit as st

from core.runs import list_runs
from core.shipped import shipped_models

st.title("✍️ Handwriting Lab")
st.markdown(
    "An interactive lab for **online handwriting recognition**: models that read pen trajectories "
    "(the points a pen or a mouse moves through), not images. Train them with sliders, watch them "
    "learn, look inside them, and draw words for them to read.")

left, right = st.columns(2)
with left, st.container(border=True):
    st.subheader("Word reader · BLSTM + CTC")
    st.markdown("A bidirectional LSTM with a CTC output layer (Graves et al., 2009) reads a whole word of "
                "unsegmented strokes and emits its letters; no segmentation into characters is needed.")
with right, st.container(border=True):
    st.subheader("Character classifier · CNN-BiLSTM")
    st.markdown("Convolutions over 18 per-point features, a two-layer BiLSTM and a small classifier "
                "label one isolated letter a-z.")

st.subheader("Shipped models")
models = shipped_models()
if not models:
    st.info("No shipped models were found in `checkpoints/`. Train one on the Train page.")
for m in models:
    card = m["card"]
    with st.container(border=True):
        st.markdown(f"**{m['name']}** · {m['kind']} — {card.get('summary', '')}")
        figures = card.get("headline", {})
        if figures:
            cols = st.columns(len(figures))
            for col, (k, v) in zip(cols, figures.items()):
                col.metric(k, v)

st.subheader("Recent runs")
runs = list_runs()[:8]
if not runs:
    st.caption("No runs yet. Start one on the Train page.")
else:
    st.dataframe([{"run": r["id"], "model": r["kind"], "state": r["state"], "epoch": r["epoch"]} for r in runs],
                 hide_index=True, width="stretch")

st.subheader("Pages")
links = [("data.py", "Data: glyphs, renderings, encodings, real samples"),
         ("train.py", "Train: sliders, live curves"), ("evaluate.py", "Evaluate: where a model fails"),
         ("alignment.py", "Alignment: how CTC reads a word"), ("draw.py", "Draw: write a word, see it read"),
         ("runs.py", "Runs: compare, download, delete"), ("research.py", "Research: seed 001's open questions")]
pages_dir = Path(__file__).resolve().parent
for f, label in links:
    if (pages_dir / f).exists():
        st.page_link(str(pages_dir / f), label=label)
