"""AppTest: the Draw, Alignment and Evaluate pages on tiny runs (reader and classifier)."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from core.paths import REPO_ROOT as REPO


@pytest.fixture()
def runs_env(tiny_runs, monkeypatch):
    """The session's tiny reader and tiny classifier runs (tests/conftest.py) as the runs folder."""
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


def test_alignment_play_moves_the_frame_slider_to_the_end_and_stops(runs_env):
    at = page("alignment").run()
    at.selectbox(key="align_reader").set_value("run: tiny-reader").run()
    end = at.slider(key="align_frame").value  # the slider starts at the last frame
    at.slider(key="align_frame").set_value(1).run()
    at.button(key="align_play").click().run()
    assert at.session_state["align_playing"]
    seen, zooms = [at.slider(key="align_frame").value], set()
    for _ in range(60):  # each run is one tick of the fragment's timer
        if not at.session_state["align_playing"]:
            break
        at.run()
        seen.append(at.slider(key="align_frame").value)
        (so_far,) = [json.loads(c.proto.spec)["layout"] for c in at.get("plotly_chart")
                     if json.loads(c.proto.spec)["layout"]["title"]["text"].startswith("Pen drawn up to")]
        zooms.add((tuple(so_far["xaxis"]["range"]), tuple(so_far["yaxis"]["range"])))
    assert not at.exception and not at.session_state["align_playing"]
    assert seen == sorted(seen) and len(set(seen)) > 3 and seen[-1] == end
    assert len(zooms) == 1  # the partial ink keeps one zoom while the frame moves
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert f"Pen drawn up to frame {end}" in titles


def test_alignment_word_list_is_the_whole_lexicon(runs_env):
    from core.data.az_words import english_words

    at = page("alignment").run()
    assert not at.exception
    options = at.selectbox(key="align_vocab_word").options  # the shipped reader-az: English + its test words
    assert len(options) > 10_000 and english_words()[-1] in options


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
    """Its test split is every lowercase letter of the training corpus's test contributors, as on its card."""
    import json

    card = json.loads((REPO / "checkpoints" / "classifier-az" / "card.json").read_text())
    at = page("evaluate").run()
    at.radio(key="eval_kind").set_value("classifier").run()
    at.selectbox(key="eval_ckpt_classifier").set_value("shipped: classifier-az").run()
    assert not at.exception
    (table,) = [d.value for d in at.dataframe if "writer" in d.value.columns]
    assert sorted(table["writer"]) == sorted(card["test"]["by_writer"]) and table["letters"].sum() == card["test"]["n"]
    assert list(table["accuracy"]) == sorted(table["accuracy"])  # the hardest writer first
