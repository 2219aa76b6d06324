"""AppTest: the router opens Home, which shows the shipped models, the runs and a link to every page."""
import json
import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.paths import REPO_ROOT as REPO
from dashboard.navigation import available_pages


def home() -> AppTest:
    return AppTest.from_file(str(REPO / "dashboard" / "Home.py"), default_timeout=60)


def make_run(root: Path, run_id: str, state: str, pid: int, rows: list[dict], total_epochs: int = 4) -> None:
    d = root / run_id
    d.mkdir(parents=True)
    (d / "config.json").write_text(json.dumps({"kind": "reader", "preset": "tiny"}))
    (d / "status.json").write_text(json.dumps({"state": state, "epoch": len(rows), "pid": pid, "message": "",
                                               "total_epochs": total_epochs}))
    cols = list(rows[0])
    (d / "metrics.csv").write_text(",".join(cols) + "\n" + "".join(",".join(str(r[c]) for c in cols) + "\n"
                                                                   for r in rows))


def test_router_opens_home_with_every_page_linked():
    at = home().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Handwriting Lab"]
    linked = {link.value for link in at.page_link}
    others = [p for p in available_pages() if p.file != "home.py"]
    assert len(others) >= 1 and {f"**{p.title}**" for p in others} == linked


def test_home_shows_each_shipped_models_headline_figures():
    from core.train.shipped import shipped_models

    models = shipped_models()
    if not models:
        pytest.skip("no shipped models in checkpoints/")
    at = home().run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    for m in models:
        assert f"**{m['name']}**" in text
    labels = [m.label for m in at.metric]
    for m in models:
        for name in m["card"].get("headline", {}):
            assert name in labels


def test_home_without_shipped_models_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("HWLAB_CHECKPOINTS_DIR", str(tmp_path / "none"))
    at = home().run()
    assert not at.exception
    assert any("No shipped models" in i.value for i in at.info)
    assert len(at.metric) == 0


def test_home_lists_recent_runs_and_shows_active_ones_with_progress():
    root = Path(os.environ["HWLAB_RUNS_DIR"])  # a temporary folder (tests/conftest.py)
    make_run(root, "20260101-000000-reader-done", "finished", 999_999_999,
             [{"epoch": 1, "train_loss": 2.0, "heldout_cer": 0.5, "seconds": 1.0},
              {"epoch": 2, "train_loss": 1.0, "heldout_cer": 0.25, "seconds": 2.0}])
    # this test's own process stands in for a live trainer
    make_run(root, "20260101-000001-reader-live", "running", os.getpid(),
             [{"epoch": 1, "train_loss": 2.0, "heldout_cer": 0.5, "seconds": 3.0}])
    at = home().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["run"]) == ["20260101-000001-reader-live", "20260101-000000-reader-done"]
    assert "heldout_cer 0.250" in table["last figures"].iloc[1]
    assert [p.value for p in at.progress] == [25]  # epoch 1 of 4
    assert any("1 run training" in c.value for c in at.sidebar.caption)


def test_home_without_runs_invites_to_train():
    at = home().run()
    assert not at.exception
    assert any("No runs yet" in c.value for c in at.caption)
    assert len(at.progress) == 0 and len(at.sidebar.caption) == 0
