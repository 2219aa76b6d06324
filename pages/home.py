"""Home: what the lab is, its two models, the shipped models with their figures, runs, and where to go next."""
import streamlit as st

from core.paths import runs_dir
from core.train.runs import list_runs, progress
from core.train.shipped import shipped_models
from dashboard.glossary import explain
from dashboard.navigation import available_pages

st.title("Handwriting Lab")
st.markdown(
    "An interactive lab for **online handwriting recognition**: models that read the path of a pen (the points a "
    "stylus or a mouse moves through, stroke by stroke), not an image of the page. Train them with sliders and "
    "watch them learn, see where and why they fail, look at how CTC reads a word frame by frame, and write words "
    "for them to read. Everything here is also a command: `python -m core --help`.")

left, right = st.columns(2)
with left.container(border=True):
    st.subheader(":material/text_fields: Word reader · BLSTM + CTC")
    st.markdown("Reads a **whole word** of unsegmented pen strokes and emits its letters (Graves et al., TPAMI "
                "2009). A bidirectional LSTM sees the pen's moves (dx, dy, pen up) in both directions; the CTC "
                "output layer lets it learn without being told where one letter ends and the next begins.")
    st.caption(explain("seed 001"))
with right.container(border=True):
    st.subheader(":material/abc: Character classifier · CNN-BiLSTM")
    st.markdown("Names **one isolated letter** from 18 features per point (position, direction, curvature, "
                "the shape of its neighbourhood, ...): two convolutions, a two-layer BiLSTM and a small "
                "classifier, as in seed 000, with better readouts than its last-time-step one.")
    st.caption(explain("seed 000"))


def _pretty(key: str) -> str:
    words = {"invocab": "in-vocab", "heldout": "held-out", "cer": "CER", "acc": "accuracy"}
    return " ".join(words.get(w, w) for w in key.split("_"))


def headline_figures(card: dict) -> tuple[str, dict]:
    """(where the figures come from, {name: value}) from a model card: its headline, else its first metrics."""
    if card.get("headline"):
        return "", dict(card["headline"])
    metrics = card.get("metrics") or {}
    nested = {k: v for k, v in metrics.items() if isinstance(v, dict)}
    source, figures = ("", metrics) if not nested else next(iter(nested.items()))
    numbers = {_pretty(k): (f"{v:.3f}" if isinstance(v, float) else f"{v:,}")
               for k, v in figures.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return source.replace("_", " "), dict(list(numbers.items())[:4])


st.header("Where to go", divider="gray")
links = [p for p in available_pages() if p.file != "home.py"]
for row in range(0, len(links), 4):
    for col, p in zip(st.columns(4), links[row:row + 4]):
        with col.container(border=True, height="stretch"):
            st.page_link(str(p.path), label=f"**{p.title}**", icon=p.icon)
            st.caption(p.blurb)

st.header("Shipped models", divider="gray")
models = shipped_models()
if not models:
    st.info("No shipped models were found in `checkpoints/<name>/`. Train one on the Train page, or with "
            "`python -m core train reader --preset fast`.", icon=":material/info:")
for m in models:
    card = m["card"]
    with st.container(border=True):
        about = card.get("summary") or card.get("title") or "no card (card.json) yet"
        st.markdown(f"**{m['name']}** · {m['kind']} · {about}")
        source, figures = headline_figures(card)
        if figures:
            for col, (name, value) in zip(st.columns(len(figures)), figures.items()):
                col.metric(name, value)
            if source:
                st.caption(f"figures: {source}")
        else:
            st.caption("This card lists no figures yet; evaluate the model on the Evaluate page.")
        if card.get("command"):
            with st.expander("How it was made"):
                st.code(card["command"], language="bash", wrap_lines=True)

st.header("Runs", divider="gray")
runs = list_runs()
active = [r for r in runs if r["state"] in ("running", "starting")]
for r in active:
    p = progress(runs_dir() / r["id"])
    left_s = f", about {p['seconds_left']:.0f} s left" if p["seconds_left"] else ""
    st.progress(p["fraction"], text=f"`{r['id']}` ({r['kind']}) training: epoch {p['epoch']}"
                f"{' of ' + str(p['total_epochs']) if p['total_epochs'] else ''}{left_s}")
if not runs:
    st.caption("No runs yet. Start one on the Train page; it runs in the background and appears here.")
else:
    def figures_of(last: dict) -> str:
        keys = [k for k in last if any(t in k for t in ("cer", "acc")) and isinstance(last[k], float)]
        return ", ".join(f"{k} {last[k]:.3f}" for k in keys[:3])

    st.dataframe([{"run": r["id"], "model": r["kind"], "state": r["state"], "epoch": r["epoch"],
                   "last figures": figures_of(r["last"])} for r in runs[:8]], hide_index=True, width="stretch")
    st.caption((f"The 8 most recent of {len(runs)} runs; all of them are on the Runs page." if len(runs) > 8
                else "Every run, with its curves and downloads, is also on the Runs page.")
               + " " + explain("invocab", "heldout"))

