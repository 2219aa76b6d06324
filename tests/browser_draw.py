"""Helpers for browser tests (and the bench scripts): start a Streamlit app, draw on the Draw page's canvas.

The Draw page's canvas (dashboard/canvas.py) has its own Undo, Redo and
Clear buttons; `draw_stroke` draws with the mouse, `draw_stroke_touch` with
a finger and `draw_stroke_pen` with a stylus (both through the DevTools
protocol's input events, as a touch screen or a pen tablet sends them).
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

from core.paths import REPO_ROOT as REPO

SHOTS = REPO / "docs" / "screenshots"  # the README's screenshots of every page
WIDTH, MAX_HEIGHT = 1400, 6000  # of a full-page screenshot


def start_streamlit(app: Path, port: int, env: dict | None = None, out=subprocess.DEVNULL,
                    seconds: float = 60) -> subprocess.Popen:
    """`streamlit run app` on `port` (headless, no file watcher), once its health check answers.

    `env` adds to this process's environment (PYTHONPATH is the repository);
    raises RuntimeError, after killing it, when it does not answer in `seconds`.
    """
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
                             "--server.headless", "true", "--server.fileWatcherType", "none",
                             "--browser.gatherUsageStats", "false"], cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
                            stdout=out, stderr=subprocess.STDOUT)
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"streamlit run {app.name} did not answer within {seconds:g} s")

IDLE = """() => {
    const busy = document.querySelector('[data-testid="stStatusWidget"]')
        || document.querySelector('[data-testid="stSkeleton"]') || document.querySelector('[data-testid="stSpinner"]');
    const now = Date.now();
    if (busy) { window.__idleSince = null; return false; }
    window.__idleSince = window.__idleSince || now;
    return now - window.__idleSince > 1200;
}"""


def wait_idle(page, timeout=120_000):
    page.wait_for_function(IDLE, timeout=timeout, polling=200)


def choose(page, label_text: str, option_text: str, tries: int = 3):
    """Pick `option_text` in the selectbox labelled `label_text`, and check that the box shows it.

    A click that lands while the page re-renders can close the list without choosing; then it tries again.
    """
    box = page.get_by_role("combobox", name=label_text).first
    box.wait_for(timeout=120_000)
    widget = page.locator("[data-testid='stSelectbox']").filter(has=box).first
    for _ in range(tries):
        box.click()
        page.get_by_role("option", name=option_text).first.click()
        wait_idle(page)
        shown = f"{widget.inner_text()} {box.input_value()}"  # the choice: the box's text or its input's value
        if option_text in shown:
            return
    raise AssertionError(f"the selectbox {label_text!r} shows {shown!r}, not {option_text!r}")


def pad_button(page, name: str):
    """The Draw canvas's Undo, Redo or Clear button."""
    return page.locator(f"[data-testid='pad-{name.lower()}']").first


def clear_canvas(page):
    pad_button(page, "Clear").click()
    page.wait_for_function("() => !document.querySelector('[data-testid=\"draw-count\"]')", timeout=60_000,
                           polling=200)
    wait_idle(page)


def canvas_strokes(page, ink, margin=30) -> list[list[tuple[float, float]]]:
    """`ink` (y up) scaled into the canvas with `margin` pixels around it: each stroke's points in page pixels."""
    canvas = page.locator("canvas.pad-canvas").first
    canvas.wait_for(timeout=120_000)
    box = canvas.bounding_box()
    for _ in range(100):  # a rerun may be replacing the canvas: wait until it is laid out again
        if box is not None:
            break
        page.wait_for_timeout(200)
        box = canvas.bounding_box()
    assert box is not None, "the canvas never came back after the page's rerun"
    pts = np.concatenate(ink)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.maximum(hi - lo, 1e-6)
    scale = min((box["width"] - 2 * margin) / span[0], (box["height"] - 2 * margin) / span[1])
    return [[(box["x"] + margin + (x - lo[0]) * scale, box["y"] + margin + (hi[1] - y) * scale) for x, y in stroke]
            for stroke in ink]


def draw_stroke(page, xy) -> None:
    """One pen-down, move through the points, pen-up (a one-point stroke moves by a pixel)."""
    page.mouse.move(*xy[0])
    page.mouse.down()
    for q in xy[1:]:
        page.mouse.move(*q, steps=2)
    if len(xy) == 1:
        page.mouse.move(xy[0][0] + 1, xy[0][1] + 1)
    page.mouse.up()


def _pointer_stroke(page, xy, send) -> None:
    """One stroke through the DevTools protocol: `send(kind, x, y)` with kind "down", "move" or "up"."""
    send("down", *xy[0])
    for q in xy[1:]:
        send("move", *q)
    if len(xy) == 1:
        send("move", xy[0][0] + 1, xy[0][1] + 1)
    send("up", *xy[-1])


def draw_stroke_touch(page, xy) -> None:
    """One stroke with a finger: touchStart, touchMove through the points, touchEnd (needs has_touch)."""
    cdp = page.context.new_cdp_session(page)
    kinds = {"down": "touchStart", "move": "touchMove", "up": "touchEnd"}

    def send(kind, x, y):
        points = [] if kind == "up" else [{"x": x, "y": y, "id": 1}]
        cdp.send("Input.dispatchTouchEvent", {"type": kinds[kind], "touchPoints": points})
    _pointer_stroke(page, xy, send)
    cdp.detach()


def draw_stroke_pen(page, xy) -> None:
    """One stroke with a stylus: pen pointer events (pointerType "pen"), pressed from down to up."""
    cdp = page.context.new_cdp_session(page)
    kinds = {"down": "mousePressed", "move": "mouseMoved", "up": "mouseReleased"}

    def send(kind, x, y):
        cdp.send("Input.dispatchMouseEvent", {"type": kinds[kind], "x": x, "y": y, "pointerType": "pen",
                                              "button": "left", "buttons": 0 if kind == "up" else 1,
                                              "clickCount": 1, "force": 0.5})
    _pointer_stroke(page, xy, send)
    cdp.detach()


def wait_strokes(page, n: int) -> None:
    """Wait until the page has read a drawing of `n` strokes (its result line says so), then until it is idle."""
    page.wait_for_function(
        "n => { const e = document.querySelector('[data-testid=\"draw-count\"]');"
        " return e && e.innerText.startsWith(n + ' strokes'); }", arg=n, timeout=120_000, polling=200)
    wait_idle(page)


def draw_ink(page, ink, margin=30, stroke=draw_stroke):
    """Scale `ink` (y up) into the canvas and draw it stroke by stroke (with the mouse unless `stroke` says)."""
    for xy in canvas_strokes(page, ink, margin):
        stroke(page, xy)
        page.wait_for_timeout(150)
    wait_strokes(page, len(ink))


def read_result(page) -> str:
    text = page.locator("[data-testid='draw-result']").first.inner_text()
    return text.split(":", 1)[1].strip()


def read_metric(page, label: str) -> str:
    m = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return m.locator("[data-testid='stMetricValue']").inner_text().strip()


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
