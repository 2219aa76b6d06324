"""The Evaluate page's folder scoring: a model on a UNIPEN folder or archive, or on a folder of Ink JSON files.

The figures come from `core.evaluation.sources.score_on`, the function behind
`python -m core evaluate CHECKPOINT --data unipen:PATH|ink:DIR`, so the
page and the command line agree. Tables per category, contributor and
writer are hardest first; what could not be scored is counted by reason.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.data.az_words import default_lexicon
from core.errors import InputError
from core.evaluation.sources import (
    default_categories,
    is_other_data,
    own_test_contributors,
    own_test_selection,
    score_on,
)
from core.ink.unipen_categories import LEVELS
from core.paths import unipen_train_archive
from dashboard.corpus_view import TRAINING, category_name, source_of_path
from dashboard.evaluate_lines import decoder_radio, is_line_reader, show_lines
from dashboard.messages import show_input_error

FORMATS = {TRAINING: "the UNIPEN training corpus", "unipen": "a UNIPEN folder or archive",
           "ink": "a folder of Ink JSON files (ink:DIR)"}
FIGURES = {"reader": {"cer": "CER", "corpus_cer": "corpus CER", "word_acc": "word accuracy", "wer": "WER"},
           "classifier": {"accuracy": "accuracy", "top5": "top-5"},
           # a line reader: word accuracy is 1 - WER; a sample (a word or a whole line) read exactly is word_acc
           "lines": {"cer": "CER", "corpus_cer": "corpus CER", "wer": "WER", "word_accuracy": "word accuracy",
                     "word_acc": "read exactly"}}


@st.cache_data(max_entries=8, show_spinner="Reading the data and scoring every sample the model can read…")
def _scored(model_key: str, source: str, categories: tuple, contributors: tuple, decoder: str, beam: int,
            _model, _ckpt: dict) -> dict:
    """The scores of one model on one source and choice, cached by the model's key and the choice."""
    lexicon = default_lexicon(_ckpt) if decoder == "lexicon" else None
    result = score_on(source, _ckpt, _model, list(categories) or None, list(contributors) or None, decoder,
                      lexicon, beam)
    if not is_line_reader(_ckpt.get("alphabet", ())):  # a line reader's page shows every line it read
        result.pop("predictions", None)
    return result


def _source(fmt: str, path: str) -> str:
    """The `--data` value of the form's choice, with a clear error for a path that cannot be one."""
    if fmt == TRAINING:
        return TRAINING
    if fmt == "unipen":
        return source_of_path(path)
    if not path.strip():
        raise InputError("type the path of a folder of Ink JSON files", 'each file needs {"strokes": ..., "label"}')
    return f"ink:{path.strip()}"


def _form(kind: str, ckpt: dict) -> dict | None:
    formats = [f for f in FORMATS if f != TRAINING or unipen_train_archive().is_file()]
    with st.form("eval_folder_form"):
        c1, c2 = st.columns([1, 2])
        fmt = c1.radio("Data", formats, format_func=FORMATS.get, key="eval_folder_format")
        path = c2.text_input("Folder or archive path", key="eval_folder_path",
                             help="read on the server; not needed for the training corpus. A UNIPEN folder holds "
                                  "data/ and include/; an archive (.tar.xz, .tar.gz, .zip) is unpacked once into "
                                  "the cache folder; Ink JSON files need a \"label\"")
        d1, d2, d3 = st.columns(3)
        cats = d1.multiselect("UNIPEN categories", list(LEVELS), key="eval_folder_categories",
                              format_func=category_name, placeholder=f"{', '.join(default_categories(ckpt))} "
                              "(the model's own)", help="empty: the categories this model reads")
        people = d2.text_input("Contributors", key="eval_folder_contributors", placeholder="every one",
                               help="UNIPEN contributors to keep, comma-separated (e.g. aga, apa)")
        split = d3.radio("Split", ["test", "all"], key="eval_folder_split", horizontal=True,
                         format_func={"test": "test (on its own training folder)", "all": "every sample"}.get,
                         help="on the folder the model trained on, 'test' means its own test split (scored "
                              "under 'its own test split' above); on any other folder every sample is scored")
        decoder, beam = "greedy", 10
        if kind == "reader":
            e1, e2 = st.columns(2)
            decoder = decoder_radio(e1, ckpt["alphabet"], "eval_folder_decoder")
            beam = e2.slider("Beam width", 1, 32, 10, key="eval_folder_beam")
        if not st.form_submit_button("Score", type="primary"):
            return st.session_state.get("eval_folder_request")
    request = {"format": fmt, "path": path, "categories": tuple(cats), "split": split, "decoder": decoder,
               "beam": beam, "contributors": tuple(t.strip() for t in people.split(",") if t.strip())}
    st.session_state["eval_folder_request"] = request
    return request


