"""AppTest: the router, Home and Data pages run and respond to their widgets."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[1]


def test_router_opens_home_without_errors():
    at = AppTest.from_file(str(REPO / "dashboard" / "Home.py"), default_timeout=60).run()
    assert not at.exception
    assert any("Handwriting Lab" in t.value for t in at.title)


def _word_chart(at):
    return next(c.proto.spec for c in at.get("plotly_chart") if "strokes" in c.proto.spec and "points" in c.proto.spec)


def test_data_page_renders_and_reacts_to_sliders():
    at = AppTest.from_file(str(REPO / "pages" / "data.py"), default_timeout=60).run()
    assert not at.exception
    at.text_input(key="data_word").set_value("minimum").run()
    assert not at.exception and "'minimum'" in _word_chart(at)
    before = _word_chart(at)
    at.slider(key="data_aug_natural_slant").set_value(0.5).run()
    assert not at.exception and _word_chart(at) != before


def test_data_page_shows_a_clear_error_for_unwritable_words():
    at = AppTest.from_file(str(REPO / "pages" / "data.py"), default_timeout=60).run()
    at.text_input(key="data_word").set_value("Hello!").run()
    assert not at.exception
    assert any("cannot write" in e.value for e in at.error)
