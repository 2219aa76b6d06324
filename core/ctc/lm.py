"""CTC prefix beam search with a dictionary and a word-bigram language model (the `lm` decoder).

Characters extend prefixes as in the plain prefix beam search (core.ctc.beam). A prefix also carries
where its current word stands: in the dictionary's trie (lowercase; capitals fold, an apostrophe
inside a word is skipped, punctuation before and after the word is allowed), or out of it. When a
word ends (a space, or the end of the line) the prefix gains

* `lm_weight * log P(word | previous word) + word_bonus` for a dictionary word (core.ctc.bigram_lm);
* `oov_penalty + word_bonus` for any other word: a number, a name, a word with a hyphen, a prefix of a
  dictionary word, punctuation alone. The penalty is charged as soon as the word leaves the trie,
  so a non-word competes at its true cost from that character on; `oov_penalty = -inf` allows
  dictionary words only.

A dictionary word counts as one only in the cases people write it: all lowercase, capitalised or all
in capitals. A capital after a lowercase letter, or a lowercase letter after two capitals ("minimuM",
"QUick"), leaves the dictionary there, so "minimum" (a dictionary word) beats "minimuM" (a non-word)
whenever the reader is torn between m and M.

While a dictionary word is being spelled, the prefix is ranked with `lm_weight` times the best unigram
log-probability of the words below its trie node (look-ahead, as flashlight's SmearingMode.MAX); the
word's real score replaces it when the word ends. The context after an unknown word is the line's
start again (unigram); punctuation alone keeps the context. With `lm=None` there is no dictionary and
no LM: every word scores `word_bonus`, and with a bonus of 0 this is the plain beam search.
Sources: Hannun et al. 2014 (arXiv:1408.2873), Graves et al. 2009 (TPAMI, a dictionary and a bigram).
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Sequence

import numpy as np

from core.ctc.bigram_lm import BigramLM
from core.ctc.matrix import NEG_INF, check_log_probs, log_add
from core.errors import InputError


@dataclass(frozen=True)
class LMParams:
    """The `lm` decoder's tuning parameters (the one place their defaults live).

    Tuned on 100 validation lines (515 words) read by reader-text (`python bench/lm_tune.py
    checkpoints/reader-text`): word accuracy 0.423 against greedy's 0.268; the values first chosen on
    synthetic posteriors (0.25, 4, -12; bench/lm_decoder.py) gave 0.169 there, splitting words.
    """

    lm_weight: float = 0.1      # times log P(word | previous word), natural log
    word_bonus: float = 1.0     # added per word (insertion bonus > 0, penalty < 0)
    oov_penalty: float = -4.0   # log-penalty per word outside the dictionary; -inf: dictionary words only
    beam: int = 16              # prefixes kept after every frame
    prune: float = 1e-3         # characters below this probability at a frame are not tried (the best always is)

    def with_(self, **changes) -> "LMParams":
        return replace(self, **changes)


LM_DEFAULTS = LMParams()
# flashlight-text's LexiconDecoder with the same LM, tuned on the same lines (core.ctc.flashlight_lm; no OOV path).
FLASHLIGHT_DEFAULTS = LMParams(lm_weight=1.0, word_bonus=4.0)

_SPACE, _CORE, _APOS, _PUNCT, _BLANK = range(5)
_ROOT = 0
# The case shape of a word's letters so far: none yet, one capital, lowercase, Capitalised, CAPITALS, odd.
_NONE, _ONE_UP, _LOWER, _TITLE, _UPPER, _ODD = range(6)
# shape -> (shape after a lowercase letter, shape after a capital)
_CASE_STEP = {_NONE: (_LOWER, _ONE_UP), _ONE_UP: (_TITLE, _UPPER), _LOWER: (_LOWER, _ODD), _TITLE: (_TITLE, _ODD),
              _UPPER: (_ODD, _UPPER), _ODD: (_ODD, _ODD)}


class WordTrie:
    """The LM's words as a character trie: `children[n]` char -> node, `word[n]` the word index ending at n
    (-1 none), `look[n]` the best unigram log-probability below n (the words are most frequent first,
    so the first word through a node sets it)."""

    def __init__(self, lm: BigramLM | None):
        self.children: list[dict[str, int]] = [{}]
        self.word: list[int] = [-1]
        self.look: list[float] = [max(lm.unigram) if lm is not None and lm.words else 0.0]
        for w, text in enumerate(lm.words if lm is not None else ()):
            node = _ROOT
            for ch in text:
                nxt = self.children[node].get(ch)
                if nxt is None:
                    nxt = self.children[node][ch] = len(self.word)
                    self.children.append({})
                    self.word.append(-1)
                    self.look.append(lm.unigram[w])
                node = nxt
            if self.word[node] < 0:
                self.word[node] = w


@lru_cache(maxsize=4)
def word_trie(lm: BigramLM | None) -> WordTrie:
    """The trie of an LM's words, built once per LM."""
    return WordTrie(lm)


def _kinds(alphabet: Sequence[str], blank: int) -> tuple[list[int], list[str]]:
    """Each label's kind (space, letter or digit, apostrophe, other punctuation, blank) and lowercase form."""
    kinds, low = [], []
    for k, ch in enumerate(alphabet):
        if k == blank:
            kinds.append(_BLANK)
        elif ch == " ":
            kinds.append(_SPACE)
        elif len(ch) == 1 and ch.isalnum():
            kinds.append(_CORE)
        elif ch == "'":
            kinds.append(_APOS)
        else:
            kinds.append(_PUNCT)
        low.append(ch.lower())
    return kinds, low


