"""The Train page's view of a run while it trains: its state, progress and ETA, Stop, and the curves of
its metrics, redrawn every second (a fragment: only this part of the page reruns)."""
from __future__ import annotations

import streamlit as st

from core.train.runs import progress, read_metrics, run_path, stop_run
from dashboard.glossary import explain
from dashboard.plots import curves_figure

SPLIT_CURVES = {"invocab_cer": "in-vocab CER", "heldout_cer": "held-out CER", "test_cer": "test CER (strangers)",
                "invocab_word_acc": "in-vocab word acc", "heldout_word_acc": "held-out word acc"}
TEST_CURVE_NOTE = ("On the training corpus, held-out words are the validation contributors' (they choose the best "
                   "epoch) and test CER is read on 500 words of the test contributors, labs whose writers no split "
                   "trains on: it is shown, never used to choose.")


@st.fragment(run_every=1.0)
def live(run_id: str) -> None:
    path = run_path(run_id)
    p = progress(path)
    state = p["state"]
    st.markdown(f"**Run `{run_id}`** · state **{state}** · epoch {p['epoch']}/{p['total_epochs'] or '?'}"
                + (f" · about {p['seconds_left']:.0f} s left" if p["seconds_left"] and state == "running" else ""))
    st.progress(p["fraction"], text=p["message"] or state)
    if state in ("running", "starting") and st.button("Stop", key=f"train_stop_{run_id}"):
        stop_run(run_id)
    if state in ("diverged", "failed", "interrupted"):
        st.error(p["message"] or state)
        log = path / "log.txt"
        if log.exists() and state == "failed":
            st.code(log.read_text()[-1500:])
    df = read_metrics(path)
    if len(df):
        left, right = st.columns(2)
        losses = ["train_loss"] + (["val_loss"] if "val_loss" in df else [])
        per = "per word" if "invocab_cer" in df else "per letter"  # as the trainers average it
        left.plotly_chart(curves_figure(df, "epoch", losses, "Loss", f"loss {per}",
                                        names={"train_loss": "training", "val_loss": "validation"}),
                          key="train_loss_chart")
        if "invocab_cer" in df:
            shown = [c for c in SPLIT_CURVES if c in df and df[c].notna().any()]
            right.plotly_chart(curves_figure(df, "epoch", shown, "CER and word accuracy per split",
                                             "rate (0-1)", names=SPLIT_CURVES), key="train_cer_chart")
            right.caption(explain("invocab", "heldout") + (f" {TEST_CURVE_NOTE}" if "test_cer" in shown else ""))
        else:
            right.plotly_chart(curves_figure(df, "epoch", ["train_acc", "val_acc"], "Accuracy", "accuracy (0-1)"),
                               key="train_acc_chart")
