"""Browser: start a tiny run from the Train page (the tests' preset, not the page's default), watch the live
chart update, and see the run named by its model and preset."""
import time

from browser_draw import choose, wait_idle


def test_live_chart_updates_while_a_tiny_run_trains(browser, streamlit_server, artifacts):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(streamlit_server["url"] + "/train")
    wait_idle(page)
    choose(page, "Preset", "tiny: the tests' preset")
    # tiny's 2 epochs of 2 renderings -> 100 epochs of 6, so the run (about 0.06 s an epoch on the padded trainer
    # as tiny stands) lasts many refreshes of the chart, which redraws every second.
    for label, presses in (("Epochs", ("End",)), ("Renderings per word and epoch", ("ArrowRight",) * 4)):
        slider = page.locator("[data-testid='stSlider']").filter(has=page.get_by_text(label, exact=True)).first \
            .get_by_role("slider")
        slider.focus()
        for key in presses:
            page.keyboard.press(key)
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
    assert "-reader-tiny" in state, state  # runs are named by model and preset, not by time only
    assert len(seen) >= 2, f"the chart changed {len(seen)} time(s): {seen}"
    assert page.locator("[data-testid='stException']").count() == 0
    page.close()
