"""Runs: every run with its settings and figures; overlay curves, download, delete."""
import pandas as pd
import streamlit as st

from core.errors import InputError
from core.runs import delete_run, list_runs, read_metrics, run_path, zip_run
from dashboard.plots import curves_figure

st.title("Runs")
runs = list_runs()
if not runs:
    st.info("No runs yet: start one on the Train page.")
    st.stop()

CONFIG_COLUMNS = ["preset", "data", "hidden", "layers", "bidirectional", "batch_size", "lr", "epochs", "seed",
                  "readout", "encoding"]
rows = []
for r in runs:
    last = {k: v for k, v in r["last"].items() if k != "epoch"}
    rows.append({"run": r["id"], "model": r["kind"], "state": r["state"], "epoch": r["epoch"],
                 **{k: r["config"].get(k) for k in CONFIG_COLUMNS if k in r["config"]},
                 **{k: round(v, 4) if isinstance(v, float) else v for k, v in last.items()}})
table = pd.DataFrame(rows)
kinds = st.multiselect("Models", sorted(table["model"].unique()), default=sorted(table["model"].unique()),
                       key="runs_kinds")
table = table[table["model"].isin(kinds)]
event = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="multi-row",
                     key="runs_table")
selected = [table.iloc[i]["run"] for i in event.selection.rows] if event and event.selection else []
st.caption("Select rows to overlay their curves, download or delete them.")

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
