"""Evaluate: where a model fails — per-word tables, confusions and the worst samples; or its scores on a folder."""
from itertools import pairwise

import numpy as np
import pandas as pd
import streamlit as st

from core.data.letters import char_splits
from core.errors import InputError
from core.train.evaluate import (
    by_char_group,
    evaluate_classifier,
    evaluate_sets,
    group_confusion,
    misclassified,
    reader_confusion,
    worst_samples,
)
from dashboard.eval_data import eval_data
from dashboard.evaluate_folder import folder_scoring
from dashboard.evaluate_lines import (
    decoder_radio,
    is_line_reader,
    show_char_confusion,
    show_lines,
    show_summary,
    show_worst,
)
from dashboard.glossary import explain
from dashboard.messages import show_input_error
from dashboard.models import pick_model
from dashboard.plots import confusion_figure, ink_figure

st.title("Evaluate")
kind = st.radio("Model", ["reader", "classifier"], horizontal=True, key="eval_kind",
                format_func=lambda k: {"reader": "Reader (words or lines)", "classifier": "Character classifier"}[k])
picked = pick_model(kind, f"eval_ckpt_{kind}", "Checkpoint")

# Scoring on a folder of other data: its own section (dashboard/evaluate_folder.py), then the page ends.
if st.radio("Score on", ["own", "folder"], horizontal=True, key="eval_on",
            format_func={"own": "its own test split", "folder": "a folder of other data (UNIPEN or Ink JSON)"}.get,
            help="a folder: what `python -m core evaluate CHECKPOINT --data unipen:PATH|ink:DIR` prints") == "folder":
    folder_scoring(picked, kind)
    st.stop()


def scored_data(description: dict, sizes: dict) -> str:
    """What a reader's evaluation sets are, in words."""
    n_in, n_out = sizes.get("invocab", 0), sizes.get("heldout", 0)
    if description.get("source") == "seed":
        return (f"seed 001's protocol: in-vocabulary ({n_in} samples: {description['eval_repeats']} fresh renderings "
                f"of each of the {len(description['train_words'])} training words) and held-out ({n_out} samples of "
                f"its {len(description['heldout_words'])} words never trained on)")
    if description.get("source") == "synthetic":
        return f"synthetic a-z words: in-vocabulary ({n_in} renderings) and held-out ({n_out} common English words)"
    if description.get("charset") == "text":
        return (f"in-vocabulary ({n_in} text lines of the training contributors), held-out ({n_out} lines and words "
                f"of the validation contributors {', '.join(description['validation_contributors'])}, which choose "
                f"the epoch) and test ({sizes.get('test', 0)} lines, a fixed sample, of the test contributors "
                f"{', '.join(description['test_contributors'])}: labs whose writers no split trained on; every test "
                "line and word: a folder of other data, below 'Score on')")
    if description.get("test_contributors"):
        return (f"in-vocabulary ({n_in} words composed from the training writers' real UNIPEN letters), held-out "
                f"({n_out} real words of the validation contributors {', '.join(description['validation_contributors'])}"
                f", which choose the epoch) and test ({sizes.get('test', 0)} real words, a fixed sample, of the test "
                f"contributors {', '.join(description['test_contributors'])}: labs whose writers no split trained on; "
                "every test word: a folder of other data, below 'Score on')")
    return (f"in-vocabulary ({n_in} words composed from the training writers' real UNIPEN letters) and held-out "
            f"({n_out} real words by UNIPEN contributor {description.get('test_contributor', 'art')}, whose writers "
            "it never saw)")


# Results are cached by the picked model's key (a file's path and time, or an upload's sha256); the
# model itself is passed unhashed (the leading underscore) and never changed; eval_data is shared with Alignment.
@st.cache_data(max_entries=16, show_spinner="Decoding every evaluation sample…")
def reader_result(model_key: str, decoder: str, beam_width: int, _reader):
    data = eval_data(model_key, _reader)
    lexicon = data.lexicon if decoder == "lexicon" else None
    return evaluate_sets(_reader, data.eval_sets, decoder, lexicon, beam_width)


