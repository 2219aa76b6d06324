"""Contributor splits: test contributors are never trained on, in any data a model learns from."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.data.az_words import az_word_data
from core.data.letters import char_label, unipen_splits
from core.data.splits import (
    TEST_CONTRIBUTORS,
    VALIDATION_CONTRIBUTORS,
    contributor_split,
    uses_contributor_split,
)
from core.models.reader import preset

CONTRIBUTORS = list(TEST_CONTRIBUTORS + VALIDATION_CONTRIBUTORS) + ["apb", "art", "sta", "nic"]


@given(st.lists(st.tuples(st.sampled_from(CONTRIBUTORS), st.integers(0, 30)), max_size=60))
def test_every_writer_lands_in_exactly_the_split_of_its_contributor(pairs):
    writers = [f"{c}/w{k}" for c, k in pairs]
    split = contributor_split(writers)
    assert sorted(w for part in split.values() for w in part) == sorted(set(writers))
    assert all(w.split("/")[0] in TEST_CONTRIBUTORS for w in split["test"])
    assert all(w.split("/")[0] in VALIDATION_CONTRIBUTORS for w in split["val"])
    assert not any(w.split("/")[0] in TEST_CONTRIBUTORS + VALIDATION_CONTRIBUTORS for w in split["train"])


def test_the_small_fixture_keeps_its_writer_split_and_the_training_corpus_is_split_by_contributor():
    assert not uses_contributor_split({"apb", "art", "lav"})
    assert uses_contributor_split({"apb", "kai", "sta"})


def test_character_labels_name_one_character_or_none():
    assert char_label("a") == "a" and char_label(" 7 ") == "7" and char_label("\\\\") == "\\"
    assert char_label("\\@") is None      # kai's mark for ligatures and noise
    assert char_label("ab") is None and char_label("") is None


def _corpus_with_test_contributors(tmp_path, unipen_root):
    """The fixture with lav renamed to a test contributor (kai) and art to a validation one (ceb)."""
    root = tmp_path / "corpus"
    shutil.copytree(unipen_root / "include", root / "include")
    for cat in ("1c", "6"):
        for old, new in (("apb", "apb"), ("lav", "kai"), ("art", "ceb")):
            if (unipen_root / "data" / cat / old).is_dir():
                shutil.copytree(unipen_root / "data" / cat / old, root / "data" / cat / new)
    return root


def test_letters_of_a_corpus_with_test_contributors_are_split_by_contributor(tmp_path, unipen_root):
    root = _corpus_with_test_contributors(tmp_path, unipen_root)
    s = unipen_splits(root, n_points=16)
    assert s.description["split"] == "by contributor"
    who = s.description["writers"]
    assert who["test"] and {w.split("/")[0] for w in who["test"]} == {"kai"}
    assert who["val"] and {w.split("/")[0] for w in who["val"]} == {"ceb"}
    assert {w.split("/")[0] for w in who["train"]} == {"apb"}
    assert {w.split("/")[0] for w in np.unique(s.writers["test"])} == {"kai"}


def test_the_reader_never_reads_test_contributors_and_chooses_epochs_on_validation_words(tmp_path, unipen_root):
    root = _corpus_with_test_contributors(tmp_path, unipen_root)
    data = az_word_data(preset("tiny", data=f"unipen:{root}", style="natural"))
    assert data.select_on == "heldout"
    assert data.description["test_contributors"] == list(TEST_CONTRIBUTORS)
    # held-out words are the validation contributor's (art renamed ceb): 687 words, the lowercase ones kept
    assert 0 < data.description["test_words"] == len(data.eval_sets["heldout"])
    # the fixture's lav (now kai, a test contributor) has 213 real lowercase words: none is trained on
    assert data.description["real_training_words"] == 0
    old = az_word_data(preset("tiny", data=f"unipen:{unipen_root}", style="natural"))
    assert old.select_on == "invocab" and old.description["real_training_words"] == 213


def test_a_reader_split_by_contributor_is_evaluated_on_its_test_contributors(tmp_path, unipen_root, capsys):
    import json

    import pytest

    from core.cli.main import main
    from core.train.reader import train_reader
    from core.train.runs import RunFolder

    root = _corpus_with_test_contributors(tmp_path, unipen_root)
    run = RunFolder(tmp_path / "run")
    train_reader(preset("tiny", data=f"unipen:{root}", style="natural", epochs=1), run)
    assert main(["evaluate", str(run.path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # its own test split: every word of the test contributor (lav renamed kai), none of the others
    assert set(out["by_contributor"]) == {"kai"} and out["n"] > 100
    assert main(["evaluate", str(run.path), "--contributors", "apb"]) == 2
    assert "not among this model's test contributors" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["evaluate", str(run.path), "--split", "nonsense"])


@pytest.mark.slow
def test_a_classifier_split_by_contributor_is_evaluated_on_its_test_contributors(tmp_path, unipen_root, capsys):
    import json

    from core.cli.main import main
    from core.models.classifier import preset as classifier_preset
    from core.train.classifier import train_classifier
    from core.train.runs import RunFolder

    root = _corpus_with_test_contributors(tmp_path, unipen_root)
    run = RunFolder(tmp_path / "run")
    train_classifier(classifier_preset("tiny", data=f"unipen:{root}", epochs=1), run)
    assert main(["evaluate", str(run.path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["by_contributor"]) == {"kai"} and set(out["by_category"]) == {"1c"}
    assert out["n"] > 500 and 0 <= out["accuracy"] <= out["top5"] <= 1


def test_every_character_has_one_group():
    from core.data.alphabets import char_group

    assert [char_group(c) for c in "7Qq"] == ["digits", "capitals", "lowercase"]
    assert {char_group(c) for c in "!\\@~ "} == {"symbols"} and char_group("é") == "symbols"


def test_figures_per_character_group_and_the_confusion_of_one_group():
    from core.train.evaluate import by_char_group, group_confusion

    got = by_char_group(["a", "O", "O", "7", "!"], ["a", "o", "O", "1", "!"])
    assert got == {"digits": {"n": 1, "accuracy": 0.0, "case_insensitive": 0.0},
                   "capitals": {"n": 2, "accuracy": 0.5, "case_insensitive": 1.0},
                   "lowercase": {"n": 1, "accuracy": 1.0, "case_insensitive": 1.0},
                   "symbols": {"n": 1, "accuracy": 1.0, "case_insensitive": 1.0}}
    classes = ["!", "7", "A", "O", "a"]
    m = np.arange(25).reshape(5, 5)
    sub, labels = group_confusion(m, classes, "capitals")
    assert labels == ["A", "O"] and sub.tolist() == [[12, 13], [17, 18]]
