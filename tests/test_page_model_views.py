"""AppTest: the Draw, Alignment and Evaluate pages on tiny runs (reader and classifier)."""

import pytest
from streamlit.testing.v1 import AppTest

from core.paths import REPO_ROOT as REPO


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory):
    """A tiny reader and a tiny classifier run in a private runs folder."""
    from core.models.classifier import preset as clf_preset
    from core.models.reader import preset as reader_preset
    from core.train.classifier import train_classifier
    from core.train.reader import train_reader
    from core.train.runs import RunFolder

    root = tmp_path_factory.mktemp("runs")
    train_reader(reader_preset("tiny"), RunFolder(root / "tiny-reader"))
    train_classifier(clf_preset("tiny"), RunFolder(root / "tiny-classifier"))
    return root


@pytest.fixture()
def runs_env(tiny_runs, monkeypatch):
    monkeypatch.setenv("HWLAB_RUNS_DIR", str(tiny_runs))
    return tiny_runs


def page(name):
    return AppTest.from_file(str(REPO / "pages" / f"{name}.py"), default_timeout=180)


def test_alignment_page_shows_segments_for_a_typed_word(runs_env):
    at = page("alignment").run()
    assert not at.exception
    at.selectbox(key="align_reader").set_value("run: tiny-reader").run()
    at.radio(key="align_source").set_value("typed").run()
    at.text_input(key="align_typed_word").set_value("tonic").run()
    assert not at.exception
    letters = [row for row in at.dataframe[-1].value["letter"]]
    assert letters == list("tonic")
    at.text_input(key="align_typed_word").set_value("zebra").run()
    assert not at.exception and any("cannot" in e.value for e in at.error)


def test_evaluate_page_reader_and_classifier(runs_env):
    at = page("evaluate").run()
    at.selectbox(key="eval_ckpt_reader").set_value("run: tiny-reader").run()
    assert not at.exception
    table = at.dataframe[1].value
    assert {"word", "split", "n", "cer", "word_acc"} <= set(table.columns) and len(table) == 47
    at.radio(key="eval_decoder").set_value("lexicon").run()
    assert not at.exception
    at.radio(key="eval_kind").set_value("classifier").run()
    at.selectbox(key="eval_ckpt_classifier").set_value("run: tiny-classifier").run()
    assert not at.exception
    assert any("Test accuracy" in m.label for m in at.metric)
    at.toggle(key="eval_cm_norm").set_value(False).run()
    assert not at.exception


def test_draw_page_without_a_drawing_asks_for_one(runs_env):
    at = page("draw").run()
    assert not at.exception
    assert any("Draw a word" in i.value for i in at.info) or at.get("st_canvas") is not None


def test_evaluate_page_shows_the_shipped_classifier_per_unseen_writer(unipen_root):
    import json

    card = json.loads((REPO / "checkpoints" / "classifier-az" / "card.json").read_text())
    at = page("evaluate").run()
    at.radio(key="eval_kind").set_value("classifier").run()
    at.selectbox(key="eval_ckpt_classifier").set_value("shipped: classifier-az").run()
    assert not at.exception
    (table,) = [d.value for d in at.dataframe if "writer" in d.value.columns]
    assert sorted(table["writer"]) == card["data"]["test_writers"] and table["letters"].sum() == card["test"]["n"]
    assert list(table["accuracy"]) == sorted(table["accuracy"])  # the hardest writer first
