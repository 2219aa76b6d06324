"""Shared fixtures: the UNIPEN data, a Chromium browser and a Streamlit server; the browser and page markers.

Tests that need UNIPEN or a browser skip with a reason when it is missing,
except when REQUIRE_UNIPEN=1 / REQUIRE_BROWSER=1 (as in CI), where a missing
one is a failure.
"""
from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest
from browser_draw import start_streamlit

from core.paths import REPO_ROOT as REPO

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def pytest_collection_modifyitems(config, items):
    """Mark every test of a browser file (test_browser_*) `browser` and of a page file (test_page_*) `page`,
    so that `make test-fast` (-m "not browser and not page and not slow") leaves them out."""
    for item in items:
        if item.path.name.startswith("test_browser_"):
            item.add_marker(pytest.mark.browser)
        elif item.path.name.startswith("test_page_"):
            item.add_marker(pytest.mark.page)


def _missing(reason: str, env: str):
    if os.environ.get(env) == "1":
        pytest.fail(f"{reason} (required because {env}=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def unipen_root() -> Path:
    from core.paths import unipen_fixture

    if not (unipen_fixture() / "data" / "1c").is_dir():
        _missing(f"UNIPEN data not found at {unipen_fixture()}", "REQUIRE_UNIPEN")
    return unipen_fixture()


@pytest.fixture(scope="session")
def training_corpus_contributor(tmp_path_factory):
    """`make(contributor, categories)`: a UNIPEN folder of one contributor of the training corpus's archive
    (its data files of those categories and its include files), read straight from the archive."""
    import tarfile

    from core.paths import unipen_train_archive

    archive = unipen_train_archive()
    if not archive.is_file():
        _missing(f"the UNIPEN training corpus is not at {archive}", "REQUIRE_UNIPEN")

    def make(contributor: str, categories: list[str]) -> Path:
        root = tmp_path_factory.mktemp(f"corpus-{contributor}")
        wanted = [f"/data/{c}/{contributor}/" for c in categories] + [f"/include/{contributor}/"]
        with tarfile.open(archive) as tf:
            for m in tf:
                if m.isfile() and any(w in "/" + m.name for w in wanted):
                    target = root / m.name.split("/", 1)[1]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(tf.extractfile(m).read())
        return root

    return make


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory) -> Path:
    """A runs folder with a finished tiny reader (`tiny-reader`: seed 001's protocol) and a finished tiny
    classifier (`tiny-classifier`), trained once per session for every test that only reads a run."""
    # Imported here: torch and the trainers load only for the tests that need a trained run.
    from core.models.classifier import preset as classifier_preset
    from core.models.reader import preset as reader_preset
    from core.train.classifier import train_classifier
    from core.train.reader import train_reader
    from core.train.runs import RunFolder

    root = tmp_path_factory.mktemp("tiny-runs")
    train_reader(reader_preset("tiny"), RunFolder(root / "tiny-reader"))
    train_classifier(classifier_preset("tiny"), RunFolder(root / "tiny-classifier"))
    return root


@pytest.fixture(autouse=True)
def _runs_dir(tmp_path, monkeypatch):
    """Every test writes runs and sweeps to a temporary folder, never to checkpoints/."""
    monkeypatch.setenv("HWLAB_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("HWLAB_SWEEPS_DIR", str(tmp_path / "sweeps"))


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _missing(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)", "REQUIRE_BROWSER")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed", "REQUIRE_BROWSER")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def streamlit_server(tmp_path_factory):
    """Start `streamlit run dashboard/Home.py` once per session (runs and datasets in temporary folders);
    yields its base URL and those folders."""
    port = _free_port()
    runs, data = tmp_path_factory.mktemp("server-runs"), tmp_path_factory.mktemp("server-datasets")
    log = open(tmp_path_factory.mktemp("server") / "streamlit.log", "w")
    try:
        proc = start_streamlit(REPO / "dashboard" / "Home.py", port,
                               {"HWLAB_RUNS_DIR": str(runs), "HWLAB_DATASETS_DIR": str(data)}, log)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield {"url": f"http://127.0.0.1:{port}", "runs": runs, "datasets": data}
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture()
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _datasets_dir(tmp_path, monkeypatch):
    """Handwriting datasets of a test go to a temporary folder, never to checkpoints/datasets."""
    monkeypatch.setenv("HWLAB_DATASETS_DIR", str(tmp_path / "datasets"))
