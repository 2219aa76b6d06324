"""AppTest: the Evaluate page scores a model on a folder of other data, as `python -m core evaluate --data` does."""
import json
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from core.cli.main import main
from core.ink.io import write_ink_json
from core.paths import REPO_ROOT as REPO
from core.synth.generator import render_word


@pytest.fixture()
def other(tmp_path, unipen_root, monkeypatch):
    """A UNIPEN folder the page takes for other data: the fixture's lav words and letters, as contributor zzz
    (the shipped models did see lav's files in the training corpus: this tests the page, not the models)."""
    monkeypatch.setenv("HWLAB_UNIPEN_TRAIN", str(tmp_path / "absent.tar.xz"))
    root = tmp_path / "other"
    shutil.copytree(unipen_root / "include", root / "include")
    for cat in ("6", "1c"):
        shutil.copytree(unipen_root / "data" / cat / "lav", root / "data" / cat / "zzz")
    return root


def folder_form(kind: str = "reader") -> AppTest:
    at = AppTest.from_file(str(REPO / "dashboard" / "Home.py"), default_timeout=240).run()
    at.switch_page("../pages/evaluate.py").run()
    if kind != "reader":
        at.radio(key="eval_kind").set_value(kind).run()
    at.radio(key="eval_on").set_value("folder").run()
    assert not at.exception and "press **Score**" in at.info[0].value
    return at


def score(at, path, **choices) -> AppTest:
    at.text_input(key="eval_folder_path").set_value(str(path))
    for key, value in choices.items():
        (at.radio if key in ("format", "split", "decoder") else at.text_input)(key=f"eval_folder_{key}") \
            .set_value(value)
    return at.get("form_submit_button")[0].click().run()


def tables(at) -> dict:
    return {d.value.columns[0]: d.value for d in at.dataframe}


def test_a_reader_on_another_unipen_folder_matches_the_command_line(other, capsys):
    at = score(folder_form(), other)
    assert not at.exception and not at.error
    said = at.info[0].value
    assert f"on `unipen:{other}`, categories 6" in said and "it did not train on this folder" in said
    assert "decoder: greedy" in said and "1 contributor and 4 writers" in said
    assert main(["evaluate", str(REPO / "checkpoints" / "reader-az"), "--data", f"unipen:{other}", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    shown = tables(at)
    assert list(shown["contributor"]["contributor"]) == ["zzz"]
    writers = shown["writer"]
    assert list(writers["writer"]) == list(cli["by_writer"])  # hardest first, as the command line
    assert list(writers["CER"]) == pytest.approx([r["cer"] for r in cli["by_writer"].values()])
    assert list(writers["CER"]) == sorted(writers["CER"], reverse=True)
    assert {m.label: m.value for m in at.metric}["Samples scored"] == f"{cli['n']:,}"


def test_a_classifier_on_its_own_folder_needs_every_sample_and_says_so(unipen_root, monkeypatch, tmp_path):
    """A classifier trained on the fixture (split by writer), scored on the fixture."""
    monkeypatch.setenv("HWLAB_UNIPEN_TRAIN", str(tmp_path / "absent.tar.xz"))
    monkeypatch.setenv("HWLAB_RUNS_DIR", str(tmp_path / "runs"))
    assert main(["train", "classifier", "--preset", "tiny", "--data", "unipen", "--run-dir",
                 str(tmp_path / "runs" / "mine")]) == 0
    at = folder_form("classifier")
    at.selectbox(key="eval_ckpt_classifier").set_value("run: mine").run()
    at = score(at, unipen_root)
    assert not at.exception and "is the folder **run: mine** trained on" in at.info[0].value
    assert not at.metric
    at = score(at, unipen_root, split="all", contributors="art")
    said = at.info[0].value
    assert "categories 1c by contributors art" in said and "training samples included (split all)" in said
    accuracy = tables(at)["writer"]["accuracy"]
    assert len(accuracy) > 1 and list(accuracy) == sorted(accuracy)  # the hardest writer first


def test_an_ink_folder_counts_what_it_cannot_score_and_bad_paths_are_refused(other, tmp_path):
    ink = tmp_path / "ink"
    for person, words in (("ann", ["minimum", "letter"]), ("bob", ["house", "Paris"])):
        for i, w in enumerate(words):
            write_ink_json(ink / person / f"{i}.json", render_word(w.lower(), "natural", i).ink, w)
    (ink / "bob" / "broken.json").write_text("{")
    at = score(folder_form(), ink, format="ink")
    assert not at.exception and f"on `ink:{ink}`" in at.info[0].value
    skipped = tables(at)["reason"].set_index("reason")["count"].to_dict()
    assert skipped == {"unreadable file": 1, "characters the model does not know": 1}
    assert sorted(tables(at)["writer"]["writer"]) == ["ink/ann", "ink/bob"]
    at = score(at, tmp_path / "nowhere", format="unipen")
    assert "there is no folder or archive at" in at.error[0].value and not at.metric
    at = score(at, ink, format="unipen")
    assert "no UNIPEN category 6 data at" in at.error[0].value
    at = score(at, other, format="unipen", contributors="nobody")
    assert "holds no samples of categories 6 by nobody" in at.error[0].value
