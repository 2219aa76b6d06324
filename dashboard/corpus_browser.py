"""The Data page's UNIPEN corpus tab: pick a source, see its categories by contributor, browse its samples.

The corpus is loaded once per server per source (`st.cache_resource`),
with its progress on the page the first time; everything after is pandas
on the cached table (`dashboard.corpus_view`), so reruns are fast and the
browser receives counts and one sample, never the whole corpus.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.errors import InputError
from core.ink.io import limit_points
from core.paths import unipen_fixture, unipen_train_archive
from dashboard.corpus_view import (
    FIXTURE,
    REPAIR_MEANING,
    TRAINING,
    CorpusView,
    by_contributor,
    category_name,
    category_summary,
    counts_of,
    default_source,
    matching,
    source_of_path,
    source_stamp,
    tablet_facts,
)
from dashboard.messages import show_input_error
from dashboard.plots import ink_figure, ink_grid_figure

PATH = "path"
EVERY = ""  # the "every contributor / writer" choice
PER_PAGE = 20


@st.cache_resource(max_entries=2, show_spinner="Reading the UNIPEN corpus (once per server and source)…")
def _view(source: str, stamp: tuple, _progress) -> CorpusView:
    """The loaded corpus and its table; `stamp` renews it when the archive or data folder changes."""
    return CorpusView.load(source, _progress)


def load_view(source: str) -> CorpusView:
    """The cached view of `source`; the first time, the loader's messages (unpacking, parsing) show on the page."""
    note = st.empty()
    view = _view(source, source_stamp(source), lambda message: note.info(message, icon=":material/hourglass:"))
    note.empty()
    return view


def pick_source() -> str | None:
    """The UNIPEN source chosen: the training corpus (when present), the fixture, or a typed path (None: not yet)."""
    options = ([TRAINING] if unipen_train_archive().is_file() else []) + [FIXTURE, PATH]
    names = {TRAINING: f"the training corpus ({unipen_train_archive().name})",
             FIXTURE: f"the small test fixture ({unipen_fixture()})", PATH: "a folder or archive path…"}
    choice = st.radio("UNIPEN source", options, index=options.index(default_source()), horizontal=True,
                      key="data_corpus_source", format_func=names.get)
    if choice != PATH:
        return choice
    text = st.text_input("Folder or archive", key="data_corpus_path", placeholder="/path/to/unipen or .tar.xz",
                         help="a folder with data/ and include/ (or holding one), or a .tar.xz, .tar.gz or .zip "
                              "of one; an archive is unpacked once into the cache folder")
    if not text.strip():
        st.info("Type the path of a UNIPEN folder (with data/ and include/) or of an archive of one.",
                icon=":material/folder_open:")
        return None
    return source_of_path(text)


def overview(view: CorpusView) -> None:
    report, table = view.corpus.report, view.table
    st.caption(f"`{view.corpus.root}`: {report.summary()}. {report.from_cache:,} of {report.seen:,} files came "
               "from the corpus cache unparsed.")
    st.markdown("**Categories**")
    st.dataframe(category_summary(table), hide_index=True, column_config={
        "category": st.column_config.TextColumn("category", width="small")})
    c1, c2 = st.columns([3, 1])
    c1.markdown("**Contributors by category**")
    count = c2.radio("Count", ["samples", "writers"], horizontal=True, key="data_corpus_count",
                     label_visibility="collapsed")
    st.dataframe(by_contributor(table, count), hide_index=True, height=300)
    if report.repaired or report.skipped:
        with st.expander(f"What the tolerant reader repaired ({len(report.repaired):,} files) and skipped "
                         f"({len(report.skipped):,} files)"):
            kinds = report.files_by_kind()
            st.dataframe(pd.DataFrame([{"repair": k, "files": n, "repairs": report.repairs_by_kind()[k],
                                        "what it means": REPAIR_MEANING.get(k, "")} for k, n in kinds.most_common()]),
                         hide_index=True)
            if report.skipped:
                st.dataframe(pd.DataFrame([{"skipped because": why, "files": n}
                                           for why, n in report.skipped_by_reason().most_common()]), hide_index=True)


