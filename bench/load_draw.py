"""Load: many browser sessions drawing on the Draw page at once while a training run is active.

Starts the dashboard and a background training run (a long tiny reader run), then
1. one session draws and decodes each word alone: the single-user results;
2. N sessions (one Chromium, one context each) draw the same words at once, stroke by
   stroke in turn, so that every session's reruns overlap with the others'.
Each drawing is made with the mouse on the canvas (tests/browser_draw.py's geometry and
helpers) from core's natural-style rendering; the page decodes it with reader-az.
Prints decodes, errors (exceptions, error messages, timeouts), wrong decodes (any of greedy,
beam, lexicon and the result line differing from the single-user result) and the latency
from the last mouse-up to the page showing the result (page clock), p50 and p95.

    .venv/bin/python bench/load_draw.py [--sessions 8] [--words tonic,mile,house,water,learn] [--port 8599]
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import numpy as np  # noqa: E402
from browser_draw import (  # noqa: E402
    canvas_strokes,
    choose,
    clear_canvas,
    draw_stroke,
    read_metric,
    read_result,
    start_streamlit,
    wait_idle,
)

from core.synth.generator import render_word  # noqa: E402
from core.train.runs import read_status  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 1100}
# Records (page clock) when the result line first shows the drawing's stroke count `target`.
WATCH = """
window.__hw = {target: 0, shown: null};
new MutationObserver(() => {
  const h = window.__hw;
  if (!h.target || h.shown) return;
  const e = document.querySelector('[data-testid="draw-count"]');
  if (e && e.innerText.startsWith(h.target + ' strokes')) h.shown = performance.now();
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def start_server(port: int, runs: Path) -> subprocess.Popen:
    try:
        return start_streamlit(REPO / "dashboard" / "Home.py", port, {"HWLAB_RUNS_DIR": str(runs)}, seconds=90)
    except RuntimeError as exc:
        raise SystemExit(str(exc)) from exc


def start_training(run: Path) -> subprocess.Popen:
    """A tiny reader run long enough to stay active for the whole benchmark (stopped at the end)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "core", "train", "reader", "--preset", "tiny", "--epochs",
                             "100000", "--run-dir", str(run)], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 60
    while read_status(run).get("state") != "running" or not (run / "metrics.csv").exists():
        if time.time() > deadline or proc.poll() is not None:
            raise SystemExit("the training run did not start")
        time.sleep(0.2)
    return proc


class Session:
    """One browser context on the Draw page; draws a word stroke by stroke and reads the result."""

    def __init__(self, browser, url: str):
        self.context = browser.new_context(viewport=VIEWPORT)
        self.context.add_init_script(WATCH)
        self.page = self.context.new_page()
        self.page.goto(url + "/draw")
        wait_idle(self.page)
        choose(self.page, "Reader", "shipped: reader-az")  # words: the page's default may be the line reader
        self.strokes, self.up_at, self.failed = [], None, None

    def begin(self, ink, first: bool) -> None:
        if not first:
            clear_canvas(self.page)
        self.strokes, self.up_at, self.failed = canvas_strokes(self.page, ink), None, None

    def stroke(self, i: int) -> None:
        if self.failed or i >= len(self.strokes):
            return
        last = i == len(self.strokes) - 1
        if last:
            self.page.evaluate("n => { window.__hw.target = n; window.__hw.shown = null; }", len(self.strokes))
        draw_stroke(self.page, self.strokes[i])
        if last:
            self.up_at = self.page.evaluate("performance.now()")

    def result(self) -> tuple[tuple[str, ...], float]:
        """(greedy, beam, lexicon, result line) and the latency in ms; raises on an error shown."""
        self.page.wait_for_function("() => window.__hw.shown !== null", timeout=120_000, polling=100)
        wait_idle(self.page)
        if self.page.locator("[data-testid='stException'], [data-testid='stAlertContentError']").count():
            raise RuntimeError("the page shows an error")
        texts = tuple(read_metric(self.page, m) for m in ("Greedy", "Beam", "Lexicon")) + (read_result(self.page),)
        return texts, self.page.evaluate("window.__hw.shown") - self.up_at


def decode_round(sessions: list[Session], inks: list, first: bool) -> list[tuple[tuple[str, ...] | None, float]]:
    """Every session draws its ink; strokes go out in turn so that all sessions are busy at once."""
    for s, ink in zip(sessions, inks):
        s.begin(ink, first)
    for i in range(max(len(ink) for ink in inks)):
        for s in sessions:
            try:
                s.stroke(i)
            except Exception as exc:  # a timeout or a closed page: counted as an error
                s.failed = exc
        if len(sessions) == 1:
            sessions[0].page.wait_for_timeout(150)
    out = []
    for s in sessions:
        try:
            if s.failed:
                raise s.failed
            out.append(s.result())
        except Exception:
            out.append((None, float("nan")))
    return out


def summary(results, expected, n_sessions: int, n_words: int) -> dict:
    texts = [t for t, _ in results]
    lat = sorted(ms for t, ms in results if t is not None)
    return {"sessions": n_sessions, "words": n_words, "decodes": len(results),
            "errors": sum(t is None for t in texts),
            "wrong": sum(t is not None and t != e for t, e in zip(texts, expected)),
            "p50": float(np.percentile(lat, 50)) if lat else float("nan"),
            "p95": float(np.percentile(lat, 95)) if lat else float("nan")}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=8)
    ap.add_argument("--words", default="tonic,mile,house,water,learn")
    ap.add_argument("--port", type=int, default=8599)
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    words = args.words.split(",")
    inks = [render_word(w, "natural", 100 + i).ink for i, w in enumerate(words)]
    tmp = Path(tempfile.mkdtemp(prefix="load-draw-"))
    run = tmp / "runs" / "load-train"
    server = start_server(args.port, tmp / "runs")
    trainer = start_training(run)
    url = f"http://127.0.0.1:{args.port}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            alone = Session(browser, url)
            single = [decode_round([alone], [ink], k == 0)[0] for k, ink in enumerate(inks)]
            alone.context.close()
            expected = [t for t, _ in single]
            sessions = [Session(browser, url) for _ in range(args.sessions)]
            many = []
            for k, ink in enumerate(inks):
                many += [(r, expected[k]) for r in decode_round(sessions, [ink] * len(sessions), k == 0)]
            browser.close()
        active = read_status(run).get("state")
    finally:
        trainer.send_signal(signal.SIGTERM)
        try:
            trainer.wait(60)
        except subprocess.TimeoutExpired:
            trainer.kill()
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
    rows = [summary(single, expected, 1, len(words)),
            summary([r for r, _ in many], [e for _, e in many], args.sessions, len(words))]
    rows[0]["errors"] += sum(e is None for e in expected)
    print(f"{'sessions':>8} {'words':>5} {'decodes':>7} {'errors':>6} {'wrong':>5} {'p50 ms':>7} {'p95 ms':>7}")
    for r in rows:
        print(f"{r['sessions']:8d} {r['words']:5d} {r['decodes']:7d} {r['errors']:6d} {r['wrong']:5d} "
              f"{r['p50']:7.0f} {r['p95']:7.0f}")
    final = read_status(run)
    print(f"training run during the load: {active}; after SIGTERM: {final.get('state')} at epoch {final.get('epoch')}")
    print("single-user results: " + ", ".join(f"{w}->{e[3] if e else 'ERROR'}" for w, e in zip(words, expected)))
    ok = all(r["errors"] == 0 and r["wrong"] == 0 for r in rows) and active == "running"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
