"""Decoders on matrices small enough to check by hand, and against torch's CTC likelihood."""
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import core.ctc.lexicon as decoders
from core.ctc.align import Segment, confidence, forced_align, viterbi_path
from core.ctc.beam import beam_decode
from core.ctc.greedy import greedy_decode
from core.ctc.lexicon import FALLBACK_BEAM, build_lexicon, lexicon_decode, lexicon_search, sequence_log_likelihood
from core.data.az_words import english_words
from core.errors import InputError

ALPHA = ["", "a", "b"]


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """These tensors are tiny: on a busy machine torch's intra-op threads only add waiting."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def logp(rows) -> np.ndarray:
    return np.log(np.asarray(rows, dtype=float))


def torch_log_likelihood(lp: np.ndarray, word: str, alphabet, blank: int = 0) -> float:
    """log p(word | x) by torch's ctc_loss, the reference."""
    target = torch.tensor([[alphabet.index(c) for c in word]], dtype=torch.long)
    loss = torch.nn.functional.ctc_loss(torch.tensor(lp)[:, None], target, torch.tensor([len(lp)]),
                                        torch.tensor([len(word)]), blank=blank, reduction="none")
    return -float(loss[0])


# Two frames of (blank, a, b) = (.5, .3, .2). Labellings and their probabilities:
#   ""  = --              = .25
#   "a" = aa + a- + -a    = .09 + .15 + .15 = .39
#   "b" = bb + b- + -b    = .04 + .10 + .10 = .24
#   "ab" = .3 * .2 = .06, "ba" = .06; "aa" is impossible (needs a blank between: 3 frames). Sum = 1.
SMALL = logp([[0.5, 0.3, 0.2], [0.5, 0.3, 0.2]])


def test_greedy_by_hand():
    # argmax per frame: a a - -> "a" ; a - a -> "aa" ; - b b a -> "ba"
    assert greedy_decode(logp([[0.2, 0.7, 0.1], [0.1, 0.6, 0.3], [0.5, 0.1, 0.4]]), ALPHA) == "a"
    assert greedy_decode(logp([[0.2, 0.7, 0.1], [0.5, 0.1, 0.4], [0.2, 0.7, 0.1]]), ALPHA) == "aa"
    assert greedy_decode(logp([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.2, 0.6], [0.1, 0.8, 0.1]]),
                         ALPHA) == "ba"


def test_greedy_uses_the_given_blank():
    # Blank is class 2 here: argmax 0 0 2 1 -> "xy" with alphabet (x, y, blank).
    lp = logp([[0.7, 0.2, 0.1], [0.6, 0.2, 0.2], [0.1, 0.1, 0.8], [0.1, 0.8, 0.1]])
    assert greedy_decode(lp, ["x", "y", ""], blank=2) == "xy"


def test_beam_finds_what_greedy_misses_with_exact_scores():
    # Frames (blank, a) = (.6, .4): greedy reads "" (.36) but p("a") = .16 + .24 + .24 = .64.
    lp = logp([[0.6, 0.4, 1e-12], [0.6, 0.4, 1e-12]])
    assert greedy_decode(lp, ALPHA) == ""
    out = beam_decode(lp, ALPHA, beam_width=4, prune=0)
    assert out[0][0] == "a" and math.exp(out[0][1]) == pytest.approx(0.64)
    assert out[1][0] == "" and math.exp(out[1][1]) == pytest.approx(0.36)


def test_wide_beam_scores_every_labelling_exactly():
    out = dict(beam_decode(SMALL, ALPHA, beam_width=10, prune=0))
    expected = {"": 0.25, "a": 0.39, "b": 0.24, "ab": 0.06, "ba": 0.06}
    assert set(out) == set(expected)
    for text, p in expected.items():
        assert math.exp(out[text]) == pytest.approx(p)


@st.composite
def peaky(draw):
    """Each frame puts 0.9 on one class (a random path), the rest spread evenly."""
    K = draw(st.integers(2, 5))
    T = draw(st.integers(1, 12))
    path = draw(st.lists(st.integers(0, K - 1), min_size=T, max_size=T))
    probs = np.full((T, K), 0.1 / (K - 1))
    probs[np.arange(T), path] = 0.9
    return np.log(probs), ["", "a", "b", "c", "d"][:K]


@given(peaky())
@settings(max_examples=100, deadline=None)
def test_beam_of_width_one_equals_greedy_on_peaky_input(case):
    lp, alphabet = case
    assert beam_decode(lp, alphabet, beam_width=1)[0][0] == greedy_decode(lp, alphabet)


