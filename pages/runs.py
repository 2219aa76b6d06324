"""Runs: every run with its settings and figures; overlay curves, download, delete."""
import pandas as pd
import streamlit as st

from core.errors import InputError
from core.train.runs import delete_run, list_runs, read_metrics, run_path, zip_run
from core.train.sweep import read_sweep
from dashboard.glossary import explain
from dashboard.plots import curves_figure, sweep_figure

st.title("Runs")


def sweep_summary(sweep_id: str) -> None:
    """A sweep's plan, its sweep.csv so far, and its final figure against the first swept option."""
    plan, result = read_sweep(sweep_id)
    grid = plan.get("grid", {})
    st.markdown(f"**Sweep `{sweep_id}`**: preset `{plan.get('preset', '?')}`, "
                + ", ".join(f"{k} ∈ {v}" for k, v in grid.items()) + f", seeds {plan.get('seeds', '?')}: "
                f"{len(result)} of {plan.get('runs', '?')} runs finished")
    if not len(result) or not grid:
        return
    st.dataframe(result, hide_index=True, key="runs_sweep_table")
    metric = next((m for m in ("heldout_cer", "invocab_cer", "test_acc", "val_acc") if m in result), None)
    x = next(iter(grid))
    if metric and x in result:
        colour = next((k for k in grid if k != x and k in result), None)
        st.plotly_chart(sweep_figure(result, x, metric, colour), key="runs_sweep_fig")


runs = list_runs()
if not runs:
    st.info("No runs yet: start one on the Train page.")
    st.stop()

CONFIG_COLUMNS = ["hidden", "layers", "bidirectional", "batch_size", "lr", "epochs", "seed", "readout", "encoding"]
rows = []
for r in runs:
    # The configured lr, not the last scheduled one (0 at the end of a cosine run)
    last = {k: v for k, v in r["last"].items() if k not in ("epoch", "lr")}
    rows.append({"run": r["id"], "sweep": r.get("sweep") or "", "model": r["kind"], "preset": r["preset"],
                 "data": r["data"], "state": r["state"], "epoch": r["epoch"],
                 **{k: r["config"].get(k) for k in CONFIG_COLUMNS if k in r["config"]},
                 **{k: round(v, 4) if isinstance(v, float) else v for k, v in last.items()}})
table = pd.DataFrame(rows)
kinds = st.multiselect("Models", sorted(table["model"].unique()), default=sorted(table["model"].unique()),
                       key="runs_kinds")
table = table[table["model"].isin(kinds)]
sweeps = sorted({s for s in table["sweep"] if s}, reverse=True)
if sweeps:
    group = st.selectbox("Sweep", ["all runs", "runs outside sweeps", *sweeps], key="runs_sweep",
                         help="a sweep's runs are grouped under its id (started on the Train page or with "
                              "`python -m core sweep ... --runs-dir checkpoints/runs`)")
    if group == "runs outside sweeps":
        table = table[table["sweep"] == ""]
    elif group != "all runs":
        table = table[table["sweep"] == group]
        sweep_summary(group)
event = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="multi-row",
                     key="runs_table")
selected = [table.iloc[i]["run"] for i in event.selection.rows] if event and event.selection else []
st.caption("Select rows to overlay their curves, download or delete them. Columns starting invocab_ and "
           "heldout_ are a reader's two evaluation sets: in-vocabulary and held-out words.",
           help=explain("invocab", "heldout"))

if selected:
    frames = []
    for rid in selected:
        df = read_metrics(run_path(rid))
        if len(df):
            frames.append(df.assign(run=rid))
    if frames:
        allm = pd.concat(frames)
        metric_options = [c for c in allm.columns if c not in ("epoch", "run", "lr", "seconds")]
        metric = st.selectbox("Metric", metric_options, key="runs_metric")
        wide = allm.pivot_table(index="epoch", columns="run", values=metric).reset_index()
        st.plotly_chart(curves_figure(wide, "epoch", selected, f"{metric} by epoch", metric), key="runs_overlay")
    for rid in selected:
        c1, c2, c3 = st.columns([3, 1, 1])
        c1.markdown(f"`{rid}`")
        path = run_path(rid)
        if (path / "metrics.csv").exists():
            c2.download_button("metrics.csv", (path / "metrics.csv").read_bytes(), f"{rid}-metrics.csv", "text/csv",
                               key=f"runs_csv_{rid}")
        c3.download_button("folder (.zip)", zip_run(rid), f"{rid}.zip", "application/zip", key=f"runs_zip_{rid}")
    with st.expander(f"Delete {len(selected)} run(s)"):
        sure = st.checkbox("Yes, delete these runs and their checkpoints", key="runs_confirm")
        if st.button("Delete", type="primary", disabled=not sure, key="runs_delete"):
            for rid in selected:
                try:
                    delete_run(rid)
                except InputError as exc:
                    st.error(exc.message)
            st.rerun()
