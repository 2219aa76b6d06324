from hypothesis import given, settings, strategies as st

from core.metrics import GAP, align_edits, cer, char_confusion, edit_distance, summarise


def test_known_pairs():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3 and edit_distance("abc", "abc") == 0
    assert cer("tain", "actin") == 3 / 5


def test_summary_of_perfect_and_empty_predictions():
    assert summarise(["ant", "tea"], ["ant", "tea"]) == {"n": 2, "cer": 0.0, "corpus_cer": 0.0, "word_acc": 1.0}
    s = summarise(["", "te"], ["ant", "tea"])
    assert s["cer"] == (1 + 1 / 3) / 2 and s["corpus_cer"] == 4 / 6 and s["word_acc"] == 0.0


def test_alignment_names_substitutions_insertions_and_deletions():
    assert align_edits("ac", "abc") == [("a", "a"), ("b", None), ("c", "c")]
    assert align_edits("abcx", "abc")[-1] == (None, "x")
    assert align_edits("abd", "abc")[-1] == ("c", "d")
    pairs = align_edits("ac", "abc") + align_edits("abcx", "abc")
    labels, counts = char_confusion(pairs, "abcx")
    assert counts.sum() == len(pairs) and labels[-1] == GAP
    assert counts[labels.index("b"), labels.index(GAP)] == 1


words = st.text(alphabet="abc", max_size=7)


@given(words, words, words)
@settings(max_examples=200)
def test_edit_distance_is_a_metric(a, b, c):
    assert (edit_distance(a, b) == 0) == (a == b)
    assert edit_distance(a, b) == edit_distance(b, a)
    assert edit_distance(a, c) <= edit_distance(a, b) + edit_distance(b, c)


@given(words, words)
def test_alignment_cost_equals_edit_distance(p, t):
    pairs = align_edits(p, t)
    assert sum(x != y for x, y in pairs) == edit_distance(p, t)
    assert "".join(x for x, _ in pairs if x) == t and "".join(y for _, y in pairs if y) == p