@given(st.integers(0, 2**31 - 1), st.integers(1, 6), st.integers(1, 10))
@settings(max_examples=60, deadline=None)
def test_decoders_never_leave_the_alphabet(seed, width, T):
    rng = np.random.default_rng(seed)
    alphabet = ["", "a", "b", "c"]
    lp = np.log(rng.dirichlet(np.ones(4) * 0.5, size=T))
    lexicon = ["".join(rng.choice(list("abcxyz"), size=rng.integers(1, 4))) for _ in range(15)]
    texts = [greedy_decode(lp, alphabet)] + [t for t, _ in beam_decode(lp, alphabet, width)]
    texts += [w for w, _ in lexicon_decode(lp, alphabet, lexicon, top=5, margin=math.inf)]
    for text in texts:
        assert set(text) <= {"a", "b", "c"}


def test_lexicon_by_hand_with_skipped_and_impossible_words():
    words = ["ab", "a", "aa", "b", "x", "ba", "a"]
    lex = build_lexicon(words, ALPHA)
    assert lex.skipped == 1 and lex.skipped_examples == ("x",)
    out = lexicon_decode(SMALL, ALPHA, lex, top=5)
    # "aa" cannot fit in 2 frames and is left out; the rest in order .39, .24, .06, .06.
    assert [w for w, _ in out[:2]] == ["a", "b"] and {w for w, _ in out[2:]} == {"ab", "ba"}
    assert np.allclose(np.exp([s for _, s in out]), [0.39, 0.24, 0.06, 0.06])
    # Only words within `margin` nats of the best: log .39 - log .24 = 0.49 < 1 < log .39 - log .06.
    assert [w for w, _ in lexicon_decode(SMALL, ALPHA, words, margin=1.0)] == ["a", "b"]
    assert [w for w, _ in lexicon_decode(SMALL, ALPHA, words, top=1)] == ["a"]


@given(st.integers(0, 2**31 - 1), st.integers(2, 12), st.integers(1, 3))
@settings(max_examples=60, deadline=None)
def test_lexicon_matches_torch_likelihoods(seed, T, top):
    rng = np.random.default_rng(seed)
    alphabet = ["", "a", "b", "c"]
    lp = torch.randn(T, 4, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    lp = (lp * 2).log_softmax(-1).numpy()
    words = list(dict.fromkeys("".join(rng.choice(list("abc"), size=rng.integers(1, 5))) for _ in range(20)))
    got = lexicon_decode(lp, alphabet, words, top=top, margin=math.inf)
    ref = sorted((s for s in (torch_log_likelihood(lp, w, alphabet) for w in words) if s > -math.inf),
                 reverse=True)[:top]
    assert np.allclose([s for _, s in got], ref, atol=1e-8)
    for word, score in got:
        assert score == pytest.approx(torch_log_likelihood(lp, word, alphabet), abs=1e-8)


def test_lexicon_evaluators_agree(monkeypatch):
    # The closed form (few children) and the frame loop (many) must give the same list.
    rng = np.random.default_rng(7)
    alphabet = [""] + list("abcdef")
    lp = np.log(rng.dirichlet(np.ones(7) * 0.3, size=25))
    words = ["".join(rng.choice(list("abcdef"), size=rng.integers(1, 7))) for _ in range(400)]
    results = []
    for threshold in (0, 10**9):
        monkeypatch.setattr(decoders, "_LOOP_MIN_CHILDREN", threshold)
        results.append(lexicon_decode(lp, alphabet, words, top=5, margin=math.inf))
    assert [w for w, _ in results[0]] == [w for w, _ in results[1]]
    assert np.allclose([s for _, s in results[0]], [s for _, s in results[1]], atol=1e-9)


def _drawn(word: str, alphabet, T: int, rng) -> np.ndarray:
    """A confident CTC output for `word`: each letter peaks on two frames, blanks elsewhere."""
    x = rng.normal(size=(T, len(alphabet)))
    x[:, 0] += 10
    for i, c in enumerate(word):
        t = int((i + 0.5) * T / len(word))
        x[t:t + 2, alphabet.index(c)] += 20
    return torch.tensor(x).log_softmax(-1).numpy()


def test_english_lexicon_reads_a_drawn_word():
    alphabet = [""] + list("abcdefghijklmnopqrstuvwxyz")
    words = list(english_words())
    lex = build_lexicon(words, alphabet)
    assert lex.skipped == 0 and len(lex.words) == len(words)
    lp = _drawn("water", alphabet, 80, np.random.default_rng(0))
    out = lexicon_decode(lp, alphabet, lex, top=5)
    assert out[0][0] == "water"
    for word, score in out:
        assert score == pytest.approx(torch_log_likelihood(lp, word, alphabet), abs=1e-6)


def test_a_budget_changes_nothing_on_a_confident_reading():
    alphabet = [""] + list("abcdefghijklmnopqrstuvwxyz")
    lex = build_lexicon(list(english_words()), alphabet)
    lp = _drawn("water", alphabet, 80, np.random.default_rng(0))
    exact = lexicon_search(lp, alphabet, lex, top=5)
    bounded = lexicon_search(lp, alphabet, lex, top=5, budget=1000)
    assert exact.exact and bounded.exact and bounded.words == exact.words
    assert bounded.children == exact.children < 1000


def test_a_budget_bounds_an_unsure_search_and_scores_its_words_exactly():
    # Nearly flat outputs: the exact search opens the whole trie; the bounded one stops near its
    # budget, then descends a beam of FALLBACK_BEAM nodes one letter a step to whole words.
    alphabet = [""] + list("abcdefghijklmnopqrstuvwxyz")
    words = list(english_words())
    lex = build_lexicon(words, alphabet)
    lp = torch.randn(60, 27, generator=torch.Generator().manual_seed(3), dtype=torch.float64).log_softmax(-1).numpy()
    exact = lexicon_search(lp, alphabet, lex, top=3)
    assert exact.exact and exact.children > 10_000
    bounded = lexicon_search(lp, alphabet, lex, top=3, budget=300)
    longest = max(map(len, words))
    assert not bounded.exact and bounded.children <= 300 + longest * FALLBACK_BEAM * 26
    assert bounded.words and bounded.words[0][1] <= exact.words[0][1]
    for word, score in bounded.words:
        assert score == pytest.approx(torch_log_likelihood(lp, word, alphabet), abs=1e-6)
    with pytest.raises(InputError, match="budget"):
        lexicon_decode(lp, alphabet, lex, budget=0)


def test_lexicon_rejects_a_trie_of_another_alphabet():
    lex = build_lexicon(["ab"], ALPHA)
    with pytest.raises(InputError, match="another alphabet"):
        lexicon_decode(SMALL, ["", "b", "a"], lex)


def test_forced_alignment_by_hand():
    # frames:  0:a  1:a  2:-  3:b  4:-   (0.8 on the named class)
    lp = logp([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.8, 0.1, 0.1]])
    segs = forced_align(lp, "ab", ALPHA)
    assert segs == [Segment("a", 0, 2, pytest.approx(math.log(0.8))), Segment("b", 3, 4, pytest.approx(math.log(0.8)))]
    path, total = viterbi_path(lp, [1, 2])
    assert path.tolist() == [1, 1, 2, 3, 4]  # states: a a - b -
    assert total == pytest.approx(5 * math.log(0.8))


