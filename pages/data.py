"""Data: the glyphs, a word renderer with every augmentation, its encodings, real samples beside synthetic ones
(with the augmented copies the classifier trains on), a whole UNIPEN corpus and one UNIPEN file."""
import streamlit as st

from dashboard.corpus_browser import show_corpus
from dashboard.data_tabs import alphabet_view, file_view, real_view, word_view

st.title("Data")
st.caption("Every pen source (the generator, the canvas, a tablet) becomes *ink*: a list of strokes of (x, y) "
           "points, y up. Here are the synthetic letters, a rendered word and what the models read of it, "
           "and real handwriting beside synthetic.")

# Only the open tab runs (on_change="rerun"); its label is in the URL, e.g. /data?data_tab=Word+renderer.
alphabet_tab, word_tab, real_tab, corpus_tab, file_tab = st.tabs(
    ["Alphabet", "Word renderer", "Real handwriting", "UNIPEN corpus", "UNIPEN file"],
    key="data_tab", on_change="rerun", bind="query-params")

for tab, view in ((alphabet_tab, alphabet_view), (word_tab, word_view), (real_tab, real_view),
                  (corpus_tab, show_corpus), (file_tab, file_view)):
    if tab.open:
        with tab:
            view()
