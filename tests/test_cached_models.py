"""Models the dashboard caches (st.cache_resource) are shared by every session: reading with them from many
threads at once gives the single-user result and leaves them unchanged, in eval mode."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from core.models.inference import read
from core.paths import REPO_ROOT as REPO
from core.synth.generator import render_letter, render_word

READER, CLASSIFIER = REPO / "checkpoints" / "reader-az", REPO / "checkpoints" / "classifier-az"
WORDS = ["tonic", "mile", "ant", "lion", "time", "cone", "nice", "tent"]

pytestmark = pytest.mark.skipif(not (READER.is_dir() and CLASSIFIER.is_dir()),
                                reason="no shipped reader-az / classifier-az checkpoints")


def snapshot(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.state_dict().items()}


def unchanged(model: torch.nn.Module, before: dict[str, torch.Tensor]) -> bool:
    after = model.state_dict()
    return (not model.training and not any(m.training for m in model.modules())
            and all(torch.equal(after[k], v) for k, v in before.items())
            and all(p.grad is None for p in model.parameters()))


def test_the_dashboard_cache_hands_every_session_the_same_eval_mode_model():
    from dashboard.models import cached_classifier, cached_reader

    (reader, _), (again, _) = cached_reader(str(READER)), cached_reader(str(READER))
    assert reader is again and not reader.model.training
    assert cached_classifier(str(CLASSIFIER)) is cached_classifier(str(CLASSIFIER))


def test_concurrent_readings_agree_with_single_user_ones_and_leave_the_reader_unchanged():
    from core.models.inference import load_reader

    reader = load_reader(READER)
    inks = [render_word(w, "natural", i).ink for i, w in enumerate(WORDS)]
    lexicon = WORDS + ["mine", "lime", "tone"]
    before = snapshot(reader.model)
    alone = [read(reader, ink, lexicon).best_text for ink in inks]
    with ThreadPoolExecutor(len(inks)) as pool:  # each word read by 8 threads at once, twice over
        together = [list(pool.map(lambda ink: read(reader, ink, lexicon).best_text, inks)) for _ in range(2)]
    assert together == [alone, alone]
    assert unchanged(reader.model, before)


def test_concurrent_classifications_agree_and_leave_the_classifier_unchanged():
    from core.models.checkpoint import load_checkpoint
    from core.models.classifier import load_classifier

    clf = load_classifier(load_checkpoint(CLASSIFIER, kind="classifier"))
    inks = [render_letter(c, seed=i).ink for i, c in enumerate("abcdefgh")]
    before = snapshot(clf.model)
    alone = [clf.classify_ink(ink, 3) for ink in inks]
    with ThreadPoolExecutor(len(inks)) as pool:
        together = list(pool.map(lambda ink: clf.classify_ink(ink, 3), inks))
    assert [[c for c, _ in top] for top in together] == [[c for c, _ in top] for top in alone]
    assert [p for top in together for _, p in top] == pytest.approx([p for top in alone for _, p in top])
    assert unchanged(clf.model, before)
