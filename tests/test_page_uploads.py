"""AppTest: every upload on the pages, good and bad.

A bad file must give one clear `st.error` with a hint, no exception, and a
page that still renders its title and its pickers, so the user can choose
another file. Uploads go through `at.file_uploader(...).set_value(...)`.
"""
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from test_uploads import npy_set, pickled_checkpoint, torch_bytes

from core.paths import REPO_ROOT as REPO

READER = (REPO / "checkpoints" / "reader-seed" / "model.pt").read_bytes()
CLASSIFIER = (REPO / "checkpoints" / "classifier-az" / "model.pt").read_bytes()
UPLOAD = "Upload a checkpoint (.pt)…"


@pytest.fixture(autouse=True)
def _uploads_dir(tmp_path, monkeypatch):
    """Uploaded data sets land in a temporary folder, never in checkpoints/uploads."""
    monkeypatch.setenv("HWLAB_UPLOADS_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"

def data_key(at, kind: str = "reader") -> str:
    """The Train page's data widget key: one widget per model kind and preset."""
    return f"train_data_{kind}_{at.selectbox(key=f'train_preset_{kind}').value}"



def page(name: str) -> AppTest:
    return AppTest.from_file(str(REPO / "pages" / f"{name}.py"), default_timeout=180)


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def assert_refused(at, *parts: str, title: str) -> str:
    """One error naming every part, with a hint; no exception; the page still shows its title."""
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [title]
    (message,) = errors(at)
    assert all(p in message for p in parts), message
    assert "Hint:" in message
    return message


def ink_bytes(strokes, label=None) -> bytes:
    return json.dumps({"strokes": strokes, **({"label": label} if label else {})}).encode()


def word_ink(word="tonic", style="seed") -> bytes:
    from core.ink.io import ink_to_json
    from core.synth.generator import render_word

    return json.dumps(ink_to_json(render_word(word, style, 3).ink, word)).encode()


def draw_upload(at, name: str, data: bytes) -> AppTest:
    if at.radio(key="draw_source").value != "Upload ink":
        at.radio(key="draw_source").set_value("Upload ink").run()
    return at.file_uploader(key="draw_ink_upload").set_value((name, data, "application/json")).run()


@pytest.fixture()
def draw():
    at = page("draw").run()
    assert not at.exception
    at.selectbox(key="draw_reader").set_value("shipped: reader-seed").run()
    return at


# ---------------------------------------------------------------- Draw: ink

def test_draw_offers_an_ink_upload_that_asks_for_a_file(draw):
    draw.radio(key="draw_source").set_value("Upload ink").run()
    assert not draw.exception and not draw.error
    assert any("Upload an Ink JSON file" in i.value for i in draw.info)
    assert draw.file_uploader(key="draw_ink_upload").allowed_type == [".json"]


def test_malformed_ink_json_names_line_and_column(draw):
    draw_upload(draw, "word.json", b'{"strokes": [\n  [[0, 0], [1, 1]],\n  [[2, 2] [3, 3]]\n]}')
    assert_refused(draw, "word.json: invalid JSON at line 3, column 11", title="Draw")
    assert not draw.metric
    draw_upload(draw, "word.json", word_ink())  # another file: read at once
    assert not draw.error and draw.metric[0].label == "Greedy"


@pytest.mark.parametrize("strokes", [[], [[[4, 4]]], [[], [[1, 2]]]])
def test_empty_or_one_point_ink_says_so(draw, strokes):
    draw_upload(draw, "dot.json", ink_bytes(strokes))
    assert_refused(draw, "dot.json", "empty or a single point", title="Draw")
    assert not draw.metric


@pytest.mark.parametrize("data,part", [
    (b"[1, 2]", "expected"),
    (b'{"strokes": [[[0, 0], [1, "x"]]]}', "stroke 0"),
    (b"\xff\xfe\x00", "UTF-8"),
    (b"", "is empty"),
])
def test_ink_that_is_not_ink_is_refused(draw, data, part):
    draw_upload(draw, "odd.json", data)
    assert_refused(draw, "odd.json", part, title="Draw")


def test_ink_over_the_size_limit_is_refused(draw, monkeypatch):
    import core.data.uploads

    monkeypatch.setitem(core.data.uploads.LIMITS_MB, "ink", 1)
    draw_upload(draw, "huge.json", ink_bytes([[[i, i % 7] for i in range(200_000)]]))
    assert_refused(draw, "huge.json is", "the limit for ink files is 1 MB", title="Draw")


def test_ink_of_more_than_20000_points_is_downsampled_with_a_warning_and_decoded(draw):
    t = np.linspace(0, 40 * np.pi, 25_000)
    draw_upload(draw, "long.json", ink_bytes([np.c_[t, np.sin(t)].round(4).tolist(), [[0, 2], [0.2, 2.1]]]))
    assert not draw.exception and not draw.error
    assert any("more than 20,000 points" in w.value and "downsampled" in w.value for w in draw.warning)
    assert [m.label for m in draw.metric][:3] == ["Greedy", "Beam", "Lexicon"]
    count = next(m.value for m in draw.markdown if "draw-count" in m.value)
    points = int(count.split(" points")[0].split("· ")[-1].replace(",", ""))
    assert 1000 < points <= 20_000


def test_uploaded_ink_json_and_canvas_json_data_are_read_like_a_drawing(draw):
    draw_upload(draw, "tonic.json", word_ink("tonic"))
    assert not draw.error and draw.metric[0].label == "Greedy"
    count = next(m.value for m in draw.markdown if "draw-count" in m.value)
    assert "7 strokes · 69 points" in count and "labelled <b>tonic</b>" in count  # t, o, n, i, c: 2+1+1+2+1
    canvas = (REPO / "tests" / "fixtures" / "canvas_drawing.json").read_bytes()
    draw_upload(draw, "canvas.json", canvas)
    assert not draw.exception and not draw.error and draw.metric[0].label == "Greedy"


# ---------------------------------------------------------------- Draw and Alignment: the reader

BAD_READERS = [
    ("cut.pt", READER[:50_000], "cut.pt is corrupted or truncated"),
    ("noise.pt", bytes(range(256)) * 40, "noise.pt is not a checkpoint of this tool"),
    ("notes.pt", b"my notes, not weights\n", "notes.pt is not a checkpoint of this tool"),
    ("list.pt", torch_bytes([1, 2, 3]), "list.pt is not a checkpoint of this tool"),
    ("clf.pt", CLASSIFIER, "clf.pt is a classifier checkpoint, not a reader"),
]


@pytest.mark.parametrize("name,data,part", BAD_READERS)
def test_a_bad_reader_upload_on_draw_is_refused(name, data, part):
    at = page("draw").run()
    at.selectbox(key="draw_reader").set_value(UPLOAD).run()
    assert any("Upload a reader checkpoint" in i.value for i in at.info)
    at.file_uploader(key="draw_reader_upload").set_value((name, data, "application/octet-stream")).run()
    assert_refused(at, part, title="Draw")
    assert at.selectbox(key="draw_reader").value == UPLOAD  # the user can pick another one


def test_a_reader_upload_that_needs_pickle_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "payload-ran"
    at = page("draw").run()
    at.selectbox(key="draw_reader").set_value(UPLOAD).run()
    at.file_uploader(key="draw_reader_upload").set_value(("evil.pt", pickled_checkpoint(marker), "")).run()
    assert_refused(at, "evil.pt", "needs pickle to load, which is refused", title="Draw")
    assert not marker.exists()


def test_an_uploaded_reader_reads_uploaded_ink():
    at = page("draw").run()
    at.selectbox(key="draw_reader").set_value(UPLOAD).run()
    at.file_uploader(key="draw_reader_upload").set_value(("reader-seed.pt", READER, "")).run()
    assert not at.exception and not at.error
    draw_upload(at, "tonic.json", word_ink("tonic"))
    assert not at.error and [m.label for m in at.metric][:3] == ["Greedy", "Beam", "Lexicon"]
    from core.data.seed_words import SEED_VOCAB

    assert at.metric[2].value in SEED_VOCAB  # the uploaded reader's own lexicon decodes it


def test_a_reader_given_as_the_classifier_on_draw_leaves_the_reader_working(draw):
    draw.selectbox(key="draw_classifier").set_value(UPLOAD).run()
    draw.file_uploader(key="draw_classifier_upload").set_value(("r.pt", READER, "")).run()
    draw_upload(draw, "o.json", word_ink("o"))
    assert not draw.exception
    (message,) = errors(draw)
    assert "r.pt is a reader checkpoint, not a classifier" in message and "Hint:" in message
    assert draw.metric[0].label == "Greedy"  # the reader still reads


def test_alignment_refuses_a_classifier_and_aligns_with_an_uploaded_reader():
    at = page("alignment").run()
    at.selectbox(key="align_reader").set_value(UPLOAD).run()
    at.file_uploader(key="align_reader_upload").set_value(("c.pt", CLASSIFIER, "")).run()
    assert_refused(at, "c.pt is a classifier checkpoint, not a reader", title="Alignment")
    at.file_uploader(key="align_reader_upload").set_value(("r.pt", READER, "")).run()
    at.radio(key="align_source").set_value("typed").run()
    at.text_input(key="align_typed_word").set_value("tonic").run()
    assert not at.exception and not at.error
    assert list(at.dataframe[-1].value["letter"]) == list("tonic")


# ---------------------------------------------------------------- Evaluate: either kind

def tiny_classifier() -> bytes:
    """An untrained tiny classifier checkpoint on synthetic letters (evaluates in seconds)."""
    from core.data.letters import AZ
    from core.models.checkpoint import make_checkpoint
    from core.models.classifier import CNNBiLSTM, preset

    cfg = preset("tiny")
    model = CNNBiLSTM(cfg)
    return torch_bytes(make_checkpoint("classifier", cfg.to_dict(), list(AZ), model.state_dict(),
                                       encoding="features18", norm={"mean": [0.0] * 18, "std": [1.0] * 18}))


def test_evaluate_refuses_bad_classifier_uploads_and_evaluates_a_good_one():
    at = page("evaluate").run()
    at.radio(key="eval_kind").set_value("classifier").run()
    at.selectbox(key="eval_ckpt_classifier").set_value(UPLOAD).run()
    uploader = at.file_uploader(key="eval_ckpt_classifier_upload")
    uploader.set_value(("r.pt", READER, "")).run()
    assert_refused(at, "r.pt is a reader checkpoint, not a classifier", title="Evaluate")
    at.file_uploader(key="eval_ckpt_classifier_upload").set_value(("half.pt", CLASSIFIER[:100_000], "")).run()
    assert_refused(at, "half.pt is corrupted or truncated", title="Evaluate")
    at.file_uploader(key="eval_ckpt_classifier_upload").set_value(("tiny.pt", tiny_classifier(), "")).run()
    assert not at.exception and not at.error
    assert any(m.label == "Test accuracy" for m in at.metric)


def test_evaluate_refuses_a_classifier_given_as_a_reader():
    at = page("evaluate").run()
    at.selectbox(key="eval_ckpt_reader").set_value(UPLOAD).run()
    at.file_uploader(key="eval_ckpt_reader_upload").set_value(("c.pt", CLASSIFIER, "")).run()
    assert_refused(at, "c.pt is a classifier checkpoint, not a reader", title="Evaluate")


# ---------------------------------------------------------------- Train: seed 000 .npy data

def train_npy() -> AppTest:
    at = AppTest.from_file(str(REPO / "pages" / "train.py"), default_timeout=60).run()
    at.radio(key="train_kind").set_value("classifier").run()
    at.selectbox(key=data_key(at, "classifier")).set_value("npy").run()
    assert not at.exception
    return at


def upload_npy(at, files) -> AppTest:
    return at.file_uploader(key="train_npy_files").set_value([(n, b, "application/octet-stream")
                                                               for n, b in files]).run()


def test_a_valid_npy_upload_is_stored_shown_and_trained_with_npy_dir(_uploads_dir, monkeypatch):
    import core.train.runs

    started = {}
    monkeypatch.setattr(core.train.runs, "launch_training",
                        lambda kind, config, name=None, preset=None: started.update(kind=kind, config=config)
                        or "fake-run")
    at = train_npy()
    upload_npy(at, npy_set())
    assert not at.exception and not at.error
    (folder,) = [p for p in _uploads_dir.iterdir()]
    (ok,) = [s.value for s in at.success]
    assert str(folder) in ok and "train 12, val 4, test 4" in ok and "(8, 3)" in ok and "2 classes: a b" in ok
    import shutil

    shutil.rmtree(folder)  # pruned (core.data.uploads.prune_uploads) while the page still shows it: stored again
    at.run()
    assert not at.exception and (folder / "X_train.npy").is_file()
    at.button(key="train_start").click().run()
    assert started["kind"] == "classifier" and started["config"]["data"] == f"npy:{folder}"


@pytest.mark.parametrize("replace,part", [
    ({"X_train": np.zeros((12, 8), np.float32)}, "X_train.npy has shape (12, 8)"),
    ({"X_val": np.full((4, 8, 3), "a")}, "X_val.npy has dtype"),
    ({"X_test": np.full((4, 8, 3), np.inf, np.float32)}, "X_test.npy contains NaN or infinite values"),
    ({"y_train": np.array(list("ab") * 5)}, "y_train.npy has 10 labels but X_train.npy has 12 samples"),
    ({"y_val": np.array(["a", "b", "a", "b"], dtype=object)}, "y_val.npy holds Python objects and needs pickle"),
])
def test_a_bad_npy_upload_is_refused_and_nothing_is_stored(_uploads_dir, replace, part):
    at = train_npy()
    upload_npy(at, npy_set(**replace))
    assert_refused(at, part, title="Train")
    assert not at.success and not any(_uploads_dir.glob("*/X_train.npy"))
    at.button(key="train_start").click().run()
    assert not at.exception and any("no valid .npy data yet" in e for e in errors(at))


def test_an_incomplete_npy_upload_lists_the_missing_files():
    at = train_npy()
    upload_npy(at, npy_set()[:4])
    assert_refused(at, "missing X_test.npy, y_test.npy", "upload all six files", title="Train")


def test_a_folder_of_npy_files_is_checked_too(tmp_path):
    at = train_npy()
    at.radio(key="train_npy_how").set_value("folder").run()
    at.text_input(key="train_npy_folder").set_value(str(tmp_path / "nowhere")).run()
    assert_refused(at, "nowhere is not a folder", title="Train")
    folder = tmp_path / "set"
    folder.mkdir()
    for name, data in npy_set(y_test=np.array([1.5, 2.5, 1.5, 2.5])):
        (folder / name).write_bytes(data)
    at.text_input(key="train_npy_folder").set_value(str(folder)).run()
    assert_refused(at, "y_test.npy has dtype float64", title="Train")
    for name, data in npy_set(y_test=np.array([1, 2, 1, 2]), y_val=np.array([1, 2, 1, 2]),
                              y_train=np.array([1, 2] * 6)):
        (folder / name).write_bytes(data)
    at.run()
    assert not at.error and "2 classes: 1 2" in at.success[0].value


def test_a_run_name_with_slashes_and_dots_stays_inside_the_runs_folder(monkeypatch):
    import os

    import core.train.runs
    from core.paths import runs_dir

    class FakeProcess:  # no trainer: only the run folder and its id matter here
        pid = os.getpid()

    monkeypatch.setattr(core.train.runs.subprocess, "Popen", lambda *a, **k: FakeProcess())
    at = AppTest.from_file(str(REPO / "pages" / "train.py"), default_timeout=60).run()
    at.text_input(key="train_name").set_value("../../../tmp/evil/..").run()
    at.button(key="train_start").click().run()
    assert not at.exception and not at.error
    run_id = at.session_state["train_run"]
    assert "/" not in run_id and ".." not in run_id and not run_id.startswith(".")
    assert [p.name for p in runs_dir().iterdir()] == [run_id]


def test_the_runs_page_lists_neither_symlinks_nor_hidden_folders(tmp_path):
    from core.paths import runs_dir
    from core.train.runs import RunFolder

    RunFolder(tmp_path / "outside").set_status("finished", 1, "")
    RunFolder(runs_dir() / "20260101-000000-reader").set_status("finished", 1, "")
    (runs_dir() / "escape").symlink_to(tmp_path / "outside")
    RunFolder(runs_dir() / ".hidden").set_status("finished", 1, "")
    at = AppTest.from_file(str(REPO / "pages" / "runs.py"), default_timeout=60).run()
    assert not at.exception
    assert list(at.dataframe[0].value["run"]) == ["20260101-000000-reader"]


# ---------------------------------------------------------------- Data: a UNIPEN file

def data_tab() -> AppTest:
    at = AppTest.from_file(str(REPO / "dashboard" / "Home.py"), default_timeout=60).run()
    at.switch_page("../pages/data.py")
    at.session_state["data_tab"] = "UNIPEN file"
    at.run()
    assert not at.exception
    return at


def upload_unipen(at, name: str, body: bytes) -> AppTest:
    return at.file_uploader(key="data_unipen_upload").set_value((name, body, "text/plain")).run()


PEN = ".PEN_DOWN\n0 0\n10 10\n10 0\n.PEN_UP\n.PEN_DOWN\n0 20\n5 30\n.PEN_UP\n"


@pytest.mark.parametrize("body,part", [
    (".PEN_DOWN\n0 zero\n.PEN_UP\n", "mine.dat, line 2: expected 'X Y' pen coordinates"),
    (PEN + '.SEGMENT CHARACTER 0-7 OK "x"\n', "mine.dat, line 10: delineation"),
    (".INCLUDE ../../../../etc/passwd\n", "mine.dat, line 1: .INCLUDE"),
    (".INCLUDE /etc/passwd\n", "points outside the UNIPEN include folder"),
    (".PEN_DOWN\n1 2\n", "mine.dat: the file ends with the pen down"),
    (".VERSION 1.0\n", "mine.dat holds no pen strokes"),
])
def test_a_malformed_unipen_file_names_the_file_and_line(body, part):
    at = data_tab()
    assert any("Upload a UNIPEN data file" in i.value for i in at.info)
    upload_unipen(at, "mine.dat", body.encode())
    assert not at.exception and [t.value for t in at.title] == ["Data"]
    message = assert_refused(at, part, title="Data")
    assert "PEN_DOWN" in message.split("Hint:")[1]  # the format, when the error has no hint of its own
    assert not at.get("plotly_chart")


def test_an_uploaded_unipen_file_shows_its_letters_as_ink():
    at = data_tab()
    upload_unipen(at, "mine.dat", (PEN + '.SEGMENT CHARACTER 0 OK "a"\n.SEGMENT CHARACTER 1 ? "b"\n'
                                   '.SEGMENT WORD 0-1 OK "ab"\n').encode())
    assert not at.exception and not at.error
    assert at.selectbox(key="data_unipen_level").options == ["CHARACTER", "WORD"]
    (fig,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert fig["layout"]["title"]["text"].startswith("mine.dat: samples 1-2")
    at.selectbox(key="data_unipen_level").set_value("WORD").run()
    assert any("showing 1 of the 1 WORD samples" in m.value for m in at.markdown)


def test_a_real_unipen_file_reads_its_includes_from_the_shared_folder(unipen_root):
    f = sorted((unipen_root / "data" / "1c").rglob("*.dat"))[0]
    at = data_tab()
    upload_unipen(at, f.name, f.read_bytes())
    assert not at.exception and not at.error
    assert any(f"**{f.name}**" in m.value and "CHARACTER" in m.value for m in at.markdown)
