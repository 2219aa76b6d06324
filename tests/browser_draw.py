"""Helpers for browser tests (and bench/load_draw.py): start a Streamlit app, draw on the Draw page's canvas."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

from core.paths import REPO_ROOT as REPO


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


def choose(page, label_text: str, option_text: str):
    """Pick `option_text` in the selectbox labelled `label_text`."""
    box = page.get_by_role("combobox", name=label_text).first
    box.wait_for(timeout=120_000)
    box.click()
    page.get_by_role("option", name=option_text).first.click()
    wait_idle(page)


def clear_canvas(page):
    page.locator("button[title*='Reset'], button[aria-label*='Reset']").first.click()
    page.wait_for_function("() => !document.querySelector('[data-testid=\"draw-count\"]')", timeout=60_000,
                           polling=200)
    wait_idle(page)


def canvas_strokes(page, ink, margin=30) -> list[list[tuple[float, float]]]:
    """`ink` (y up) scaled into the canvas with `margin` pixels around it: each stroke's points in page pixels."""
    page.locator("canvas").last.wait_for(timeout=120_000)
    canvas = page.locator("canvas.upper-canvas").first
    if canvas.count() == 0:
        canvas = page.locator("canvas").last
    box = canvas.bounding_box()
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


def draw_ink(page, ink, margin=30):
    """Scale `ink` (y up) into the canvas and draw it stroke by stroke with the mouse."""
    for xy in canvas_strokes(page, ink, margin):
        draw_stroke(page, xy)
        page.wait_for_timeout(150)
    # The page says how many strokes it has read: wait until that is all of them.
    page.wait_for_function(
        "n => { const e = document.querySelector('[data-testid=\"draw-count\"]');"
        " return e && e.innerText.startsWith(n + ' strokes'); }", arg=len(ink), timeout=120_000, polling=200)
    wait_idle(page)


def read_result(page) -> str:
    text = page.locator("[data-testid='draw-result']").first.inner_text()
    return text.split(":", 1)[1].strip()


def read_metric(page, label: str) -> str:
    m = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return m.locator("[data-testid='stMetricValue']").inner_text().strip()
