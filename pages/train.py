"""Train: choose a model and a preset, set the options, start a background run and watch it learn."""
import streamlit as st

from core.errors import InputError
from core.models import classifier, reader
from core.models.preset_times import preset_time
from core.synth.generator import AUGMENT_PARAMS
from core.train.runs import launch_training, list_runs
from core.train.warm_start import init_checkpoint
from dashboard.forms import config_widgets, field_label, preset_label, widget_help
from dashboard.messages import show_input_error
from dashboard.sweep_form import sweep_form
from dashboard.train_data import choose_data, data_notes
from dashboard.train_live import live
from dashboard.train_npy import npy_source

st.title("Train")
st.caption("Runs are background processes of the command-line trainer (`python -m core train ...`) writing to "
           "`checkpoints/runs/<id>/`. Leaving this page or closing the tab does not stop them.")
st.session_state.setdefault("train_run", None)

kind = st.radio("Model", ["reader", "classifier"], horizontal=True, key="train_kind",
                format_func=lambda k: {"reader": "Reader of words or lines (BLSTM + CTC)",
                                       "classifier": "Character classifier (CNN-BiLSTM)"}[k])
model = reader if kind == "reader" else classifier
PRESETS = model.PRESETS
Config = reader.ReaderConfig if kind == "reader" else classifier.ClassifierConfig

DEFAULT_PRESET = "az-quick"  # reads the canvas; `tiny` is the tests' preset

c1, c2, c3, c4 = st.columns(4)
preset_name = c1.selectbox("Preset", list(PRESETS), index=list(PRESETS).index(DEFAULT_PRESET),
                           key=f"train_preset_{kind}", format_func=lambda p: preset_label(kind, p),
                           help="a named set of every option below; change any of them before you start")
base = PRESETS[preset_name]
data = choose_data(c2, kind, Config, base, preset_name)
seed = c3.number_input(field_label(Config, "seed"), 0, 100_000, int(base.seed), key=f"train_seed_{kind}",
                       help=widget_help(Config, "seed"))
name = c4.text_input("Run name (optional)", key="train_name",
                     help="added to the run's folder name, checkpoints/runs/<time>-<kind>-<name>")
data_notes(data)
if preset_name == "tiny":
    st.caption("`tiny` is the preset the tests use: a small, short run to show that everything works; the model "
               "it gives reads (or names) nothing useful.")
if data == "npy":
    data = npy_source() or data

with st.expander("Options", expanded=True):
    values = config_widgets(base, f"train_{kind}_{preset_name}")
augment = {}
if kind == "reader":
    with st.expander("Augmentation of the generated training words"):
        st.caption(reader.ReaderConfig.__dataclass_fields__["augment"].metadata["help"])
        cols = st.columns(5)
        for i, (aname, (lo, hi, _d, step, text)) in enumerate(AUGMENT_PARAMS.items()):
            augment[aname] = cols[i % 5].slider(aname, float(lo), float(hi), float(base.augment[aname]), float(step),
                                                help=text, key=f"train_aug_{preset_name}_{aname}")


def chosen_config():
    """The config the page shows: the preset with every widget's value (checked: a bad value is an InputError)."""
    extra = {"augment": {**base.augment, **augment}} if augment else {}
    return Config.from_dict({**base.to_dict(), **values, "data": data, "seed": int(seed), **extra})


def fixed_settings() -> dict:
    """The settings above that differ from the preset (a sweep's runs keep them)."""
    chosen = {**values, "data": data}
    return {k: v for k, v in chosen.items() if v != getattr(base, k)}


with st.expander("Sweep: vary options over a grid of values and seeds"):
    if data == "npy":
        st.info("Sweeps over uploaded .npy data: give the folder on the command line "
                "(`python -m core sweep classifier --set data=npy:DIR ...`).")
    else:
        sweep_form(kind, preset_name, base, fixed_settings())

if kind == "reader" and values.get("init"):
    st.caption(f"Starts from the weights of `{values['init']}`: every weight whose shape fits is copied, and the "
               "output layer row by row for the characters both know; the other characters (capitals, digits, the "
               "space for a reader of a-z) start fresh.")

b1, b2 = st.columns([1, 5], vertical_alignment="center")
took = preset_time(kind, preset_name, values.get("epochs"))
if took:  # the preset's measured start and pace, times the epochs chosen here
    b2.caption(f"This run: {took}, at {preset_name}'s pace with {values.get('epochs')} epochs.")
if b1.button("Start", type="primary", key="train_start"):
    try:
        if data == "npy":
            raise InputError("no valid .npy data yet", "upload the six files or give their folder above")
        config = chosen_config()
        if kind == "reader" and values.get("init"):
            init_checkpoint(values["init"])  # the run would fail in the background
        st.session_state["train_run"] = launch_training(kind, config.to_dict(), name or None, preset_name)
    except InputError as exc:
        show_input_error(exc)


listed = {r["id"]: r for r in list_runs()}
active = [i for i, r in listed.items() if r["state"] in ("running", "starting")]


def run_label(run_id: str) -> str:
    r = listed.get(run_id, {})
    return f"{run_id} ({r.get('preset') or '?'} · {r.get('data') or '?'})" if r else run_id


current = st.session_state["train_run"]
options = list(dict.fromkeys(([current] if current else []) + active))
if options:
    st.divider()
    shown = st.selectbox("Watching", options, key="train_watch", format_func=run_label) \
        if len(options) > 1 else options[0]
    live(shown)
else:
    took = preset_time("reader", DEFAULT_PRESET)
    st.info(f"No active run. Choose a preset and press Start: the default, {DEFAULT_PRESET}, trains a reader of the "
            "canvas" + (f" in {took}." if took else "."))
