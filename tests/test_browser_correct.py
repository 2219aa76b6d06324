"""Browser: the correction loop. Write a word on the Draw page with the mouse, type what it really says under the
reading, save it into a new dataset of one's own hand, and find it counted there and on the Collect page.

The Draw page with its saved correction and the Collect page listing it are docs/screenshots/draw-correct.png
and docs/screenshots/collect-corrections.png.
"""
import json
import shutil

import pytest
from browser_draw import SHOTS, draw_ink, full_page_screenshot, wait_for_app, wait_idle

from core.data.sentences import SENTENCES
from core.paths import REPO_ROOT as REPO
from core.synth.generator import Augment, render_word

WORD = "quiet"
NAME = "browser fixes"  # made safe: browser-fixes
# A slanted, squeezed, joined hand, which the readers often misread
HAND = Augment(slant=0.6, aspect=0.4, jitter=0.02, rotation=10, spacing=0.0, ligature=1.0)


@pytest.mark.skipif(not (REPO / "checkpoints" / "reader-text" / "model.pt").is_file(),
                    reason="no shipped reader-text checkpoint")
def test_a_misread_word_is_corrected_saved_and_counted(browser, streamlit_server, artifacts):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    try:
        correct_in_the_browser(page, streamlit_server)
    except Exception:
        page.screenshot(path=str(artifacts / "correct-failed.png"), full_page=True)
        raise
    finally:
        page.close()
        shutil.rmtree(streamlit_server["datasets"] / "browser-fixes", ignore_errors=True)  # the server is shared


def fix_box(page):
    return page.get_by_role("textbox", name="What you wrote").first


def save(page) -> None:
    page.get_by_role("button", name="Save to my dataset").click()


def correct_in_the_browser(page, server) -> None:
    page.goto(server["url"] + "/draw")  # the default reader: reader-text
    page.locator("canvas.pad-canvas").first.wait_for(timeout=180_000)
    wait_idle(page)
    draw_ink(page, render_word(WORD, "natural", 7, HAND).ink)
    page.get_by_text("Correct it: save this drawing").first.click()  # the expander under the reading
    box = fix_box(page)
    box.wait_for(timeout=60_000)
    read = box.input_value()
    assert read == page.locator("[data-testid='draw-result'] b").first.inner_text()  # prefilled with the answer

    box.fill("   ")  # blank text: refused, nothing saved
    save(page)
    page.get_by_text("Nothing was saved: the text is empty").wait_for(timeout=60_000)
    wait_idle(page)

    fix_box(page).fill(WORD)
    dataset = page.get_by_role("combobox", name="Dataset").first
    dataset.click()
    dataset.fill(NAME)  # a new dataset: typed into the box
    dataset.press("Enter")
    wait_idle(page)
    save(page)
    page.get_by_text(f"Saved “{WORD}” to dataset browser-fixes").wait_for(timeout=60_000)
    wait_idle(page)
    corrections = int(read != WORD)
    said = page.locator("[data-testid='stAlertContentSuccess']").first.inner_text()
    assert "became browser-fixes" in said and f"1 sample, {corrections} of them correction" in said, said
    saved = json.loads((server["datasets"] / "browser-fixes" / "0001.json").read_text())
    assert saved["label"] == WORD and saved["read_as"] == read and saved["reader"] == "reader-text"
    assert len(saved["strokes"]) == len(render_word(WORD, "natural", 7, HAND).ink)
    shot = full_page_screenshot(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "draw-correct.png").write_bytes(shot)

    page.set_viewport_size({"width": 1400, "height": 1100})
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Collect").first.click()  # same session
    page.get_by_text("The samples of browser-fixes", exact=True).wait_for(timeout=120_000)  # the dataset just used
    wait_for_app(page)
    page.get_by_text(f"1 sample, {corrections} of them correction").wait_for(timeout=60_000)
    reader = page.get_by_role("combobox", name="Reader").first  # the reader that misread it, to adapt
    widget = page.locator("[data-testid='stSelectbox']").filter(has=reader).first
    assert "reader-text" in f"{widget.inner_text()} {reader.input_value()}"
    prompt = page.locator("[data-testid='collect-prompt'] b").first.inner_text().strip()
    assert prompt in SENTENCES  # a line reader is prompted with short sentences
    assert page.locator("[data-testid='stException']").count() == 0
    (SHOTS / "collect-corrections.png").write_bytes(full_page_screenshot(page))
