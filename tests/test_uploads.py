"""The checks behind every upload (core/data/uploads.py and the readers it uses), without Streamlit.

Each bad input must raise InputError naming the file, with a hint where one
helps, and must leave nothing behind; the command line shares these readers.
"""
import io
import json
import os
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from core.data import uploads
from core.errors import InputError
from core.ink.unipen import read_unipen_bytes, read_unipen_file
from core.models.uploads import model_from_upload
from core.paths import REPO_ROOT as REPO

READER = REPO / "checkpoints" / "reader-seed" / "model.pt"
CLASSIFIER = REPO / "checkpoints" / "classifier-az" / "model.pt"


class Payload:
    """Unpickling this would create a file: proof that a checkpoint's pickle payload never runs."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def pickled_checkpoint(marker: Path) -> bytes:
    buf = io.BytesIO()
    torch.save({"format_version": 1, "kind": "reader", "config": {}, "alphabet": [], "state_dict": {},
                "evil": Payload(marker)}, buf)
    return buf.getvalue()


def torch_bytes(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


# ---------------------------------------------------------------- limits

def test_the_server_limit_is_the_largest_core_limit_and_uploads_are_ignored_by_git():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == uploads.SERVER_LIMIT_MB == max(uploads.LIMITS_MB.values())
    from core.ink.io import MAX_FILE_BYTES as INK_BYTES
    from core.ink.unipen import MAX_FILE_BYTES as UNIPEN_BYTES

    assert uploads.LIMITS_MB["ink"] * uploads.MB == INK_BYTES
    assert uploads.LIMITS_MB["unipen"] * uploads.MB == UNIPEN_BYTES
    assert "checkpoints/uploads/" in (REPO / ".gitignore").read_text().split()


def test_empty_and_oversized_files_are_refused_with_their_name(monkeypatch):
    with pytest.raises(InputError, match="x.pt is empty"):
        uploads.check_size("x.pt", b"", "checkpoint")
    monkeypatch.setitem(uploads.LIMITS_MB, "checkpoint", 1)
    with pytest.raises(InputError, match=r"big.pt is 1.5 MB; the limit for checkpoints is 1 MB") as err:
        uploads.check_size("big.pt", b"0" * (3 * uploads.MB // 2), "checkpoint")
    assert "command line" in err.value.hint


# ---------------------------------------------------------------- ink

def test_malformed_ink_json_names_line_and_column():
    with pytest.raises(InputError, match=r"w.json: invalid JSON at line 3, column 11: Expecting ',' delimiter") as err:
        uploads.ink_from_upload("w.json", b'{"strokes": [\n  [[0, 0], [1, 1]],\n  [[2, 2] [3, 3]]\n]}')
    assert err.value.hint


@pytest.mark.parametrize("data,match", [
    (b'{"strokes": []}', "fewer than two points"),
    (b'{"strokes": [[[5, 5]]]}', "fewer than two points"),
    (b'{"objects": []}', "fewer than two points"),
    (b"[1, 2, 3]", "expected"),
    (b'{"strokes": [[[0, 0], [1, "a"]]]}', "stroke 0"),
    (b'{"strokes": [[[0, 0], [1, 1]]], "label": 7}', "label"),
    (b"\xff\xfe not utf-8", "UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'{"objects": [{"type": "path", "path": [["Z"]]}]}', "w.json: canvas drawing"),
])
def test_bad_ink_is_an_input_error_naming_the_file(data, match):
    with pytest.raises(InputError, match=match) as err:
        uploads.ink_from_upload("w.json", data)
    assert "w.json" in str(err.value)


def test_canvas_json_data_is_read_like_ink_json():
    path = [["M", 10, 20], ["Q", 10, 20, 15, 25], ["L", 30, 40]]
    ink, label = uploads.ink_from_upload("c.json", json.dumps({"objects": [{"type": "path", "path": path}]}).encode())
    assert label is None and len(ink) == 1 and np.allclose(ink[0][-1], [30, -40])


def test_huge_ink_keeps_every_point_until_it_is_read_and_then_is_downsampled():
    from core.models.inference import load_reader, read

    t = np.linspace(0, 60 * np.pi, 30_000)
    strokes = [np.c_[t, np.sin(t)].tolist(), [[0, 2], [0.1, 2.1]]]
    ink, label = uploads.ink_from_upload("big.json", json.dumps({"strokes": strokes, "label": "ee"}).encode())
    assert label == "ee" and sum(len(s) for s in ink) == 30_002
    reading = read(load_reader(READER), ink)
    assert reading.downsampled and reading.n_points <= 20_000 and reading.log_probs.shape[0] > 0


# ---------------------------------------------------------------- checkpoints

def test_a_valid_upload_loads_through_load_checkpoint_and_keeps_no_weights_in_its_summary():
    reader, ckpt = model_from_upload("r.pt", READER.read_bytes(), "reader")
    assert reader.alphabet[0] == "" and "state_dict" not in ckpt and ckpt["kind"] == "reader"
    assert not reader.model.training


@pytest.mark.parametrize("data,match", [
    (READER.read_bytes()[:40_000], "u.pt is corrupted or truncated"),
    (os.urandom(4096), "u.pt is not a checkpoint of this tool"),
    (b"just some notes\n", "u.pt is not a checkpoint of this tool"),
    (torch_bytes([1, 2, 3]), "u.pt is not a checkpoint of this tool"),
    (torch_bytes({"state_dict": {}}), "u.pt is not a checkpoint of this tool"),
    (json.dumps({"kind": "reader"}).encode(), "u.pt is not a checkpoint of this tool"),
])
def test_corrupted_truncated_and_foreign_checkpoints_are_refused(data, match):
    with pytest.raises(InputError, match=match) as err:
        model_from_upload("u.pt", data, "reader")
    assert err.value.hint and "/tmp" not in err.value.message and "hwlab-upload" not in err.value.message


def test_a_zip_that_torch_did_not_write_is_foreign():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "hello")
    with pytest.raises(InputError, match="not a checkpoint of this tool"):
        model_from_upload("a.pt", buf.getvalue(), "reader")


def test_a_checkpoint_that_needs_pickle_is_refused_and_its_payload_never_runs(tmp_path):
    import pickle

    marker = tmp_path / "payload-ran"
    for data in (pickled_checkpoint(marker), pickle.dumps(Payload(marker))):
        with pytest.raises(InputError, match="needs pickle to load, which is refused"):
            model_from_upload("evil.pt", data, "reader")
    assert not marker.exists()


def test_a_classifier_where_a_reader_is_expected_and_the_reverse():
    with pytest.raises(InputError, match="c.pt is a classifier checkpoint, not a reader") as err:
        model_from_upload("c.pt", CLASSIFIER.read_bytes(), "reader")
    assert "choose a reader checkpoint" in err.value.hint
    with pytest.raises(InputError, match="r.pt is a reader checkpoint, not a classifier"):
        model_from_upload("r.pt", READER.read_bytes(), "classifier")


def test_a_checkpoint_with_the_right_keys_but_wrong_values_is_refused():
    base = {"format_version": 1, "kind": "reader", "alphabet": [""] + list("coltinmaeu"), "state_dict": {}}
    for config in ([1, 2], {"hidden": "many"}, {"wings": 2}):
        with pytest.raises(InputError, match="odd.pt"):
            model_from_upload("odd.pt", torch_bytes({**base, "config": config}), "reader")


# ---------------------------------------------------------------- seed 000 .npy sets

def npy_set(n=(12, 4, 4), T=8, F=3, **replace) -> list[tuple[str, bytes]]:
    """Six seed-format files as (name, bytes); `replace` swaps one array, e.g. y_val=..."""
    rng = np.random.default_rng(0)
    arrays = {}
    for split, k in zip(("train", "val", "test"), n):
        arrays[f"X_{split}"] = rng.normal(size=(k, T, F)).astype(np.float32)
        arrays[f"y_{split}"] = np.array(list("ab") * (k // 2))
    arrays.update(replace)
    out = []
    for name, arr in arrays.items():
        buf = io.BytesIO()
        np.save(buf, arr, allow_pickle=True)
        out.append((f"{name}.npy", buf.getvalue()))
    return out


def test_a_valid_set_is_stored_once_under_its_sha_prefix(tmp_path):
    folder, splits = uploads.store_npy_upload(npy_set(), tmp_path)
    assert folder.parent == tmp_path and len(folder.name) == 16
    assert sorted(p.name for p in folder.iterdir()) == sorted(uploads.NPY_FILES)
    assert splits.description["source"] == f"npy:{folder}"
    assert uploads.describe_npy(splits) == {"sizes": {"train": 12, "val": 4, "test": 4}, "shape": (8, 3),
                                            "classes": ["a", "b"]}
    again, _ = uploads.store_npy_upload(list(reversed(npy_set())), tmp_path)
    assert again == folder and [p.name for p in tmp_path.iterdir()] == [folder.name]


def test_old_sets_are_pruned_but_never_one_a_run_trains_on(tmp_path, monkeypatch):
    import json
    import os

    from core.paths import runs_dir

    monkeypatch.setattr(uploads, "KEEP_SETS", 2)
    folders = []
    for k in range(4):  # four different sets, each older than the next
        x = np.full((12, 8, 3), float(k), np.float32)
        folder, _ = uploads.store_npy_upload(npy_set(X_train=x), tmp_path / "up")
        os.utime(folder, (1000 + k, 1000 + k))
        folders.append(folder)
    assert [f.is_dir() for f in folders] == [False, False, True, True]
    run = runs_dir() / "on-upload"  # a run names the oldest of the next sets
    run.mkdir(parents=True)
    stale = tmp_path / "up" / ".incoming-crashed"
    stale.mkdir()
    os.utime(stale, (1000, 1000))
    for k in range(4, 7):
        x = np.full((12, 8, 3), float(k), np.float32)
        folder, _ = uploads.store_npy_upload(npy_set(X_train=x), tmp_path / "up")
        os.utime(folder, (1000 + k, 1000 + k))
        folders.append(folder)
        if k == 4:
            (run / "config.json").write_text(json.dumps({"kind": "classifier", "data": f"npy:{folder}"}))
    assert [f.is_dir() for f in folders[2:]] == [False, False, True, True, True] and not stale.exists()
    again, _ = uploads.store_npy_upload(npy_set(X_train=np.full((12, 8, 3), 5.0, np.float32)), tmp_path / "up")
    assert again == folders[5] and again.stat().st_mtime > 2000  # used again: the newest


@pytest.mark.parametrize("replace,match", [
    ({"X_train": np.zeros((12, 8), np.float32)}, "X_train.npy has shape"),
    ({"X_val": np.full((4, 8, 3), "a")}, "X_val.npy has dtype"),
    ({"X_test": np.full((4, 8, 3), np.nan, np.float32)}, "X_test.npy contains NaN"),
    ({"y_train": np.array(list("ab") * 5)}, "y_train.npy has 10 labels but X_train.npy has 12"),
    ({"y_val": np.array(["a", "b", "a", "b"], dtype=object)}, "y_val.npy holds Python objects and needs pickle"),
    ({"X_val": np.zeros((4, 9, 3), np.float32)}, "differ in shape"),
])
def test_bad_sets_are_refused_with_the_file_and_nothing_is_stored(tmp_path, replace, match):
    with pytest.raises(InputError, match=match) as err:
        uploads.store_npy_upload(npy_set(**replace), tmp_path)
    assert str(tmp_path) not in err.value.message
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_npy_file_names_the_upload_not_the_temporary_folder(tmp_path):
    files = [(n, b[:60] if n == "X_train.npy" else b) for n, b in npy_set()]
    with pytest.raises(InputError, match="X_train.npy") as err:
        uploads.store_npy_upload(files, tmp_path)
    assert ".incoming" not in err.value.message and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("change,match", [
    (lambda f: f[:-1], "missing y_test.npy"),
    (lambda f: f + [("notes.txt", b"x")], "unexpected file"),
    (lambda f: f + [f[0]], "X_train.npy was uploaded twice"),
    (lambda f: [(n, b"" if n == "y_val.npy" else b) for n, b in f], "y_val.npy is empty"),
])
def test_the_six_files_must_all_be_there_once(tmp_path, change, match):
    with pytest.raises(InputError, match=match):
        uploads.store_npy_upload(change(npy_set()), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_typed_folder_with_a_nul_byte_is_an_input_error():
    with pytest.raises(InputError, match="not a usable folder path"):
        uploads.npy_folder("/tmp/a\x00b")
    assert uploads.npy_folder("  relative/dir ").is_absolute()


# ---------------------------------------------------------------- UNIPEN files

PEN = ".PEN_DOWN\n0 0\n10 10\n.PEN_UP\n.PEN_DOWN\n5 5\n6 6\n.PEN_UP\n"


def unipen_root(tmp_path) -> Path:
    (tmp_path / "include" / "zz").mkdir(parents=True)
    (tmp_path / "include" / "zz" / "pen.dat").write_text(".WRITER_ID w7\n" + PEN)
    (tmp_path / "secret.dat").write_text(PEN)
    return tmp_path


def test_an_uploaded_file_reads_its_segments_and_includes_from_the_include_folder(tmp_path):
    root = unipen_root(tmp_path)
    a, b = read_unipen_bytes(b'.INCLUDE zz/pen.dat\n.SEGMENT CHARACTER 0 OK "a"\n.SEGMENT WORD 0-1 ? "ab"\n',
                             "mine.dat", root)
    assert (a.label, a.category, len(a.ink), a.source) == ("a", "CHARACTER", 1, "mine.dat")
    assert b.label == "ab" and len(b.ink) == 2 and b.writer == "upload/w7"


def test_a_file_without_segments_is_one_sample_of_every_stroke(tmp_path):
    (s,) = read_unipen_bytes(PEN.encode(), "raw.dat", tmp_path)
    assert s.label == "" and len(s.ink) == 2


@pytest.mark.parametrize("body,match", [
    (".PEN_DOWN\n0 zero\n.PEN_UP\n", "mine.dat, line 2: expected 'X Y'"),
    (PEN + '.SEGMENT WORD 0-9 OK "x"\n', "mine.dat, line 9: delineation"),
    (PEN + ".SEGMENT WORD 0 OK\n", "mine.dat, line 9: malformed .SEGMENT"),
    (".PEN_UP\n", "mine.dat, line 1: .PEN_UP without .PEN_DOWN"),
    (".PEN_DOWN\n1 2\n", "mine.dat: the file ends with the pen down"),
    (".VERSION 1.0\n", "mine.dat holds no pen strokes"),
    (".INCLUDE ../secret.dat\n", "mine.dat, line 1: .INCLUDE '../secret.dat' points outside the UNIPEN include"),
    (".INCLUDE /etc/passwd\n", "mine.dat, line 1: .INCLUDE '/etc/passwd' points outside"),
    (".INCLUDE ../../../../etc/passwd\n", "line 1: .INCLUDE .* points outside"),
    (".INCLUDE zz/none.dat\n", "mine.dat, line 1: .INCLUDE 'zz/none.dat': no such file"),
])
def test_malformed_uploads_name_the_file_and_line(tmp_path, body, match):
    with pytest.raises(InputError, match=match):
        read_unipen_bytes(body.encode(), "mine.dat", unipen_root(tmp_path))


def test_a_symlink_in_the_include_folder_cannot_lead_outside_it(tmp_path):
    root = unipen_root(tmp_path)
    (root / "include" / "link.dat").symlink_to(root / "secret.dat")
    with pytest.raises(InputError, match="points outside the UNIPEN include folder"):
        read_unipen_bytes(b".INCLUDE link.dat\n", "mine.dat", root)


def test_includes_cannot_multiply_without_bound(tmp_path):
    root = unipen_root(tmp_path)
    with pytest.raises(InputError, match="more than 1000 .INCLUDE"):
        read_unipen_bytes(b".INCLUDE zz/pen.dat\n" * 1001, "many.dat", root)


def test_unipen_files_over_20_mb_are_refused_in_uploads_and_on_the_command_line(tmp_path, monkeypatch):
    import core.ink.unipen

    monkeypatch.setattr(core.ink.unipen, "MAX_FILE_BYTES", 100)
    with pytest.raises(InputError, match="big.dat is .* MB; the limit"):
        read_unipen_bytes(PEN.encode() * 10, "big.dat", tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "big.dat").write_text(PEN * 10)
    with pytest.raises(InputError, match="big.dat is .* MB; the limit"):
        read_unipen_file(tmp_path / "data" / "big.dat", tmp_path)


def test_a_real_unipen_file_reads_like_its_folder(unipen_root):
    f = next(p for p in sorted((unipen_root / "data" / "1c").rglob("*.dat")))
    from_folder = read_unipen_file(f, unipen_root)
    uploaded = uploads.unipen_from_upload(f.name, f.read_bytes())
    assert [s.label for s in uploaded] == [s.label for s in from_folder]
    assert all(np.array_equal(a.ink[0], b.ink[0]) for a, b in zip(uploaded, from_folder) if a.ink)


# ---------------------------------------------------------------- run ids

@pytest.mark.parametrize("bad", ["../x", "..", "a/b", "/etc", ".hidden", "a/../b", "a..b", "", "x\x00y", "é", " x"])
def test_run_ids_that_could_leave_the_runs_folder_are_refused(bad):
    from core.train.runs import delete_run, run_path, stop_run, zip_run

    for use in (run_path, delete_run, zip_run, stop_run):
        with pytest.raises(InputError, match="invalid run id"):
            use(bad)


def test_delete_refuses_paths_outside_and_keeps_them(tmp_path):
    from core.paths import runs_dir
    from core.train.runs import delete_run

    runs_dir().mkdir(parents=True)
    keep = runs_dir().parent / "precious"
    keep.mkdir()
    with pytest.raises(InputError):
        delete_run("../precious")
    assert keep.is_dir()


def test_a_symlinked_run_folder_is_neither_listed_nor_reachable(tmp_path):
    from core.paths import runs_dir
    from core.train.runs import RunFolder, list_runs, run_path

    outside = tmp_path / "outside"
    RunFolder(outside).set_status("finished", 1, "")
    RunFolder(runs_dir() / "real").set_status("finished", 1, "")
    (runs_dir() / "link").symlink_to(outside)
    (runs_dir() / ".hidden").mkdir()
    assert [r["id"] for r in list_runs()] == ["real"]
    with pytest.raises(InputError, match="invalid run id"):
        run_path("link")


def test_run_names_become_safe_ids_inside_the_runs_folder():
    from core.paths import runs_dir
    from core.train.runs import new_run_dir

    for name in ("../../evil", "/etc/passwd", ".hidden", "a/b/../c", "..."):
        path = new_run_dir("reader", name)
        assert path.parent == runs_dir().resolve() and ".." not in path.name and not path.name.startswith(".")


def test_the_command_line_refuses_a_pickle_checkpoint_with_one_line(tmp_path, capsys):
    from core.cli.main import main
    from core.ink.io import write_ink_json

    marker = tmp_path / "payload-ran"
    (tmp_path / "evil.pt").write_bytes(pickled_checkpoint(marker))
    write_ink_json(tmp_path / "w.json", [np.array([[0.0, 0.0], [1.0, 1.0]])])
    assert main(["decode", str(tmp_path / "evil.pt"), "--ink", str(tmp_path / "w.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "needs pickle" in err and not marker.exists()
