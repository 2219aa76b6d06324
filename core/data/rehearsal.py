"""Real handwriting a line reader rehearses while it adapts to one person.

Writer adaptation mixes the person's samples with other words in every
batch, so that the reader keeps reading other hands. For a word reader
those are synthetic words; a line reader (reader-text) was trained on
real handwriting only, and adapting it on ten lines of one writer (aga's
AnnZchrl, 60 steps) measured on 30 words of two other writers (ced):

| the other half of each batch | held-back lines, CER | others' words, CER |
|---|---|---|
| before adapting | 0.100 | 0.137 |
| nothing (the person's lines only) | 0.064 | 0.186 |
| synthetic words | 0.065 | 0.176 |
| real words of the fixture's writers | 0.068 | 0.162 |

so a line reader rehearses the real isolated words of the UNIPEN fixture
(`unipen`: contributors art and lav, training contributors of the corpus
split, so nothing held out leaks in). Without the fixture it falls back
to synthetic words.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

from core.data.corpus import load_corpus
from core.errors import InputError
from core.ink.ink import Ink, n_points
from core.paths import unipen_fixture


def _quiet(message: str) -> None:
    return None


@lru_cache(maxsize=1)
def _fixture_words(root: str) -> tuple[tuple[Ink, str], ...]:
    try:
        corpus = load_corpus("unipen", ["6"], progress=_quiet)
    except InputError:
        return ()
    return tuple((s.ink, s.label) for s in corpus.words() if n_points(s.ink) >= 2)


def rehearsal_words(alphabet: Sequence[str]) -> list[tuple[Ink, str]]:
    """(ink, text) of real words a reader of `alphabet` rehearses while adapting: for a line reader (it knows
    the space) the fixture's words of its characters; [] for a word reader or without the fixture."""
    if " " not in alphabet or not (unipen_fixture() / "data" / "6").is_dir():
        return []
    known = set(alphabet)
    return [(ink, text) for ink, text in _fixture_words(str(unipen_fixture())) if set(text) <= known]
