"""The Research page's data-movement question and its figures: ByteDMD cost against T, CTC's and BPTT's shares
under three measures (ByteDMD, FLOPs, torch wall time), the table behind them, the quick rerun and a step of
one's own."""
import pandas as pd
import plotly.express as px
import streamlit as st

from core.errors import InputError
from core.movement.study import (CSV_NAME, FOLDER, PARTS as STEP_PARTS, data_movement_table, estimated_seconds,
                                 own_setting, summary)
from core.paths import research_dir
from dashboard.research_text import ANSWERS, DATA_MOVEMENT_TITLE

CURVE = ("seed 001's word", "lines (T and S)", "quick")   # the rows along which T and S grow together
MEASURES = {"cost": "ByteDMD", "flops": "FLOPs", "seconds": "torch wall time"}
PARTS = {"ctc": "CTC", "bptt": "BPTT"}
SHARE_FORMAT = {f"{part} share of {measure}": st.column_config.NumberColumn(format="percent")
                for part in PARTS.values() for measure in ("ByteDMD", "FLOPs", "torch time")}


def cost_figure(df: pd.DataFrame, title: str = "ByteDMD cost of one word's training step against its frames T "
                "(S grows with T)"):
    """The ByteDMD cost of CTC, the BLSTM (forward and BPTT) and the output layer against T, along `CURVE`."""
    curve = df[df["group"].isin(CURVE)].sort_values("T")
    parts = {"cost_ctc": "CTC (forward-backward and gradient)", "cost_blstm": "BLSTM (forward and BPTT)",
             "cost_output": "output layer"}
    long = curve.melt(["T", "S", "H"], list(parts), var_name="part", value_name="ByteDMD cost")
    fig = px.line(long.replace({"part": parts}), x="T", y="ByteDMD cost", color="part", log_x=True, log_y=True,
                  markers=True, hover_data=["S", "H"], title=title)
    return fig.update_xaxes(tickvals=sorted(curve["T"].unique()))


def shares_figure(df: pd.DataFrame):
    """CTC's and BPTT's share of a training step under each measure, against T (None without those columns)."""
    cols = [f"{m}_share_{p}" for m in MEASURES for p in PARTS]
    if not set(cols) <= set(df.columns):
        return None
    curve = df[df["group"].isin(CURVE)].sort_values("T")
    long = curve.melt(["T", "S", "H"], cols, var_name="column", value_name="share")
    long["measure"] = long["column"].map({f"{m}_share_{p}": label for m, label in MEASURES.items() for p in PARTS})
    long["part"] = long["column"].map({f"{m}_share_{p}": label for m in MEASURES for p, label in PARTS.items()})
    fig = px.line(long, x="T", y="share", color="measure", facet_col="part", log_x=True, markers=True,
                  hover_data=["S", "H"], title="Share of one word's training step, by measure, against its frames T",
                  labels={"share": "share of the step"})
    fig.update_yaxes(tickformat=".0%").update_xaxes(tickvals=sorted(curve["T"].unique()))
    return fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))


def full_table(df: pd.DataFrame) -> pd.DataFrame:
    """Every measured setting: what it varies, its shares and how long tracing it took."""
    table = pd.DataFrame(summary(df.to_dict("records")))
    return table.assign(varies=df["group"].to_numpy())


def quick_caption(quick: pd.DataFrame) -> str:
    """What the live rerun found: CTC's and BPTT's shares of ByteDMD and how long the tracing took."""
    ctc, bptt = quick["cost_share_ctc"], quick["cost_share_bptt"]
    return (f"Traced here: {len(quick)} training steps (T = {', '.join(map(str, quick['T']))}, H = "
            f"{quick['H'].iloc[0]}) in {quick['trace_seconds'].sum():.1f} s. CTC's share of ByteDMD "
            f"{ctc.min():.2%} to {ctc.max():.2%}, BPTT's {bptt.min():.1%} to {bptt.max():.1%}.")


PART_NAMES = {"blstm_forward": "BLSTM forward", "bptt": "BPTT", "output": "output layer", "ctc": "CTC"}


