"""Train: choose a model and a preset, set the options, start a background run and watch it learn."""
from pathlib import Path

import streamlit as st

from core.data.uploads import LIMITS_MB, NPY_FILES, describe_npy, npy_digest, npy_from_folder, store_npy_upload
from core.errors import InputError
from core.models import classifier, reader
from core.paths import unipen_fixture, unipen_train_archive, uploads_dir
from core.synth.generator import AUGMENT_PARAMS
from core.train.runs import launch_training, list_runs, progress, read_metrics, run_path, stop_run
from core.train.warm_start import init_checkpoint
from dashboard.forms import config_widgets, field_label, preset_label, widget_help
from dashboard.glossary import explain
from dashboard.messages import show_input_error
from dashboard.plots import curves_figure
from dashboard.sweep_form import sweep_form

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
DATA_OPTIONS = {"reader": ["unipen", "unipen-train", "synthetic", "seed"],
                "classifier": ["unipen", "unipen-train", "synthetic", "npy"]}
DATA_WORDS = {
    "unipen": "real and synthetic a-z (UNIPEN handwriting plus generated)",
    "unipen-train": "the whole UNIPEN training corpus (about 200 writers), split by contributor",
    "synthetic": "synthetic a-z only (generated)",
    "seed": "seed 001's protocol (ten letters, 47 words)",
    "npy": "seed 000's .npy files (upload or folder)",
}
have_unipen = (unipen_fixture() / "data").is_dir()
have_corpus = unipen_train_archive().is_file()

c1, c2, c3, c4 = st.columns(4)
preset_name = c1.selectbox("Preset", list(PRESETS), index=list(PRESETS).index(DEFAULT_PRESET),
                           key=f"train_preset_{kind}", format_func=lambda p: preset_label(kind, p),
                           help="a named set of every option below; change any of them before you start")
base = PRESETS[preset_name]
data_options = DATA_OPTIONS[kind]
base_data = base.data.split(":", 1)[0]
if base_data == "unipen-train" and not have_corpus:
    base_data = "unipen"  # the training corpus is not on this machine: its small subset
if base_data == "unipen" and not have_unipen:
    base_data = "synthetic"  # the preset's real data is not on this machine
# One data widget per preset, as every option below: a new preset brings its own data. (Resetting one shared
# widget's state made the browser keep showing the old choice while the server used the new one.)
data = c2.selectbox(field_label(Config, "data"), data_options,
                    index=data_options.index(base_data) if base_data in data_options else 0,
                    key=f"train_data_{kind}_{preset_name}",
                    format_func=lambda d: f"{d}: {DATA_WORDS[d]}", help=widget_help(Config, "data"))
seed = c3.number_input(field_label(Config, "seed"), 0, 100_000, int(base.seed), key=f"train_seed_{kind}",
                       help=widget_help(Config, "seed"))
name = c4.text_input("Run name (optional)", key="train_name",
                     help="added to the run's folder name, checkpoints/runs/<time>-<kind>-<name>")
if data == "unipen" and not have_unipen:
    st.warning(f"The UNIPEN data is not at `{unipen_fixture()}`: put it there to train on real handwriting, or "
               "choose synthetic data.", icon=":material/warning:")
if data == "unipen-train" and not have_corpus:
    st.warning(f"The UNIPEN training corpus is not at `{unipen_train_archive()}`: put its archive there, or "
               "choose unipen (a small subset) or synthetic data.", icon=":material/warning:")
elif data == "unipen-train":
    st.caption("Split by contributor (a contributor is one lab with its own tablets and writers): the test "
               "contributors ced, kai, cea, pri and lou are never trained on; the validation contributors choose "
               "the best epoch. The first use unpacks and reads the corpus once (about two minutes); then it loads "
               "in seconds.")
if data == "seed":
    st.info("Seed 001's protocol: a reader trained on it knows ten letters only (c o l t i n m a e u) and the 47 "
            "words of that experiment. It is for reproducing and studying seed 001 (the Research page asks its open "
            "questions), not for reading the canvas: for that, train on unipen or synthetic data.",
            icon=":material/info:")
    st.caption(explain("seed 001"))
elif data == "npy":
    st.caption(explain("seed 000", "features18"))
if preset_name == "tiny":
    st.caption("`tiny` is the preset the tests use: it trains in seconds to show that everything works, and the "
               "model it gives reads (or names) nothing useful.")


@st.cache_data(max_entries=8, show_spinner="Checking and storing the .npy files…")
def stored_npy(digest: str, root: str, _files: tuple) -> dict:
    """Validate and keep an uploaded set once per content (its sha256) and folder; what the page shows of it."""
    folder, splits = store_npy_upload(_files, Path(root))
    return {"folder": str(folder), **describe_npy(splits)}


