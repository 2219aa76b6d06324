"""Draw page latency: from the last pen-up to the read text on screen, in Chromium, per decoder setting.

Starts the dashboard, opens the Draw page, picks the shipped
checkpoints/reader-az (the page's default is the line reader reader-text
when it is shipped) and writes six-letter words on the canvas with the
mouse, stroke by stroke, at a steady pace (`--gap` ms between strokes). The
clock is the page's own (`performance.now()`): from the pointer-up event of
the word's last stroke to the moment the page shows the result line of the
whole drawing (its stroke count), which includes the canvas sending the
drawing, the rerun on the server and the browser drawing the result.

Drawings (`--styles`):
* neat: natural-style renderings with the generator's default augmentation;
* sloppy: strong augmentation (slant, size, rotation, jitter, joins), which
  the reader reads with low confidence;
* real: six-letter UNIPEN words by contributor art, whom the reader never saw
  (skipped without the UNIPEN data);
* lines: real text lines written on one line by the training corpus's
  validation contributors (`--words` of them, drawn with seed 0; with a line
  reader: `--reader reader-text --styles lines`).

Decoder settings (`--settings`), each set on the page's own widgets:
* lexicon: the page's default, greedy + beam + lexicon (bounded search);
* exact: the same with the exact lexicon search (the page's "Exact lexicon search" toggle);
* no-lexicon: greedy + beam only.
A setting whose widget the page does not have is reported as n/a.

    python bench/draw_latency.py [--settings lexicon,exact,no-lexicon] [--styles neat,sloppy,real]
                                 [--words 8] [--gap 150] [--port 8597] [--reader reader-az]
    python bench/draw_latency.py --reader reader-text --styles lines --settings lexicon

Prints one row per setting and style (and one per setting over every style):
drawings, p50 and p95 in ms, the slowest, the words read right (result
line), and the median confidence the page showed.

Two parts without a browser measure what the page's choices cost:

    python bench/draw_latency.py --budget      # the bounded lexicon search against the exact one
    python bench/draw_latency.py --alphabet-check   # the warning about characters the reader cannot read

`--budget` decodes the 414 real test words (as bench/real_words.py) and
sloppy renderings with reader-az and the default lexicon, and unsure
synthetic outputs (bench/ctc.py's), exactly and with the page's budget:
word accuracy, answers that differ, searches cut short, decode time.
`--alphabet-check` reads contributor art's 687 words (273 with capitals,
digits or punctuation) and counts, per writer, how many of those the
warning flags and how many lowercase words it flags wrongly.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
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

from core.ctc.lexicon import build_lexicon, lexicon_search  # noqa: E402
from core.data.az_words import default_lexicon, english_words, lexicon_for  # noqa: E402
from core.data.corpus import load_corpus  # noqa: E402
from core.data.splits import VALIDATION_CONTRIBUTORS  # noqa: E402
from core.data.text_lines import one_line, text_label  # noqa: E402
from core.ink.unipen import load_words  # noqa: E402
from core.ink.unipen_categories import LEVELS, LINES  # noqa: E402
from core.models.alphabet_check import alphabet_check  # noqa: E402
from core.models.checkpoint import load_checkpoint  # noqa: E402
from core.models.inference import LEXICON_BUDGET, load_reader, read  # noqa: E402
from core.synth.generator import Augment, render_word  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 1100}
SLOPPY = Augment(jitter=0.012, slant=0.4, scale=0.25, aspect=0.25, rotation=10.0, spacing=0.06, baseline=0.06,
                 allograph=0.8, ligature=0.5)
# The page clock: every pointer-up, and when the result line first shows `target` strokes.
WATCH = """
window.__hw = {target: 0, shown: null, up: null};
window.addEventListener('pointerup', () => { window.__hw.up = performance.now(); }, true);
new MutationObserver(() => {
  const h = window.__hw;
  if (!h.target || h.shown) return;
  const e = document.querySelector('[data-testid="draw-count"]');
  if (e && e.innerText.startsWith(h.target + ' strokes')) h.shown = performance.now();
}).observe(document, {subtree: true, childList: true, characterData: true});
"""
SETTINGS = ("lexicon", "exact", "no-lexicon")


def drawings(styles: list[str], n_words: int) -> list[tuple[str, str, list]]:
    """(style, word, ink) of every drawing: the same words for the synthetic styles."""
    six = [w for w in english_words() if len(w) == 6]
    words = [six[i] for i in np.linspace(0, len(six) - 1, n_words).astype(int)]
    out = []
    for style in styles:
        if style in ("neat", "sloppy"):
            aug = Augment() if style == "neat" else SLOPPY
            out += [(style, w, render_word(w, "natural", 500 + i, aug).ink) for i, w in enumerate(words)]
        elif style == "real":
            try:
                real = [s for s in load_words() if s.contributor == "art" and re.fullmatch(r"[a-z]{6}", s.label)]
            except Exception as exc:  # no data folder, or one that cannot be read
                print(f"# real words skipped: {exc}")
                continue
            picked = [real[int(i)] for i in np.linspace(0, len(real) - 1, min(n_words, len(real))).astype(int)]
            out += [("real", s.label, s.ink) for s in picked]
        elif style == "lines":
            out += [("lines", text, ink) for ink, text in validation_lines(n_words)]
        else:
            raise SystemExit(f"unknown style {style!r}: choose neat, sloppy, real or lines")
    return out


def validation_lines(n: int) -> list[tuple]:
    """`n` real lines (ink, text) of the validation contributors written on one line, drawn with seed 0."""
    corpus = load_corpus("unipen-train", [LINES])
    pairs = [(s.ink, text_label(s.label)) for s in corpus.of(LINES, LEVELS[LINES])
             if s.contributor in VALIDATION_CONTRIBUTORS and s.label]
    pairs = [(ink, text) for ink, text in pairs if text and one_line(ink, text)]
    return [pairs[int(i)] for i in np.random.default_rng(0).permutation(len(pairs))[:n]]


def shown_confidence(page) -> str:
    """The answer's confidence: a word reader's metric, or the bold (answer) row of a line reader's table."""
    if page.locator("[data-testid='stMetric']").filter(has_text="Confidence").count():
        return read_metric(page, "Confidence")
    row = page.locator("[data-testid='draw-decoders'] tr[style*='font-weight']").first
    return row.locator("td").nth(2).inner_text().strip()  # decoder, text, confidence, "answer"


