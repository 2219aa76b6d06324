"""Scoring a model on labelled data it was not split on: what it can read, per group, and what it skips."""
import json

import numpy as np
import pytest

from core.cli.main import main
from core.errors import InputError
from core.evaluation.scoring import score_classifier, score_reader
from core.evaluation.sources import default_categories, own_test_contributors, own_test_selection
from core.ink.io import LabelledInk, load_ink_folder, write_ink_json
from core.models.checkpoint import load_checkpoint
from core.models.classifier import load_classifier
from core.models.inference import load_reader
from core.paths import checkpoints_dir
from core.synth.generator import render_letter, render_word
from core.train.metrics import cer, word_error_rate

READER = checkpoints_dir() / "reader-az"
CLASSIFIER = checkpoints_dir() / "classifier-az"


def test_word_error_rate_counts_word_edits():
    assert word_error_rate(["the cat sat"], ["the cat sat"]) == 0
    assert word_error_rate(["the bat sat", "a"], ["the cat sat", "a b"]) == pytest.approx(2 / 5)


def _words(writer: str, words: list[str], seed: int = 0) -> list[LabelledInk]:
    # The generator writes lowercase only: a capital's label on lowercase ink stands for a capital here.
    return [LabelledInk(render_word(w.lower(), "natural", seed + i).ink, w, f"ink/{writer}", f"{writer}/{i}.json")
            for i, w in enumerate(words)]


def test_a_reader_is_scored_per_writer_and_skips_what_it_cannot_read():
    reader = load_reader(READER)
    samples = _words("neat", ["minimum", "letter", "house"]) + _words("caps", ["Hello", "ok"], 7)
    samples.append(LabelledInk([np.zeros((1, 2))], "dot", "ink/caps", "caps/dot.json"))
    r = score_reader(reader, samples)
    assert r["n"] == 4 and r["skipped"] == {"characters the model does not know": 1, "fewer than two points": 1}
    assert set(r["by_writer"]) == {"ink/neat", "ink/caps"} and r["by_writer"]["ink/caps"]["n"] == 1
    cers = [w["cer"] for w in r["by_writer"].values()]
    assert cers == sorted(cers, reverse=True)  # hardest first
    assert sum(w["n"] for w in r["by_writer"].values()) == r["n"] == len(r["predictions"])
    assert r["cer"] == pytest.approx(np.mean([cer(p["pred"], p["target"]) for p in r["predictions"]]))
    assert {"n", "cer", "corpus_cer", "word_acc", "wer"} <= set(r["by_contributor"]["ink"])
    with pytest.raises(InputError, match="none of the 1 samples"):
        score_reader(reader, _words("caps", ["ABC"]))


def test_a_classifier_is_scored_on_the_characters_of_its_classes():
    clf = load_classifier(load_checkpoint(CLASSIFIER))
    samples = [LabelledInk(render_letter(c, "natural", k).ink, c, "ink/w", f"{c}{k}") for k, c in enumerate("abcq")]
    samples.append(LabelledInk(render_letter("a", "natural", 9).ink, "A", "ink/w", "A"))
    r = score_classifier(clf, samples)
    assert r["n"] == 4 and r["skipped"] == {"characters the model does not know": 1}
    assert 0 <= r["accuracy"] <= r["top5"] <= 1 and r["by_writer"]["ink/w"]["n"] == 4