def npy_data() -> dict | None:
    """The seed 000 set to train on, uploaded or in a folder on the server, once it is valid."""
    how = st.radio("Seed 000's .npy files", ["upload", "folder"], horizontal=True, key="train_npy_how",
                   format_func={"upload": "upload the six files", "folder": "a folder on the server"}.get)
    try:
        if how == "upload":
            files = st.file_uploader(", ".join(NPY_FILES), type=["npy"], accept_multiple_files=True,
                                     key="train_npy_files", max_upload_size=LIMITS_MB["npy"],
                                     help="float features (N, T, F) and labels (N,) as strings or integers, "
                                          "saved with np.save; they are read with allow_pickle=False")
            if not files:
                st.info(f"Upload the six files: {', '.join(NPY_FILES)}.", icon=":material/upload_file:")
                return None
            pairs = tuple((f.name, f.getvalue()) for f in files)
            stored = stored_npy(npy_digest(pairs), str(uploads_dir()), pairs)
            if not Path(stored["folder"]).is_dir():  # pruned since (core.data.uploads.prune_uploads): store it again
                stored_npy.clear()
                stored = stored_npy(npy_digest(pairs), str(uploads_dir()), pairs)
            return stored
        folder = st.text_input("Folder", key="train_npy_folder", placeholder="/path/to/folder with X_train.npy, ...")
        if not folder.strip():
            st.info("Give the folder that holds the six files (a path on the machine that runs the dashboard).",
                    icon=":material/folder:")
            return None
        path, splits = npy_from_folder(folder)
        return {"folder": str(path), **describe_npy(splits)}
    except InputError as exc:
        show_input_error(exc)
        return None


npy = None
if data == "npy":
    npy = npy_data()
    if npy:
        sizes = ", ".join(f"{split} {n:,}" for split, n in npy["sizes"].items())
        st.success(f"`{npy['folder']}`: {sizes} samples of shape {npy['shape']} (T, F); "
                   f"{len(npy['classes'])} classes: {' '.join(npy['classes'][:60])}"
                   + (" …" if len(npy["classes"]) > 60 else ""))
    data = f"npy:{npy['folder']}" if npy else data

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

b1, b2, _ = st.columns([1, 1, 4])
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


SPLIT_CURVES = {"invocab_cer": "in-vocab CER", "heldout_cer": "held-out CER", "test_cer": "test CER (strangers)",
                "invocab_word_acc": "in-vocab word acc", "heldout_word_acc": "held-out word acc"}
TEST_CURVE_NOTE = ("On the training corpus, held-out words are the validation contributors' (they choose the best "
                   "epoch) and test CER is read on 500 words of the test contributors, labs whose writers no split "
                   "trains on: it is shown, never used to choose.")


@st.fragment(run_every=1.0)
def live(run_id: str) -> None:
    path = run_path(run_id)
    p = progress(path)
    state = p["state"]
    st.markdown(f"**Run `{run_id}`** · state **{state}** · epoch {p['epoch']}/{p['total_epochs'] or '?'}"
                + (f" · about {p['seconds_left']:.0f} s left" if p["seconds_left"] and state == "running" else ""))
    st.progress(p["fraction"], text=p["message"] or state)
    if state in ("running", "starting") and st.button("Stop", key=f"train_stop_{run_id}"):
        stop_run(run_id)
    if state in ("diverged", "failed", "interrupted"):
        st.error(p["message"] or state)
        log = path / "log.txt"
        if log.exists() and state == "failed":
            st.code(log.read_text()[-1500:])
    df = read_metrics(path)
    if len(df):
        left, right = st.columns(2)
        losses = ["train_loss"] + (["val_loss"] if "val_loss" in df else [])
        per = "per word" if "invocab_cer" in df else "per letter"  # as the trainers average it
        left.plotly_chart(curves_figure(df, "epoch", losses, "Loss", f"loss {per}",
                                        names={"train_loss": "training", "val_loss": "validation"}),
                          key="train_loss_chart")
        if "invocab_cer" in df:
            shown = [c for c in SPLIT_CURVES if c in df and df[c].notna().any()]
            right.plotly_chart(curves_figure(df, "epoch", shown, "CER and word accuracy per split",
                                             "rate (0-1)", names=SPLIT_CURVES), key="train_cer_chart")
            right.caption(explain("invocab", "heldout") + (f" {TEST_CURVE_NOTE}" if "test_cer" in shown else ""))
        else:
            right.plotly_chart(curves_figure(df, "epoch", ["train_acc", "val_acc"], "Accuracy", "accuracy (0-1)"),
                               key="train_acc_chart")


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
    st.info("No active run. Choose a preset and press Start: the default, az-quick, trains a reader of the canvas in "
            "a few minutes.")
