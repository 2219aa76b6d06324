"""AppTest: under a reading the Draw page saves the drawing with the text typed into a dataset of one's own hand
(counting the corrections, refusing blank text and characters the reader cannot learn), and the Collect page
lists them and prompts a line reader with short sentences."""
import json

import pytest
from streamlit.testing.v1 import AppTest

from core.data import datasets
from core.data.sentences import SENTENCES
from core.ink.io import ink_to_json
from core.paths import REPO_ROOT as REPO
from core.synth.generator import render_word

needs_text_reader = pytest.mark.skipif(not (REPO / "checkpoints" / "reader-text" / "model.pt").is_file(),
                                       reason="no shipped reader-text checkpoint")


def draw_with(word: str, reader: str = "shipped: reader-az", label: str | None = None, **state) -> AppTest:
    """The Draw page with `reader` chosen, reading an upload of `word` rendered (with `label` in the file;
    `state`: session state first)."""
    at = AppTest.from_file(str(REPO / "pages" / "draw.py"), default_timeout=180)
    for key, value in {"draw_fix_box": True, **state}.items():  # the correction's expander open, as a click does
        at.session_state[key] = value
    at.run()
    at.selectbox(key="draw_reader").set_value(reader).run()
    at.radio(key="draw_source").set_value("Upload ink").run()
    data = json.dumps(ink_to_json(render_word(word, "natural", 5).ink, label)).encode()
    return at.file_uploader(key="draw_ink_upload").set_value(("word.json", data, "application/json")).run()


def fix_box(at: AppTest):
    (box,) = [t for t in at.text_input if t.key and t.key.startswith("draw_fix_text_")]
    return box


def test_a_misreading_is_corrected_and_saved_into_ones_own_dataset():
    at = draw_with("people")
    assert not at.exception
    read = fix_box(at).value  # prefilled with what was read
    assert read and at.selectbox(key="draw_fix_dataset").value == datasets.DEFAULT_NAME
    fix_box(at).set_value("purple")
    at.button(key="draw_fix_save").click().run()
    assert not at.exception and not at.error
    (ok,) = [s.value for s in at.success]
    assert ok.startswith(f"Saved “purple” to dataset `my-hand` as 0001.json "
                         f"(a correction: the reader read “{read}”)")
    assert "**1 sample, 1 of them correction**" in ok
    (path, ink, label), = datasets.samples("my-hand")
    assert label == "purple" and json.loads(path.read_text())["read_as"] == read
    at.button(key="draw_fix_save").click().run()  # the same drawing and text again: not a second copy
    assert any("already saved with this text" in i.value for i in at.info)
    assert datasets.tally("my-hand") == {"samples": 1, "corrections": 1}
    fix_box(at).set_value(read)  # what the reader read, confirmed: a sample, no correction
    at.button(key="draw_fix_save").click().run()
    assert any("0002.json (read right" in s.value and "**2 samples, 1 of them correction**" in s.value
               for s in at.success)


def test_the_correction_is_made_only_when_its_expander_is_open():
    at = draw_with("fox", draw_fix_box=False)
    assert not at.exception and any(e.label.startswith("Correct it: save this drawing") for e in at.expander)
    assert not [t for t in at.text_input if t.key and t.key.startswith("draw_fix_text_")]


def test_an_uploaded_files_label_is_the_text_offered():
    at = draw_with("fox", label="the fox")  # not what reader-az can read: it has no space
    assert fix_box(at).value == "the fox"


def test_blank_text_and_characters_the_reader_cannot_learn_are_refused():
    at = draw_with("fox")
    for text, said in (("   ", "Nothing was saved: the text is empty"),
                       ("The fox.", "Nothing was saved: reader-az cannot learn the space, '.' and 'T': it reads "
                                    "lowercase a-z only")):
        fix_box(at).set_value(text)
        at.button(key="draw_fix_save").click().run()
        assert not at.exception
        assert any(e.value.startswith(said) for e in at.error), [e.value for e in at.error]
    assert datasets.list_datasets() == []


def test_the_dataset_offered_is_the_one_chosen_on_collect_else_the_newest():
    for name in ("older", "newer"):
        datasets.add_sample(name, render_word("ant", "natural", 1).ink, "ant")
    at = draw_with("fox")
    assert at.selectbox(key="draw_fix_dataset").value == "newer"
    assert at.selectbox(key="draw_fix_dataset").options == ["newer", "older"]
    at = draw_with("fox", own_dataset="older")  # what choosing it on the Collect page leaves
    assert at.selectbox(key="draw_fix_dataset").value == "older"


def test_collect_lists_corrections_and_prompts_a_line_reader_with_sentences():
    ink = render_word("fox", "natural", 1).ink
    datasets.save_correction("mine", ink, "fox", "for", "abcdefghijklmnopqrstuvwxyz", "reader-az")
    datasets.add_sample("mine", ink, "fox")
    at = AppTest.from_file(str(REPO / "pages" / "collect.py"), default_timeout=180).run()
    at.selectbox(key="collect_reader").set_value("shipped: reader-az").run()
    assert not at.exception
    assert any(c.value.startswith("2 samples, 1 of them correction:") for c in at.caption)
    table = at.dataframe[0].value
    assert list(table["read as"]) == ["for", ""] and list(table["correction"]) == ["✓", ""]
    assert at.radio(key="collect_how").options == ["a random word", "my own text"]  # reader-az: no sentences
    if (REPO / "checkpoints" / "reader-text" / "model.pt").is_file():
        at.selectbox(key="collect_reader").set_value("shipped: reader-text").run()
        assert not at.exception and at.radio(key="collect_how").value == "sentence"
        prompt = next(m.value for m in at.markdown if "collect-prompt" in m.value)
        assert prompt.split("<b>")[1].split("</b>")[0] in SENTENCES
        assert "8 more to reach 10" in at.get("progress")[0].proto.text  # ten lines are enough to adapt on


@needs_text_reader
def test_the_line_reader_corrects_a_line_with_capitals_and_punctuation():
    at = draw_with("fox", "shipped: reader-text")
    fix_box(at).set_value("The fox, 12!")
    at.button(key="draw_fix_save").click().run()
    assert not at.exception and not at.error
    (_, _, label), = datasets.samples("my-hand")
    assert label == "The fox, 12!"
