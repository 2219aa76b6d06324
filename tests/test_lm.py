"""The word-bigram LM and the `lm` decoder: smoothing, reading lines, dictionary preference, OOV words, flashlight."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.ctc.beam import beam_decode
from core.ctc.bigram_lm import bigram_lm, normalise_word
from core.ctc.flashlight_lm import HAVE_FLASHLIGHT, FlashlightDecoder
from core.ctc.greedy import greedy_decode
from core.ctc.lm import LM_DEFAULTS, lm_decode
from core.ctc.synthetic import synthetic_log_probs
from core.data.alphabets import AZ, TEXT, reader_alphabet
from core.errors import InputError
from core.models.inference import DECODERS, decode

LINE = reader_alphabet(TEXT)
WORD = reader_alphabet(AZ)


@pytest.fixture(scope="module")
def lm():
    return bigram_lm()


@pytest.fixture(scope="module")
def small():
    return bigram_lm("symspellpy", 300)


def posteriors(units, alphabet, gap: float = 0.5) -> np.ndarray:
    """Two frames per unit then a blank frame; a unit is a character or (shown, runner-up) `gap` nats behind."""
    index = {c: k for k, c in enumerate(alphabet)}
    rows = [np.full(len(alphabet), -12.0)]
    rows[0][0] = 0.0
    for u in units:
        shown, runner = (u, None) if isinstance(u, str) else u
        row = np.full(len(alphabet), -12.0)
        row[index[shown]] = 0.0
        row[0] = -5.0
        if runner is not None:
            row[index[runner]] = -gap
        blank = np.full(len(alphabet), -12.0)
        blank[0] = 0.0
        rows += [row, row, blank]
    logits = np.array(rows)
    return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))


# ---------------------------------------------------------------- the LM

@settings(max_examples=25, deadline=None)
@given(st.integers(0, 299))
def test_every_row_of_the_bigram_sums_to_one(small, v):
    assert math.isclose(sum(math.exp(small.log_prob(w, v)) for w in range(small.size)), 1.0, rel_tol=1e-9)


def test_unigram_sums_to_one_and_an_unseen_pair_is_finite_but_below_a_seen_one(small):
    assert math.isclose(sum(math.exp(p) for p in small.unigram), 1.0, rel_tol=1e-9)
    key, seen = next(iter(small.pairs.items()))
    v, w = divmod(key, small.size)
    assert small.recorded(w, v)
    unseen_w = next(u for u in range(small.size) if not small.recorded(u, v))
    assert math.isfinite(small.log_prob(unseen_w, v))
    # The same word after the same context scores more for being a recorded pair than it would unrecorded.
    assert seen == small.log_prob(w, v) > small.backoff[v] + small.unigram[w]
    assert small.log_prob(small.index["the"], small.index["of"]) > small.log_prob(small.index["of"], small.index["of"])


def test_words_are_looked_up_lowercase_without_surrounding_punctuation(lm):
    assert normalise_word("Hello,") == "hello" and normalise_word("don't") == "dont" and normalise_word("(The") == "the"
    assert lm.word_log_prob("Hello,") == lm.word_log_prob("hello") is not None
    assert lm.word_log_prob("House.", "The") == lm.word_log_prob("house", "the")
    assert lm.word_log_prob("42") is None
    with pytest.raises(InputError):
        bigram_lm("no-such-source")


# ---------------------------------------------------------------- the decoder

def test_clean_posteriors_of_a_sentence_read_back_exactly(lm):
    rng = np.random.default_rng(0)
    for text in ("The house is on the hill.", "Hello, she said to the old man"):
        lp = synthetic_log_probs(text, LINE, rng, confuse=0.0, noise=0.5)
        assert lm_decode(lp, LINE, lm)[0][0] == text


def test_the_dictionary_word_beats_a_near_miss_the_posteriors_prefer(lm):
    # "hovse": the v is half a nat ahead of the u on its frames; greedy and beam read the near-miss.
    lp = posteriors(["t", "h", "e", " ", "h", "o", ("v", "u"), "s", "e"], LINE)
    assert greedy_decode(lp, LINE) == "the hovse" == beam_decode(lp, LINE, 16)[0][0]
    assert lm_decode(lp, LINE, lm)[0][0] == "the house"


def test_a_dictionary_word_in_its_written_case_beats_an_odd_capital_the_posteriors_prefer(lm):
    # The reader is torn between M and m at the end of "minimum", and between U and u inside "quick".
    lp = posteriors(["a", " ", "m", "i", "n", "i", "m", "u", ("M", "m")], LINE, gap=0.3)
    assert greedy_decode(lp, LINE) == "a minimuM"
    assert lm_decode(lp, LINE, lm)[0][0] == "a minimum"
    lp = posteriors(["t", "h", "e", " ", "q", ("U", "u"), "i", "c", "k", " ", "f", "o", "x"], LINE, gap=0.3)
    assert lm_decode(lp, LINE, lm)[0][0] == "the quick fox"
    # Cases people write a word in stay dictionary words: capitalised and in capitals.
    for text in ("The house", "THE HOUSE", "NASA"):
        assert lm_decode(posteriors(list(text), LINE), LINE, lm)[0][0] == text


def test_a_word_takes_the_case_of_its_neighbours_when_the_ink_does_not_decide(lm):
    # Torn between Q and q mid-sentence: both spell a dictionary word, the lowercase neighbours decide.
    torn = ["t", "h", "e", " ", ("Q", "q"), "u", "i", "c", "k", " ", "f", "o", "x"]
    lp = posteriors(torn, LINE, gap=0.3)
    assert greedy_decode(lp, LINE) == "the Quick fox"
    assert lm_decode(lp, LINE, lm)[0][0] == "the quick fox"
    assert lm_decode(lp, LINE, lm, LM_DEFAULTS.with_(case_penalty=0.0))[0][0] == "the Quick fox"  # the rule does it
    # A sentence's first word, one after a full stop, a lone capital and clear capitals keep their case.
    for text in ("Quick fox", "a fox. Quick", "and I went", "we met Paris"):
        assert lm_decode(posteriors(list(text), LINE), LINE, lm)[0][0] == text
    after_stop = posteriors(list("a fox. ") + [("Q", "q")] + list("uick"), LINE, gap=0.3)
    assert lm_decode(after_stop, LINE, lm)[0][0] == "a fox. Quick"


def test_an_out_of_vocabulary_number_and_name_are_still_read(lm):
    rng = np.random.default_rng(1)
    for text in ("I owe you 42 dollars.", "Ask Bob, then Zyqwert."):
        lp = synthetic_log_probs(text, LINE, rng, confuse=0.0, noise=0.5)
        assert lm_decode(lp, LINE, lm)[0][0] == text
    strict = lm_decode(synthetic_log_probs("you 42 dollars", LINE, rng), LINE, lm, LM_DEFAULTS.with_(oov_penalty=-math.inf))
    assert "42" not in strict[0][0]


@settings(max_examples=20, deadline=None)
@given(st.text(alphabet="abcdo l1,.0", min_size=1, max_size=25), st.integers(0, 2**16))
def test_without_lm_or_bonus_it_is_the_plain_beam_search(text, seed):
    lp = synthetic_log_probs(text, LINE, np.random.default_rng(seed), confuse=0.0, noise=0.5)
    plain = beam_decode(lp, LINE, 8)
    ours = lm_decode(lp, LINE, None, LM_DEFAULTS.with_(lm_weight=0.0, word_bonus=0.0, beam=8))
    assert ours[0][0] == plain[0][0] == greedy_decode(lp, LINE)
    assert math.isclose(ours[0][1], plain[0][1], rel_tol=1e-9, abs_tol=1e-9)


def test_a_reader_without_a_space_reads_one_word_with_the_unigram_prior(lm):
    lp = posteriors(["h", "o", ("v", "u"), "s", "e"], WORD)
    assert greedy_decode(lp, WORD) == "hovse"
    assert decode(lp, WORD, "lm")[0] == "house"
    odd = posteriors(list("qxzvk"), WORD)
    assert decode(odd, WORD, "lm")[0] == "qxzvk"          # not a word: read on the out-of-vocabulary path


def test_lm_is_a_decoder_of_the_read_path(lm):
    assert DECODERS[-1] == "lm"
    lp = synthetic_log_probs("the old man", LINE, np.random.default_rng(3))
    text, alts = decode(lp, LINE, "lm", top=3)
    assert text == "the old man" and 1 <= len(alts) <= 3 and alts[0][0] == text
    with pytest.raises(InputError):
        lm_decode(lp, LINE, lm, LM_DEFAULTS.with_(beam=0))


@pytest.mark.skipif(not HAVE_FLASHLIGHT, reason="flashlight-text is not installed (pip install flashlight-text)")
def test_flashlight_reads_dictionary_words_with_the_same_lm_but_not_numbers(lm):
    fl = FlashlightDecoder(LINE, lm)
    rng = np.random.default_rng(4)
    assert fl(synthetic_log_probs("The house is on the hill.", LINE, rng)) == "The house is on the hill."
    assert fl(posteriors(["t", "h", "e", " ", "h", "o", ("v", "u"), "s", "e"], LINE)) == "the house"
    assert "42" not in fl(synthetic_log_probs("I owe you 42 dollars.", LINE, rng))
    with pytest.raises(InputError):
        FlashlightDecoder(WORD, lm)


def test_decode_command_reads_with_lm_on_a_reader_without_a_space(tmp_path, capsys):
    import json

    from core.cli.main import main
    from core.ink.io import write_ink_json
    from core.paths import checkpoints_dir
    from core.synth.generator import render_word

    ink = tmp_path / "house.json"
    write_ink_json(ink, render_word("house", "natural", 0).ink, "house")
    assert main(["decode", str(checkpoints_dir() / "reader-az"), "--ink", str(ink), "--decoder", "lm", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["decoder"] == "lm" and out["text"] == "house" and out["alternatives"][0]["text"] == "house"


def test_a_line_readers_lexicon_decoding_takes_every_word_from_the_list():
    from core.ctc.bigram_lm import word_list_lm
    from core.models.inference import decode
    rng = np.random.default_rng(3)
    words = ["the", "cat", "sat", "on", "mat", "hat"]
    lp = synthetic_log_probs("the cat sat on the mxt", LINE, rng)
    text, alts = decode(lp, LINE, "lexicon", words)
    assert text.lower() == "the cat sat on the mat" and all({normalise_word(w) for w in t.split()} <= set(words) for t, _ in alts)
    assert decode(lp, LINE, "greedy")[0] == "the cat sat on the mxt"
    assert word_list_lm(("The", "the", "cat,")).words == ("the", "cat")
    with pytest.raises(InputError):
        word_list_lm(("", "..."))


def test_the_language_model_is_kept_in_the_cache_folder_and_loads_back_the_same(tmp_path, monkeypatch, small):
    monkeypatch.setenv("HWLAB_CACHE", str(tmp_path))
    bigram_lm.cache_clear()  # this process's copies: the next calls build, then read the file
    try:
        built = bigram_lm("symspellpy", 300)
        files = list(tmp_path.glob("*bigram-lm*.npz"))
        assert len(files) == 1
        bigram_lm.cache_clear()
        loaded = bigram_lm("symspellpy", 300)
        assert loaded is not built and loaded.words == built.words == small.words
        assert loaded.unigram == built.unigram and loaded.backoff == built.backoff and loaded.pairs == built.pairs
        the, of = loaded.index["the"], loaded.index["of"]
        assert loaded.log_prob(the, of) == small.log_prob(the, of)
        files[0].write_bytes(b"damaged")  # a damaged file is built again, not an error
        bigram_lm.cache_clear()
        assert bigram_lm("symspellpy", 300).pairs == built.pairs
    finally:
        bigram_lm.cache_clear()
