"""Browser: start a tiny run from the Train page (the tests' preset, not the page's default) and watch the live
chart update."""
import time

from browser_draw import choose, wait_idle


def test_live_chart_updates_while_a_tiny_run_trains(browser, streamlit_server, artifacts):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(streamlit_server["url"] + "/train")
    wait_idle(page)
    choose(page, "Preset", "tiny: the tests' preset")
    slider = page.locator("[data-testid='stSlider']").filter(has=page.get_by_text("Epochs", exact=True)).first \
        .get_by_role("slider")
    slider.focus()
    for _ in range(28):  # tiny's 2 epochs -> 30, so the run lasts several refreshes of the chart
        page.keyboard.press("ArrowRight")
    wait_idle(page)
    page.get_by_role("button", name="Start", exact=True).click()
    seen, deadline, state = [], time.time() + 180, ""
    while time.time() < deadline:
        charts = page.locator("[data-testid='stPlotlyChart']")
        if charts.count():
            n = charts.first.locator("path.point, .scatterlayer .point").count()
            if n and (not seen or n != seen[-1]):
                seen.append(n)
        body = page.locator("[data-testid='stMarkdownContainer']").filter(has_text="state").all_inner_texts()
        state = " ".join(body)
        if "state finished" in state:
            break
        page.wait_for_timeout(250)
    page.screenshot(path=str(artifacts / "train-live.png"), full_page=True)
    assert "state finished" in state, state
    assert len(seen) >= 2, f"the chart changed {len(seen)} time(s): {seen}"
    assert page.locator("[data-testid='stException']").count() == 0
    page.close()
