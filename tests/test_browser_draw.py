"""Browser: draw on the Draw page with a mouse, a finger and a stylus; Undo, Redo and Clear; the capital warning."""

import pytest
from browser_draw import (
    SHOTS,
    choose,
    clear_canvas,
    draw_ink,
    draw_stroke_pen,
    draw_stroke_touch,
    full_page_screenshot,
    pad_button,
    read_metric,
    read_result,
    wait_for_app,
    wait_idle,
    wait_strokes,
)

from core.paths import REPO_ROOT as REPO
from core.synth.generator import render_word

needs_seed_reader = pytest.mark.skipif(not (REPO / "checkpoints" / "reader-seed").is_dir(),
                                       reason="no shipped reader-seed checkpoint")
TONIC = render_word("tonic", "seed", 3).ink  # 7 strokes: t (2), o, n, i (2), c


def open_draw(browser, url: str, reader: str, lexicon: bool = True, touch: bool = False):
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, has_touch=touch)
    page = context.new_page()
    page.goto(url + "/draw")
    page.locator("canvas.pad-canvas").wait_for(timeout=120_000)
    wait_idle(page)
    choose(page, "Reader", reader)
    if not lexicon:
        page.get_by_text("Decode with a lexicon").click()  # off: greedy and beam must read it on their own
        wait_idle(page)
    return page


@needs_seed_reader
def test_drawing_a_seed_word_is_read(browser, streamlit_server, artifacts):
    page = open_draw(browser, streamlit_server["url"], "shipped: reader-seed", lexicon=False)
    draw_ink(page, TONIC)
    page.screenshot(path=str(artifacts / "draw-tonic.png"), full_page=True)
    assert read_metric(page, "Greedy") == "tonic"
    assert read_result(page) == "tonic"
    assert page.locator("[data-testid='stException']").count() == 0
    page.context.close()


@needs_seed_reader
def test_undo_redo_and_clear_are_always_in_view_and_work(browser, streamlit_server):
    page = open_draw(browser, streamlit_server["url"], "shipped: reader-seed", lexicon=False)
    page.mouse.move(5, 5)  # the pointer away from the canvas: nothing may depend on hovering it
    bar = page.locator(".pad-bar").first
    assert bar.is_visible() and bar.evaluate("b => getComputedStyle(b).opacity") == "1"
    for name in ("Undo", "Redo", "Clear"):
        button = pad_button(page, name)
        assert button.is_visible() and button.inner_text().endswith(name)
        assert float(button.evaluate("b => getComputedStyle(b).opacity")) >= 0.4  # greyed while it can do nothing
    assert pad_button(page, "Undo").is_disabled() and pad_button(page, "Clear").is_disabled()
    draw_ink(page, TONIC)
    pad_button(page, "Undo").click()  # the c goes
    wait_strokes(page, 6)
    assert read_metric(page, "Greedy") == "toni"
    pad_button(page, "Redo").click()
    wait_strokes(page, 7)
    assert read_metric(page, "Greedy") == "tonic"
    clear_canvas(page)
    assert page.get_by_text("Draw a word above").is_visible()
    pad_button(page, "Undo").click()  # Clear is one step of the history too
    wait_strokes(page, 7)
    assert page.locator("[data-testid='stException']").count() == 0
    page.context.close()


@needs_seed_reader
@pytest.mark.parametrize("how", ["touch", "pen"])
def test_drawing_with_a_finger_or_a_stylus_is_read(browser, streamlit_server, artifacts, how):
    page = open_draw(browser, streamlit_server["url"], "shipped: reader-seed", lexicon=False, touch=how == "touch")
    scroll = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTop")
    try:
        draw_ink(page, TONIC, stroke=draw_stroke_touch if how == "touch" else draw_stroke_pen)
    finally:
        page.screenshot(path=str(artifacts / f"draw-tonic-{how}.png"), full_page=True)
    assert read_metric(page, "Greedy") == "tonic"
    # the finger drew instead of scrolling the page
    assert page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTop") == scroll
    page.context.close()


@pytest.mark.skipif(not (REPO / "checkpoints" / "reader-az").is_dir(), reason="no shipped reader-az checkpoint")
def test_a_word_with_a_capital_gets_a_warning(browser, streamlit_server, unipen_root, artifacts):
    from core.ink.unipen import load_words

    word = next(s for s in load_words(unipen_root) if s.label == "Querque" and s.writer == "art/writer08")
    page = open_draw(browser, streamlit_server["url"], "shipped: reader-az")
    warning = page.locator("[data-testid='stAlertContentWarning']").filter(has_text="probably holds characters")
    draw_ink(page, word.ink)
    page.screenshot(path=str(artifacts / "draw-capital.png"), full_page=True)
    assert warning.count() == 1 and "lowercase a-z only" in warning.inner_text()
    clear_canvas(page)
    draw_ink(page, render_word("people", "natural", 5).ink)
    assert read_result(page) == "people" and warning.count() == 0
    page.context.close()


@pytest.mark.skipif(not (REPO / "checkpoints" / "reader-az").is_dir(), reason="no shipped reader-az checkpoint")
def test_opening_what_the_reader_saw_draws_its_figures_for_the_drawn_word(browser, streamlit_server, artifacts):
    """The default reader reads a drawn word; its figures appear only once their expander is opened (and the
    page then is the README's screenshot of the Draw page)."""
    page = open_draw(browser, streamlit_server["url"], "shipped: reader-az")
    draw_ink(page, render_word("people", "natural", 5).ink)
    assert read_result(page) == "people"
    charts = page.locator("[data-testid='stPlotlyChart']")
    assert charts.count() == 0
    page.get_by_text("What the reader saw").click()
    charts.nth(1).locator(".main-svg").first.wait_for(timeout=60_000)
    wait_for_app(page)
    assert charts.count() == 2 and read_result(page) == "people"  # opening it kept the drawing and its reading
    shot = full_page_screenshot(page)
    (artifacts / "draw-people.png").write_bytes(shot)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "draw.png").write_bytes(shot)
    assert page.locator("[data-testid='stException']").count() == 0
    page.context.close()
