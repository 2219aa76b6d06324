"""The dashboard's pages, listed once for the router (Home.py) and for the links on the Home page."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.paths import REPO_ROOT

PAGES_DIR = REPO_ROOT / "pages"


@dataclass(frozen=True)
class PageInfo:
    """A page: its file in pages/, its title and icon in the navigation, and what you do there."""

    file: str
    title: str
    icon: str
    blurb: str

    @property
    def path(self) -> Path:
        return PAGES_DIR / self.file


PAGES = (
    PageInfo("home.py", "Home", ":material/home:", "what the lab is, the shipped models, recent runs"),
    PageInfo("data.py", "Data", ":material/gesture:",
             "the letters in stroke order, a word renderer with every augmentation, what the models read, "
             "real handwriting beside synthetic"),
    PageInfo("train.py", "Train", ":material/model_training:",
             "pick a model and a preset, change any option, start a run and watch it learn"),
    PageInfo("evaluate.py", "Evaluate", ":material/analytics:",
             "where a model fails: per-word errors, confusion matrices, the worst samples"),
    PageInfo("alignment.py", "Alignment", ":material/timeline:",
             "how CTC reads a word: softmax per frame, best path, forced alignment on the ink"),
    PageInfo("draw.py", "Draw", ":material/draw:", "write a word or a whole line with the mouse and see it read"),
    PageInfo("collect.py", "Collect", ":material/edit_note:",
             "write your own words, save them as a dataset, adapt a reader to your hand"),
    PageInfo("runs.py", "Runs", ":material/folder_open:", "compare runs, overlay their curves, download, delete"),
    PageInfo("research.py", "Research", ":material/science:",
             "the open questions of seed 001 (the prototype the word reader comes from), answered by sweeps"),
)


def available_pages() -> list[PageInfo]:
    """The pages whose file exists, so the router works while pages are still being written."""
    return [p for p in PAGES if p.path.exists()]
