"""The Train page's sweep form: a grid of options times seeds, started as `python -m core sweep` in the background."""
from __future__ import annotations

from dataclasses import fields
from math import prod

import streamlit as st

from core.errors import InputError
from core.train.sweep import launch_sweep, parse_grid, read_sweep
from dashboard.forms import field_label
from dashboard.messages import show_input_error

NOT_SWEPT = {"data", "seed", "threads", "features", "classes", "augment", "members"}


def sweep_form(kind: str, preset_name: str, base, fixed: dict) -> None:
    """Options to vary (comma-separated values), seeds, and a Start button; then the sweep's progress.

    `fixed` holds the settings of the form above that differ from the preset:
    every run of the sweep keeps them.
    """
    st.session_state.setdefault("train_sweep", None)
    names = [f.name for f in fields(base) if f.name not in NOT_SWEPT and getattr(base, f.name) is not None]
    default = "hidden" if "hidden" in names else names[0]
    c1, c2, c3 = st.columns([1, 2, 1])
    def words(n: str) -> str:
        return n if n == "(nothing)" else f"{n} ({field_label(type(base), n)})"

    first = c1.selectbox("Vary", names, index=names.index(default), key=f"sweep_key1_{kind}", format_func=words)
    first_values = c2.text_input("Values (comma-separated)", _suggest(base, first), key=f"sweep_vals1_{kind}_{first}")
    seeds_text = c3.text_input("Seeds", "0,1,2", key=f"sweep_seeds_{kind}")
    c1, c2, _ = st.columns([1, 2, 1])
    second = c1.selectbox("and vary", ["(nothing)"] + [n for n in names if n != first], key=f"sweep_key2_{kind}",
                          format_func=words)
    second_values = c2.text_input("Values", _suggest(base, second) if second != "(nothing)" else "",
                                  key=f"sweep_vals2_{kind}_{second}", disabled=second == "(nothing)")
    try:
        items = [f"{first}={first_values}"] + ([f"{second}={second_values}"] if second != "(nothing)" else [])
        grid = parse_grid(items)
        seeds = [int(s) for s in seeds_text.replace(" ", "").split(",") if s]
        if not seeds:
            raise ValueError
    except InputError as exc:
        show_input_error(exc)
        return
    except ValueError:
        st.error("Seeds must be integers separated by commas, e.g. 0,1,2")
        return
    n_runs = len(seeds) * prod(len(v) for v in grid.values())
    fixed = {k: v for k, v in fixed.items() if k not in grid}
    st.caption(f"{n_runs} runs of preset `{preset_name}`, at most one per free CPU core, each an ordinary run "
               "in the Runs page (grouped by sweep)" + (f"; every run keeps {fixed}" if fixed else "") + ".")
    if st.button("Start sweep", key=f"sweep_start_{kind}", disabled=n_runs > 200,
                 help="more than 200 runs: use the command line"):
        try:
            st.session_state["train_sweep"] = launch_sweep(kind, preset_name, grid, seeds, fixed=fixed, workers=2)
        except InputError as exc:
            show_input_error(exc)
    if st.session_state["train_sweep"]:
        sweep_progress(st.session_state["train_sweep"])


@st.fragment(run_every=2.0)
def sweep_progress(sweep_id: str) -> None:
    plan, table = read_sweep(sweep_id)
    total = int(plan.get("runs", 0)) or 1
    st.progress(min(1.0, len(table) / total), text=f"sweep `{sweep_id}`: {len(table)} of {total} runs finished")
    if len(table):
        st.dataframe(table, hide_index=True, key=f"sweep_table_{sweep_id}")


def _suggest(base, name: str) -> str:
    v = getattr(base, name)
    if isinstance(v, bool):
        return "true,false"
    if isinstance(v, int):
        return ",".join(str(x) for x in sorted({max(1, v // 2), v, v * 2}))
    if isinstance(v, float):
        return ",".join(f"{x:g}" for x in (v / 2, v, v * 2)) if v else "0,0.1"
    return str(v)
