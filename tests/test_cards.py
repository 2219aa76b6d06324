"""The shipped models' cards say what a fresh evaluation measures, on a test contributor small enough to rerun."""
from __future__ import annotations

import json

import pytest

from core.cli.main import main
from core.paths import checkpoints_dir

READER = checkpoints_dir() / "reader-az"


@pytest.mark.skipif(not (READER / "card.json").exists(), reason="no shipped reader-az")
@pytest.mark.slow
def test_reader_az_card_matches_a_fresh_evaluation_of_a_test_contributor(training_corpus_contributor, capsys):
    card = json.loads((READER / "card.json").read_text())
    assert card["test"]["contributors"] and set(card["test"]["contributors"]) <= set(card["data"]["test_contributors"])
    expected = card["test"]["by_contributor"]["pri"]
    folder = training_corpus_contributor("pri", ["6"])
    assert main(["evaluate", str(READER), "--data", f"unipen:{folder}", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["n"] == expected["n"] and set(got["by_contributor"]) == {"pri"}
    assert got["cer"] == pytest.approx(expected["cer"], abs=1e-4)
    assert got["word_acc"] == pytest.approx(expected["word_acc"], abs=1e-4)
    # the headline is the card's own greedy figure over every test contributor
    assert card["test"]["greedy"]["cer"] == pytest.approx(float(next(iter(card["headline"].values()))), abs=5e-4)


@pytest.mark.parametrize("name", ["classifier-chars", "classifier-az"])
@pytest.mark.slow
def test_classifier_card_matches_a_fresh_evaluation_of_a_test_contributor(name, training_corpus_contributor, capsys):
    folder_of_model = checkpoints_dir() / name
    card = json.loads((folder_of_model / "card.json").read_text())
    test = card["test"]
    assert set(test["contributors"]) == set(card["data"]["test_contributors"])  # every test lab, none trained on
    assert test["n"] == sum(c["n"] for c in test["by_contributor"].values()) == sum(
        w["n"] for w in test["by_writer"].values())
    hardest = [c["accuracy"] for c in test["by_contributor"].values()]
    assert hardest == sorted(hardest)  # hardest first
    expected = test["by_contributor"]["pri"]
    folder = training_corpus_contributor("pri", ["1a", "1b", "1c", "1d"])
    assert main(["evaluate", str(folder_of_model), "--data", f"unipen:{folder}", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["n"] == expected["n"] and set(got["by_contributor"]) == {"pri"}
    for key in ("accuracy", "top5", "case_insensitive"):
        assert got[key] == pytest.approx(expected[key], abs=1e-4)
    assert card["headline"][next(iter(card["headline"]))] == f"{test['accuracy']:.3f}"


TEXT_READER = checkpoints_dir() / "reader-text"


@pytest.mark.skipif(not (TEXT_READER / "card.json").exists(), reason="no shipped reader-text")
@pytest.mark.parametrize("decoder", ["greedy", "lm"])
@pytest.mark.slow
def test_reader_text_card_matches_a_fresh_evaluation_of_a_test_contributor(decoder, training_corpus_contributor,
                                                                            capsys):
    card = json.loads((TEXT_READER / "card.json").read_text())
    lines, words = card["test"]["categories"]["8"], card["test"]["categories"]["6"]
    assert set(card["test"]["contributors"]) == set(card["data"]["test_contributors"])
    for table in (lines, words):
        assert set(table) == {"greedy", "beam", "lexicon", "lm"}
        cers = [c["cer"] for c in table["greedy"]["by_contributor"].values()]
        assert cers == sorted(cers, reverse=True)  # hardest first
        assert table["greedy"]["n"] == sum(c["n"] for c in table["greedy"]["by_contributor"].values())
    folder = training_corpus_contributor("pri", ["6", "8"])
    assert main(["evaluate", str(TEXT_READER), "--data", f"unipen:{folder}", "--decoder", decoder, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    for category, table in (("8", lines), ("6", words)):
        expected = table[decoder]["by_contributor"]["pri"]
        assert got["by_category"][category]["n"] == expected["n"]
        for key in ("cer", "wer", "word_acc"):
            assert got["by_category"][category][key] == pytest.approx(expected[key], abs=1e-4)
    assert card["headline"][next(iter(card["headline"]))] == f"{lines['greedy']['cer']:.3f}"
