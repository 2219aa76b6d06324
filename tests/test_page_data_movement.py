"""AppTest: the Research page's data-movement question plots the shipped table and reruns the quick version live."""
import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.paths import REPO_ROOT as REPO
from core.movement.study import FOLDER, QUICK, write_results
from dashboard.research_text import DATA_MOVEMENT_TITLE


def values(xs) -> list:
    """A plotly trace's x or y, which may be packed as base64 typed data."""
    if isinstance(xs, dict):
        return np.frombuffer(base64.b64decode(xs["bdata"]), dtype=xs["dtype"]).tolist()
    return list(xs)


def fake_rows() -> list[dict]:
    rows = []
    for g, T in (("seed 001's word", 77), ("lines (T and S)", 300), ("lines (T and S)", 1500)):
        row = {"group": g, "T": T, "S": 2 * round(T / 15.4) + 1, "H": 64, "K": 11, "cost_ctc": T ** 2.5,
               "cost_blstm": 1e5 * T, "cost_bptt": 7e4 * T, "cost_output": 1e3 * T, "trace_seconds": T / 30}
        for measure, ctc in (("cost", T / 30000), ("flops", T / 50000), ("seconds", T / 3000)):
            row.update({f"{measure}_share_ctc": ctc, f"{measure}_share_bptt": 0.7 - ctc})
        rows.append(row)
    return rows


def test_the_data_movement_question_plots_cost_against_t_and_reruns_quick(tmp_path, monkeypatch):
    monkeypatch.setenv("HWLAB_RESEARCH_DIR", str(tmp_path))
    write_results(fake_rows(), tmp_path / FOLDER)
    at = AppTest.from_file(str(REPO / "pages" / "research.py"), default_timeout=180).run()
    assert not at.exception
    assert DATA_MOVEMENT_TITLE in [h.value for h in at.subheader]
    (fig,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if "ByteDMD cost of one word" in c.proto.spec]
    assert {trace["name"] for trace in fig["data"]} == {"CTC (forward-backward and gradient)",
                                                        "BLSTM (forward and BPTT)", "output layer"}
    assert all(values(trace["x"]) == [77, 300, 1500] for trace in fig["data"])
    (shares,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if "by measure" in c.proto.spec]
    ctc_torch = next(t for t in shares["data"] if t["name"] == "torch wall time" and t["xaxis"] == "x")
    assert values(ctc_torch["y"]) == [77 / 3000, 300 / 3000, 1500 / 3000]
    assert {t["name"] for t in shares["data"]} == {"ByteDMD", "FLOPs", "torch wall time"}
    table = next(d.value for d in at.dataframe if "varies" in d.value.columns)
    assert list(table["varies"]) == ["seed 001's word", "lines (T and S)", "lines (T and S)"]
    assert list(table["seconds to trace"]) == [77 / 30, 10, 50]

    at.button(key="research_dm_rerun").click().run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "varies" not in d.value.columns)
    assert list(table["T"]) == [s.T for s in QUICK]
    assert ((table["CTC share of ByteDMD"] > 0) & (table["BPTT share of ByteDMD"] > 0.3)).all()
    assert len([c for c in at.get("plotly_chart") if "Rerun here: ByteDMD cost" in c.proto.spec]) == 1


def test_without_shipped_results_the_question_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("HWLAB_RESEARCH_DIR", str(tmp_path))
    at = AppTest.from_file(str(REPO / "pages" / "research.py"), default_timeout=60).run()
    assert not at.exception
    assert any("run the quick version below" in i.value for i in at.info)


def test_a_step_of_ones_own_is_traced_from_the_sliders_and_a_bad_one_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("HWLAB_RESEARCH_DIR", str(tmp_path))
    at = AppTest.from_file(str(REPO / "pages" / "research.py"), default_timeout=180).run()
    frames = next(s for s in at.slider if s.label == "frames T")
    letters = next(s for s in at.slider if s.label == "letters")
    hidden = next(s for s in at.select_slider if s.label.startswith("hidden units"))
    frames.set_value(40)
    letters.set_value(30)
    hidden.set_value(8)
    next(b for b in at.button if b.label == "Trace it").click().run()
    assert not at.exception
    assert any("too few for 30 letters" in e.value for e in at.error)

    next(s for s in at.slider if s.label == "letters").set_value(4)
    next(b for b in at.button if b.label == "Trace it").click().run()
    assert not at.exception and not at.error
    assert any(c.value.startswith("T = 40, S = 9, H = 8, K = 11, traced in") for c in at.caption)
    parts = next(d.value for d in at.dataframe if "part" in d.value.columns)
    assert list(parts["part"]) == ["BLSTM forward", "BPTT", "output layer", "CTC"]
    assert parts["share of ByteDMD"].sum() == pytest.approx(1.0)
    assert (parts["mean sqrt(depth) per byte"] >= 1).all()

    next(c for c in at.checkbox if c.label.startswith("blocked products")).check()
    next(b for b in at.button if b.label == "Trace it").click().run()
    assert any(", blocked products, traced in" in c.value for c in at.caption)
    blocked = next(d.value for d in at.dataframe if "part" in d.value.columns)
    assert blocked["ByteDMD cost"].iloc[0] < parts["ByteDMD cost"].iloc[0]   # the BLSTM forward pass moves less
