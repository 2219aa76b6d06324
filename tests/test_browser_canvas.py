"""Browser: a drawing made with a real mouse, read back from the canvas, becomes the right ink.

Records `tests/fixtures/canvas_drawing.json` (the canvas's json_data) and
`canvas_drawing_pointer.json` (the mouse positions, canvas pixels, y down);
tests/test_inkio.py checks the reader against the stored pair.
"""
import json
import os

import numpy as np
from browser_draw import start_streamlit, wait_idle

from core.ink.io import ink_from_canvas
from core.paths import REPO_ROOT as REPO

FIXTURES = REPO / "tests" / "fixtures"
STROKES = [[(60, 60), (70, 120), (80, 180), (90, 240)],                      # a stem, top to bottom
           [(150, 200), (180, 150), (220, 140), (260, 170), (270, 230)],      # an arch
           [(330, 90), (331, 92)]]                                          # a dot


def test_recorded_drawing_gives_the_pointer_samples(browser):
    from conftest import _free_port

    port = _free_port()
    proc = start_streamlit(REPO / "tests" / "apps" / "canvas_app.py", port, seconds=90)
    try:
        page = browser.new_page(viewport={"width": 900, "height": 700})
        page.goto(f"http://127.0.0.1:{port}")
        page.locator("canvas").last.wait_for(timeout=60_000)
        wait_idle(page)
        canvas = page.locator("canvas.upper-canvas").first
        box = canvas.bounding_box()
        for stroke in STROKES:
            page.mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
            page.mouse.down()
            for x, y in stroke[1:]:
                page.mouse.move(box["x"] + x, box["y"] + y)
            page.mouse.up()
            page.wait_for_timeout(300)
        page.wait_for_function("n => { const c = document.querySelector('code');"
                               " return c && c.innerText.toLowerCase().split('\"type\": \"path\"').length > n; }",
                               arg=len(STROKES), timeout=60_000)
        json_data = json.loads(page.locator("code").first.inner_text())
        page.close()
    finally:
        proc.terminate()
    if os.environ.get("RECORD_FIXTURES") == "1":  # regenerate the stored pair used by tests/test_inkio.py
        FIXTURES.mkdir(exist_ok=True)
        (FIXTURES / "canvas_drawing.json").write_text(json.dumps(json_data, indent=1))
        (FIXTURES / "canvas_drawing_pointer.json").write_text(json.dumps(STROKES))
    check_fixture(json_data, STROKES)


def check_fixture(json_data, strokes):
    """The ink's samples are the driven pointer positions (canvas pixels, y flipped), in order.

    Each stroke starts and ends where the mouse went down and up; every sample
    in between is one of the mouse positions, in the order driven (the browser
    may coalesce a quick move into the next one, so a position can be missing).
    """
    ink = ink_from_canvas(json_data)
    assert len(ink) == len(strokes)
    for got, want in zip(ink, strokes):
        got = got * np.array([1.0, -1.0])
        want = np.asarray(want, float)
        assert np.hypot(*(got[0] - want[0])) <= 2 and np.hypot(*(got[-1] - want[-1])) <= 2
        nearest = [int(np.argmin(np.hypot(*(want - p).T))) for p in got]
        assert all(np.min(np.hypot(*(want - p).T)) <= 2 for p in got), got
        assert nearest == sorted(nearest)
