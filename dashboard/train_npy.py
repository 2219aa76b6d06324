"""The Train page's seed 000 .npy input: six files uploaded (validated and stored once per content) or a
folder on the server; what the page shows of the set once it is valid."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.data.uploads import LIMITS_MB, NPY_FILES, describe_npy, npy_digest, npy_from_folder, store_npy_upload
from core.errors import InputError
from core.paths import uploads_dir
from dashboard.messages import show_input_error


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


def npy_source() -> str | None:
    """`npy:FOLDER` of a valid set (and a line that says what it holds), or None while there is none."""
    npy = npy_data()
    if not npy:
        return None
    sizes = ", ".join(f"{split} {n:,}" for split, n in npy["sizes"].items())
    st.success(f"`{npy['folder']}`: {sizes} samples of shape {npy['shape']} (T, F); "
               f"{len(npy['classes'])} classes: {' '.join(npy['classes'][:60])}"
               + (" …" if len(npy["classes"]) > 60 else ""))
    return f"npy:{npy['folder']}"
