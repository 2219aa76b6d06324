"""AppTest: the Collect page makes datasets with safe names, refuses an empty canvas and bad imports clearly,
lists a dataset's samples, and shows a finished adaptation's held-back words before and after."""
import io
import json
import zipfile

import pytest
from streamlit.testing.v1 import AppTest

from core.cli.main import main
from core.data import datasets
from core.paths import REPO_ROOT as REPO
from core.paths import checkpoints_dir
from core.synth.generator import Augment, render_word
from core.train.collect import prepare_adaptation

HAND = Augment(slant=0.5, aspect=0.3, jitter=0.004, scale=0.05, rotation=2.0, spacing=0.05)
WORDS = ["tonic", "atom", "mice", "lemon", "cattle", "action"]


def collect_page(reader: str = "shipped: reader-az") -> AppTest:
    """The page with a reader chosen (its default is the Draw page's, reader-text; these tests write words)."""
    at = AppTest.from_file(str(REPO / "pages" / "collect.py"), default_timeout=180).run()
    return at.selectbox(key="collect_reader").set_value(reader).run()


def test_collect_offers_first_the_reader_draw_opens_on():
    at = AppTest.from_file(str(REPO / "pages" / "collect.py"), default_timeout=180).run()
    assert not at.exception
    assert at.selectbox(key="collect_reader").value == "shipped: reader-text"


def fill(name: str, words=WORDS) -> None:
    for k, w in enumerate(words):
        datasets.add_sample(name, render_word(w, "natural", 50 + k, HAND).ink, w)


def progress_text(at: AppTest) -> str:
    return at.get("progress")[0].proto.text


def test_a_dataset_is_created_and_the_page_says_what_its_name_became():
    at = collect_page()
    assert not at.exception
    assert any("Create a dataset to start" in i.value for i in at.info)
    at.text_input(key="collect_new_name").set_value("Ann's hand!").run()
    at.button(key="collect_create").click().run()
    assert not at.exception
    (ok,) = [s.value for s in at.success]
    assert "Created the dataset `Ann-s-hand`" in ok and "became `Ann-s-hand`" in ok
    assert at.selectbox(key="collect_dataset").value == "Ann-s-hand"
    assert datasets.dataset_path("Ann-s-hand").is_dir()
    assert "0 samples in Ann-s-hand" in progress_text(at)
    prompt = next(m.value for m in at.markdown if "collect-prompt" in m.value)
    word = prompt.split("<b>")[1].split("</b>")[0]
    assert word.isalpha() and word.islower()  # a word reader-az can read
    at.selectbox(key="collect_dataset").set_value("New dataset…").run()
    at.text_input(key="collect_new_name").set_value("!!!").run()
    at.button(key="collect_create").click().run()
    assert any("is not a usable dataset name" in e.value for e in at.error)


def test_saving_an_empty_canvas_is_refused_and_saves_nothing():
    datasets.dataset_path("mine").mkdir(parents=True)
    at = collect_page()
    at.button(key="collect_save").click().run()
    assert not at.exception
    (err,) = [e.value for e in at.error]
    assert err.startswith("Nothing was saved: the canvas is empty") and "then press Save" in err
    assert datasets.samples("mine") == []
    before, pad = next(m.value for m in at.markdown if "collect-prompt" in m.value), at.session_state["collect_pad"]
    at.button(key="collect_skip").click().run()
    assert not at.exception and not at.error  # Skip: a new prompt (never the one skipped) on a clear canvas
    assert next(m.value for m in at.markdown if "collect-prompt" in m.value) != before
    assert at.session_state["collect_pad"] == pad + 1
    at.button(key="collect_redo").click().run()
    assert at.session_state["collect_pad"] == pad + 2 and not at.error


