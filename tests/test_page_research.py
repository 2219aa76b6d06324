"""AppTest: the Research page lists every question and starts nothing on its own."""

from streamlit.testing.v1 import AppTest

from core.files.atomic import write_json
from core.paths import REPO_ROOT as REPO
from core.train.research import QUESTIONS, sweep_specs
from core.train.writer_adaptation import COLUMNS, write_sweep


def test_research_page_shows_every_question():
    at = AppTest.from_file(str(REPO / "pages" / "research.py"), default_timeout=60).run()
    assert not at.exception
    titles = [h.value for h in at.subheader]
    assert all(q.title in titles for q in QUESTIONS.values())
    assert len([b for b in at.button if b.key.startswith("research_run_")]) == len(QUESTIONS) + 2  # timing, adaptation


def test_the_adaptation_question_plots_the_sweep_and_answers_per_group_and_writer(tmp_path, monkeypatch):
    monkeypatch.setenv("HWLAB_RESEARCH_DIR", str(tmp_path))
    rows = [{"writer": w, "n": n, "own_corpus_cer": c, "own_chars": 100, "others_corpus_cer": o, "others_chars": 200,
             "seconds": 9.0} for w, n, c, o in
            [("lou/a", 0, 0.2, 0.1), ("lou/a", 20, 0.1, 0.1), ("kai/b", 0, 0.05, 0.1), ("kai/b", 20, 0.04, 0.11)]]
    write_sweep([{c: r.get(c, 0) for c in COLUMNS} | r | {"contributor": r["writer"][:3]} for r in rows],
                tmp_path / "adaptation", {"writers": 2, "contributors": ["kai", "lou"], "adapt": {"steps": 60}})
    write_json(tmp_path / "adaptation" / "recipes.json", {"n": 20, "writers": 6, "contributors": ["par"],
               "recipes": {"r1": {"steps": 60}, "r2": {"steps": 200}},
               "summary": [{"recipe": r, "poor_own_change": c, "all_own_change": c, "all_others_change": 0.01,
                            "all_seconds": 12.0} for r, c in (("r1", -0.2), ("r2", -0.1))]})
    at = AppTest.from_file(str(REPO / "pages" / "research.py"), default_timeout=60).run()
    assert not at.exception
    assert "How many samples of your handwriting does the reader need?" in [h.value for h in at.subheader]
    per_writer = next(d.value for d in at.dataframe if "writer" in d.value.columns)
    assert list(per_writer["writer"]) == ["kai/b", "lou/a"] and list(per_writer["N = 20"]) == [0.04, 0.1]
    assert list(per_writer["read poorly"]) == [False, True]
    table = next(d.value for d in at.dataframe if "N words" in d.value.columns)
    assert list(table["N words"]) == [0, 20]
    assert list(table["CER ≥ 0.10: pooled CER"]) == ["0.200", "0.100 (-50.0%)"]
    assert list(table["CER ≥ 0.10: writers"]) == ["1 of 1 contributors", "0 made worse"]
    assert list(table["all: pooled CER"]) == ["0.125", "0.070 (-44.0%)"]
    recipes = next(d.value for d in at.dataframe if "recipe" in d.value.columns)
    assert list(recipes["chosen"]) == [True, False]
    assert any("-50.0%" in m.value and "**met**" in m.value for m in at.markdown)  # -50%, others +0%, 9 s


def test_small_versions_are_small():
    for q in QUESTIONS.values():
        small, full = sweep_specs(q, small=True, epochs=6), sweep_specs(q)
        assert 0 < len(small) < len(full) and all(s["overrides"]["epochs"] == 6 for s in small)
