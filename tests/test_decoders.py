import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from core.ctc import forward_backward
from core.decoders import beam_decode, forced_align, greedy_decode, lexicon_decode

ALPHA = ["", "a", "b"]


def logp(rows):
    return np.log(np.asarray(rows, dtype=float))


def test_greedy_collapses_repeats_and_drops_blanks():
    lp = logp([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])
    assert greedy_decode(lp, ALPHA) == "aab"


def test_beam_finds_the_more_probable_labelling_that_greedy_misses():
    # Frame probabilities (blank, a): greedy path is "--" (0.6*0.6 = 0.36) -> "".
    # But p("a") = aa + a- + -a = 0.16 + 0.24 + 0.24 = 0.64 > p("") = 0.36.
    lp = logp([[0.6, 0.4, 1e-9], [0.6, 0.4, 1e-9]])
    assert greedy_decode(lp, ALPHA) == ""
    best, score = beam_decode(lp, ALPHA, beam_width=4)[0]
    assert best == "a" and np.isclose(np.exp(score), 0.64, atol=1e-6)


def test_lexicon_scores_exactly_and_picks_the_likeliest_word():
    lp = logp([[0.6, 0.4, 1e-9], [0.6, 0.4, 1e-9]])
    out = lexicon_decode(lp, ALPHA, ["a", "b", "aa"], top=3)
    assert out[0][0] == "a" and np.isclose(np.exp(out[0][1]), 0.64, atol=1e-6)
    assert np.exp(dict(out)["aa"]) == 0.0  # "aa" needs a blank between the a's: 3 frames


def test_lexicon_skips_words_outside_the_alphabet():
    lp = logp([[0.2, 0.7, 0.1]] * 3)
    assert [w for w, _ in lexicon_decode(lp, ALPHA, ["abc", "ab", "ba"], top=5)] != []
    assert all(set(w) <= {"a", "b"} for w, _ in lexicon_decode(lp, ALPHA, ["abc", "ab", "ba"], top=5))


@given(st.integers(0, 10_000))
@settings(max_examples=25, deadline=None)
def test_lexicon_matches_brute_force_ctc_likelihood(seed):
    rng = np.random.default_rng(seed)
    alphabet = ["", "a", "b", "c"]
    lp = torch.randn(8, 4, generator=torch.Generator().manual_seed(seed)).log_softmax(-1).numpy()
    words = ["".join(rng.choice(list("abc"), size=rng.integers(1, 4))) for _ in range(12)]
    got = lexicon_decode(lp, alphabet, words, top=3)
    ref = sorted(((forward_backward(lp[:, None], [[alphabet.index(c) for c in w]], [8], [len(w)]).log_likelihood[0], w)
                  for w in set(words)), reverse=True)[:3]
    assert [w for w, _ in got] == [w for _, w in ref]
    assert np.allclose([s for _, s in got], [s for s, _ in ref])


@given(st.integers(0, 10_000), st.integers(1, 8))
@settings(max_examples=25, deadline=None)
def test_decoders_never_leave_the_alphabet(seed, width):
    lp = torch.randn(12, 3, generator=torch.Generator().manual_seed(seed)).log_softmax(-1).numpy()
    for text in [greedy_decode(lp, ALPHA)] + [t for t, _ in beam_decode(lp, ALPHA, width)]:
        assert set(text) <= {"a", "b"}


def test_beam_of_width_one_equals_greedy_on_peaky_input():
    lp = logp([[0.05, 0.9, 0.05], [0.9, 0.05, 0.05], [0.05, 0.05, 0.9], [0.05, 0.05, 0.9]])
    assert beam_decode(lp, ALPHA, 1)[0][0] == greedy_decode(lp, ALPHA) == "ab"


def test_forced_alignment_segments_by_hand():
    # frames:   0:a  1:a  2:-  3:b  4:-
    lp = logp([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.8, 0.1, 0.1]])
    segs = forced_align(lp, "ab", ALPHA)
    assert [(s.label, s.start, s.end) for s in segs] == [("a", 0, 2), ("b", 3, 4)]
    assert segs[0].score == pytest.approx(np.log(0.8))


def test_forced_alignment_needs_a_blank_between_repeats():
    lp = logp([[0.1, 0.8, 0.1]] * 3)
    segs = forced_align(lp, "aa", ALPHA)
    assert segs[0].end <= segs[1].start - 1
    with pytest.raises(ValueError):
        forced_align(lp[:2], "aa", ALPHA)