def test_bad_imports_say_what_is_wrong():
    datasets.dataset_path("mine").mkdir(parents=True)
    at = collect_page()
    at.button(key="collect_import").click().run()
    assert any("Nothing was imported: nothing to import" in e.value for e in at.error)
    at.file_uploader(key="collect_upload").set_value(("broken.zip", b"this is no zip", "application/zip")).run()
    at.button(key="collect_import").click().run()
    assert not at.exception
    assert any("broken.zip is not a readable zip archive" in e.value for e in at.error)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.json", json.dumps({"strokes": [[[0, 0], [1, 1]]]}))  # no label
    at.file_uploader(key="collect_upload").set_value(("nolabel.zip", buf.getvalue(), "application/zip")).run()
    at.button(key="collect_import").click().run()
    assert any("none of the 1 files is a labelled drawing (1 no label)" in e.value for e in at.error)
    assert datasets.samples("mine") == []


def test_a_dataset_is_listed_exported_imported_and_deleted(tmp_path):
    fill("mine")
    at = collect_page()
    assert not at.exception
    assert "6 samples in mine" in progress_text(at) and "14 more to reach 20" in progress_text(at)
    (grid,) = [c for c in at.get("plotly_chart") if "All 6 samples" in c.proto.spec]
    assert "cattle" in grid.proto.spec
    table = at.dataframe[0].value
    assert list(table["label"]) == WORDS and list(table["file"])[:2] == ["0001.json", "0002.json"]
    assert all(not b.proto.disabled for b in at.get("download_button"))
    # a zip of InkML exported from another dataset imports back
    fill("other", ["minimum", "nation"])
    at.file_uploader(key="collect_upload").set_value(("other.zip", datasets.export_zip("other", inkml=True),
                                                     "application/zip")).run()
    at.button(key="collect_import").click().run()
    assert any("Imported 2 samples into `mine`" in s.value for s in at.success)
    assert [label for _, _, label in datasets.samples("mine")][-2:] == ["minimum", "nation"]
    assert at.button(key="collect_delete").proto.disabled  # not before it is confirmed
    at.checkbox(key="collect_sure_mine").check().run()
    at.button(key="collect_delete").click().run()
    assert not datasets.dataset_path("mine").exists()
    assert any("Deleted the dataset `mine`" in s.value for s in at.success)


@pytest.fixture()
def adapted(monkeypatch):
    """A finished two-step adaptation of reader-az on six samples (two held back), prepared as the page does."""
    fill("mine")
    path, args = prepare_adaptation("mine", checkpoints_dir() / "reader-az", steps=2, holdout=2)
    assert main(args + ["--batch-size", "4"]) == 0
    return path


def test_a_finished_adaptation_shows_the_held_back_words_before_and_after(adapted):
    at = collect_page()
    assert not at.exception
    assert any(f"Run `{adapted.name}`" in m.value and "state **finished**" in m.value for m in at.markdown)
    assert "reader-adapted-mine" in adapted.name
    labels = [m.label for m in at.metric]
    assert labels == ["CER before (reader-az)", "CER after (adapted)", "Word accuracy before", "Word accuracy after"]
    table = at.dataframe[-1].value  # the samples' table, then the before-and-after one
    assert list(table["label"]) == ["cattle", "action"]  # the last two written
    assert list(table.columns) == ["label", "read before", "read after", "after is right"]
    assert any(f"run: {adapted.name}** is now listed in every reader picker" in s.value for s in at.success)
    assert f"run: {adapted.name}" in at.selectbox(key="collect_reader").options
    assert any("samples held back and adapted on" in c.proto.spec and "held back, before adapting" in c.proto.spec
               for c in at.get("plotly_chart"))


def test_adapt_refuses_to_hold_back_every_sample():
    fill("mine", WORDS[:2])
    at = collect_page()
    assert at.number_input(key="collect_holdout_mine_2").value == 0  # none held back below four samples
    with pytest.raises(Exception, match="leaves no sample"):
        prepare_adaptation("mine", checkpoints_dir() / "reader-az", holdout=2)
