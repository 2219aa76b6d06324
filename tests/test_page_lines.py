"""AppTest: the Evaluate and Alignment pages with the line reader reader-text (per-line table, WER, word confusions;
a line's alignment with its target typed freely). Behaviour only: reader-text is replaced by better epochs."""
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.ink.io import write_ink_json
from core.paths import REPO_ROOT as REPO
from core.synth.generator import render_word
from core.train.metrics import cer, line_wer

TEXT = "shipped: reader-text"


@pytest.fixture(scope="module")
def reader_text():
    if not (REPO / "checkpoints" / "reader-text" / "model.pt").is_file():
        pytest.skip("checkpoints/reader-text is not there")
    return TEXT


@pytest.fixture()
def own_data(reader_text, training_corpus_contributor):
    """reader-text's own evaluation lines come from the training corpus (the fixture skips without it)."""
    return reader_text


def page(name: str, **state) -> AppTest:
    at = AppTest.from_file(str(REPO / "pages" / f"{name}.py"), default_timeout=900)
    for key, value in state.items():  # chosen before the first run: no other model is evaluated first
        at.session_state[key] = value
    return at.run()


def frames(at) -> dict:
    return {d.value.columns[0]: d.value for d in at.dataframe}


def charts(at) -> dict:
    out = {}
    for c in at.get("plotly_chart"):
        spec = json.loads(c.proto.spec)
        out[spec["layout"]["title"]["text"]] = spec
    return out


def check_line_table(table, groups):
    assert list(table.columns) == ["target", "read", "CER", "WER", *groups]
    assert len(table) > 0
    assert list(table["CER"]) == sorted(table["CER"], reverse=True)  # the worst first
    for row in table.head(40).itertuples():
        assert row.CER == pytest.approx(cer(row.read, row.target))
        assert row.WER == pytest.approx(line_wer(row.read, row.target))


def test_evaluate_page_shows_a_line_reader_per_line(own_data):
    at = page("evaluate", eval_ckpt_reader=own_data)
    assert not at.exception and not at.error
    assert at.radio(key="eval_decoder").options == ["greedy", "beam", "lexicon", "lm"]
    shown = frames(at)
    summary = shown["split"]
    assert {"samples", "CER", "corpus CER", "WER", "word accuracy", "read exactly"} <= set(summary.columns)
    assert list(summary["split"]) == ["invocab", "heldout", "test", "all"]
    assert summary["word accuracy"].to_numpy() == pytest.approx(1 - summary["WER"].to_numpy())
    lines = shown["target"]
    check_line_table(lines, ["split"])
    assert summary["samples"].iloc[-1] == len(lines)
    assert any(" " in t for t in lines["target"])  # lines, not only words
    confusions = shown["target word"]
    assert list(confusions.columns) == ["target word", "read as", "count"]
    assert list(confusions["count"]) == sorted(confusions["count"], reverse=True)
    assert (confusions["target word"] != confusions["read as"]).all()
    misread = shown["word"]
    assert list(misread.columns) == ["word", "times", "misread", "share", "mostly read as"]
    assert ((misread["misread"] > 0) & (misread["misread"] <= misread["times"])).all()
    # the character confusion: one group's rows against what they are read as
    assert "lowercase" in at.radio(key="eval_line_cm_group").options
    assert "Character confusion: lowercase (true × predicted)" in charts(at)

    # the filters: one split, then a text; the word confusions follow the lines kept
    at.multiselect(key="eval_lines_split").set_value(["test"]).run()
    kept = frames(at)["target"]
    assert set(kept["split"]) == {"test"} and len(kept) == summary.set_index("split").loc["test", "samples"]
    word = kept["target"].iloc[0].split()[0]
    at.text_input(key="eval_lines_query").set_value(word).run()
    kept = frames(at)["target"]
    assert len(kept) and all(word in t or word in r for t, r in zip(kept["target"], kept["read"]))



def test_a_word_reader_offers_no_lm_and_forgets_it(reader_text):
    """A decoder a word reader does not offer, left by a line reader, goes back to greedy."""
    at = page("evaluate", eval_on="folder", eval_folder_decoder="lm")  # reader-az, the default
    assert not at.exception
    assert at.radio(key="eval_folder_decoder").options == ["greedy", "beam", "lexicon"]
    assert at.radio(key="eval_folder_decoder").value == "greedy"


