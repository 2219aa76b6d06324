"""Evaluate: where a model fails — per-word tables, confusions and the worst samples; or its scores on a folder."""
import streamlit as st

from dashboard.evaluate_classifier import show_classifier
from dashboard.evaluate_folder import folder_scoring
from dashboard.evaluate_reader import show_reader
from dashboard.models import pick_model

st.title("Evaluate")
kind = st.radio("Model", ["reader", "classifier"], horizontal=True, key="eval_kind",
                format_func=lambda k: {"reader": "Reader (words or lines)", "classifier": "Character classifier"}[k])
picked = pick_model(kind, f"eval_ckpt_{kind}", "Checkpoint")

# Scoring on a folder of other data: its own section (dashboard/evaluate_folder.py), then the page ends.
if st.radio("Score on", ["own", "folder"], horizontal=True, key="eval_on",
            format_func={"own": "its own test split", "folder": "a folder of other data (UNIPEN or Ink JSON)"}.get,
            help="a folder: what `python -m core evaluate CHECKPOINT --data unipen:PATH|ink:DIR` prints") == "folder":
    folder_scoring(picked, kind)
elif kind == "reader":
    show_reader(picked)
else:
    show_classifier(picked)
