"""Browser: draw a seed-style word with the mouse on the Draw page and find it read."""

import pytest
from browser_draw import choose, draw_ink, read_metric, read_result, wait_idle

from core.paths import REPO_ROOT as REPO
from core.synth.generator import render_word


@pytest.mark.skipif(not (REPO / "checkpoints" / "reader-seed").is_dir(), reason="no shipped reader-seed checkpoint")
def test_drawing_a_seed_word_is_read(browser, streamlit_server, artifacts):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(streamlit_server["url"] + "/draw")
    wait_idle(page)
    choose(page, "Reader", "shipped: reader-seed")
    page.get_by_text("Decode with a lexicon").click()  # off: greedy and beam must read it on their own
    wait_idle(page)
    draw_ink(page, render_word("tonic", "seed", 3).ink)
    page.screenshot(path=str(artifacts / "draw-tonic.png"), full_page=True)
    assert read_metric(page, "Greedy") == "tonic"
    assert read_result(page) == "tonic"
    assert page.locator("[data-testid='stException']").count() == 0
    page.close()
