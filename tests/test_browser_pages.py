"""Browser: every page opens in Chromium with no error, and its screenshot is not blank."""
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [p.stem for p in sorted((REPO / "pages").glob("*.py"))]
SHOTS = REPO / "docs" / "screenshots"


def wait_for_app(page, timeout=90_000):
    """Wait until the script run is over and no element is still a loading skeleton."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_function(
        """() => {
            const busy = document.querySelector('[data-testid="stStatusWidget"]')
                || document.querySelector('[data-testid="stSkeleton"]');
            const now = Date.now();
            if (busy) { window.__idleSince = null; return false; }
            window.__idleSince = window.__idleSince || now;
            return now - window.__idleSince > 1500;
        }""", timeout=timeout, polling=250)


@pytest.mark.parametrize("name", PAGES)
def test_page_opens_without_errors(browser, streamlit_server, artifacts, name):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    url = streamlit_server["url"] + ("/" if name == "home" else f"/{name}")
    page.goto(url)
    wait_for_app(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("h1").count() >= 1
    shot = page.screenshot(full_page=True)
    (artifacts / f"page-{name}.png").write_bytes(shot)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"{name}.png").write_bytes(shot)
    from io import BytesIO

    from PIL import Image

    img = Image.open(BytesIO(shot)).convert("L")
    lo, hi = img.getextrema()
    assert hi - lo > 100, "the screenshot is blank"
    page.close()