def test_evaluate_scores_a_folder_of_ink_json_files(tmp_path, capsys):
    for person, words in (("ann", ["minimum", "letter"]), ("bob", ["house", "Paris"])):
        for i, w in enumerate(words):
            write_ink_json(tmp_path / person / f"{i}.json", render_word(w.lower(), "natural", i).ink, w)
    (tmp_path / "bob" / "broken.json").write_text("{")
    write_ink_json(tmp_path / "bob" / "unlabelled.json", render_word("a", "natural", 0).ink)
    samples, skipped = load_ink_folder(tmp_path)
    assert len(samples) == 4 and skipped == {"unreadable file": 1, "no label": 1}
    assert main(["evaluate", str(READER), "--data", f"ink:{tmp_path}", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 3 and set(out["by_writer"]) == {"ink/ann", "ink/bob"}
    assert out["skipped"] == {"unreadable file": 1, "no label": 1, "characters the model does not know": 1}
    assert main(["evaluate", str(READER), "--data", f"ink:{tmp_path}", "--decoder", "lexicon"]) == 0
    text = capsys.readouterr().out
    assert "by writer, hardest first (2)" in text and "not scored: 1 unreadable file" in text
    assert main(["evaluate", str(READER), "--data", f"ink:{tmp_path / 'nobody'}"]) == 2


def _other_contributor(tmp_path, unipen_root, categories):
    """A UNIPEN folder whose only contributor ("zzz") no shipped model trained on: the fixture's lav, renamed."""
    import shutil

    root = tmp_path / "other"
    shutil.copytree(unipen_root / "include", root / "include")
    for cat in categories:
        shutil.copytree(unipen_root / "data" / cat / "lav", root / "data" / cat / "zzz")
    return root


def test_evaluate_scores_a_unipen_folder_the_model_did_not_train_on(tmp_path, unipen_root, capsys):
    root = _other_contributor(tmp_path, unipen_root, ["6", "1c"])
    assert main(["evaluate", str(READER), "--data", f"unipen:{root}", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] > 100 and set(out["by_contributor"]) == {"zzz"} and set(out["by_category"]) == {"6"}
    assert {"n", "cer", "corpus_cer", "word_acc", "wer"} <= set(out["by_writer"][next(iter(out["by_writer"]))])
    assert main(["evaluate", str(CLASSIFIER), "--data", f"unipen:{root}", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] > 100 and set(out["by_category"]) == {"1c"} and 0 < out["accuracy"] <= out["top5"] <= 1
    assert set(out["by_group"]) == {"lowercase"} and out["accuracy"] <= out["case_insensitive"] <= 1
    assert main(["evaluate", str(READER), "--data", f"unipen:{root}", "--contributors", "nobody"]) == 2


def test_a_line_reader_is_scored_on_labels_as_written_and_skips_texts_on_several_lines():
    from dataclasses import dataclass

    from tests.test_lines import line

    @dataclass
    class Line:
        ink: list
        label: str
        category: str = "TEXT"
        data_category: str = "8"
        contributor: str = "zzz"
        writer: str = "zzz/w"

    reader = load_reader(checkpoints_dir() / "reader-text")
    one = Line(line("he said no", 1), 'he said \\\\no')           # UNIPEN's escape: a backslash
    listed = Line([s + np.array([0.0, -1.6 * k]) for k, w in enumerate("the quick brown fox".split())
                   for s in line(w, k)], "the quick brown fox")  # one word under the other
    marked = Line(line("ab", 2), "a\\@b")                          # kai's ligature mark: no character for it
    r = score_reader(reader, [one, listed, marked])
    assert r["n"] == 1 and r["predictions"][0]["target"] == "he said \\no"
    assert r["skipped"] == {"written on several lines (a list or a paragraph)": 1,
                            "characters the model does not know": 1}
    assert set(r["by_category"]) == {"8"}


def test_a_models_own_test_split_is_its_test_contributors_and_no_other():
    ckpt = {"kind": "reader", "alphabet": ["", "a", "b"], "data": {"test_contributors": ["ced", "kai"]}}
    assert own_test_contributors(ckpt) == ["ced", "kai"] and own_test_contributors({"data": {}}) == []
    assert own_test_selection(ckpt, None, "hint") == ["ced", "kai"]
    assert own_test_selection(ckpt, ["kai"], "hint") == ["kai"]
    with pytest.raises(InputError, match=r"aga not among this model's test contributors \(ced, kai\)") as err:
        own_test_selection(ckpt, ["kai", "aga"], "choose every sample")
    assert err.value.hint == "choose every sample"


def test_a_model_is_scored_by_default_on_the_categories_it_reads():
    assert default_categories({"kind": "classifier"}) == ["1a", "1b", "1c", "1d"]
    assert default_categories({"kind": "reader", "alphabet": ["", "a"]}) == ["6"]
    assert default_categories({"kind": "reader", "alphabet": ["", "a", " "]}) == ["6", "8"]
