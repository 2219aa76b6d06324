"""AppTest: the Data page, reached through the router; each tab runs and its widgets change what is drawn."""
import base64
import json

import numpy as np
from streamlit.testing.v1 import AppTest

from core.paths import REPO_ROOT as REPO


def data_page(tab: str | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "dashboard" / "Home.py"), default_timeout=60).run()
    at.switch_page("../pages/data.py")
    if tab:
        at.session_state["data_tab"] = tab
    return at.run()


def charts(at) -> dict[str, dict]:
    """Every plotly figure on the page by its title."""
    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return {f["layout"]["title"]["text"]: f for f in figs}


def chart(at, starts: str) -> dict:
    found = [f for title, f in charts(at).items() if title.startswith(starts)]
    assert len(found) == 1, f"no single chart titled {starts!r}: {list(charts(at))}"
    return found[0]


def array(value) -> np.ndarray:
    """A plotly JSON array: a list, or numpy data packed as {"dtype", "bdata"} (base64)."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value)


def xs(fig) -> np.ndarray:
    """x of every point of the figure's first trace (the ink), gaps between strokes dropped."""
    return np.array([v for v in array(fig["data"][0]["x"]) if v is not None], dtype=float)


def cell_labels(fig) -> list[str]:
    return [t for trace in fig["data"] if trace.get("mode") == "text" for t in trace["text"]]


def test_alphabet_shows_every_allograph_then_the_seed_glyphs():
    from core.data.alphabets import AZ
    from core.synth import glyphs

    at = data_page()
    assert not at.exception and [t.value for t in at.title] == ["Data"]
    natural = chart(at, "47 glyph templates, natural style")
    n_forms = sum(glyphs.n_allographs(ch) for ch in AZ)
    assert n_forms == 47 and len(cell_labels(natural)) == n_forms
    at.radio(key="data_glyph_style").set_value("seed").run()
    seed = chart(at, "10 glyph templates, seed style")
    assert cell_labels(seed)[:3] == ["<b>c · 12 pts</b>", "<b>o · 14 pts</b>", "<b>l · 8 pts</b>"]


def test_word_renderer_follows_the_word_the_seed_and_every_slider():
    from core.synth.generator import AUGMENT_PARAMS

    at = data_page("Word renderer")
    assert not at.exception
    assert {s.key for s in at.slider} == {f"data_aug_natural_{name}" for name in AUGMENT_PARAMS}
    at.text_input(key="data_word_natural").set_value("minimum").run()
    before = chart(at, "'minimum' rendered")
    at.slider(key="data_aug_natural_slant").set_value(0.5).run()
    slanted = chart(at, "'minimum' rendered")
    assert not at.exception and not np.array_equal(xs(slanted), xs(before))
    at.number_input(key="data_seed").set_value(7).run()
    assert not np.array_equal(xs(chart(at, "'minimum' rendered")), xs(slanted))
    at.button(key="data_aug_reset").click().run()
    assert at.slider(key="data_aug_natural_slant").value == AUGMENT_PARAMS["slant"][2]


def test_word_renderer_seed_style_and_encodings():
    at = data_page("Word renderer")
    at.radio(key="data_word_style").set_value("seed").run()
    assert not at.exception
    chart(at, "'actin' rendered: 8 strokes, 77 points")  # seed 001's layout (issue 2)
    assert chart(at, "delta encoding")
    at.radio(key="data_encoding").set_value("seed").run()
    frames = chart(at, "seed encoding: 77 frames")
    pen_up = [t for t in frames["data"] if t["name"] == "pen_up"][0]
    assert array(pen_up["y"]).sum() == 8  # a pen-up on the first point of each of the 8 strokes
    features = chart(at, "features18 of 'actin'")
    assert len(features["data"][0]["y"]) == 18


def test_word_renderer_reports_letters_it_cannot_write():
    at = data_page("Word renderer")
    at.text_input(key="data_word_natural").set_value("Hello!").run()
    assert not at.exception
    assert len(at.error) == 1 and "cannot write" in at.error[0].value
    assert not any(title.startswith("'Hello!'") for title in charts(at))


def test_real_handwriting_beside_synthetic(unipen_root):
    at = data_page("Real handwriting")
    assert not at.exception
    at.selectbox(key="data_real_letter").set_value("b").run()
    writer = at.selectbox(key="data_real_writer").value
    fig = chart(at, f"'b': real samples by {writer}")
    labels = cell_labels(fig)
    assert len(labels) == 16 and labels[8:] == [f"<b>seed {k}</b>" for k in range(8)]
    at.number_input(key="data_real_seed").set_value(3).run()
    assert cell_labels(chart(at, f"'b': real samples by {writer}"))[8] == "<b>seed 3</b>"
    copies = chart(at, "'b' #")  # one of the shown samples and its augmented training copies
    assert cell_labels(copies)[1:] == [f"<b>copy {k}</b>" for k in range(1, 8)]
    assert copies["layout"]["title"]["text"].endswith("(strength 1)")
    at.slider(key="data_real_strength").set_value(2.5).run()
    assert not at.exception and chart(at, "'b' #")["layout"]["title"]["text"].endswith("(strength 2.5)")


def test_real_handwriting_without_unipen_says_where_to_put_it(tmp_path, monkeypatch):
    monkeypatch.setenv("HWLAB_DATA_DIR", str(tmp_path))  # no unipen/ folder there
    at = data_page("Real handwriting")
    assert not at.exception
    assert len(at.info) == 1 and "UNIPEN data was not found" in at.info[0].value
    assert not charts(at)
