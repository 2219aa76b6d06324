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


# A Capitalised word after a lowercase word in the middle of a sentence ("the Quick fox") pays this: the
# neighbours' case decides between q and Q when the ink does not (sentence starts, after . ! ? or :, and
# a lone capital such as "I" pay nothing). Chosen on validation lines with bench/lm_tune.py --case.
CASE_PENALTY = 3.0


@dataclass(frozen=True)
class LMParams:
    """The `lm` decoder's tuning parameters (the one place their defaults live).

    Tuned on 100 validation lines (515 words) read by reader-text (`python bench/lm_tune.py
    checkpoints/reader-text`): word accuracy 0.423 against greedy's 0.268; the values first chosen on
    synthetic posteriors (0.25, 4, -12; bench/lm_decoder.py) gave 0.169 there, splitting words. The case
    penalty: 300 validation lines read by the epoch-50 reader-text, word accuracy 0.678 (none) -> 0.690 (3).
    """

    lm_weight: float = 0.1      # times log P(word | previous word), natural log
    word_bonus: float = 1.0     # added per word (insertion bonus > 0, penalty < 0)
    oov_penalty: float = -4.0   # log-penalty per word outside the dictionary; -inf: dictionary words only
    case_penalty: float = CASE_PENALTY  # log-penalty per Capitalised word after a lowercase one, mid-sentence
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
SENTENCE_ENDS = set(".!?:")  # a word ending in one of these ends a sentence: the next may be Capitalised
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


class _Prefixes:
    """The tree of label sequences the search has reached (one id per prefix; 0 is the empty one), with the
    LM's state at each: its parent and last label, `done` (the LM terms of its finished words), the trie
    `node` of its current word (-1: out of the dictionary), its `phase` in that word (0 none started,
    1 punctuation before a letter, 2 letters, 3 punctuation after them), the `prev`ious word (-1: the
    line's start), the case `shape` of the word's letters and `rank`, the term it is ranked with."""

    def __init__(self, alphabet: Sequence[str], blank: int, lm: BigramLM | None, params: LMParams):
        trie = word_trie(lm)
        self.children, self.word_of, self.look = trie.children, trie.word, trie.look
        self.weight = params.lm_weight if lm is not None else 0.0
        self.oov = params.oov_penalty if lm is not None else 0.0
        self.bonus = params.word_bonus
        self.case = params.case_penalty if lm is not None else 0.0
        self.ends_sentence = [ch in SENTENCE_ENDS for ch in alphabet]
        self.log_prob = lm.log_prob if lm is not None else None
        self.kinds, self.low = _kinds(alphabet, blank)
        self.upper = [int(ch != lo) for ch, lo in zip(alphabet, self.low)]  # 1 for a capital (its lowercase differs)
        self.cased = [ch.lower() != ch.upper() for ch in alphabet]          # letters have a case; digits do not
        self.parent, self.label = [-1], [-1]
        self.done, self.node, self.phase, self.prev, self.rank, self.shape = [0.0], [_ROOT], [0], [-1], [0.0], [_NONE]
        self.before = [_NONE]  # the case shape of the sentence's previous word (_NONE at a sentence's start)
        self.kids: dict[int, int] = {}   # prefix * K + label -> the prefix one label longer (-1: impossible)
        self.K = len(alphabet)

    def word_end(self, i: int) -> tuple[float, int]:
        """What ending prefix `i`'s current word adds to its score, and the word the next one follows."""
        score, after = self._word_score(i)
        if self.shape[i] == _TITLE and self.before[i] == _LOWER:  # "the Quick": not the case of its neighbours
            score -= self.case
        return score, after

    def _word_score(self, i: int) -> tuple[float, int]:
        """The LM's terms for ending prefix `i`'s current word, and the word the next one follows."""
        ph, nd, pv = self.phase[i], self.node[i], self.prev[i]
        if ph == 1:
            return self.oov + self.bonus, pv
        if nd < 0:
            return self.bonus, -1
        w = self.word_of[nd]
        if w >= 0:
            return self.weight * self.log_prob(w, pv) + self.bonus, w
        return self.oov + self.bonus, -1

    def extend(self, i: int, k: int) -> int:
        """A new prefix: `i` followed by label `k`; -1 when the LM rules it out. (`kids` keeps it.)"""
        kind, ph, nd, dn, pv, sh = self.kinds[k], self.phase[i], self.node[i], self.done[i], self.prev[i], self.shape[i]
        bf = self.before[i]
        if kind == _SPACE:
            if ph:
                score, pv = self.word_end(i)
                dn += score
                bf = _NONE if self.ends_sentence[self.label[i]] else (sh if sh != _NONE else bf)
                ph, nd, sh = 0, _ROOT, _NONE
        elif kind == _CORE:
            # A letter after a word's trailing punctuation leaves the dictionary ("4/10", "a&b"), and so does
            # one in a case nobody writes the word in; a word out of it already paid its penalty and pays no more.
            sh = _CASE_STEP[sh][self.upper[k]] if self.cased[k] else sh
            nxt = -1 if ph == 3 or nd < 0 or sh == _ODD else self.children[nd].get(self.low[k], -1)
            if nxt < 0 and nd >= 0:
                dn += self.oov
            ph, nd = 2, nxt
        elif kind == _APOS:
            ph = ph or 1
        else:
            ph = 1 if ph <= 1 else 3
        if dn == NEG_INF:
            return -1
        for column, value in ((self.parent, i), (self.label, k), (self.done, dn), (self.node, nd),
                              (self.phase, ph), (self.prev, pv), (self.shape, sh), (self.before, bf)):
            column.append(value)
        # Look-ahead: a started word will cost at least the best unigram below its node (punctuation before
        # a word: the best of all), so prefixes that delay a word's letters gain nothing by it.
        self.rank.append(dn + (self.weight * self.look[nd] if ph and nd >= 0 else 0.0))
        return len(self.label) - 1

    def last_word(self, i: int) -> float:
        """What the word prefix `i` ends in adds when the line ends there (0 if it ends between words)."""
        return self.word_end(i)[0] if self.phase[i] else 0.0

    def text(self, i: int, alphabet: Sequence[str]) -> str:
        chars = []
        while i > 0:
            chars.append(alphabet[self.label[i]])
            i = self.parent[i]
        return "".join(reversed(chars))


