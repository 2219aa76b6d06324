"""Word-level figures of lines: a line's WER, the word alignment, word confusions and misread words."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InputError
from core.train.metrics import (
    edit_distance,
    line_wer,
    misread_words,
    word_alignment,
    word_confusions,
    word_error_rate,
)

# Lines of a few short words over a small alphabet, so that words repeat and differ by little.
word = st.text(alphabet="abc", min_size=1, max_size=3)
line = st.lists(word, max_size=6).map(" ".join)


def test_word_alignment_by_hand():
    assert word_alignment("the bat sat on", "the cat sat") == [("the", "the"), ("cat", "bat"), ("sat", "sat"),
                                                               (None, "on")]
    assert word_alignment("the sat", "the cat sat") == [("the", "the"), ("cat", None), ("sat", "sat")]
    assert word_alignment("", "a b") == [("a", None), ("b", None)]
    assert word_alignment("a  b ", "") == [(None, "a"), (None, "b")]  # any white space splits words
    assert word_alignment("", "") == []


@given(line, line)
@settings(max_examples=300, deadline=None)
def test_word_alignment_rebuilds_both_lines_and_counts_the_word_edits(pred, target):
    pairs = word_alignment(pred, target)
    assert [t for t, _ in pairs if t is not None] == target.split()
    assert [p for _, p in pairs if p is not None] == pred.split()
    assert all(t is not None or p is not None for t, p in pairs)
    assert sum(t != p for t, p in pairs) == edit_distance(pred.split(), target.split())


def test_line_wer_by_hand():
    assert line_wer("the bat sat on", "the cat sat") == pytest.approx(2 / 3)
    assert line_wer("the cat sat", "the cat sat") == 0.0
    assert line_wer("thecat sat", "the cat sat") == pytest.approx(2 / 3)  # a lost space: one sub, one deletion
    assert line_wer("a", "") == 1.0  # an empty target divides by 1


@given(st.lists(st.tuples(line, line), min_size=1, max_size=5))
@settings(max_examples=100, deadline=None)
def test_the_corpus_wer_weighs_each_line_by_its_words(pairs):
    preds, targets = [p for p, _ in pairs], [t for _, t in pairs]
    words = [max(1, len(t.split())) for t in targets]
    weighted = sum(line_wer(p, t) * n for p, t, n in zip(preds, targets, words)) / sum(words)
    if all(t.split() for t in targets):
        assert word_error_rate(preds, targets) == pytest.approx(weighted)


def test_word_confusions_by_hand():
    preds = ["the bat sat on", "a bat", "the sat"]
    targets = ["the cat sat", "a cat", "the cat sat"]
    assert word_confusions(preds, targets) == [("cat", "bat", 2), ("cat", None, 1), (None, "on", 1)]
    assert word_confusions(["a b"], ["a b"]) == []
    with pytest.raises(InputError):
        word_confusions(["a"], [])


@given(st.lists(st.tuples(line, line), max_size=5))
@settings(max_examples=100, deadline=None)
def test_word_confusions_count_every_word_edit(pairs):
    preds, targets = [p for p, _ in pairs], [t for _, t in pairs]
    rows = word_confusions(preds, targets)
    assert sum(n for _, _, n in rows) == sum(edit_distance(p.split(), t.split()) for p, t in pairs)
    assert all(t != p for t, p, _ in rows) and [n for *_, n in rows] == sorted((n for *_, n in rows), reverse=True)


def test_misread_words_by_hand():
    preds = ["the bat sat on", "a bat", "the sat", "cat"]
    targets = ["the cat sat", "a cat", "the cat sat", "cat"]
    rows = misread_words(preds, targets)
    assert rows == [{"word": "cat", "n": 4, "misread": 3, "share": 0.75, "read_as": "bat"}]
    assert misread_words(["x"], ["a"]) == [{"word": "a", "n": 1, "misread": 1, "share": 1.0, "read_as": "x"}]
    assert misread_words([""], ["a"])[0]["read_as"] is None


@given(st.lists(st.tuples(line, line), max_size=5))
@settings(max_examples=100, deadline=None)
def test_misread_words_count_substitutions_and_deletions(pairs):
    preds, targets = [p for p, _ in pairs], [t for _, t in pairs]
    rows = misread_words(preds, targets)
    lost = sum(n for t, _, n in word_confusions(preds, targets) if t is not None)
    assert sum(r["misread"] for r in rows) == lost
    assert all(0 < r["misread"] <= r["n"] and r["share"] == r["misread"] / r["n"] for r in rows)


def test_a_character_confusion_cut_to_one_groups_rows():
    """The Evaluate page's view of a line reader's character confusion (dashboard.evaluate_lines)."""
    from core.train.metrics import align_edits, char_confusion
    from dashboard.evaluate_lines import confusion_part, groups_present

    pairs = [align_edits(p, t) for p, t in [("Ab c", "ab c"), ("a1", "al"), ("b", "B")]]
    labels, counts = char_confusion(pairs, ["", " ", "1", "A", "B", "a", "b", "c", "l"])
    assert groups_present(labels, counts) == ["capitals", "lowercase", "symbols"]
    rows, columns, part = confusion_part(labels, counts, "lowercase")
    assert rows == ["a", "b", "c", "l", "∅"] and columns == ["1", "A", "a", "b", "c", "∅"]
    assert part[rows.index("a"), columns.index("A")] == 1 and part.sum() == sum(
        1 for a in pairs for t, _ in a if t is None or t.islower())
    rows, columns, _ = confusion_part(labels, counts, "symbols")
    assert rows == ["␣", "∅"] and columns == ["␣", "∅"]