def _table(table: dict, name: str, kind: str) -> pd.DataFrame:
    rows = [{name: k, "samples": r["n"], **{label: _figure(r, key) for key, label in FIGURES[kind].items()}}
            for k, r in table.items()]
    return pd.DataFrame(rows)


def _figure(r: dict, key: str) -> float:
    return 1.0 - r["wer"] if key == "word_accuracy" else r[key]


def _show(result: dict, kind: str) -> None:
    figures = FIGURES[kind]
    cols = st.columns(len(figures) + 1)
    cols[0].metric("Samples scored", f"{result['n']:,}")
    for col, (key, label) in zip(cols[1:], figures.items()):
        col.metric(label, f"{_figure(result, key):.3f}")
    worst = "lowest accuracy" if kind == "classifier" else "highest CER"
    fmt = {label: st.column_config.NumberColumn(label, format="%.3f") for label in figures.values()}
    for group, title in (("category", "Per category"), ("contributor", "Per contributor"), ("writer", "Per writer")):
        table = result[f"by_{group}"]
        st.markdown(f"**{title}** ({len(table):,}, hardest first: {worst} at the top)")
        st.dataframe(_table(table, group, kind), hide_index=True, column_config=fmt,
                     height=min(400, 38 + 35 * len(table)))
    if result["skipped"]:
        st.markdown(f"**Not scored** ({sum(result['skipped'].values()):,} samples or files)")
        st.dataframe(pd.DataFrame([{"reason": why, "count": n} for why, n in result["skipped"].items()]),
                     hide_index=True)
    else:
        st.caption("Every sample of the chosen categories was scored.")
    if kind == "lines":
        show_lines(result["predictions"], "eval_folder_lines")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def folder_scoring(picked, kind: str) -> None:
    """The form, then the scores of `picked` (dashboard.models.Picked) on the chosen folder."""
    request = _form(kind, picked.ckpt)
    if request is None:
        st.info("Choose the data and press **Score**.", icon=":material/fact_check:")
        return
    try:
        source = _source(request["format"], request["path"])
        own = not is_other_data(source, picked.ckpt, "test")
        tested = own and request["split"] == "test" and bool(own_test_contributors(picked.ckpt))
        if tested:  # a model split by contributor: its own test split is every sample of its test contributors
            mine = own_test_selection(picked.ckpt, list(request["contributors"]),
                                      "choose the split 'every sample' to score contributors it trained on")
            request = {**request, "contributors": tuple(mine)}
        elif own and request["split"] == "test":
            st.info(f"`{source}` is the folder **{picked.label}** trained on, so the test split is its own test "
                    "split: see *its own test split* above, or choose the split *every sample* to score the "
                    "whole folder, training samples included.", icon=":material/info:")
            return
        result = _scored(picked.key, source, request["categories"], request["contributors"], request["decoder"],
                         request["beam"], picked.model, picked.ckpt)
    except InputError as exc:
        show_input_error(exc)
        return
    cats = ", ".join(result["by_category"])
    who = f" by contributors {', '.join(request['contributors'])}" if request["contributors"] else ""
    split = ("its own test split: every sample of its test contributors, labs whose writers no split trained on"
             if tested else "every sample of the folder it trained on, training samples included (split all)" if own
             else "every sample it can read (it did not train on this folder)")
    decoder = f"; decoder: {request['decoder']}" if kind == "reader" else ""
    st.info(f"Scoring **{picked.label}** on `{source}`, categories {cats}{who}: {split}{decoder}. "
            f"{result['n']:,} samples by {_count(len(result['by_contributor']), 'contributor')} and "
            f"{_count(len(result['by_writer']), 'writer')}.", icon=":material/fact_check:")
    _show(result, "lines" if kind == "reader" and is_line_reader(picked.ckpt["alphabet"]) else kind)