if kind == "reader":
    reader = picked.model
    lines = is_line_reader(reader.alphabet)  # a line reader: per-line table, WER and word confusions
    c1, c2 = st.columns(2)
    decoder = decoder_radio(c1, reader.alphabet, "eval_decoder")
    beam = c2.slider("Beam width", 1, 32, 10, key="eval_beam", disabled=decoder != "beam")
    try:
        result = reader_result(picked.key, decoder, beam, reader)
        data = eval_data(picked.key, reader)
    except InputError as exc:
        show_input_error(exc)
        st.stop()
    sizes = {split: len(samples) for split, samples in data.eval_sets.items()}
    how = {"greedy": "greedy (best path)", "beam": f"prefix beam search (width {beam})",
           "lexicon": f"every word of the line from the reader's lexicon ({len(data.lexicon):,} words)" if lines
           else f"the best word of the reader's lexicon ({len(data.lexicon):,} words, exact search)",
           "lm": "a dictionary of 20,000 words and a word bigram (prefix beam search)"}[decoder]
    st.info(f"Scoring **{picked.label}** on {scored_data(data.description, sizes)}; decoder: {how}.",
            icon=":material/fact_check:")
    if lines:
        st.subheader("Summary per split")
        show_summary(result["predictions"], "split")
        show_lines(result["predictions"], "eval_lines")
        show_char_confusion(result["predictions"], reader.alphabet)
        show_worst(result["predictions"], data.eval_sets)
        st.stop()
    fixture = data.description.get("source") != "seed" and not data.description.get("test_contributors")
    st.caption(explain("invocab", "heldout") + ("\n\n" + explain("art") if fixture else ""))
    st.subheader("Summary per split")
    summary = pd.DataFrame([{"split": s, **v} for s, v in result["splits"].items()] +
                           [{"split": "all", **{k: result[k] for k in ("n", "cer", "corpus_cer", "word_acc")}}])
    st.dataframe(summary, hide_index=True, column_config={
        "cer": st.column_config.NumberColumn("CER (mean per sample)", format="%.3f"),
        "corpus_cer": st.column_config.NumberColumn("corpus CER", format="%.3f"),
        "word_acc": st.column_config.NumberColumn("word accuracy", format="%.3f")})

    st.subheader("Per word")
    table = pd.DataFrame(result["per_word"])
    f1, f2 = st.columns(2)
    splits = f1.multiselect("Splits", sorted(table["split"].unique()), default=sorted(table["split"].unique()),
                            key="eval_splits")
    query = f2.text_input("Filter words containing", key="eval_query")
    shown = table[table["split"].isin(splits) & table["word"].str.contains(query, regex=False)]
    st.dataframe(shown.sort_values("cer", ascending=False), hide_index=True, width="stretch", column_config={
        "cer": st.column_config.ProgressColumn("CER", min_value=0.0, max_value=1.0, format="%.3f"),
        "word_acc": st.column_config.ProgressColumn("word accuracy", min_value=0.0, max_value=1.0, format="%.2f")})

    st.subheader("Character confusion")
    st.caption("Predictions aligned to targets by edit distance; ∅ marks insertions (row) and deletions (column).")
    labels, counts = reader_confusion(result["predictions"], reader.alphabet)
    st.plotly_chart(confusion_figure(counts, labels, title="Character confusion (true × predicted)"),
                    key="eval_char_confusion")

    st.subheader("Worst samples")
    worst = worst_samples(result["predictions"], data.eval_sets, 8)
    if worst:
        st.caption("The samples with the highest CER, each titled target → reading; x and y (up) are the ink's own "
                   "units, at equal scale.")
    if not worst:
        st.success("Every sample is read correctly.")
    cols = st.columns(4)
    for i, row in enumerate(worst):
        cols[i % 4].plotly_chart(ink_figure(row["ink"], f"'{row['target']}' → '{row['pred']}' (CER {row['cer']:.2f})",
                                            order=False, height=250, small=True), key=f"eval_worst_{i}",
                                 config={"displayModeBar": False})
else:
    @st.cache_resource(max_entries=2, show_spinner="Preparing the test split…")
    def test_split(data: str, seed: int, per_class: int, n_points: int, charset: str = "az"):
        """(X, y, writers or None) of a data source's test split, built once and shared read-only by every rerun."""
        splits = char_splits(data, seed, per_class, n_points, charset=charset)
        return splits.X["test"], splits.y["test"], splits.writers.get("test")

    @st.cache_data(max_entries=8, show_spinner="Classifying the test split…")
    def classifier_result(model_key: str, _clf):
        cfg = _clf.config
        return evaluate_classifier(_clf, *test_split(cfg.data, cfg.seed, cfg.per_class, cfg.n_points, cfg.charset))

    clf = picked.model
    try:
        res = classifier_result(picked.key, clf)
    except InputError as exc:
        show_input_error(exc)
        st.stop()
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
    report = pd.DataFrame(res["report"]).T.reset_index(names="class")
    left, right = st.columns(2)
    left.markdown("**Classification report**")
    left.dataframe(report, hide_index=True, height=400)
    right.markdown("**Per-class accuracy**")
    right.dataframe(pd.DataFrame({"class": list(res["per_class"]), "accuracy": list(res["per_class"].values())}),
                    hide_index=True, height=400, column_config={"accuracy": st.column_config.ProgressColumn(
                        "accuracy", min_value=0.0, max_value=1.0, format="%.2f")})
    st.subheader("Misclassified samples")
    bad = misclassified(res["y_true"], res["y_pred"], 12)
    st.caption(f"{len([1 for t, p in zip(res['y_true'], res['y_pred']) if t != p])} of {res['n']} test samples "
               "are misclassified; the features are drawn as their (x, y) channels.")
    if bad:
        cfg = clf.config
        X = test_split(cfg.data, cfg.seed, cfg.per_class, cfg.n_points, cfg.charset)[0]
        cols = st.columns(6)
        for j, i in enumerate(bad):
            f = X[i]
            starts = list(np.flatnonzero(f[:, 4] > 0.5)) + [len(f)]
            ink = [f[a:b, :2] for a, b in pairwise(starts) if b > a]
            cols[j % 6].plotly_chart(ink_figure(ink, f"{res['y_true'][i]} → {res['y_pred'][i]}", order=False,
                                                height=160, compact=True), key=f"eval_mis_{j}",
                                     config={"displayModeBar": False}, width="content")