def _candidates(lp: np.ndarray, blank: int, prune: float) -> list[list[int]]:
    """Per frame, the labels worth extending a prefix with: those of probability at least `prune`, and the
    most likely non-blank one always."""
    T, K = lp.shape
    log_prune = math.log(prune) if prune > 0 else NEG_INF
    ok = lp >= log_prune
    ok[:, blank] = False
    others = lp.copy()
    others[:, blank] = NEG_INF
    ok[np.arange(T), others.argmax(axis=1)] = K > 1
    return [np.flatnonzero(m).tolist() for m in ok]


def _frame(beams: dict[int, tuple[float, float]], row: list[float], cand: list[int], blank: int,
           prefixes: _Prefixes) -> dict[int, list[float]]:
    """One frame of the prefix beam search: every kept prefix's (log p ending in blank, log p ending in a
    label) after the frame, for the prefixes themselves and their extensions by the candidate labels."""
    p_blank, label, kids, K = row[blank], prefixes.label, prefixes.kids, prefixes.K
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
                c = kids[base + k] = prefixes.extend(i, k)
            if c < 0:
                continue
            ext = nxt.get(c)
            if ext is None:
                ext = nxt[c] = [NEG_INF, NEG_INF]
            # A repeated character starts a new one only after a blank.
            ext[1] = log_add(ext[1], (pb if k == last else total) + row[k])
    return nxt


def lm_decode(log_probs, alphabet: Sequence[str], lm: BigramLM | None, params: LMParams = LM_DEFAULTS,
              blank: int = 0) -> list[tuple[str, float]]:
    """Up to `params.beam` (text, score) pairs, best first; score = CTC log-probability the beam kept + LM terms."""
    lp = check_log_probs(log_probs, alphabet, blank)
    if params.beam < 1:
        raise InputError(f"beam width must be at least 1, got {params.beam}")
    prefixes = _Prefixes(alphabet, blank, lm, params)
    rank = prefixes.rank
    beams: dict[int, tuple[float, float]] = {0: (0.0, NEG_INF)}
    for row, cand in zip(lp.tolist(), _candidates(lp, blank, params.prune)):
        nxt = _frame(beams, row, cand, blank, prefixes)
        if len(nxt) > params.beam:  # keep the best `beam` by CTC probability plus LM rank (ties: the first made)
            scored = [(log_add(pb, pnb) + rank[i], -n, i) for n, (i, (pb, pnb)) in enumerate(nxt.items())]
            nxt = {i: nxt[i] for _, _, i in heapq.nlargest(params.beam, scored)}
        beams = nxt
    out = []
    for i, (pb, pnb) in beams.items():
        score = log_add(pb, pnb) + prefixes.done[i] + prefixes.last_word(i)
        if score > NEG_INF:
            out.append((prefixes.text(i, alphabet), score))
    return sorted(out, key=lambda x: -x[1])
