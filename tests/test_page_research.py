"""AppTest: the Research page lists every question and starts nothing on its own."""

from streamlit.testing.v1 import AppTest

from core.paths import REPO_ROOT as REPO
from core.train.research import QUESTIONS, sweep_specs
from core.train.writer_adaptation import COLUMNS, write_sweep


def test_research_page_shows_every_question():
    at = AppTest.from_file(str(REPO / "pages" / "research.py"), default_timeout=60).run()
    assert not at.exception
    titles = [h.value for h in at.subheader]
    assert all(q.title in titles for q in QUESTIONS.values())
    assert len([b for b in at.button if b.key.startswith("research_run_")]) == len(QUESTIONS) + 2  # timing, adaptation


def test_the_adaptation_question_plots_the_sweep_and_answers_per_writer(tmp_path, monkeypatch):
    monkeypatch.setenv("HWLAB_RESEARCH_DIR", str(tmp_path))
    rows = [{"writer": w, "n": n, "own_cer": c, "others_cer": 0.1, "seconds": 9.0} for w, n, c in
            [("lou/a", 0, 0.2), ("lou/a", 20, 0.1), ("kai/b", 0, 0.05), ("kai/b", 20, 0.04)]]
    write_sweep([{c: r.get(c, 0) for c in COLUMNS} | r | {"contributor": r["writer"][:3]} for r in rows],
                tmp_path / "adaptation", {"writers": 2})
    at = AppTest.from_file(str(REPO / "pages" / "research.py"), default_timeout=60).run()
    assert not at.exception
    assert "How many samples of your handwriting does the reader need?" in [h.value for h in at.subheader]
    table = next(d.value for d in at.dataframe if "writer" in d.value.columns)
    assert list(table["writer"]) == ["kai/b", "lou/a"] and list(table["N = 20"]) == [0.04, 0.1]


def test_small_versions_are_small():
    for q in QUESTIONS.values():
        small, full = sweep_specs(q, small=True, epochs=6), sweep_specs(q)
        assert 0 < len(small) < len(full) and all(s["overrides"]["epochs"] == 6 for s in small)
