"""The shipped models' cards say what a fresh evaluation measures, on a test contributor small enough to rerun."""
from __future__ import annotations

import json

import pytest

from core.cli.main import main
from core.paths import checkpoints_dir

READER = checkpoints_dir() / "reader-az"


@pytest.mark.skipif(not (READER / "card.json").exists(), reason="no shipped reader-az")
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
