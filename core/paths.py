"""Every folder the lab reads or writes, found in one place.

Each location has a default beside the repository and an environment
variable that overrides it (tests point them at temporary folders; a user
can keep runs or the cache elsewhere). Functions, not constants: a
variable set after import (a test's monkeypatch) still counts.

| location | default | variable |
|---|---|---|
| repository root | the folder holding `core/` | (none) |
| shipped models | `checkpoints/` | `HWLAB_CHECKPOINTS_DIR` |
| training runs | `checkpoints/runs/` | `HWLAB_RUNS_DIR` |
| background jobs | `.jobs/` beside the runs folder | `HWLAB_JOBS_DIR` |
| dashboard sweeps | `checkpoints/sweeps/` | `HWLAB_SWEEPS_DIR` |
| research sweeps | `checkpoints/research/` | `HWLAB_RESEARCH_DIR` |
| stored uploads | `checkpoints/uploads/` | `HWLAB_UPLOADS_DIR` |
| handwriting datasets | `checkpoints/datasets/` | `HWLAB_DATASETS_DIR` |
| shared data | `../shared/data/` | `HWLAB_DATA_DIR` |
| UNIPEN training corpus | `unipen-train.tar.xz` in the shared data | `HWLAB_UNIPEN_TRAIN` |
| cache (features, unpacked archives, parsed corpora) | `~/.cache/hwlab/` | `HWLAB_CACHE` |
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DATA = Path(__file__).resolve().parent / "data"  # files shipped inside the package (the word list)


def _env(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value) if value else default


def checkpoints_dir() -> Path:
    """The shipped models, one folder each (and, by default, the runs, sweeps and uploads folders)."""
    return _env("HWLAB_CHECKPOINTS_DIR", REPO_ROOT / "checkpoints")


def runs_dir() -> Path:
    return _env("HWLAB_RUNS_DIR", checkpoints_dir() / "runs")


def jobs_dir() -> Path:
    """Records of the background processes this tool started (beside the runs folder, so tests that move
    the runs folder move these too)."""
    return _env("HWLAB_JOBS_DIR", runs_dir().parent / ".jobs")


def sweeps_dir() -> Path:
    return _env("HWLAB_SWEEPS_DIR", checkpoints_dir() / "sweeps")


def research_dir() -> Path:
    return _env("HWLAB_RESEARCH_DIR", checkpoints_dir() / "research")


def uploads_dir() -> Path:
    return _env("HWLAB_UPLOADS_DIR", checkpoints_dir() / "uploads")


def datasets_dir() -> Path:
    """People's own handwriting, one folder of Ink JSON files per dataset (the Collect page)."""
    return _env("HWLAB_DATASETS_DIR", checkpoints_dir() / "datasets")


def data_dir() -> Path:
    """The shared data folder (read-only in CI): the UNIPEN fixture and the training corpus."""
    return _env("HWLAB_DATA_DIR", REPO_ROOT.parent / "shared" / "data")


def unipen_fixture() -> Path:
    """The small UNIPEN subset the tests and the default `unipen` source read."""
    return data_dir() / "unipen"


def unipen_train_archive() -> Path:
    """The archive of the UNIPEN training corpus (`--data unipen-train`), unpacked into the cache when used."""
    return _env("HWLAB_UNIPEN_TRAIN", data_dir() / "unipen-train.tar.xz")


def cache_dir() -> Path:
    """Built feature sets and unpacked archives: safe to delete, rebuilt when needed."""
    return _env("HWLAB_CACHE", Path.home() / ".cache" / "hwlab")
