"""The Collect page's adaptation: start `python -m core adapt` on a dataset, watch it, compare before and after.

While the run trains, a fragment reruns every second (its state, a Stop
button, the held-back CER so far); once it has ended the whole page reruns
once and shows the held-back samples read by the original reader and by
the adapted one, side by side.
"""
from __future__ import annotations

import streamlit as st

from core.errors import InputError
from core.files.atomic import read_json
from core.train.adapt import AdaptConfig
from core.train.collect import adaptation_runs, before_after, default_holdout, start_adaptation
from core.train.runs import progress, read_metrics, run_path, stop_run
from dashboard.messages import show_input_error
from dashboard.models import Picked
from dashboard.plots import curves_figure

CURVES = {"heldout_cer": "held back", "invocab_cer": "adapted on"}
ACTIVE = ("running", "starting")


def reader_file(picked: Picked) -> str:
    """The file of a picked reader (a shipped model or a run); an uploaded one cannot be handed to a process."""
    if picked.key.startswith("sha256:"):
        raise InputError("an uploaded checkpoint cannot be adapted here",
                         "pick a shipped reader or a run, or put the file in checkpoints/runs")
    return picked.key.rsplit("@", 1)[0]


def start_form(name: str, n: int, picked: Picked) -> None:
    """Steps and held-back samples, and Start."""
    st.caption(f"Adapts **{picked.label.split(': ', 1)[-1]}** (the reader chosen at the top) to the samples of "
               f"`{name}`: training steps (the recipe's {AdaptConfig().steps}, pulled toward the reader's own "
               "weights so that it does not forget other hands) on your samples mixed with "
               + ("real words of other writers (the UNIPEN fixture's; synthetic ones without it)"
                  if " " in picked.model.alphabet else "synthetic words")
               + ", as a background run of `python -m core adapt`. The last samples you wrote are held back to "
               "measure it.")
    c1, c2, c3 = st.columns([1, 1, 1])
    help_ = AdaptConfig.__dataclass_fields__["steps"].metadata.get("help")
    steps = c1.number_input("Steps", 1, 2000, AdaptConfig().steps, key="collect_steps", help=help_)
    holdout = c2.number_input("Samples held back", 0, max(0, n - 1), min(default_holdout(n), max(0, n - 1)),
                              key=f"collect_holdout_{name}_{n}",
                              help="the last samples written are kept out of the adaptation and read before and "
                                   "after it (default: about a quarter, at least one from four samples)")
    c3.write("")
    if c3.button("Adapt", type="primary", key="collect_adapt", disabled=n < 1, icon=":material/model_training:"):
        try:
            st.session_state["collect_run"] = start_adaptation(name, reader_file(picked), int(steps), int(holdout))
        except InputError as exc:
            show_input_error(exc, "The adaptation did not start: ")
    if n < 4:
        st.caption("With fewer than four samples none is held back, so there is nothing to compare before and after.")


def _curve(path, eval_every: int, before: float | None = None) -> None:
    """The CER curves against the step; `before`: the held-back CER of the original reader, as a dotted line."""
    df = read_metrics(path)
    if not len(df):
        return
    df = df.assign(step=df["epoch"] * eval_every)
    shown = [c for c in CURVES if c in df and df[c].notna().any()]
    fig = curves_figure(df, "step", shown, "Character error rate of the samples held back and adapted on",
                        "CER (0-1)", names=CURVES)
    top = max([float(df[c].max()) for c in shown] + [before or 0.0])
    fig.update_yaxes(range=[0, max(0.1, 1.15 * top)])  # from 0, also when every point is 0
    if before is not None:
        fig.add_hline(y=before, line_dash="dot", line_color="#888", annotation_text="held back, before adapting",
                      annotation_position="top left")
    st.plotly_chart(fig, key="collect_curve")


