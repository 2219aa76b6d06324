"""Browser: every page opens in Chromium without an error, and a full-page screenshot of it is not blank.

Screenshots go to test-artifacts/ (for CI) and docs/screenshots/ (for the README).
"""
import shutil
from io import BytesIO
from pathlib import Path

import pytest
from browser_draw import SHOTS, WIDTH, full_page_screenshot, wait_for_app
from PIL import Image, ImageChops

from dashboard.navigation import available_pages

SIDEBAR_PX = 320  # the navigation; "not blank" is judged on the page to its right

# (name of the screenshot, URL path, the page's first heading); the Data page's tabs are worth one each
VIEWS = [(p.file[:-3], "" if p.file == "home.py" else p.file[:-3], "Handwriting Lab" if p.file == "home.py"
          else p.title) for p in available_pages()]
if any(name == "data" for name, _, _ in VIEWS):
    VIEWS += [("data-word", "data?data_tab=Word+renderer", "Data"),
              ("data-real", "data?data_tab=Real+handwriting", "Data"),
              ("data-corpus", "data?data_tab=UNIPEN+corpus", "Data")]


def assert_not_blank(png: bytes) -> None:
    img = Image.open(BytesIO(png)).convert("RGB")
    main = img.crop((SIDEBAR_PX, 0, img.width, img.height))
    background = Image.new("RGB", main.size, main.getpixel((main.width - 5, 5)))
    diff = ImageChops.difference(main, background).convert("L").point(lambda v: 255 if v > 12 else 0)
    inked = diff.histogram()[255] / (main.width * main.height)
    # a heading alone is about 0.3%; a heading, a caption and one box or chart is several percent
    assert inked > 0.006, f"the page is almost blank ({inked:.2%} of it differs from the background)"


@pytest.fixture(scope="module")
def a_finished_run(streamlit_server, tiny_runs):
    """A real tiny reader run (the session's, tests/conftest.py) in the server's runs folder, so Home and Runs
    show one."""
    folder = Path(streamlit_server["runs"]) / "example-tiny-reader"
    if not folder.exists():
        shutil.copytree(tiny_runs / "tiny-reader", folder)
    return folder


@pytest.mark.parametrize("name, path, heading", VIEWS, ids=[v[0] for v in VIEWS])
def test_page_opens_without_errors(browser, streamlit_server, a_finished_run, artifacts, name, path, heading):
    page = browser.new_page(viewport={"width": WIDTH, "height": 1000})
    try:
        page.goto(f"{streamlit_server['url']}/{path}")
        wait_for_app(page)
        errors = page.locator("[data-testid='stException']")
        assert errors.count() == 0, errors.first.inner_text()[:2000]
        assert page.locator("h1").first.inner_text().strip() == heading
        shot = full_page_screenshot(page)
        assert page.locator("[data-testid='stException']").count() == 0
        (artifacts / f"page-{name}.png").write_bytes(shot)
        if name not in ("draw", "collect"):  # the README shows these with work done (test_browser_draw.py and
            # test_browser_collect.py take them)
            SHOTS.mkdir(parents=True, exist_ok=True)
            (SHOTS / f"{name}.png").write_bytes(shot)
        assert_not_blank(shot)
    finally:
        page.close()
