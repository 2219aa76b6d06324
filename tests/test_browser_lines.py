"""Browser: the Evaluate and Alignment pages with the line reader (reader-text); the README's screenshots of them.

They need the shipped reader-text and the training corpus (its evaluation lines); the first page to ask
builds those once per server (about a minute on a busy machine).
"""
import pytest
from browser_draw import SHOTS, choose, full_page_screenshot, wait_for_app, wait_idle
from test_browser_pages import assert_not_blank

from core.paths import REPO_ROOT as REPO

LONG = 600_000  # ms: the evaluation data, then every evaluation line decoded, on a busy machine


@pytest.fixture(scope="module")
def line_reader(streamlit_server, training_corpus_contributor):
    """The server, once reader-text is shipped (the corpus fixture skips without the training corpus)."""
    if not (REPO / "checkpoints" / "reader-text" / "model.pt").is_file():
        pytest.skip("checkpoints/reader-text is not there")
    return streamlit_server


def _open(browser, server, path: str, label: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server['url']}/{path}")
    wait_for_app(page, LONG)
    choose(page, label, "shipped: reader-text")
    wait_for_app(page, LONG)
    assert page.locator("[data-testid='stException']").count() == 0
    return page


def _page_says(page) -> str:
    """The page's messages (errors, warnings, notes), for a failing assertion."""
    return " | ".join(page.locator("[data-testid='stAlert']").all_inner_texts())


def test_evaluate_page_reads_lines_with_reader_text(browser, line_reader, artifacts):
    page = _open(browser, line_reader, "evaluate", "Checkpoint")
    try:
        try:
            page.get_by_text("Scoring shipped: reader-text").first.wait_for(timeout=LONG)
        except Exception as exc:  # the page says why: a message, or another model's figures
            (artifacts / "page-evaluate-lines-failed.png").write_bytes(page.screenshot(full_page=True))
            raise AssertionError(f"no evaluation of reader-text; the page says: {_page_says(page)}") from exc
        wait_for_app(page, LONG)  # the rest of the page below the note
        for heading in ("Per line", "Word confusion", "Character confusion"):
            assert page.get_by_role("heading", name=heading).count() == 1, f"{heading}; page: {_page_says(page)}"
        assert page.get_by_text("Most frequent confusions").count() == 1
        shot = full_page_screenshot(page)
        (artifacts / "page-evaluate-lines.png").write_bytes(shot)
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / "evaluate-lines.png").write_bytes(shot)
        assert_not_blank(shot)
    finally:
        page.close()


def test_alignment_page_aligns_a_line_with_reader_text(browser, line_reader, artifacts):
    page = _open(browser, line_reader, "alignment", "Reader")
    try:
        target = page.get_by_role("textbox", name="Target text")
        assert len(target.input_value()) > 10  # the sample's label, a line
        wait_idle(page, LONG)
        shot = full_page_screenshot(page)
        assert page.locator("[data-testid='stException']").count() == 0
        (artifacts / "page-alignment-line.png").write_bytes(shot)
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / "alignment-line.png").write_bytes(shot)
        assert_not_blank(shot)
    finally:
        page.close()