def set_toggle(page, label: str, on: bool) -> bool:
    """Set the page's toggle labelled `label`; False when the page has no such toggle."""
    toggle = page.get_by_role("switch", name=label)
    if toggle.count() == 0:
        toggle = page.get_by_role("checkbox", name=label)
    if toggle.count() == 0:
        return False
    if toggle.first.is_checked() != on:
        page.get_by_text(label, exact=True).first.click()
        wait_idle(page)
    return True


def apply_setting(page, setting: str) -> bool:
    lexicon = set_toggle(page, "Decode with a lexicon", True)  # on first: it enables the exact search toggle
    exact = set_toggle(page, "Exact lexicon search", setting == "exact")
    lexicon = set_toggle(page, "Decode with a lexicon", setting != "no-lexicon") and lexicon
    return lexicon and (exact or setting != "exact")


def draw_and_time(page, ink, gap_ms: int) -> tuple[float, str, str]:
    """Draw `ink` stroke by stroke; (ms from the last pointer-up to the result, result, confidence)."""
    strokes = canvas_strokes(page, ink)
    page.evaluate("n => { window.__hw.target = n; window.__hw.shown = null; window.__hw.up = null; }", len(strokes))
    for i, xy in enumerate(strokes):
        draw_stroke(page, xy)
        if i < len(strokes) - 1:
            page.wait_for_timeout(gap_ms)
    page.wait_for_function("() => window.__hw.shown !== null", timeout=120_000, polling=50)
    ms = page.evaluate("window.__hw.shown - window.__hw.up")
    wait_idle(page)
    return ms, read_result(page), shown_confidence(page)