def test_evaluate_page_scores_a_folder_of_lines_with_lm(reader_text, tmp_path):
    """A folder of Ink JSON lines: the per-line table names the category, contributor and writer."""
    for writer, texts in {"ann": ["the cat", "minimum"], "bob": ["a man"]}.items():
        (tmp_path / writer).mkdir()
        for k, text in enumerate(texts):
            ink, x = [], 0.0
            for i, w in enumerate(text.split()):
                strokes = render_word(w, "natural", 10 * k + i).ink
                left = min(float(s[:, 0].min()) for s in strokes)
                ink += [s + np.array([x - left, 0.0]) for s in strokes]
                x = max(float(s[:, 0].max()) for s in ink) + 0.6
            write_ink_json(tmp_path / writer / f"{k}.json", ink, text)
    at = page("evaluate", eval_ckpt_reader=reader_text, eval_on="folder")
    at.radio(key="eval_folder_format").set_value("ink")
    at.text_input(key="eval_folder_path").set_value(str(tmp_path))
    assert at.radio(key="eval_folder_decoder").options == ["greedy", "beam", "lexicon", "lm"]
    at.radio(key="eval_folder_decoder").set_value("lm")
    at = at.get("form_submit_button")[0].click().run()
    assert not at.exception and not at.error
    assert "decoder: lm" in at.info[0].value
    labels = {m.label for m in at.metric}
    assert {"WER", "word accuracy", "read exactly"} <= labels
    lines = frames(at)["target"]
    check_line_table(lines, ["category", "contributor", "writer"])
    assert sorted(lines["target"]) == ["a man", "minimum", "the cat"]
    assert set(lines["writer"]) == {"ink/ann", "ink/bob"}

    # lexicon decoding of lines (core.models.inference: every word of a line from the lexicon)
    at.radio(key="eval_folder_decoder").set_value("lexicon")
    at = at.get("form_submit_button")[0].click().run()
    assert not at.exception and not at.error and "decoder: lexicon" in at.info[0].value
    check_line_table(frames(at)["target"], ["category", "contributor", "writer"])


def test_alignment_page_aligns_a_line_with_a_typed_target(own_data):
    at = page("alignment", align_reader=own_data)
    assert not at.exception and not at.error
    assert at.radio(key="align_line_source").value == "data"
    target = at.text_input(key="align_target").value
    sample = at.selectbox(key="align_line_sample_test")
    first = sample.index
    assert sample.options[first].endswith(": " + target)  # the sample's label
    assert 25 <= len(target) <= 45 and " " in target

    def letters():
        return list(at.dataframe[-1].value["letter"])

    assert letters() == [("␣" if c == " " else c) for c in target]
    figures = charts(at)
    softmax = next(f for t, f in figures.items() if t.startswith("Softmax per frame"))
    rows = softmax["data"][0]["y"]
    assert rows[0] == "blank" and {("␣" if c == " " else c) for c in target} <= set(rows) and len(rows) < 96
    posteriors = next(f for t, f in figures.items() if t.startswith("CTC posteriors"))
    assert [a["text"] for a in posteriors["layout"]["annotations"]] == [f"<b>{c}</b>" for c in letters()]
    segments = figures["Forced alignment: each character's frames on the ink"]
    assert len(segments["layout"]["annotations"]) == len(target)
    at.toggle(key="align_all_rows").set_value(True).run()
    softmax = next(f for t, f in charts(at).items() if t.startswith("Softmax per frame"))
    assert len(softmax["data"][0]["y"]) == 96

    # a typed target; then another sample, and the target starts again from its label
    at.text_input(key="align_target").set_value("hello world").run()
    assert not at.exception and letters() == list("hello␣world")
    at.text_input(key="align_target").set_value("naïve").run()
    assert any("cannot read" in e.value for e in at.error)
    at.selectbox(key="align_line_sample_test").set_value(first + 1).run()
    new = at.text_input(key="align_target").value
    chosen = at.selectbox(key="align_line_sample_test")
    assert chosen.index == first + 1 and chosen.options[chosen.index].endswith(": " + new) and not at.error

    # the frame slider: the pen so far, in the zoom of the whole line
    end = at.slider(key="align_frame").value
    full = charts(at)[f"Pen drawn up to frame {end}"]["layout"]
    at.slider(key="align_frame").set_value(10).run()
    part = charts(at)["Pen drawn up to frame 10"]
    assert part["layout"]["xaxis"]["range"] == full["xaxis"]["range"]
    drawn = [x for trace in part["data"] for x in trace["x"] if x is not None]
    assert 0 < len(drawn) <= 10 * 2  # reader-text reads two points a frame (a conv front end of stride 2)


def test_alignment_page_renders_a_word_for_a_line_reader(reader_text):
    at = page("alignment", align_reader=reader_text, align_line_source="rendered")
    at.text_input(key="align_line_word").set_value("minimum").run()
    assert not at.exception and not at.error
    assert at.text_input(key="align_target").value == "minimum"
    assert list(at.dataframe[-1].value["letter"]) == list("minimum")