def lm_decode(log_probs, alphabet: Sequence[str], lm: BigramLM | None, params: LMParams = LM_DEFAULTS,
              blank: int = 0) -> list[tuple[str, float]]:
    """Up to `params.beam` (text, score) pairs, best first; score = CTC log-probability the beam kept + LM terms."""
    lp = check_log_probs(log_probs, alphabet, blank)
    if params.beam < 1:
        raise InputError(f"beam width must be at least 1, got {params.beam}")
    T, K = lp.shape
    trie = word_trie(lm)
    weight = params.lm_weight if lm is not None else 0.0
    oov = params.oov_penalty if lm is not None else 0.0
    bonus = params.word_bonus
    kinds, low = _kinds(alphabet, blank)
    upper = [int(ch != lo) for ch, lo in zip(alphabet, low)]  # 1 for a capital (its lowercase differs)
    cased = [ch.lower() != ch.upper() for ch in alphabet]     # letters have a case; digits do not
    children, word_of, look = trie.children, trie.word, trie.look
    log_prob = lm.log_prob if lm is not None else None

    # Per prefix id (a node of the tree of label sequences): parent, last label, LM state, ranking term.
    parent, label = [-1], [-1]
    done, node, phase, prev, rank, shape = [0.0], [_ROOT], [0], [-1], [0.0], [_NONE]
    kids: dict[int, int] = {}

    def word_end(i: int) -> tuple[float, int]:
        ph, nd, pv = phase[i], node[i], prev[i]
        if ph == 1:
            return oov + bonus, pv
        if nd < 0:
            return bonus, -1
        w = word_of[nd]
        if w >= 0:
            return weight * log_prob(w, pv) + bonus, w
        return oov + bonus, -1

    def extend(i: int, k: int) -> int:
        kind, ph, nd, dn, pv, sh = kinds[k], phase[i], node[i], done[i], prev[i], shape[i]
        if kind == _SPACE:
            if ph:
                score, pv = word_end(i)
                dn += score
                ph, nd, sh = 0, _ROOT, _NONE
        elif kind == _CORE:
            # A letter after a word's trailing punctuation leaves the dictionary ("4/10", "a&b"), and so does
            # one in a case nobody writes the word in; a word out of it already paid its penalty and pays no more.
            sh = _CASE_STEP[sh][upper[k]] if cased[k] else sh
            nxt = -1 if ph == 3 or nd < 0 or sh == _ODD else children[nd].get(low[k], -1)
            if nxt < 0 and nd >= 0:
                dn += oov
            ph, nd = 2, nxt
        elif kind == _APOS:
            ph = ph or 1
        else:
            ph = 1 if ph <= 1 else 3
        if dn == NEG_INF:
            return -1
        parent.append(i)
        label.append(k)
        done.append(dn)
        node.append(nd)
        phase.append(ph)
        prev.append(pv)
        shape.append(sh)
        # Look-ahead: a started word will cost at least the best unigram below its node (punctuation before
        # a word: the best of all), so prefixes that delay a word's letters gain nothing by it.
        rank.append(dn + (weight * look[nd] if ph and nd >= 0 else 0.0))
        return len(label) - 1

    log_prune = math.log(params.prune) if params.prune > 0 else NEG_INF
    ok = lp >= log_prune
    ok[:, blank] = False
    others = lp.copy()
    others[:, blank] = NEG_INF
    ok[np.arange(T), others.argmax(axis=1)] = K > 1
    cands = [np.flatnonzero(m).tolist() for m in ok]

    beams: dict[int, tuple[float, float]] = {0: (0.0, NEG_INF)}
    for row, cand in zip(lp.tolist(), cands):
        p_blank = row[blank]
        nxt: dict[int, list[float]] = {}
        for i, (pb, pnb) in beams.items():
            total = log_add(pb, pnb)
            cur = nxt.get(i)
            if cur is None:
                cur = nxt[i] = [NEG_INF, NEG_INF]
            cur[0] = log_add(cur[0], total + p_blank)
            last = label[i]
            if last >= 0:
                # The last character again without a blank collapses into the same prefix.
                cur[1] = log_add(cur[1], pnb + row[last])
            base = i * K
            for k in cand:
                c = kids.get(base + k)
                if c is None:
                    c = kids[base + k] = extend(i, k)
                if c < 0:
                    continue
                ext = nxt.get(c)
                if ext is None:
                    ext = nxt[c] = [NEG_INF, NEG_INF]
                # A repeated character starts a new one only after a blank.
                ext[1] = log_add(ext[1], (pb if k == last else total) + row[k])
        ranked = heapq.nlargest(params.beam, nxt.items(), key=lambda kv: log_add(*kv[1]) + rank[kv[0]])
        beams = {i: (v[0], v[1]) for i, v in ranked}

    out = []
    for i, (pb, pnb) in beams.items():
        score = log_add(pb, pnb) + done[i] + (word_end(i)[0] if phase[i] else 0.0)
        if score > NEG_INF:
            out.append((_text(i, parent, label, alphabet), score))
    return sorted(out, key=lambda x: -x[1])


def _text(i: int, parent: list[int], label: list[int], alphabet: Sequence[str]) -> str:
    chars = []
    while i > 0:
        chars.append(alphabet[label[i]])
        i = parent[i]
    return "".join(reversed(chars))
