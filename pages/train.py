"""Train: choose a model and a preset, set the options, start a background run and watch it learn."""
from pathlib import Path

import streamlit as st

from core.data.uploads import LIMITS_MB, NPY_FILES, describe_npy, npy_digest, npy_from_folder, store_npy_upload
from core.errors import InputError
from core.models import classifier, reader
from core.paths import uploads_dir
from core.synth.generator import AUGMENT_PARAMS
from core.train.runs import launch_training, list_runs, progress, read_metrics, run_path, stop_run
from dashboard.forms import config_widgets
from dashboard.messages import show_input_error
from dashboard.plots import curves_figure
from dashboard.sweep_form import sweep_form

st.title("Train")
st.caption("Runs are background processes of the command-line trainer (`python -m core train ...`) writing to "
           "`checkpoints/runs/<id>/`. Leaving this page or closing the tab does not stop them.")
st.session_state.setdefault("train_run", None)

kind = st.radio("Model", ["reader", "classifier"], horizontal=True, key="train_kind",
                format_func=lambda k: {"reader": "Word reader (BLSTM + CTC)",
                                       "classifier": "Character classifier (CNN-BiLSTM)"}[k])
model = reader if kind == "reader" else classifier
PRESETS = model.PRESETS
Config = reader.ReaderConfig if kind == "reader" else classifier.ClassifierConfig

c1, c2, c3, c4 = st.columns(4)
preset_name = c1.selectbox("Preset", list(PRESETS), index=list(PRESETS).index("tiny") if "tiny" in PRESETS else 0,
                           key=f"train_preset_{kind}")
base = PRESETS[preset_name]
data_options = ["seed", "unipen", "synthetic"] if kind == "reader" else ["synthetic", "unipen", "npy"]
data = c2.selectbox("Data source", data_options, index=data_options.index(base.data) if base.data in data_options
                    else 0, key=f"train_data_{kind}",
                    format_func=lambda d: "npy (seed 000's .npy files)" if d == "npy" else d)
seed = c3.number_input("Seed", 0, 100_000, int(base.seed), key=f"train_seed_{kind}")
name = c4.text_input("Run name (optional)", key="train_name")


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
    with st.expander("Augmentation of the training words"):
        cols = st.columns(5)
        for i, (aname, (lo, hi, _d, step, text)) in enumerate(AUGMENT_PARAMS.items()):
            augment[aname] = cols[i % 5].slider(aname, float(lo), float(hi), float(base.augment[aname]), float(step),
                                                help=text, key=f"train_aug_{preset_name}_{aname}")


def cli_args() -> list[str]:
    """The options that differ from the preset, as command-line flags."""
    chosen = {**values, "data": data, "seed": int(seed)}
    args = ["--preset", preset_name]
    for k, v in chosen.items():
        if v == getattr(base, k):
            continue
        flag = "--" + k.replace("_", "-")
        if isinstance(v, bool):
            args.append(flag if v else "--no-" + k.replace("_", "-"))
        else:
            args += [flag, str(v)]
    for k, v in augment.items():
        if v != base.augment[k]:
            args += ["--aug", f"{k}={v}"]
    return args


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

b1, b2, _ = st.columns([1, 1, 4])
if b1.button("Start", type="primary", key="train_start"):
    try:
        if data == "npy":
            raise InputError("no valid .npy data yet", "upload the six files or give their folder above")
        Config.from_dict({**base.to_dict(), **values, "data": data, "seed": int(seed)})
        st.session_state["train_run"] = launch_training(kind, cli_args(), name or None)
    except InputError as exc:
        show_input_error(exc)


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
        left.plotly_chart(curves_figure(df, "epoch", ["train_loss"] + (["val_loss"] if "val_loss" in df else []),
                                        "Loss", "loss (per word for the reader, per letter for the classifier)"), key="train_loss_chart")
        if "invocab_cer" in df:
            right.plotly_chart(curves_figure(df, "epoch", ["invocab_cer", "heldout_cer", "invocab_word_acc",
                                                           "heldout_word_acc"], "CER and word accuracy per split",
                                             "rate (0-1)"), key="train_cer_chart")
        else:
            right.plotly_chart(curves_figure(df, "epoch", ["train_acc", "val_acc"], "Accuracy", "accuracy (0-1)"),
                               key="train_acc_chart")


active = [r["id"] for r in list_runs() if r["state"] in ("running", "starting")]
current = st.session_state["train_run"]
options = list(dict.fromkeys(([current] if current else []) + active))
if options:
    st.divider()
    shown = st.selectbox("Watching", options, key="train_watch") if len(options) > 1 else options[0]
    live(shown)
else:
    st.info("No active run. Choose a preset (tiny takes seconds) and press Start.")
