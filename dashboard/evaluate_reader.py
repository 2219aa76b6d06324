"""The Evaluate page's reader section: what a reader is scored on, its figures per split, per word or line,
its confusions and worst samples.

The model reads every evaluation sample once per model (`core.train.evaluate.read_sets`); each decoder then
decodes the same log-probabilities, so switching decoders never reads again. Both steps show a progress bar
and are kept in the model's store (`dashboard.eval_data.model_store`) for the whole server.
"""
from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from core.errors import InputError
from core.train.evaluate import encode_sets, read_sets, reader_confusion, score_read
from dashboard.eval_data import eval_data, model_store
from dashboard.evaluate_lines import decoder_radio, is_line_reader, show_char_confusion, show_lines, show_summary, \
    show_worst
from dashboard.glossary import explain
from dashboard.messages import show_input_error
from dashboard.plots import confusion_figure


def scored_data(description: dict, sizes: dict) -> str:
    """What a reader's evaluation sets are, in words (from the description its data source writes)."""
    n_in, n_out = sizes.get("invocab", 0), sizes.get("heldout", 0)
    if description.get("source") == "seed":
        return (f"seed 001's protocol: in-vocabulary ({n_in} samples: {description['eval_repeats']} fresh renderings "
                f"of each of the {len(description['train_words'])} training words) and held-out ({n_out} samples of "
                f"its {len(description['heldout_words'])} words never trained on)")
    if description.get("source") == "synthetic":
        return f"synthetic a-z words: in-vocabulary ({n_in} renderings) and held-out ({n_out} common English words)"
    every = "every test {}: a folder of other data, below 'Score on'"
    if description.get("charset") == "text":
        return (f"in-vocabulary ({n_in} text lines of the training contributors), held-out ({n_out} lines and words "
                f"of the validation contributors {', '.join(description['validation_contributors'])}, which choose "
                f"the epoch) and test ({sizes.get('test', 0)} lines, a fixed sample, of the test contributors "
                f"{', '.join(description['test_contributors'])}: labs whose writers no split trained on; "
                f"{every.format('line and word')})")
    if description.get("test_contributors"):
        return (f"in-vocabulary ({n_in} words composed from the training writers' real UNIPEN letters), held-out "
                f"({n_out} real words of the validation contributors {', '.join(description['validation_contributors'])}"
                f", which choose the epoch) and test ({sizes.get('test', 0)} real words, a fixed sample, of the test "
                f"contributors {', '.join(description['test_contributors'])}: labs whose writers no split trained on; "
                f"{every.format('word')})")
    return (f"in-vocabulary ({n_in} words composed from the training writers' real UNIPEN letters) and held-out "
            f"({n_out} real words by UNIPEN contributor {description.get('test_contributor', 'art')}, whose writers "
            "it never saw)")


class ProgressBar:
    """A progress bar for core's `progress(what, done, total)` callbacks, redrawn at most ten times a second;
    `say(message)` shows a loading step. Removed by `done()`."""

    def __init__(self, first: str):
        self.bar, self.shown = st.progress(0.0, text=first), 0.0

    def __call__(self, what: str, done: int, total: int) -> None:
        if done == total or time.monotonic() - self.shown > 0.1:
            self.bar.progress(done / max(total, 1), text=f"{what}: {done:,} of {total:,}")
            self.shown = time.monotonic()

    def say(self, message: str) -> None:
        self.bar.progress(0.0, text=message)

    def done(self) -> None:
        self.bar.empty()


def reader_result(picked, decoder: str, beam: int) -> tuple[dict, object]:
    """(score_read's result, the evaluation data) of the picked reader with one decoder; each step once per
    model (and per decoder and beam width), with a progress bar while it runs."""
    reader, store = picked.model, model_store(picked.key)
    key = (decoder, beam if decoder == "beam" else 0)
    if key in store and "read" in store:
        return store[key], store["data"]
    bar = ProgressBar("Preparing the evaluation data…")
    try:
        data = eval_data(picked.key, reader, bar.say)
        if "read" not in store:
            bar.say("encoding the evaluation samples…")
            store["read"] = read_sets(reader.model, encode_sets(reader.config, data.eval_sets), bar)
        lexicon = data.lexicon if decoder == "lexicon" else None
        store[key] = score_read(store["read"], reader.alphabet, decoder, lexicon, beam, bar)
    finally:
        bar.done()
    return store[key], data


def show_reader(picked) -> None:
    """The reader section: decoder choice, what is scored, then the line or word views."""
    reader = picked.model
    lines = is_line_reader(reader.alphabet)  # a line reader: per-line table, WER and word confusions
    c1, c2 = st.columns(2)
    decoder = decoder_radio(c1, reader.alphabet, "eval_decoder")
    beam = c2.slider("Beam width", 1, 32, 10, key="eval_beam", disabled=decoder != "beam")
    try:
        result, data = reader_result(picked, decoder, beam)
    except InputError as exc:
        show_input_error(exc)
        return
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
        return
    fixture = data.description.get("source") != "seed" and not data.description.get("test_contributors")
    st.caption(explain("invocab", "heldout") + ("\n\n" + explain("art") if fixture else ""))
    show_word_views(result, data, reader.alphabet)


def show_word_views(result: dict, data, alphabet) -> None:
    """A word reader's views: summary per split, the per-word table, character confusion, worst samples."""
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
    labels, counts = reader_confusion(result["predictions"], alphabet)
    st.plotly_chart(confusion_figure(counts, labels, title="Character confusion (true × predicted)"),
                    key="eval_char_confusion")

    show_worst(result["predictions"], data.eval_sets, 8)