def parts_table(row: dict) -> pd.DataFrame:
    """One traced step, a row per part: its ByteDMD cost and the mean price of a byte it read, and its share of
    ByteDMD, FLOPs and torch time."""
    return pd.DataFrame([{"part": PART_NAMES[p], "ByteDMD cost": row[f"cost_{p}"],
                          "mean sqrt(depth) per byte": row[f"cost_{p}"] / max(row[f"bytes_{p}"], 1),
                          **{f"share of {label}": row[f"{m}_share_{p}"] for m, label in MEASURES.items()}}
                         for p in STEP_PARTS])


def show_own_setting() -> None:
    """Sliders for T, letters, H and K, then one traced step and its parts."""
    with st.form("research_dm_own"):
        st.markdown("**Trace a step of your own**: one word's training step with the frames, letters, hidden "
                    "units and classes you choose.")
        c = st.columns(4)
        T = c[0].slider("frames T", 20, 1000, 300, step=10)
        L = c[1].slider("letters", 1, 60, 20)
        H = c[2].select_slider("hidden units per direction H", [8, 16, 32, 64, 128], 64)
        K = c[3].select_slider("classes K", [11, 27, 53, 96], 11, help="11: seed 001's; 96: reader-text's")
        registers = st.checkbox("blocked products: each product reads the vector it reuses once, not once per row",
                                help="the least the BLSTM must move; `--vectors-in-registers` on the command line")
        go = st.form_submit_button("Trace it")
    if go:
        try:
            setting = own_setting(T, L, H, K)
        except InputError as exc:
            st.error(exc.message)
            return
        with st.spinner(f"Tracing T = {T}, S = {setting.S}, H = {H}, K = {K}: about "
                        f"{estimated_seconds(setting):.0f} s on one core…"):
            st.session_state["research_dm_own_row"] = data_movement_table(settings=[setting], registers=registers)[0]
    row = st.session_state.get("research_dm_own_row")
    if row:
        blocked = ", blocked products" if row.get("vectors_in_registers") else ""
        st.caption(f"T = {row['T']}, S = {row['S']}, H = {row['H']}, K = {row['K']}{blocked}, traced in "
                   f"{row['trace_seconds']:.1f} s: CTC {row['cost_share_ctc']:.2%} of ByteDMD, BPTT "
                   f"{row['cost_share_bptt']:.1%}.")
        st.dataframe(parts_table(row), hide_index=True, column_config={
            "ByteDMD cost": st.column_config.NumberColumn(format="compact"),
            "mean sqrt(depth) per byte": st.column_config.NumberColumn(format="%.0f"),
            **{f"share of {label}": st.column_config.NumberColumn(format="percent") for label in MEASURES.values()}})


def show_data_movement() -> None:
    """The whole question: the shipped figures, the answer, the table, and a live rerun of the quick settings."""
    st.subheader(DATA_MOVEMENT_TITLE)
    shipped = research_dir() / FOLDER / CSV_NAME
    if shipped.exists():
        df = pd.read_csv(shipped)
        st.plotly_chart(cost_figure(df), key="research_dm_fig")
        shares = shares_figure(df)
        if shares is not None:
            st.plotly_chart(shares, key="research_dm_shares")
    else:
        st.info("No shipped results for this question yet; run the quick version below.")
    st.markdown(ANSWERS.get("data-movement", ""))
    if shipped.exists():
        with st.expander("Every measured setting"):
            st.dataframe(full_table(df), hide_index=True, column_config=SHARE_FORMAT)
    if st.button("Rerun the quick version", key="research_dm_rerun",
                 help="three small training steps (H = 16, T = 40, 80, 160) traced here, in a few seconds"):
        with st.spinner("Tracing three training steps…"):
            st.session_state["research_dm_quick"] = data_movement_table(quick=True)
    if st.session_state.get("research_dm_quick"):
        quick = pd.DataFrame(st.session_state["research_dm_quick"])
        st.caption(quick_caption(quick))
        st.plotly_chart(cost_figure(quick, "Rerun here: ByteDMD cost of three small steps against T"),
                        key="research_dm_quick_fig")
        st.dataframe(pd.DataFrame(summary(st.session_state["research_dm_quick"])), hide_index=True,
                     column_config=SHARE_FORMAT)
    show_own_setting()