@st.fragment(run_every=1.0)
def live(run_id: str) -> None:
    path = run_path(run_id)
    p = progress(path)
    if p["state"] not in ACTIVE:
        st.rerun()  # ended: the whole page shows the result
    eval_every = ((read_json(path / "config.json") or {}).get("adapt") or {}).get("eval_every", 10)
    st.markdown(f"**Run `{run_id}`** · state **{p['state']}** · step {p['epoch'] * eval_every}"
                f"/{p['total_epochs'] * eval_every or '?'}"
                + (f" · about {p['seconds_left']:.0f} s left" if p["seconds_left"] else ""))
    st.progress(p["fraction"], text=p["message"] or p["state"])
    if st.button("Stop", key=f"collect_stop_{run_id}"):
        stop_run(run_id)
    _curve(path, eval_every)


@st.cache_data(max_entries=8, show_spinner="Reading the held-back samples before and after…")
def _compared(run_id: str, stamp: float) -> dict:
    return before_after(run_path(run_id))


def _rate(x) -> str:
    return f"{x:.1%}"


def _delta(x) -> str | None:
    return f"{x:+.1%}" if abs(x) >= 0.0005 else None  # no arrow for no change


def result(run: dict) -> None:
    """A run that has ended: its failure, or its held-back samples before and after."""
    path, state = run["path"], run["state"]
    eval_every = ((read_json(path / "config.json") or {}).get("adapt") or {}).get("eval_every", 10)
    st.markdown(f"**Run `{run['id']}`** · state **{state}** · {run.get('samples', '?')} samples of "
                f"`{run.get('dataset')}`, {run.get('holdout', 0)} held back, {run.get('steps', '?')} steps")
    if state not in ("finished", "stopped") or not (path / "best.pt").exists():
        st.error(progress(path)["message"] or state)
        log = path / "log.txt"
        if log.exists():
            st.code(log.read_text(errors="replace")[-1500:])
        return
    try:
        cmp = _compared(run["id"], (path / "best.pt").stat().st_mtime)
    except InputError as exc:
        show_input_error(exc)
        return
    _curve(path, eval_every, cmp["before"]["cer"] if cmp["n"] else None)
    original = run.get("reader", "").rstrip("/").split("/")
    original = original[-2] if original[-1] in ("model.pt", "best.pt") and len(original) > 1 else original[-1]
    if cmp["n"]:
        st.subheader(f"Before and after, on the {cmp['n']} held-back samples")
        m = st.columns(4)
        b, a = cmp["before"], cmp["after"]
        m[0].metric(f"CER before ({original})", _rate(b["cer"]))
        m[1].metric("CER after (adapted)", _rate(a["cer"]), _delta(a["cer"] - b["cer"]), delta_color="inverse")
        m[2].metric("Word accuracy before", _rate(b["word_acc"]))
        m[3].metric("Word accuracy after", _rate(a["word_acc"]), _delta(a["word_acc"] - b["word_acc"]))
        st.dataframe([{"label": r["label"], "read before": r["before"], "read after": r["after"],
                       "after is right": "✓" if r["after"] == r["label"] else ""} for r in cmp["rows"]],
                     hide_index=True, key="collect_before_after")
        st.caption("Greedy decoding (best path), as `python -m core adapt` measures it; the held-back samples "
                   "never took part in the adaptation.")
    else:
        st.info("No sample was held back, so there is nothing to compare before and after.")
    st.success(f"The adapted reader **run: {run['id']}** is now listed in every reader picker (Draw, Evaluate, "
               "Alignment, and the one at the top of this page to adapt it further).", icon=":material/check:")


def adapt_section(name: str, n: int, picked: Picked) -> None:
    start_form(name, n, picked)
    runs = adaptation_runs(name)
    current = st.session_state.get("collect_run")
    run = next((r for r in runs if r["id"] == current), runs[0] if runs else None)
    if run is None:
        return
    st.divider()
    if run["state"] in ACTIVE:
        live(run["id"])
    else:
        result(run)
