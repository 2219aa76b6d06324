"""Research: seed 001's open questions, answered by sweeps you can rerun."""
import pandas as pd
import plotly.express as px
import streamlit as st

from core.errors import InputError
from core.paths import research_dir
from core.train.data_movement_study import CSV_NAME, FOLDER, data_movement_table, summary
from core.train.research import QUESTIONS, launch_small
from dashboard.glossary import explain
from dashboard.research_text import ANSWERS, DATA_MOVEMENT_TITLE

st.title("Research")
st.caption("Seed 001 ended with open questions. Each is answered by a sweep of ordinary runs "
           "(`python -m core sweep ...`); the figures below come from the shipped results in "
           "`checkpoints/research/`, and each button reruns a small version live.")
with st.expander("What seed 001, invocab and heldout mean"):
    st.markdown(explain("seed 001", "invocab", "heldout"))


def load(name: str) -> pd.DataFrame | None:
    f = research_dir() / name / "sweep.csv"
    return pd.read_csv(f) if f.exists() else None


def figure(name: str, df: pd.DataFrame):
    if name == "bidirectional":
        g = df.groupby(["preset", "bidirectional"])[["invocab_cer", "heldout_cer"]].mean().reset_index()
        g = g.melt(["preset", "bidirectional"], var_name="split", value_name="CER")
        return px.bar(g, x="preset", y="CER", color="bidirectional", barmode="group", facet_col="split",
                      title="Final CER, uni- vs bidirectional (mean over seeds)")
    if name == "hidden":
        g = df.groupby("hidden")[["invocab_cer", "heldout_cer", "parameters"]].mean().reset_index()
        fig = px.line(g, x="hidden", y=["invocab_cer", "heldout_cer"], log_x=True, markers=True,
                      hover_data=["parameters"], title="Final CER against hidden size (mean over seeds)",
                      labels={"value": "CER", "hidden": "hidden units per direction"})
        return fig.update_xaxes(tickvals=sorted(g["hidden"]))
    if name == "seeds":
        long = df.melt(["preset", "seed"], ["invocab_cer", "heldout_cer"], var_name="split", value_name="CER")
        return px.strip(long, x="preset", y="CER", color="split", title="Final CER of every seed (seeds 0-9)")
    if name == "compositional":
        g = df.groupby(["holdout_frac", "cut_fraction"])[["heldout_cer", "heldout_word_acc"]].mean().reset_index()
        return px.line(g, x="holdout_frac", y="heldout_cer", color="cut_fraction", markers=True,
                       title="Held-out CER against the held-out fraction, with and without letter cuts",
                       labels={"holdout_frac": "held-out fraction of the vocabulary", "heldout_cer": "held-out CER"})
    return None


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
            st.plotly_chart(figure(name, df), key=f"research_fig_{name}")
        st.markdown(ANSWERS.get(name, ""))
        if st.button("Rerun a small version", key=f"research_run_{name}",
                     help="one seed, 6 epochs, in the background; results appear below as runs finish"):
            try:
                launch_small(name)
            except InputError as exc:
                st.error(exc.message)
        show_small(name)

def timing_figure(df: pd.DataFrame):
    return px.bar(df, x="model", y=["within_letter", "in_last_fifth"], barmode="group",
                  title="Share of letters emitted while drawn, and in the word's last fifth",
                  labels={"value": "share of letters", "variable": ""})


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


def adaptation_figure(df: pd.DataFrame):
    g = df.groupby("n")[["own_cer", "others_cer"]].mean().reset_index()
    g = g.rename(columns={"own_cer": "the writer's other words", "others_cer": "other writers' words"})
    fig = px.line(g, x="n", y=["the writer's other words", "other writers' words"], markers=True,
                  title="Greedy CER after adapting to N words of a writer (mean over writers)",
                  labels={"n": "N: the writer's words adapted to (0: as shipped)", "value": "CER", "variable": ""})
    return fig.update_xaxes(tickvals=sorted(g["n"]))


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
    if adaptation is None:
        st.info("No shipped results for this question yet; run the small version below.")
    else:
        st.plotly_chart(adaptation_figure(adaptation), key="research_adaptation")
    st.markdown(ANSWERS.get("adaptation", ""))
    if adaptation is not None:
        with st.expander("Per writer"):
            st.caption("Greedy CER on the writer's other words after adapting to N of them (N = 0: as shipped)")
            table = adaptation.pivot_table(index=["contributor", "writer"], columns="n", values="own_cer").round(3)
            st.dataframe(table.rename(columns=lambda n: f"N = {n}").reset_index(), hide_index=True)
    if st.button("Rerun a small version", key="research_run_adaptation",
                 help="two test writers, N = 5 and 20, in the background (the Collect page's adaptation recipe)"):
        try:
            launch_small("adaptation")
        except InputError as exc:
            st.error(exc.message)
    show_small_adaptation()


def data_movement_figure(df: pd.DataFrame):
    curve = df[df["group"].isin(["seed 001's word", "lines (T and S)", "quick"])].sort_values("T")
    parts = {"cost_ctc": "CTC (forward-backward and gradient)", "cost_blstm": "BLSTM (forward and BPTT)",
             "cost_output": "output layer"}
    long = curve.melt(["T", "S", "H"], list(parts), var_name="part", value_name="ByteDMD cost")
    return px.line(long.replace({"part": parts}), x="T", y="ByteDMD cost", color="part", log_x=True, log_y=True,
                   markers=True, hover_data=["S", "H"],
                   title="ByteDMD cost of one word's training step against its frames T (S grows with T)")


with st.container(border=True):
    st.subheader(DATA_MOVEMENT_TITLE)
    shipped = research_dir() / FOLDER / CSV_NAME
    if shipped.exists():
        st.plotly_chart(data_movement_figure(pd.read_csv(shipped)), key="research_dm_fig")
    else:
        st.info("No shipped results for this question yet; run the quick version below.")
    st.markdown(ANSWERS.get("data-movement", ""))
    if st.button("Rerun the quick version", key="research_dm_rerun",
                 help="three small training steps (H = 16, T = 40, 80, 160) traced here, in a few seconds"):
        with st.spinner("Tracing three training steps…"):
            st.session_state["research_dm_quick"] = data_movement_table(quick=True)
    if st.session_state.get("research_dm_quick"):
        quick = pd.DataFrame(st.session_state["research_dm_quick"])
        st.plotly_chart(data_movement_figure(quick), key="research_dm_quick_fig")
        st.dataframe(pd.DataFrame(summary(st.session_state["research_dm_quick"])), hide_index=True)
