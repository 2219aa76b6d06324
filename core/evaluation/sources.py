"""Which labelled samples a model is scored on: a folder of Ink JSON files, or categories of a UNIPEN source.

A UNIPEN source counts as other data when it is not the folder the model
trained on (or with the split `all`): then every sample of its categories
that the model can read is scored. A model split by contributor (trained
on the training corpus) scores its own test split the same way: every
sample of its test contributors. Readers read isolated words (category
6) and, when they know the space, text lines (8); classifiers isolated
characters (1a-1d).
"""
from __future__ import annotations

from pathlib import Path

from core.data.corpus import is_unipen_source, load_corpus, unipen_folder
from core.errors import InputError
from core.evaluation.scoring import score_classifier, score_reader
from core.ink.io import load_ink_folder
from core.ink.unipen_categories import CHARACTERS, LEVELS, LINES, WORDS


def trained_folder(ckpt: dict) -> Path | None:
    """The UNIPEN folder a model's splits came from (None for other data)."""
    data = ckpt.get("data") or {}
    source = str(data.get("source") or (ckpt.get("config") or {}).get("data", ""))
    if not is_unipen_source(source):
        return None
    try:
        return unipen_folder(source, progress=lambda message: None).resolve()
    except InputError:
        return None


def is_other_data(source: str | None, ckpt: dict, split: str = "test") -> bool:
    """Data that is not a split of what the model trained on: ink:DIR, or a UNIPEN folder other than its own."""
    if not source:
        return False
    if source.startswith("ink:"):
        return True
    if not is_unipen_source(source):
        return False
    return split == "all" or unipen_folder(source).resolve() != trained_folder(ckpt)


def own_test_contributors(ckpt: dict) -> list[str]:
    """The test contributors of a model split by contributor (the training corpus), else []."""
    return list((ckpt.get("data") or {}).get("test_contributors") or [])


def own_test_selection(ckpt: dict, asked: list[str] | None, hint: str) -> list[str]:
    """The contributors to score on a contributor-split model's own test split: `asked` (every test
    contributor when empty); an InputError with `hint` when some of them are not its test contributors."""
    own = own_test_contributors(ckpt)
    asked = list(asked or own)
    others = sorted(set(asked) - set(own))
    if others:
        raise InputError(f"{', '.join(others)} not among this model's test contributors ({', '.join(own)})", hint)
    return asked


def default_categories(ckpt: dict) -> list[str]:
    """The UNIPEN categories a model reads: isolated characters for a classifier, words (and lines, when it
    knows the space) for a reader."""
    if ckpt["kind"] == "classifier":
        return list(CHARACTERS)
    return [WORDS, LINES] if " " in ckpt["alphabet"] else [WORDS]


def labelled_samples(source: str, ckpt: dict, categories: list[str] | None = None,
                     contributors: list[str] | None = None) -> tuple[list, dict[str, int]]:
    """The labelled samples of `ink:DIR` or of a UNIPEN source's categories, and what was not read, by reason."""
    if source.startswith("ink:"):
        return load_ink_folder(source[len("ink:"):])
    if not categories:  # the default ones this folder has
        data = unipen_folder(source) / "data"
        categories = [c for c in default_categories(ckpt) if (data / c).is_dir()] or default_categories(ckpt)
    corpus = load_corpus(source, categories)
    samples = [s for c in categories for s in corpus.of(c, LEVELS.get(c)) if s.ink]
    if contributors:
        samples = [s for s in samples if s.contributor in contributors]
    skipped = {f"unreadable file ({why})": n for why, n in corpus.report.skipped_by_reason().items()}
    if not samples:
        raise InputError(f"{source} holds no samples of categories {', '.join(categories)}"
                         + (f" by {', '.join(contributors)}" if contributors else ""))
    return samples, skipped


def score_on(source: str, ckpt: dict, model, categories: list[str] | None = None,
             contributors: list[str] | None = None, decoder: str = "greedy", lexicon: list[str] | None = None,
             beam_width: int = 10) -> dict:
    """A loaded reader or classifier (`model`, of checkpoint `ckpt`) scored on every sample of `source` it can
    read: `score_reader`'s or `score_classifier`'s figures, with unreadable files in `skipped` and `data`."""
    samples, unreadable = labelled_samples(source, ckpt, categories, contributors)
    if ckpt["kind"] == "reader":
        result = score_reader(model, samples, decoder, lexicon, beam_width)
    else:
        result = score_classifier(model, samples)
    result["skipped"] = {**unreadable, **result["skipped"]}
    result["data"] = source
    return result
