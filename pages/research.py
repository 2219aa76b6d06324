"""Research: seed 001's open questions, answered by sweeps you can rerun."""
import pandas as pd
import streamlit as st

from core.errors import InputError
from core.files.atomic import read_json
from core.paths import research_dir
from core.train.research import QUESTIONS, launch_small
from dashboard.glossary import explain
from dashboard.research_adaptation import (adaptation_answer, adaptation_figure, adaptation_summary, adaptation_table,
                                           per_writer_table, recipes_caption, recipes_table)
from dashboard.research_data_movement import show_data_movement
from dashboard.research_figures import sweep_figure, timing_figure
from dashboard.research_text import ANSWERS

st.title("Research")
st.caption("Seed 001 ended with open questions. Each is answered by a sweep of ordinary runs "
           "(`python -m core sweep ...`); the figures below come from the shipped results in "
           "`checkpoints/research/`, and each button reruns a small version live.")
with st.expander("What seed 001, invocab and heldout mean"):
    st.markdown(explain("seed 001", "invocab", "heldout"))


def load(name: str) -> pd.DataFrame | None:
    f = research_dir() / name / "sweep.csv"
    return pd.read_csv(f) if f.exists() else None


@st.fragment(run_every=2)
def show_small(name: str) -> None:
    small = load(name + "-small")
    log = research_dir() / f"{name}-small" / "log.txt"
    if small is not None:
        st.caption(f"Small rerun (one seed, 6 epochs): {len(small)} runs finished")
        st.dataframe(small, hide_index=True)
    elif log.exists():
        st.caption("Small rerun started: " + (log.read_text()[-300:] or "waiting for the first run…"))


for name, q in QUESTIONS.items():
    with st.container(border=True):
        st.subheader(q.title)
        df = load(name)
        if df is None:
            st.info("No shipped results for this question yet; run the small version below.")
        else:
            st.plotly_chart(sweep_figure(name, df), key=f"research_fig_{name}")
        st.markdown(ANSWERS.get(name, ""))
        if st.button("Rerun a small version", key=f"research_run_{name}",
                     help="one seed, 6 epochs, in the background; results appear below as runs finish"):
            try:
                launch_small(name)
            except InputError as exc:
                st.error(exc.message)
        show_small(name)

@st.fragment(run_every=2)
def show_small_timing() -> None:
    folder = research_dir() / "timing-small"
    if (folder / "timing-small.csv").exists():
        st.caption("Small rerun (6 epochs):")
        st.dataframe(pd.read_csv(folder / "timing-small.csv"), hide_index=True)
    elif (folder / "log.txt").exists():
        st.caption("Small rerun started: " + ((folder / "log.txt").read_text()[-300:] or "training the four readers…"))


with st.container(border=True):
    st.subheader("Where does the reader emit each letter?")
    timing = research_dir() / "timing.csv"
    if timing.exists():
        st.plotly_chart(timing_figure(pd.read_csv(timing)), key="research_timing")
    else:
        st.info("No shipped results for this question yet; run the small version below.")
    st.markdown(ANSWERS.get("timing", ""))
    if st.button("Rerun a small version", key="research_run_timing",
                 help="the four readers with 6 epochs each, in the background; the table appears below"):
        launch_small("timing")
    show_small_timing()


@st.fragment(run_every=2)
def show_small_adaptation() -> None:
    small = load("adaptation-small")
    log = research_dir() / "adaptation-small" / "log.txt"
    if small is not None:
        st.caption("Small rerun (two writers, N = 5 and 20):")
        st.dataframe(small, hide_index=True)
    elif log.exists():
        st.caption("Small rerun started: " + (log.read_text()[-300:] or "loading the corpus…"))


with st.container(border=True):
    st.subheader("How many samples of your handwriting does the reader need?")
    adaptation = load("adaptation")
    adaptation_about = read_json(research_dir() / "adaptation" / "about.json") or {}
    if adaptation is None:
        st.info("No shipped results for this question yet; run the small version below.")
    else:
        groups = adaptation_summary(adaptation)
        st.markdown(adaptation_answer(groups, adaptation_about))
        st.plotly_chart(adaptation_figure(groups), key="research_adaptation")
        st.dataframe(adaptation_table(groups), hide_index=True, key="research_adaptation_table")
    st.markdown(ANSWERS.get("adaptation", ""))
    recipes = read_json(research_dir() / "adaptation" / "recipes.json")
    if recipes and recipes.get("summary"):
        with st.expander("How the recipe was chosen (validation writers)"):
            st.caption(recipes_caption(recipes))
            st.dataframe(recipes_table(recipes, adaptation_about.get("adapt")), hide_index=True)
    if adaptation is not None:
        with st.expander("Per writer"):
            st.caption("Pooled greedy CER on the writer's other words after adapting to N of them (N = 0: as shipped)")
            st.dataframe(per_writer_table(adaptation), hide_index=True)
    if st.button("Rerun a small version", key="research_run_adaptation",
                 help="two test writers, N = 5 and 20, in the background (the Collect page's adaptation recipe)"):
        try:
            launch_small("adaptation")
        except InputError as exc:
            st.error(exc.message)
    show_small_adaptation()


with st.container(border=True):
    show_data_movement()
