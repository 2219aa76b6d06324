"""Browser: the Research page's data-movement question shows its shipped figures, and its button traces the
quick settings live in Chromium (a table of CTC's and BPTT's shares appears). The section's screenshot is the
README's."""
from browser_draw import SHOTS, WIDTH, wait_for_app

from core.paths import research_dir
from core.movement.study import CSV_NAME, FOLDER
from dashboard.research_text import DATA_MOVEMENT_TITLE


def test_the_data_movement_question_reruns_its_quick_settings(browser, streamlit_server, artifacts):
    assert (research_dir() / FOLDER / CSV_NAME).exists(), "the shipped data-movement table is missing"
    page = browser.new_page(viewport={"width": WIDTH, "height": 1400})
    try:
        page.goto(f"{streamlit_server['url']}/research")
        wait_for_app(page)
        section = page.locator("[data-testid='stVerticalBlock']").filter(
            has=page.get_by_role("heading", name=DATA_MOVEMENT_TITLE)).last
        section.scroll_into_view_if_needed()
        assert section.locator("[data-testid='stPlotlyChart']").count() == 2   # cost against T, shares by measure
        section.get_by_role("button", name="Rerun the quick version").click()
        section.locator("[data-testid='stPlotlyChart']").nth(2).wait_for(timeout=120_000)
        wait_for_app(page)
        caption = section.get_by_text("Traced here: 3 training steps").inner_text()
        assert "CTC's share of ByteDMD" in caption and "BPTT's" in caption, caption
        assert section.locator("[data-testid='stDataFrame']").last.is_visible()
        assert page.locator("[data-testid='stException']").count() == 0
        height = section.bounding_box()["height"]
        page.set_viewport_size({"width": WIDTH, "height": int(height) + 400})   # the whole section drawn
        page.mouse.move(0, 0)                                                  # no tooltip over it
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        wait_for_app(page)
        shot = section.screenshot()
        (artifacts / "page-research-data-movement.png").write_bytes(shot)
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / "research-data-movement.png").write_bytes(shot)
    finally:
        page.close()
