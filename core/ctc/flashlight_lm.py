"""The same dictionary and bigram inside flashlight-text's `LexiconDecoder`: the `lm` decoder's comparison path.

flashlight's lexicon decoder (C++) walks a trie of spellings and scores each finished word with a
language model; here the LM is the project's `BigramLM` behind flashlight's Python `LM` interface
(its state is the previous word, so hypotheses with the same last word merge). It can only write
dictionary words: each word is spelled lowercase and capitalised, bare or with a trailing comma or
full stop, and a space ends every spelling (the space is flashlight's word separator, and one
certain space frame is appended to the line so its last word ends too; runs of spaces it writes
between words are read as one). Numbers, names outside the
dictionary and other punctuation cannot be read (no unknown-word path; `unk_score` is -inf).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from core.ctc.bigram_lm import BigramLM
from core.ctc.lm import FLASHLIGHT_DEFAULTS, LMParams
from core.ctc.matrix import char_index, check_log_probs
from core.errors import InputError

try:  # optional: the comparison needs flashlight-text, the project's own decoder does not
    from flashlight.lib.text.decoder import (CriterionType, LexiconDecoder, LexiconDecoderOptions, LM, LMState,
                                             SmearingMode, Trie)
    HAVE_FLASHLIGHT = True
except ImportError:  # pragma: no cover - flashlight-text is in requirements.txt
    LM, HAVE_FLASHLIGHT = object, False

SUFFIXES = ("", ",", ".")


class _BigramAdapter(LM):
    """`BigramLM` as a flashlight LM: a state per previous word, scores log P(word | previous)."""

    def __init__(self, lm: BigramLM):
        LM.__init__(self)
        self.lm = lm
        self.root = LMState()
        self.prev: dict = {self.root: -1}

    def start(self, start_with_nothing):
        return self.root

    def score(self, state, word: int):
        out = self.root.child(word)
        self.prev.setdefault(out, word)
        return out, self.lm.log_prob(word, self.prev[state])

    def finish(self, state):
        return state, 0.0


class FlashlightDecoder:
    """A flashlight `LexiconDecoder` over `alphabet` (a space needed) with `lm`; call it on (T, K) log-probabilities."""

    def __init__(self, alphabet: Sequence[str], lm: BigramLM, params: LMParams = FLASHLIGHT_DEFAULTS, blank: int = 0,
                 beam_size_token: int = 8, beam_threshold: float = 25.0):
        if not HAVE_FLASHLIGHT:
            raise InputError("flashlight-text is not installed", "pip install flashlight-text")
        index = char_index(alphabet, blank)
        if " " not in index:
            raise InputError("flashlight's lexicon decoder needs a space in the alphabet to end words")
        self.alphabet, self.blank, self.space = list(alphabet), blank, index[" "]
        self.adapter = _BigramAdapter(lm)
        self.trie = Trie(len(alphabet), self.space)
        for w, word in enumerate(lm.words):
            for form in dict.fromkeys((word, word.capitalize())):
                for suffix in SUFFIXES:
                    spelling = form + suffix
                    if all(c in index for c in spelling):
                        self.trie.insert([index[c] for c in spelling] + [self.space], w, lm.unigram[w])
        self.trie.smear(SmearingMode.MAX)
        options = LexiconDecoderOptions(params.beam, beam_size_token, beam_threshold, params.lm_weight,
                                        params.word_bonus, -math.inf, 0.0, False, CriterionType.CTC)
        self.decoder = LexiconDecoder(options, self.trie, self.adapter, self.space, blank, lm.size, [], False)

    def __call__(self, log_probs) -> str:
        lp = check_log_probs(log_probs, self.alphabet, self.blank)
        end = np.full((1, lp.shape[1]), -30.0)
        end[0, self.space] = 0.0
        emissions = np.ascontiguousarray(np.concatenate([lp, end]), dtype=np.float32)
        results = self.decoder.decode(emissions.ctypes.data, emissions.shape[0], emissions.shape[1])
        if not results:
            return ""
        out, last = [], -1
        for k in results[0].tokens:
            if k != last and k != self.blank and k >= 0:
                out.append(self.alphabet[k])
            last = k
        return " ".join("".join(out).split())  # flashlight may put several separators between words
