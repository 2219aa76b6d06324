"""Browser: real lines by writers of the test contributors, replayed with the mouse on the Draw page with
reader-text, read exactly as `python -m core decode checkpoints/reader-text --ink FILE --decoder lm` reads the
ink the page received (the page's own download of the drawing: the canvas rescales the ink to its pixels).

The last line's page is the README's screenshot of the Draw page reading a line (docs/screenshots/draw-line.png).
"""
import json
import os
import subprocess
import sys

import pytest
from browser_draw import (
    SHOTS,
    canvas_strokes,
    choose,
    clear_canvas,
    full_page_screenshot,
    read_result,
    wait_idle,
    wait_strokes,
)

from core.paths import REPO_ROOT as REPO

TEXT_READER = REPO / "checkpoints" / "reader-text"
N_LINES = 3
LENGTHS = (15, 40)  # characters of a line


@pytest.fixture(scope="module")
def test_lines():
    """N_LINES lines of category 8 of the test contributors (one per contributor while there are others), each
    written on one line and of 15-40 characters: (writer, text, ink)."""
    from conftest import _missing

    from core.data.corpus import load_corpus
    from core.data.splits import TEST_CONTRIBUTORS, contributor_of
    from core.data.text_lines import one_line, text_label
    from core.ink.ink import n_points
    from core.paths import unipen_train_archive

    if not unipen_train_archive().is_file():
        _missing(f"the UNIPEN training corpus is not at {unipen_train_archive()}", "REQUIRE_UNIPEN")
    by_contributor: dict[str, list] = {}
    for s in load_corpus("unipen-train", ["8"]).of("8"):
        text = text_label(s.label)
        if (contributor_of(s.writer) in TEST_CONTRIBUTORS and text is not None
                and LENGTHS[0] <= len(text) <= LENGTHS[1] and n_points(s.ink) >= 2 and one_line(s.ink, text)):
            by_contributor.setdefault(contributor_of(s.writer), []).append((s.writer, text, s.ink))
    picked, depth = [], 0
    while len(picked) < N_LINES and any(len(v) > depth for v in by_contributor.values()):
        picked += [v[depth] for _, v in sorted(by_contributor.items()) if len(v) > depth]
        depth += 1
    assert len(picked) >= N_LINES, f"only {len(picked)} test lines of {LENGTHS[0]}-{LENGTHS[1]} characters"
    return picked[:N_LINES]


def replay(page, ink) -> None:
    """Write `ink` on the canvas with the mouse, one move per point a page pixel or more from the last (the canvas
    keeps moves of half a canvas pixel or more), and wait until the page has read every stroke."""
    for xy in canvas_strokes(page, ink):
        page.mouse.move(*xy[0])
        page.mouse.down()
        last = xy[0]
        for q in xy[1:]:
            if abs(q[0] - last[0]) + abs(q[1] - last[1]) >= 1.0:
                page.mouse.move(*q)
                last = q
        if last is xy[0]:
            page.mouse.move(xy[0][0] + 1, xy[0][1] + 1)  # a dot
        page.mouse.up()
        page.wait_for_timeout(60)
    wait_strokes(page, len(ink))


def cli_lm(ink_file) -> str:
    """What the command line prints for the file: the lm decoder's text."""
    out = subprocess.run([sys.executable, "-m", "core", "decode", str(TEXT_READER), "--ink", str(ink_file),
                          "--decoder", "lm"], check=False, cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr
    return out.stdout.removesuffix("\n")


@pytest.mark.skipif(not (TEXT_READER / "model.pt").is_file(), reason="no shipped reader-text checkpoint")
def test_replayed_real_lines_are_read_as_on_the_command_line(browser, streamlit_server, test_lines, tmp_path,
                                                             artifacts):
    page = browser.new_page(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    page.goto(streamlit_server["url"] + "/draw")
    page.locator("canvas.pad-canvas").wait_for(timeout=120_000)
    wait_idle(page)
    choose(page, "Reader", "shipped: reader-text")
    assert page.get_by_text("Write a line on the canvas").count() == 1
    box = page.locator("canvas.pad-canvas").first.bounding_box()
    assert box["width"] > 3 * box["height"]  # a line's canvas
    read = []
    for i, (writer, text, ink) in enumerate(test_lines):
        if i:
            clear_canvas(page)
        replay(page, ink)
        page_text = page.locator("[data-testid='draw-text-lm']").first.inner_text()  # spaces kept (pre-wrap)
        assert read_result(page) == " ".join(page_text.split())  # the answer is lm's
        # ... and the table says so: lm's row is marked as the answer, and the caption says what each confidence is
        assert "answer" in page.locator("[data-testid='draw-decoders'] tr[data-decoder='lm']").first.inner_text()
        assert page.get_by_text("The answer is lm's. Ink's confidence").count() == 1
        with page.expect_download() as download:
            page.get_by_role("button", name="Download this drawing").click()
        ink_file = tmp_path / f"line-{i}.json"
        download.value.save_as(ink_file)
        received = json.loads(ink_file.read_text())["strokes"]
        assert len(received) == len(ink), f"{writer}: the page received {len(received)} of {len(ink)} strokes"
        read.append((writer, text, page_text, ink_file))
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stAlertContentWarning']").filter(has_text="probably holds").count() == 0
    shot = full_page_screenshot(page)
    (artifacts / "draw-line.png").write_bytes(shot)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "draw-line.png").write_bytes(shot)
    page.close()
    for writer, text, page_text, ink_file in read:
        cli = cli_lm(ink_file)
        assert page_text == (cli or "∅"), f"{writer} wrote {text!r}: the page read {page_text!r}, the CLI {cli!r}"
