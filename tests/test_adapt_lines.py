"""A line reader adapts on lines saved from the Draw page, as the Collect page starts it, and rehearses real words
of other writers (not synthetic ones) while it does."""
import numpy as np
import pytest

from core.cli.main import main
from core.data import datasets
from core.data.alphabets import AZ, TEXT
from core.data.corpus import load_corpus
from core.data.rehearsal import rehearsal_words
from core.data.text_lines import chars_by_writer, compose_text
from core.models.checkpoint import load_checkpoint
from core.paths import checkpoints_dir
from core.train.adapt import AdaptConfig, _batches
from core.train.collect import before_after, prepare_adaptation

TEXT_READER = checkpoints_dir() / "reader-text"
needs_text_reader = pytest.mark.skipif(not (TEXT_READER / "model.pt").is_file(),
                                       reason="no shipped reader-text checkpoint")
LINES = ["the quick fox", "a cup of tea", "we walked home", "rain in the town", "turn left here"]


def test_a_line_reader_rehearses_the_fixtures_real_words_and_a_word_reader_none(unipen_root):
    assert rehearsal_words(AZ) == []
    words = rehearsal_words(TEXT)
    assert len(words) > 500 and all(set(t) <= set(TEXT) for _, t in words)
    own = [(words[0][0], "mine")]
    batch = _batches(own, ["", *TEXT], AdaptConfig(batch_size=4, mix=0.5, augment=0.0), np.random.default_rng(0))()
    assert [t for _, t in batch[:2]] == ["mine", "mine"]
    real = {t for _, t in words}
    assert all(t in real for _, t in batch[2:])  # real words, as they were written


@needs_text_reader
def test_reader_text_adapts_on_corrected_lines_end_to_end(unipen_root):
    writer, chars = next(iter(chars_by_writer(load_corpus(unipen_root, ["1c"]).letters()).items()))
    rng = np.random.default_rng(0)
    for text in LINES:
        ink = compose_text(text, chars, rng)
        assert ink is not None, (writer, text)
        datasets.save_correction("my-lines", ink, text, text.replace("e", "c"), TEXT, "reader-text")
    assert datasets.tally("my-lines") == {"samples": 5, "corrections": 5}
    path, args = prepare_adaptation("my-lines", TEXT_READER, steps=2, holdout=1)
    assert main(args + ["--batch-size", "4"]) == 0
    adapted = load_checkpoint(path / "best.pt", kind="reader")
    assert adapted["data"]["adapted_to"]["samples"] == 4 and adapted["alphabet"] == load_checkpoint(
        TEXT_READER, kind="reader")["alphabet"]
    compared = before_after(path)
    assert compared["n"] == 1 and compared["rows"][0]["label"] == LINES[-1]