def test_forced_alignment_puts_a_blank_between_repeats():
    # Uniform frames: "aa" in 3 frames must be a - a.
    segs = forced_align(logp([[1 / 3] * 3] * 3), "aa", ALPHA)
    assert [(s.start, s.end) for s in segs] == [(0, 1), (2, 3)]
    with pytest.raises(InputError, match="need at least 3 frames"):
        forced_align(logp([[1 / 3] * 3] * 2), "aa", ALPHA)


def test_forced_alignment_follows_the_evidence_not_the_argmax():
    # "b" is forced although "a" wins every frame: it goes where b is likeliest (frame 1).
    lp = logp([[0.1, 0.85, 0.05], [0.1, 0.6, 0.3], [0.1, 0.85, 0.05]])
    assert forced_align(lp, "b", ALPHA) == [Segment("b", 1, 2, pytest.approx(math.log(0.3)))]


@given(st.integers(0, 2**31 - 1), st.integers(0, 30), st.lists(st.integers(1, 3), max_size=6))
@settings(max_examples=80, deadline=None)
def test_sequence_log_likelihood_matches_torch(seed, T, labels):
    alphabet = ["", "a", "b", "c"]
    lp = torch.randn(T, 4, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    lp = (lp * 3).log_softmax(-1).numpy()
    word = "".join(alphabet[k] for k in labels)
    ref = torch_log_likelihood(lp, word, alphabet) if T else (0.0 if not labels else -math.inf)
    got = sequence_log_likelihood(lp, labels)
    assert got == pytest.approx(ref, abs=1e-8) if ref > -math.inf else got == -math.inf


def test_confidence_by_hand():
    lp = logp([[0.6, 0.4, 1e-12], [0.6, 0.4, 1e-12]])
    assert confidence(lp) == pytest.approx(0.36)          # greedy "" has p = .36
    assert confidence(lp, "a", ALPHA) == pytest.approx(0.64)
    assert confidence(lp, "aa", ALPHA) == 0.0              # cannot fit in 2 frames
    assert confidence(SMALL, "ab", ALPHA) == pytest.approx(math.sqrt(0.06))


def test_bad_input_is_an_input_error():
    with pytest.raises(InputError, match="alphabet has 3"):
        greedy_decode(SMALL[:, :2], ALPHA)
    with pytest.raises(InputError, match=r"\(T, K\)"):
        beam_decode(SMALL[0], ALPHA)
    with pytest.raises(InputError, match="outside the alphabet"):
        forced_align(SMALL, "az", ALPHA)
    with pytest.raises(InputError, match="beam width"):
        beam_decode(SMALL, ALPHA, beam_width=0)
    with pytest.raises(InputError, match="probability 0"):
        forced_align(np.array([[0.0, -np.inf, -np.inf]] * 3), "a", ALPHA)
    assert forced_align(SMALL[:0], "", ALPHA) == []
