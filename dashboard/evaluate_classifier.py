"""The Evaluate page's classifier section: accuracy on its data's test split, per writer and per group,
the confusion matrix, the classification report and the misclassified letters."""
from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd
import streamlit as st

from core.data.letters import char_splits
from core.errors import InputError
from core.train.evaluate import by_char_group, evaluate_classifier, group_confusion, misclassified
from dashboard.glossary import explain
from dashboard.messages import show_input_error
from dashboard.plots import confusion_figure, ink_figure


@st.cache_resource(max_entries=2, show_spinner="Preparing the test split…")
def test_split(data: str, seed: int, per_class: int, n_points: int, charset: str = "az"):
    """(X, y, writers or None) of a data source's test split, built once and shared read-only by every rerun."""
    splits = char_splits(data, seed, per_class, n_points, charset=charset)
    return splits.X["test"], splits.y["test"], splits.writers.get("test")


@st.cache_data(max_entries=8, show_spinner="Classifying the test split…")
def classifier_result(model_key: str, _clf):
    cfg = _clf.config
    return evaluate_classifier(_clf, *test_split(cfg.data, cfg.seed, cfg.per_class, cfg.n_points, cfg.charset))


def show_classifier(picked) -> None:
    """The classifier section of the Evaluate page."""
    clf = picked.model
    try:
        res = classifier_result(picked.key, clf)
    except InputError as exc:
        show_input_error(exc)
        return
    source = clf.config.data.split(":", 1)[0]
    unseen = " by writers that neither training nor validation saw" if "per_writer" in res else ""
    st.info(f"Scoring **{picked.label}** on the test split of its data ({source} letters): {res['n']:,} letters"
            f"{unseen}; the class with the highest probability is its answer.", icon=":material/fact_check:")
    c1, c2, c3 = st.columns(3)
    c1.metric("Test accuracy", f"{res['accuracy']:.1%}")
    c2.metric("Top-5", f"{res['top5']:.1%}")
    c3.metric("Test samples", res["n"])
    if "per_writer" in res:
        st.markdown("**Per writer** (every test writer is unseen in training and validation)",
                    help="A writer is named contributor/writer. " + explain("art"))
        st.dataframe(pd.DataFrame([{"writer": w, "letters": r["n"], "accuracy": r["accuracy"]}
                                   for w, r in res["per_writer"].items()]).sort_values("accuracy"),
                     hide_index=True, column_config={"accuracy": st.column_config.ProgressColumn(
                         "accuracy", min_value=0.0, max_value=1.0, format="%.3f")})
    show_confusion(res)
    show_report(res)
    show_misclassified(res, clf.config)


def show_confusion(res: dict) -> None:
    """Per group of characters (when there are several) and the confusion matrix of one group."""
    groups = by_char_group(res["y_true"], res["y_pred"])
    confusion, classes = np.array(res["confusion"]), res["classes"]
    if len(groups) > 1:
        st.markdown("**Per group** (case-insensitive: an o read as O counts; many letters have one shape in both)")
        st.dataframe(pd.DataFrame([{"group": g, "characters": r["n"], "accuracy": r["accuracy"],
                                    "case-insensitive": r["case_insensitive"]} for g, r in groups.items()]),
                     hide_index=True)
        group = st.radio("Confusion matrix of", list(groups), horizontal=True, key="eval_cm_group")
        confusion, classes = group_confusion(confusion, classes, group)
    n1, n2 = st.columns(2)
    normalise = n1.toggle("Row-normalised (%)", value=True, key="eval_cm_norm")
    hide = n2.slider("Hide cells below", 0.0, 20.0, 2.0 if normalise else 1.0, 0.5,
                     key="eval_cm_hide", help="percent when row-normalised, else counts")
    st.plotly_chart(confusion_figure(confusion, classes, normalise, hide,
                                     title="Confusion matrix (true × predicted)"), key="eval_cm")


def show_report(res: dict) -> None:
    """scikit-learn's classification report beside the accuracy of each class."""
    report = pd.DataFrame(res["report"]).T.reset_index(names="class")
    left, right = st.columns(2)
    left.markdown("**Classification report**")
    left.dataframe(report, hide_index=True, height=400)
    right.markdown("**Per-class accuracy**")
    right.dataframe(pd.DataFrame({"class": list(res["per_class"]), "accuracy": list(res["per_class"].values())}),
                    hide_index=True, height=400, column_config={"accuracy": st.column_config.ProgressColumn(
                        "accuracy", min_value=0.0, max_value=1.0, format="%.2f")})


def show_misclassified(res: dict, cfg) -> None:
    """Up to twelve misclassified test letters, drawn from their features' (x, y) channels."""
    st.subheader("Misclassified samples")
    bad = misclassified(res["y_true"], res["y_pred"], 12)
    st.caption(f"{len([1 for t, p in zip(res['y_true'], res['y_pred']) if t != p])} of {res['n']} test samples "
               "are misclassified; the features are drawn as their (x, y) channels.")
    if not bad:
        return
    X = test_split(cfg.data, cfg.seed, cfg.per_class, cfg.n_points, cfg.charset)[0]
    cols = st.columns(6)
    for j, i in enumerate(bad):
        f = X[i]
        starts = list(np.flatnonzero(f[:, 4] > 0.5)) + [len(f)]
        ink = [f[a:b, :2] for a, b in pairwise(starts) if b > a]
        cols[j % 6].plotly_chart(ink_figure(ink, f"{res['y_true'][i]} → {res['y_pred'][i]}", order=False,
                                            height=160, compact=True), key=f"eval_mis_{j}",
                                 config={"displayModeBar": False}, width="content")
