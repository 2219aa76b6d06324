"""Edit distance, CER and edit alignments: known pairs and metric properties."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InputError
from core.train.metrics import (
    GAP,
    align_edits,
    cer,
    char_confusion,
    corpus_cer,
    edit_distance,
    summarise,
    word_accuracy,
)

words = st.text(alphabet="abcn", max_size=8)


@pytest.mark.parametrize("a, b, d", [
    ("kitten", "sitting", 3),   # k->s, e->i, +g
    ("flaw", "lawn", 2),        # -f, +n
    ("", "abc", 3),
    ("abc", "abc", 0),
    ("noon", "moon", 1),
    ("ab", "ba", 2),            # no transpositions in Levenshtein
    ([1, 2, 3], (1, 3), 1),     # any sequences
])
def test_known_pairs(a, b, d):
    assert edit_distance(a, b) == d == edit_distance(b, a)


@given(words, words, words)
@settings(max_examples=300, deadline=None)
def test_edit_distance_is_a_metric(a, b, c):
    assert edit_distance(a, a) == 0
    assert (edit_distance(a, b) == 0) == (a == b)
    assert edit_distance(a, b) == edit_distance(b, a)
    assert edit_distance(a, c) <= edit_distance(a, b) + edit_distance(b, c)
    assert abs(len(a) - len(b)) <= edit_distance(a, b) <= max(len(a), len(b))


def test_cer_and_its_empty_target_case():
    assert cer("sitting", "kitten") == pytest.approx(3 / 6)
    assert cer("", "") == 0.0
    assert cer("ab", "") == 2.0          # every character inserted, divided by max(1, 0)
    assert cer("", "abcd") == 1.0


@given(words)
def test_cer_of_a_perfect_prediction_is_zero(w):
    assert cer(w, w) == 0.0
    assert summarise([w], [w]) == {"n": 1, "cer": 0.0, "corpus_cer": 0.0, "word_acc": 1.0}


def test_corpus_figures_by_hand():
    preds, targets = ["moon", "mon", "tea"], ["noon", "moon", "tea"]
    # edits 1, 1, 0 over 4 + 4 + 3 characters; per sample 1/4, 1/4, 0.
    assert corpus_cer(preds, targets) == pytest.approx(2 / 11)
    assert word_accuracy(preds, targets) == pytest.approx(1 / 3)
    s = summarise(preds, targets)
    assert s["n"] == 3 and s["cer"] == pytest.approx(1 / 6) and s["corpus_cer"] == pytest.approx(2 / 11)
    assert summarise([], []) == {"n": 0, "cer": 0.0, "corpus_cer": 0.0, "word_acc": 0.0}
    with pytest.raises(InputError):
        summarise(["a"], [])


def test_align_edits_by_hand():
    assert align_edits("sitting", "kitten") == [("k", "s"), ("i", "i"), ("t", "t"), ("t", "t"), ("e", "i"),
                                                ("n", "n"), (None, "g")]
    assert align_edits("", "ab") == [("a", None), ("b", None)]
    assert align_edits("ab", "") == [(None, "a"), (None, "b")]


@given(words, words)
@settings(max_examples=300, deadline=None)
def test_alignment_is_minimal_and_rebuilds_both_words(pred, target):
    pairs = align_edits(pred, target)
    assert sum(t != p for t, p in pairs) == edit_distance(pred, target)
    assert "".join(t for t, _ in pairs if t is not None) == target
    assert "".join(p for _, p in pairs if p is not None) == pred
    assert all(t is not None or p is not None for t, p in pairs)


@given(st.lists(st.tuples(words, words), max_size=6))
@settings(max_examples=100, deadline=None)
def test_confusion_counts_sum_to_the_alignment_length(pairs):
    alignments = [align_edits(p, t) for p, t in pairs]
    labels, counts = char_confusion(alignments, ["", "a", "b", "c"])
    assert counts.sum() == sum(len(a) for a in alignments)
    assert labels[-1] == GAP and counts[-1, -1] == 0
    edits = sum(edit_distance(p, t) for p, t in pairs)
    assert counts.sum() - counts.diagonal()[:-1].sum() == edits


def test_confusion_by_hand():
    alignments = [align_edits("moon", "noon"), align_edits("mon", "moon"), align_edits("moxon", "moon")]
    labels, counts = char_confusion(alignments, ["", "m", "n", "o"])
    assert labels == ["m", "n", "o", "x", GAP]   # blank "" left out; "x" met in the data
    m, n, o, x, gap = range(5)
    assert counts[n, m] == 1      # n read as m
    assert counts[o, gap] == 1    # an o deleted
    assert counts[gap, x] == 1    # an x inserted
    assert counts[o, o] == 5 and counts[m, m] == 2 and counts[n, n] == 3
    # A flat list of pairs gives the same matrix.
    flat = [pair for a in alignments for pair in a]
    assert (char_confusion(flat, ["", "m", "n", "o"])[1] == counts).all()


def test_error_kinds_name_spaces_lost_and_added_and_case_only_errors():
    from core.train.metrics import error_kinds

    kinds = error_kinds("theQuick  brwn fox", "the quick brown fox")
    assert kinds["space deleted"] == 1 and kinds["case only"] == 1 and kinds["space inserted"] == 1
    assert kinds["other deleted"] == 1 and kinds["other substituted"] == 0 and kinds["other inserted"] == 0
    assert error_kinds("same", "same") == dict.fromkeys(kinds, 0)


@given(st.text("ab A", max_size=12), st.text("ab A", max_size=12))
def test_error_kinds_add_up_to_the_edit_distance(pred, target):
    from core.train.metrics import error_kinds

    assert sum(error_kinds(pred, target).values()) == edit_distance(pred, target)
