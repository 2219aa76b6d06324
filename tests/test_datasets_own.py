"""A person's handwriting datasets and InkML: saved, listed, exported and imported without losing a stroke."""
import io
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.data import datasets
from core.errors import InputError
from core.ink.inkml import NS, ink_to_inkml, inkml_to_ink
from core.synth.generator import render_word


def same_ink(a, b, tol=1e-3):
    return len(a) == len(b) and all(x.shape == y.shape and np.allclose(x, y, atol=tol, rtol=1e-4) for x, y in zip(a, b))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)), min_size=1, max_size=20),
                min_size=1, max_size=6),
       st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30))
def test_inkml_round_trips_any_ink_and_label(strokes, label):
    ink = [np.round(np.array(s, float), 2) for s in strokes]
    back, got = inkml_to_ink(ink_to_inkml(ink, label))
    assert same_ink(ink, back, tol=0.06) and got == label.strip()


def test_inkml_as_other_tools_write_it():
    doc = f'''<ink xmlns="{NS}"><annotation type="truth">$x^2$</annotation>
      <traceGroup><trace id="a">10 20 0.1, 11 22 0.2, 13 25 0.3</trace></traceGroup>
      <trace>5 5, '1 '2, 1 2, "0 "1</trace></ink>'''
    ink, label = inkml_to_ink(doc)
    assert label == "$x^2$"
    assert np.allclose(ink[0], [[10, -20], [11, -22], [13, -25]])          # time dropped, y flipped up
    assert np.allclose(ink[1], [[5, -5], [6, -7], [7, -9], [8, -12]])      # a prefix holds per channel until the next one


@pytest.mark.parametrize("doc, message", [
    (b"not xml", "not well-formed"),
    (b"<svg/>", "not <ink>"),
    (f'<ink xmlns="{NS}"><trace>1</trace></ink>'.encode(), "fewer than two numbers"),
    (f'<ink xmlns="{NS}"></ink>'.encode(), "no trace"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><ink>&a;</ink>', "not well-formed"),
])
def test_bad_inkml_is_a_clear_error(doc, message):
    with pytest.raises(InputError, match=message):
        inkml_to_ink(doc, "up.inkml")


def test_a_dataset_is_saved_listed_and_travels_as_ink_json_or_inkml():
    words = ["minimum", "hello", "an apple"]
    for k, w in enumerate(words):
        datasets.add_sample("My hand!", render_word(w.replace(" ", ""), "natural", k).ink, w)
    assert [d["name"] for d in datasets.list_datasets()] == ["My-hand"]
    saved = datasets.samples("My hand!")
    assert [p.name for p, _, _ in saved] == ["0001.json", "0002.json", "0003.json"]
    for inkml in (False, True):
        name = f"copy-{inkml}"
        report = datasets.import_zip(name, datasets.export_zip("My-hand", inkml=inkml))
        assert report == {"added": 3, "skipped": {}}
        copies = datasets.samples(name)
        assert [label for _, _, label in copies] == words
        assert all(same_ink(a, b) for (_, a, _), (_, b, _) in zip(saved, copies))


def test_imports_skip_what_is_not_a_labelled_drawing_and_refuse_bad_archives(tmp_path):
    folder = tmp_path / "mine"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.inkml").write_text(ink_to_inkml(render_word("ab", "natural", 1).ink, "ab"))
    (folder / "b.json").write_text('{"strokes": [[[0, 0], [1, 1]]]}')
    (folder / "c.json").write_text("{")
    assert datasets.import_folder("f", folder) == {"added": 1, "skipped": {"no label": 1, "unreadable file": 1}}
    with pytest.raises(InputError, match="not a readable zip"):
        datasets.import_zip("z", b"PK not really")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("x.json", '{"strokes": []}')
    with pytest.raises(InputError, match="none of the 1 files"):
        datasets.import_zip("z", buf.getvalue())
    with pytest.raises(InputError, match="not a usable dataset name"):
        datasets.dataset_path("../..")
    with pytest.raises(InputError, match="needs its text"):
        datasets.add_sample("z", render_word("a", "natural", 0).ink, " ")


def test_prompts_use_only_the_readers_letters_and_skip_what_was_written():
    import random

    from core.data.datasets import PROMPT_LEFT_OUT, prompt
    from core.train.collect import default_holdout

    rng = random.Random(0)
    seed_words = {prompt("coltinmaeu", rng) for _ in range(40)}
    assert all(set(w) <= set("coltinmaeu") and 3 <= len(w) <= 9 for w in seed_words)
    assert not seed_words & PROMPT_LEFT_OUT
    phrase = prompt("abcdefghijklmnopqrstuvwxyz ", rng, words=3)
    assert len(phrase.split(" ")) == 3
    first = prompt("coltinmaeu", random.Random(1))
    assert prompt("coltinmaeu", random.Random(1), avoid={first}) != first
    with pytest.raises(InputError, match="no word of the English list"):
        prompt("xq", rng)
    assert [default_holdout(n) for n in (0, 3, 4, 6, 20, 21)] == [0, 0, 1, 2, 5, 5]
