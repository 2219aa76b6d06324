"""AppTest: the Research page lists every question and starts nothing on its own."""

from streamlit.testing.v1 import AppTest

from core.paths import REPO_ROOT as REPO
from core.train.research import QUESTIONS, sweep_specs


def test_research_page_shows_every_question():
    at = AppTest.from_file(str(REPO / "pages" / "research.py"), default_timeout=60).run()
    assert not at.exception
    titles = [h.value for h in at.subheader]
    assert all(q.title in titles for q in QUESTIONS.values())
    assert len([b for b in at.button if b.key.startswith("research_run_")]) == len(QUESTIONS) + 1  # + timing


def test_small_versions_are_small():
    for q in QUESTIONS.values():
        small, full = sweep_specs(q, small=True, epochs=6), sweep_specs(q)
        assert 0 < len(small) < len(full) and all(s["overrides"]["epochs"] == 6 for s in small)
