"""The Evaluate page's views of a line reader (its alphabet has the space): per-line table, summaries with WER,
word-level confusions, a character confusion one group of characters at a time, the worst samples.

A word reader's views stay in pages/evaluate.py; these take the predictions
of `core.train.evaluate.evaluate_sets` (with `split`) or of
`core.evaluation.sources.score_on` (with `category`, `contributor`, `writer`): dicts
with `target` and `pred`. A line's WER is its word-level edit distance over
its number of target words; word accuracy is 1 − WER (Graves et al. 2009's
measure: it counts inserted words against the reading, so it can fall below
0); "read exactly" is the share of samples read without an error.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import streamlit as st

from core.data.alphabets import CHAR_GROUPS, char_group
from core.train.evaluate import reader_confusion, worst_samples
from core.train.metrics import cer, line_wer, misread_words, summarise, word_confusions, word_error_rate
from dashboard.plots import confusion_figure, ink_figure

SPACE = "␣"  # how a space is shown in a label
WORD_DECODERS = ["greedy", "beam", "lexicon"]
LINE_DECODERS = WORD_DECODERS + ["lm"]
MARKDOWN = set("\\`*_{}[]()#+-.!|<>$~:")
GROUPS = ("split", "category", "contributor", "writer")  # the columns a prediction may name it by
SUMMARY_FORMAT = {
    "CER": st.column_config.NumberColumn("CER", format="%.3f", help="mean per sample of edits / target length"),
    "corpus CER": st.column_config.NumberColumn("corpus CER", format="%.3f",
                                                help="all edits / all target characters"),
    "WER": st.column_config.NumberColumn("WER", format="%.3f",
                                         help="word-level edits (substituted, missing, inserted words) / target "
                                              "words"),
    "word accuracy": st.column_config.NumberColumn("word accuracy", format="%.3f",
                                                   help="1 − WER (Graves et al. 2009): the share of target words "
                                                        "read right, less the inserted ones"),
    "read exactly": st.column_config.NumberColumn("read exactly", format="%.3f",
                                                  help="the share of samples (a word, or a whole line) read "
                                                       "without an error"),
}


def md_escape(text: str) -> str:
    """Text shown as itself in markdown (a line may hold * _ # [ ] and the like)."""
    return "".join("\\" + c if c in MARKDOWN else c for c in text)


def is_line_reader(alphabet: Sequence[str]) -> bool:
    """A reader of lines: its alphabet has the space."""
    return " " in alphabet


def decoders_for(alphabet: Sequence[str]) -> list[str]:
    """The decoders a reader offers: lm (a dictionary and a word bigram) too for a line reader."""
    return LINE_DECODERS if is_line_reader(alphabet) else WORD_DECODERS


def decoder_radio(where, alphabet: Sequence[str], key: str) -> str:
    """A decoder radio for this reader; a choice the reader does not offer (lm, left by a line reader) resets."""
    options = decoders_for(alphabet)
    if st.session_state.get(key) not in (None, *options):
        st.session_state.pop(key)
    return where.radio("Decoder", options, horizontal=True, key=key,
                       help="lm: a prefix beam search with a 20,000-word dictionary and a word bigram "
                            "(core.ctc.lm); a line reader's lexicon decoding reads every word of a line from the "
                            "lexicon" if is_line_reader(alphabet) else None)


def figures(preds: Sequence[str], targets: Sequence[str]) -> dict:
    """samples, CER, corpus CER, WER, word accuracy (1 − WER) and read exactly of some samples."""
    s = summarise(preds, targets)
    wer = word_error_rate(preds, targets)
    return {"samples": s["n"], "CER": s["cer"], "corpus CER": s["corpus_cer"], "WER": wer,
            "word accuracy": 1.0 - wer, "read exactly": s["word_acc"]}


def line_summary(predictions: Sequence[dict], by: str) -> pd.DataFrame:
    """One row of `figures` per value of `by` ("split", "category", ...) in the order met, then "all"."""
    rows = []
    for name in dict.fromkeys(str(p[by]) for p in predictions):
        part = [p for p in predictions if str(p[by]) == name]
        rows.append({by: name, **figures([p["pred"] for p in part], [p["target"] for p in part])})
    if len(rows) != 1:
        rows.append({by: "all", **figures([p["pred"] for p in predictions], [p["target"] for p in predictions])})
    return pd.DataFrame(rows)


def line_table(predictions: Sequence[dict]) -> pd.DataFrame:
    """target, read, CER, WER and whichever of split/category/contributor/writer the predictions name;
    the worst first (highest CER, then highest WER, then the longest target); the index is each row's position
    in `predictions`."""
    known = [g for g in GROUPS if predictions and g in predictions[0]]
    rows = [{"target": p["target"], "read": p["pred"], "CER": cer(p["pred"], p["target"]),
             "WER": line_wer(p["pred"], p["target"]), **{g: str(p[g]) for g in known}} for p in predictions]
    table = pd.DataFrame(rows, columns=["target", "read", "CER", "WER", *known])
    order = np.lexsort((-table["target"].str.len().to_numpy(), -table["WER"].to_numpy(), -table["CER"].to_numpy()))
    return table.iloc[order]


def confusion_table(predictions: Sequence[dict]) -> pd.DataFrame:
    """(target word, read as, count) of every word-level error, most frequent first."""
    rows = word_confusions([p["pred"] for p in predictions], [p["target"] for p in predictions])
    return pd.DataFrame([{"target word": "(inserted)" if t is None else t, "read as": "(missing)" if r is None else r,
                          "count": n} for t, r, n in rows], columns=["target word", "read as", "count"])


def misread_table(predictions: Sequence[dict]) -> pd.DataFrame:
    """The target words most often misread: word, times in the targets, times misread, share, most often read as."""
    rows = misread_words([p["pred"] for p in predictions], [p["target"] for p in predictions])
    return pd.DataFrame([{"word": r["word"], "times": r["n"], "misread": r["misread"], "share": r["share"],
                          "mostly read as": "(missing)" if r["read_as"] is None else r["read_as"]}
                         for r in rows], columns=["word", "times", "misread", "share", "mostly read as"])


def show_summary(predictions: Sequence[dict], by: str) -> None:
    """The summary table of a line reader's predictions per `by`."""
    st.dataframe(line_summary(predictions, by), hide_index=True, column_config=SUMMARY_FORMAT)


def show_lines(predictions: Sequence[dict], key: str) -> None:
    """The per-line table (filterable, worst first) and the word-level confusions of `predictions`."""
    table = line_table(predictions)
    st.subheader("Per line")
    st.caption("Every sample read, the worst first (click a column's header to sort by it). WER: the line's "
               "word-level edit distance over its number of target words.")
    filters = [g for g in GROUPS if g in table and table[g].nunique() > 1][:2]
    cols = st.columns(len(filters) + 1)
    shown = table
    for col, group in zip(cols, filters):
        values = list(dict.fromkeys(table[group]))
        chosen = col.multiselect(group.capitalize() + ("s" if group != "category" else ""), values, default=values,
                                 key=f"{key}_{group}", format_func=str)
        shown = shown[shown[group].isin(chosen)]
    query = cols[-1].text_input("Filter lines containing", key=f"{key}_query",
                                help="kept when the target or the reading contains this text")
    if query:
        shown = shown[shown["target"].str.contains(query, regex=False) | shown["read"].str.contains(query, regex=False)]
    st.dataframe(shown, hide_index=True, width="stretch", height=min(420, 38 + 35 * max(1, len(shown))),
                 column_config={"CER": st.column_config.NumberColumn("CER", format="%.3f", width="small"),
                                "WER": st.column_config.NumberColumn("WER", format="%.3f", width="small")})

    st.subheader("Word confusion")
    kept = [predictions[i] for i in shown.index]  # the lines the filters keep
    confusions, misread = confusion_table(kept), misread_table(kept)
    n_words = sum(len(p["target"].split()) for p in kept)
    st.caption(f"The lines shown above ({n_words:,} target words): each line's words aligned to the words read by "
               "word-level edit distance; (missing): a target word the reading lacks, (inserted): a word read "
               "that the target lacks.")
    left, right = st.columns(2)
    left.markdown(f"**Most frequent confusions** ({len(confusions):,} distinct)")
    left.dataframe(confusions.head(200), hide_index=True, width="stretch", height=388,
                   column_config={"count": st.column_config.NumberColumn("count", format="%d")})
    right.markdown(f"**Words most often misread** ({len(misread):,} words)")
    right.dataframe(misread.head(200), hide_index=True, width="stretch", height=388,
                    column_config={"times": st.column_config.NumberColumn("times", help="in the targets"),
                                   "share": st.column_config.NumberColumn("share", format="%.2f",
                                                                          help="misread / times"),
                                   "mostly read as": st.column_config.TextColumn(
                                       "mostly read as", help="its most frequent wrong reading")})


def confusion_part(labels: Sequence[str], counts: np.ndarray, group: str = "all", min_count: int = 1
                   ) -> tuple[list[str], list[str], np.ndarray]:
    """(rows, columns, counts) of a character confusion (labels ending with ∅, as `char_confusion` gives):
    the rows of the true characters of one group (digits, capitals, lowercase, symbols; the space is a symbol;
    "all": every one) that occur, then the ∅ row of insertions; the columns of the characters they are read as
    at least `min_count` times in some row, then ∅ (deletions). The space is shown as ␣."""
    counts = np.asarray(counts)
    gap = len(labels) - 1
    rows = [i for i in range(gap) if counts[i].sum() and (group == "all" or char_group(labels[i]) == group)] + [gap]
    part = counts[rows]
    cols = [j for j in range(gap) if (part[:, j] >= max(1, min_count)).any()] + [gap]

    def name(i: int) -> str:
        return SPACE if labels[i] == " " else labels[i]

    return [name(i) for i in rows], [name(j) for j in cols], part[:, cols]


def groups_present(labels: Sequence[str], counts: np.ndarray) -> list[str]:
    """The character groups with a true character in a confusion, in CHAR_GROUPS' order."""
    counts = np.asarray(counts)
    met = {char_group(c) for i, c in enumerate(labels[:-1]) if counts[i].sum()}
    return [g for g in CHAR_GROUPS if g in met]


def show_char_confusion(predictions: Sequence[dict], alphabet: Sequence[str]) -> None:
    """The character confusion of a line reader: one group's true characters against what they are read as."""
    st.subheader("Character confusion")
    st.caption("Readings aligned to targets by edit distance: the rows are the true characters of one group "
               "(␣ is the space, among the symbols), the columns what they are read as; ∅ marks insertions "
               "(row) and deletions (column).")
    labels, counts = reader_confusion(predictions, alphabet)
    g1, g2 = st.columns([3, 1])
    groups = groups_present(labels, counts)
    group = g1.radio("True characters", groups + ["all"], horizontal=True, key="eval_line_cm_group",
                     index=groups.index("lowercase") if "lowercase" in groups else 0)
    least = g2.number_input("Columns read at least", 1, 1000, 2, key="eval_line_cm_least",
                            help="a column is shown when some row is read as it at least this many times")
    rows, columns, part = confusion_part(labels, counts, group, least)
    st.plotly_chart(confusion_figure(part, rows, hide_below=least, columns=columns,
                                     title=f"Character confusion: {group} (true × predicted)"),
                    key="eval_char_confusion")


def show_worst(predictions: Sequence[dict], sets: dict, k: int = 6) -> None:
    """The `k` samples with the highest CER, two a row, each under its target and reading."""
    st.subheader("Worst samples")
    worst = worst_samples(predictions, sets, k)
    if not worst:
        st.success("Every sample is read correctly.")
        return
    st.caption("The samples with the highest CER, each under its target and reading; x and y (up) are the "
               "ink's own units, at equal scale.")
    cols = st.columns(2)
    for i, row in enumerate(worst):
        with cols[i % 2]:
            st.markdown(f"**{md_escape(row['target'])}**  \nread: {md_escape(row['pred']) or '∅'} "
                        f"(CER {row['cer']:.2f})")
            st.plotly_chart(ink_figure(row["ink"], "", order=False, height=200, small=True),
                            key=f"eval_worst_{i}", config={"displayModeBar": False})
