"""Browser: every page opens in Chromium without an error, and a full-page screenshot of it is not blank.

Screenshots go to test-artifacts/ (for CI) and docs/screenshots/ (for the README).
"""
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from core.paths import REPO_ROOT as REPO
from dashboard.navigation import available_pages

SHOTS = REPO / "docs" / "screenshots"
WIDTH, MAX_HEIGHT = 1400, 6000
SIDEBAR_PX = 320  # the navigation; "not blank" is judged on the page to its right

# (name of the screenshot, URL path, the page's first heading); the Data page's tabs are worth one each
VIEWS = [(p.file[:-3], "" if p.file == "home.py" else p.file[:-3], "Handwriting Lab" if p.file == "home.py"
          else p.title) for p in available_pages()]
if any(name == "data" for name, _, _ in VIEWS):
    VIEWS += [("data-word", "data?data_tab=Word+renderer", "Data"),
              ("data-real", "data?data_tab=Real+handwriting", "Data"),
              ("data-corpus", "data?data_tab=UNIPEN+corpus", "Data")]


def wait_for_app(page, timeout=180_000):
    """Wait until the script run is over, nothing is loading, every chart is drawn, and it stays so for 1 s."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            const charts = Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]'));
            const busy = !app || app.getAttribute('data-test-script-state') === 'running'
                || document.querySelector('[data-testid="stStatusWidget"]')
                || document.querySelector('[data-testid="stSkeleton"]')
                || document.querySelector('[data-testid="stSpinner"]')
                || charts.some(c => !c.querySelector('.main-svg'));
            const now = Date.now();
            if (busy) { window.__idleSince = null; return false; }
            window.__idleSince = window.__idleSince || now;
            return now - window.__idleSince > 1000;
        }""", timeout=timeout, polling=250)


def full_page_screenshot(page) -> bytes:
    """Streamlit scrolls inside its main block, so grow the viewport to the content's height first."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": WIDTH, "height": max(800, min(int(height), MAX_HEIGHT))})
    wait_for_app(page)  # charts re-layout to the new size
    return page.screenshot()


def assert_not_blank(png: bytes) -> None:
    img = Image.open(BytesIO(png)).convert("RGB")
    main = img.crop((SIDEBAR_PX, 0, img.width, img.height))
    background = Image.new("RGB", main.size, main.getpixel((main.width - 5, 5)))
    diff = ImageChops.difference(main, background).convert("L").point(lambda v: 255 if v > 12 else 0)
    inked = diff.histogram()[255] / (main.width * main.height)
    # a heading alone is about 0.3%; a heading, a caption and one box or chart is several percent
    assert inked > 0.006, f"the page is almost blank ({inked:.2%} of it differs from the background)"


@pytest.fixture(scope="module")
def a_finished_run(streamlit_server):
    """A real tiny reader run in the server's runs folder, so Home and Runs show one (it trains in a second)."""
    from core.models.reader import preset
    from core.train.reader import train_reader
    from core.train.runs import RunFolder

    folder = Path(streamlit_server["runs"]) / "example-tiny-reader"
    if not folder.exists():
        train_reader(preset("tiny"), RunFolder(folder))
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
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / f"{name}.png").write_bytes(shot)
        assert_not_blank(shot)
    finally:
        page.close()