def shipped_reader():
    ckpt = load_checkpoint(REPO / "checkpoints" / "reader-az", kind="reader")
    return load_reader(ckpt), {k: v for k, v in ckpt.items() if k != "state_dict"}


def budget_table(budget: int) -> None:
    """Exact against bounded lexicon search: accuracy, answers that differ, searches cut short, time."""
    torch.set_num_threads(1)
    reader, _ = shipped_reader()
    alphabet = reader.alphabet
    real = [s for s in load_words() if s.contributor == "art" and re.fullmatch(r"[a-z]+", s.label)]
    lexicon = build_lexicon(lexicon_for(sorted({s.label for s in real})), alphabet)
    words = [w for w in english_words() if 4 <= len(w) <= 8][::40][:150]
    rng = np.random.default_rng(1)
    cases = {"real words (art, 414)": (reader.log_probs_batch([s.ink for s in real]), [s.label for s in real]),
             "sloppy renderings (150)": (reader.log_probs_batch(
                 [render_word(w, "natural", 900 + i, SLOPPY).ink for i, w in enumerate(words)]), words),
             "unsure synthetic outputs (20)": ([drawn_unsure(rng, T) for T in (100, 300) for _ in range(10)],
                                               ["water"] * 20)}
    print(f"# lexicon search: exact against a budget of {budget:,} trie nodes; reader-az, 1 thread, "
          f"{len(lexicon.words):,} words; load average {os.getloadavg()[0]:.2f}")
    print("| outputs | search | word accuracy | answers unlike exact | cut short | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (lps, targets) in cases.items():
        exact_words = None
        for label, b in (("exact", None), (f"budget {budget:,}", budget)):
            texts, ms, short = [], [], 0
            for lp in lps:
                t0 = time.perf_counter()
                found = lexicon_search(lp, alphabet, lexicon, top=5, budget=b)
                ms.append(1e3 * (time.perf_counter() - t0))
                texts.append(found.words[0][0] if found.words else "")
                short += not found.exact
            exact_words = exact_words or texts
            acc = np.mean([a == t for a, t in zip(texts, targets)])
            differ = sum(a != e for a, e in zip(texts, exact_words))
            print(f"| {name} | {label} | {acc:.3f} | {differ} | {short} | {np.percentile(ms, 50):.1f} | "
                  f"{np.percentile(ms, 95):.1f} | {max(ms):.1f} |")


def drawn_unsure(rng, frames: int) -> np.ndarray:
    """bench/ctc.py's unsure reading of 'water' (sharpness 3): nearly flat log-probabilities."""
    alphabet = [""] + list("abcdefghijklmnopqrstuvwxyz")
    x = rng.normal(size=(frames, 27))
    x[:, 0] += 1.5
    for i, c in enumerate("water"):
        t = int((i + 0.5) * frames / 5)
        x[t:t + 2, alphabet.index(c)] += 3.0
    return torch.tensor(x).log_softmax(-1).numpy()


def alphabet_check_table() -> None:
    """How often the warning flags words with characters reader-az cannot read, and lowercase words, per writer."""
    torch.set_num_threads(1)
    reader, ckpt = shipped_reader()
    lexicon = build_lexicon(default_lexicon(ckpt), reader.alphabet)
    rows = {}
    for s in (s for s in load_words() if s.contributor == "art"):
        r = read(reader, s.ink, lexicon=lexicon, budget=LEXICON_BUDGET)
        flagged = alphabet_check(r.log_probs, r.alphabet, r.text, r.greedy, s.ink).likely
        outside = not re.fullmatch(r"[a-z]+", s.label)
        rows.setdefault(s.writer, []).append((outside, flagged))
    print("# the Draw page's warning on contributor art's words, reader-az with its default lexicon")
    print("| writer | words with other characters | flagged | lowercase words | flagged wrongly |")
    print("|---|---|---|---|---|")
    for writer, pairs in sorted(rows.items()) + [("all", [p for v in rows.values() for p in v])]:
        out = [f for o, f in pairs if o]
        low = [f for o, f in pairs if not o]
        print(f"| {writer} | {len(out)} | {np.mean(out):.0%} | {len(low)} | {np.mean(low):.0%} |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--settings", default=",".join(SETTINGS))
    ap.add_argument("--styles", default="neat,sloppy,real")
    ap.add_argument("--words", type=int, default=8, help="words per style")
    ap.add_argument("--gap", type=int, default=150, help="ms between strokes")
    ap.add_argument("--port", type=int, default=8597)
    ap.add_argument("--reader", default="reader-az", help="the shipped reader to pick on the page (reader-text for lines)")
    ap.add_argument("--budget", nargs="?", type=int, const=LEXICON_BUDGET, default=None,
                    help=f"measure the bounded lexicon search instead (default budget: the page's, {LEXICON_BUDGET})")
    ap.add_argument("--alphabet-check", action="store_true", help="measure the out-of-alphabet warning instead")
    args = ap.parse_args(argv)
    if args.budget is not None:
        budget_table(args.budget)
        return 0
    if args.alphabet_check:
        alphabet_check_table()
        return 0
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright  # needed only here

    settings = args.settings.split(",")
    if set(settings) - set(SETTINGS):
        raise SystemExit(f"unknown setting: choose from {', '.join(SETTINGS)}")
    todo = drawings(args.styles.split(","), args.words)
    runs = Path(tempfile.mkdtemp(prefix="draw-latency-")) / "runs"
    server = start_streamlit(REPO / "dashboard" / "Home.py", args.port, {"HWLAB_RUNS_DIR": str(runs)}, seconds=90)
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport=VIEWPORT)
            context.add_init_script(WATCH)
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{args.port}/draw")
            page.locator("canvas").last.wait_for(timeout=120_000)
            wait_idle(page)
            choose(page, "Reader", f"shipped: {args.reader}")
            drawn = False
            for setting in settings:
                if not apply_setting(page, setting):
                    rows.append((setting, None, []))
                    continue
                for style in dict.fromkeys(s for s, _, _ in todo):
                    results = []
                    for _, word, ink in (d for d in todo if d[0] == style):
                        if drawn:
                            clear_canvas(page)
                        results.append((word, *draw_and_time(page, ink, args.gap)))
                        drawn = True
                    rows.append((setting, style, results))
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
    print(f"# Draw page, {args.reader}, {len(todo)} drawings per setting, {args.gap} ms between strokes; "
          f"load average {os.getloadavg()[0]:.2f} at the end")
    print("| setting | drawings | n | p50 ms | p95 ms | max ms | read right | median confidence |")
    print("|---|---|---|---|---|---|---|---|")
    for setting in settings:
        mine = [r for r in rows if r[0] == setting]
        if any(style is None for _, style, _ in mine):
            print(f"| {setting} | n/a (the page has no such setting) | | | | | | |")
            continue
        for style, results in [(s, r) for _, s, r in mine] + [("all", [x for _, _, r in mine for x in r])]:
            ms = np.array([r[1] for r in results])
            right = sum(r[2] == r[0] for r in results)
            conf = statistics.median(float(r[3].rstrip("%")) for r in results)
            print(f"| {setting} | {style} | {len(ms)} | {np.percentile(ms, 50):.0f} | {np.percentile(ms, 95):.0f} | "
                  f"{ms.max():.0f} | {right}/{len(ms)} | {conf:.0f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
