"""A drawing saved with the text it really holds: checked, counted as a correction when the reader misread it,
in the format Collect and `adapt` read; short sentences to prompt a line reader with."""
import json
import random
import re
import string

import pytest

from core.data import datasets
from core.data.alphabets import AZ, TEXT
from core.data.sentences import PANGRAMS, SENTENCES, sentence_prompt, sentences_of
from core.errors import InputError
from core.ink.io import load_ink_folder
from core.synth.generator import render_word

INK = render_word("fox", "natural", 1).ink


def test_a_correction_is_saved_with_what_was_read_and_counted():
    got = datasets.save_correction("Ann's hand", INK, "  the   fox ", "the tox", TEXT, "reader-text")
    assert got["name"] == "Ann-s-hand" and got["text"] == "the fox" and got["correction"]
    assert (got["samples"], got["corrections"]) == (1, 1) and got["path"].name == "0001.json"
    saved = json.loads(got["path"].read_text())
    assert saved["label"] == "the fox" and saved["read_as"] == "the tox" and saved["reader"] == "reader-text"
    right = datasets.save_correction("Ann-s-hand", INK, "fox", "fox", TEXT, "reader-text")
    assert not right["correction"] and (right["samples"], right["corrections"]) == (2, 1)
    datasets.add_sample("Ann-s-hand", INK, "box")  # a prompted sample, as Collect writes it: no correction
    assert datasets.tally("Ann-s-hand") == {"samples": 3, "corrections": 1}
    assert [r["read_as"] for r in datasets.readings("Ann-s-hand")] == ["the tox", "fox", None]


def test_saved_corrections_read_as_any_ink_folder_and_travel_in_a_zip():
    datasets.save_correction("mine", INK, "fox", "for", AZ, "reader-az")
    found, skipped = load_ink_folder(datasets.dataset_path("mine"))
    assert [s.label for s in found] == ["fox"] and skipped == {}
    datasets.import_zip("copy", datasets.export_zip("mine"))
    assert [label for _, _, label in datasets.samples("copy")] == ["fox"]


def test_an_older_dataset_without_readings_has_no_corrections(tmp_path):
    folder = datasets.dataset_path("old")
    folder.mkdir(parents=True)
    (folder / "0001.json").write_text(json.dumps({"strokes": [[[0, 0], [1, 1]]], "label": "ant"}))
    (folder / "0002.json").write_text("not json")
    assert datasets.tally("old") == {"samples": 1, "corrections": 0}


@pytest.mark.parametrize("text, letters, said", [
    ("", TEXT, "the text is empty"),
    ("   \t ", TEXT, "the text is empty"),
    ("The fox.", AZ, "reader-az cannot learn the space, '.' and 'T': it reads lowercase a-z only"),
    ("naïve", TEXT, "reader-az cannot learn 'ï'"),
    ("tonic!", "coltinmaeu", "reader-az cannot learn '!': it reads c o l t i n m a e u only"),
])
def test_bad_text_is_refused_and_says_why(text, letters, said):
    with pytest.raises(InputError, match=re.escape(said)):
        datasets.save_correction("mine", INK, text, "fox", letters, "reader-az")
    assert not datasets.dataset_path("mine").exists()


def test_an_empty_canvas_and_a_bad_name_are_refused():
    with pytest.raises(InputError, match="the canvas is empty"):
        datasets.save_correction("mine", [], "fox", "", TEXT)
    with pytest.raises(InputError, match="is not a usable dataset name"):
        datasets.save_correction("../", INK, "fox", "fox", TEXT)
    assert datasets.list_datasets() == []


def test_sentences_are_short_lines_of_printable_text_and_the_pangrams_hold_every_letter():
    assert len(SENTENCES) == len(set(SENTENCES)) >= 50
    for s in SENTENCES:
        assert 15 <= len(s) <= 45 and set(s) <= set(TEXT) and s == " ".join(s.split()), s
    for p in PANGRAMS:
        assert set(string.ascii_lowercase) <= set(p.lower()), p


def test_a_sentence_prompt_uses_the_readers_characters_and_avoids_what_was_written():
    rng = random.Random(0)
    assert sentences_of(TEXT) == list(SENTENCES)
    written = set(SENTENCES[1:])
    assert sentence_prompt(TEXT, rng, written) == SENTENCES[0]
    assert sentence_prompt(TEXT, rng, set(SENTENCES)) in SENTENCES  # all written: any again
    with pytest.raises(InputError, match="no prompt sentence"):
        sentence_prompt(AZ, rng)  # a word reader has no space