def _first_sample() -> None:
    """Another category, contributor, writer or search starts again at the first matching sample."""
    st.session_state.pop("data_corpus_pick", None)


def browser(view: CorpusView) -> None:
    table = view.table
    st.subheader("Sample browser")
    c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
    cats = counts_of(table, range(len(table)), "category")
    category = c1.selectbox("Category", list(cats), key="data_corpus_category", on_change=_first_sample,
                            format_func=lambda c: f"{category_name(c)} ({cats[c]:,})")
    in_cat = matching(table, category)
    people = counts_of(table, in_cat, "contributor")
    contributor = c2.selectbox("Contributor", [EVERY, *people], key="data_corpus_contributor", on_change=_first_sample,
                               format_func=lambda c: f"{c} ({people[c]:,})" if c else f"every one ({len(people)})")
    writers = counts_of(table, matching(table, category, contributor), "writer") if contributor else {}
    writer = c3.selectbox("Writer", [EVERY, *writers], key="data_corpus_writer", on_change=_first_sample, disabled=not contributor,
                          format_func=lambda w: f"{w.split('/', 1)[-1]} ({writers[w]:,})" if w
                          else f"every one ({len(writers)})" if contributor else "choose a contributor first")
    query = c4.text_input("Label contains", key="data_corpus_query", on_change=_first_sample, help="exact text, case sensitive")
    rows = matching(table, category, contributor, writer, query)
    if not len(rows):
        st.info("No sample of this category, contributor and writer has a label containing "
                f"'{query}'." if query else "No sample matches.")
        return
    if st.session_state.get("data_corpus_pick", 1) > len(rows):
        _first_sample()
    k = st.number_input(f"Sample (of {len(rows):,} matching)", 1, len(rows), 1, key="data_corpus_pick") - 1
    sample = view.sample(rows[k])
    left, right = st.columns([3, 2])
    with left:
        if sample.ink:
            st.plotly_chart(ink_figure(limit_points(sample.ink), f"'{sample.label}' by {sample.writer} "
                                       f"({category_name(sample.data_category)}), sample {k + 1} of {len(rows):,}",
                                       height=380), key="data_corpus_ink")
            st.caption("Each stroke starts at its ringed number; its points run from purple (start) to yellow "
                       "(end). y points up.")
        else:
            st.warning(f"'{sample.label}' has no pen-down points to draw.")
    with right:
        st.markdown("**Tablet and file**")
        st.dataframe(pd.DataFrame(tablet_facts(sample), columns=["fact", "value"]), hide_index=True)
        repairs = view.file_repairs(sample)
        st.markdown("**Repairs in this sample's file**")
        if repairs:
            st.dataframe(pd.DataFrame([{"repair": kind, "times": n, "what it means": REPAIR_MEANING.get(kind, "")}
                                       for kind, n in repairs.items()]), hide_index=True)
        else:
            st.success("The file needed no repair: a strict reader reads it as it is.", icon=":material/check:")
    page = rows[k:k + PER_PAGE]
    items = [(view.sample(r).label[:14] or "·", limit_points(view.sample(r).ink)) for r in page]
    st.plotly_chart(ink_grid_figure(items, f"Matching samples {k + 1}-{k + len(page)} of {len(rows):,}",
                                    columns=10, fit="each"), key="data_corpus_grid", config={"displayModeBar": False})


def show_corpus() -> None:
    st.caption("The whole of a UNIPEN corpus: how many samples and writers each contributor gave to each "
               "category, and any sample with its stroke order, its tablet and what the reader repaired.")
    try:
        source = pick_source()
        if source is None:
            return
        view = load_view(source)
    except InputError as exc:
        show_input_error(exc)
        return
    overview(view)
    browser(view)
