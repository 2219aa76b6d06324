"""Browser: real words by unseen writers, replayed with the mouse on the Draw page, read as well as by the CLI."""
import re

import pytest
from browser_draw import choose, clear_canvas, draw_ink, read_metric, wait_idle

from core.paths import REPO_ROOT as REPO
from core.train.metrics import cer

N_WORDS = 10


@pytest.mark.skipif(not (REPO / "checkpoints" / "reader-az").is_dir(), reason="no shipped reader-az checkpoint")
def test_replayed_real_words_are_read_as_well_as_on_the_command_line(browser, streamlit_server, unipen_root,
                                                                      artifacts):
    from core.ctc.greedy import greedy_decode
    from core.ink.unipen import load_words
    from core.models.checkpoint import load_checkpoint
    from core.models.inference import load_reader

    words = [s for s in load_words(unipen_root) if s.contributor == "art" and re.fullmatch(r"[a-z]{3,7}", s.label)]
    words = words[::max(1, len(words) // N_WORDS)][:N_WORDS]
    reader = load_reader(load_checkpoint(REPO / "checkpoints" / "reader-az", kind="reader"))
    cli_cer = sum(cer(greedy_decode(reader.log_probs(s.ink), reader.alphabet), s.label)
                  for s in words) / len(words)

    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(streamlit_server["url"] + "/draw")
    wait_idle(page)
    choose(page, "Reader", "shipped: reader-az")
    page_cers = []
    for i, s in enumerate(words):
        if i:
            clear_canvas(page)
        draw_ink(page, s.ink)
        page_cers.append(cer(read_metric(page, "Greedy").replace("∅", ""), s.label))
        if i == 0:
            page.screenshot(path=str(artifacts / "draw-real-word.png"), full_page=True)
    page_cer = sum(page_cers) / len(page_cers)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page_cer <= cli_cer + 0.05, f"canvas CER {page_cer:.3f} vs command line {cli_cer:.3f}"
    page.close()
