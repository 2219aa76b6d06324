"""Lines and words of any case for the text reader: real UNIPEN text, real words, and text composed from one
writer's characters.

Every epoch mixes these sources (`MIX`, and the config's `word_lines`
share), all of the training contributors of `core.data.splits` (the test
contributors are never read):

* real text lines and sentences (category 8), labels of any printable ASCII
  (the config's `augment_lines` share of them drawn as augmented copies,
  `core.data.word_lines.augment_line`);
* lines built from 2-8 real isolated words of one writer (categories 6 and
  7), laid out as a measured real line lays out its words
  (`core.data.word_lines`);
* real isolated words of any case (category 6);
* short texts composed from one writer's isolated characters (categories
  1a-1d: digits, capitals, lowercase, symbols): English words, some
  capitalised or in capitals, numbers and punctuation, laid out on one
  baseline with wider gaps between words (`compose_text`).

The held-out set (it chooses the epoch) is the validation contributors'
lines and words; `test` is a fixed sample of the test contributors' lines,
read after every epoch for the Train page's curve and never used to choose.
Only lines written on one line are kept (`one_line`): about a fifth of
category 8 are lists written one word under the other or paragraphs, which
a line reader cannot read in one pass (their labels hold no line breaks).
Labels are UNIPEN's with the escapes read (`\\"` a quote, `\\\\` a backslash);
a sample whose label holds kai's ligature mark or a character outside
`TEXT` is left out.
"""
from __future__ import annotations

import numpy as np

from core.data.alphabets import TEXT, reader_alphabet
from core.data.az_words import LETTER_EXTENT, LETTER_GAP, compose_word, english_words, lexicon_for
from core.data.corpus import load_corpus, say, unipen_folder
from core.data.letters import char_label
from core.data.splits import TEST_CONTRIBUTORS, VALIDATION_CONTRIBUTORS, contributor_role, uses_contributor_split
from core.data.word_data import WordData
from core.data.word_lines import WORDS_PER_LINE, augment_line, cached_layouts, lay_out_words, writer_scale
from core.errors import InputError
from core.ink.ink import Ink, bounds, n_points
from core.ink.lines import normalise_line
from core.ink.unipen_categories import CHARACTERS, LEVELS, LINES, TEXT_WORDS, WORDS

MIX = {"lines": 0.4, "words": 0.3, "composed": 0.3}  # shares of an epoch's samples
EVAL_SAMPLE = 200  # held-out and test samples read after every epoch, per kind (lines, words)
WORD_GAP = (0.6, 1.1)  # the gap between composed words, in x-heights
NUMBERS = 0.12  # the share of a composed text's words that are numbers
CAPITALISED = 0.28  # ... and that start with a capital (the share in capitals is the config's `capitals`)
SPREAD = (1.5, 3.0)  # gaps widened this many times in a text written letter by letter
PUNCTUATION = ".,;:!?"
MIN_WIDTH = 0.3   # corpus heights per character: a narrower "line" is written in several lines
LINE_BREAK = (8.0, 2.0)  # a stroke starting this far left (corpus heights) and this far up or down starts a new line

# Vertical extent (top, bottom) of characters other than a-z, in x-heights over the baseline.
EXTENT = dict(LETTER_EXTENT)
EXTENT.update({ch: (1.7, 0.0) for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"})
EXTENT.update({".": (0.15, 0.0), ",": (0.15, -0.35), ";": (0.8, -0.35), ":": (0.8, 0.0), "!": (1.7, 0.0),
               "?": (1.7, 0.0), "'": (1.75, 1.2), '"': (1.75, 1.2), "-": (0.6, 0.4), "(": (1.8, -0.4),
               ")": (1.8, -0.4)})


def text_label(label: str) -> str | None:
    """A UNIPEN text label with its escapes read, or None when it names something the text reader cannot write."""
    if "\\@" in label:
        return None
    text = label.replace("\\\\", "\\").strip()
    return text if text and set(text) <= set(TEXT) else None


def one_line(ink: Ink, text: str) -> bool:
    """Whether `ink` is `text` written on one line: wide enough for its characters, no return to a new line."""
    try:
        flat = normalise_line(ink)
    except InputError:
        return False
    x0, _, x1, _ = bounds(flat)
    if x1 - x0 < MIN_WIDTH * len(text):
        return False
    back, jump = LINE_BREAK
    return not any(b[0, 0] < a[-1, 0] - back and abs(b[0, 1] - a[-1, 1]) > jump
                   for a, b in zip(flat[:-1], flat[1:]) if len(a) and len(b))


def chars_by_writer(samples) -> dict[str, dict[str, list]]:
    """Writer -> character -> [ink, ...] of isolated characters (any of TEXT but the space)."""
    table: dict[str, dict[str, list]] = {}
    for s in samples:
        ch = char_label(s.label)
        if ch is not None and ch != " " and ch in TEXT and s.ink:
            table.setdefault(s.writer, {}).setdefault(ch, []).append(s.ink)
    return table


def random_text(rng: np.random.Generator, max_words: int = 4, capitals: float = 0.05) -> str:
    """A short text of words (`NUMBERS` of them numbers, `capitals` in capitals, `CAPITALISED` capitalised, the rest in
    lowercase), some followed by punctuation."""
    words = english_words()
    out = []
    for _ in range(int(rng.integers(1, max_words + 1))):
        r = rng.random()
        if r < NUMBERS:
            w = str(int(rng.integers(0, 10 ** int(rng.integers(1, 5)))))
        else:
            w = words[int(rng.integers(len(words)))]
            w = w.upper() if r < NUMBERS + capitals else w.capitalize() if r < NUMBERS + capitals + CAPITALISED else w
        if rng.random() < 0.2:
            w += PUNCTUATION[int(rng.integers(len(PUNCTUATION)))]
        out.append(w)
    return " ".join(out)


def compose_text(text: str, chars: dict[str, list], rng: np.random.Generator, spread: float = 1.0) -> Ink | None:
    """`text` composed from one writer's characters (None when the writer lacks one of them); `spread` widens the
    gaps between letters and between words alike (letter by letter, as in boxes: up to `SPREAD[1]`)."""
    if any(ch != " " and ch not in chars for ch in text):
        return None
    gap = (LETTER_GAP[0] * spread, LETTER_GAP[1] * spread)
    ink: Ink = []
    x = 0.0
    for word in text.split(" "):
        letters = [(ch, chars[ch][int(rng.integers(len(chars[ch])))]) for ch in word]
        placed, _ = compose_word(letters, rng, gap=gap, extent=EXTENT)
        shift = np.array([x - bounds(placed)[0], 0.0])
        ink += [s + shift for s in placed]
        x = bounds(ink)[2] + rng.uniform(*WORD_GAP) * spread
    return ink


def _readable(samples, lines: bool = False) -> list[tuple[Ink, str]]:
    out = []
    for s in samples:
        text = text_label(s.label)
        if text is not None and n_points(s.ink) >= 2 and (not lines or one_line(s.ink, text)):
            out.append((s.ink, text))
    return out


def _sample(pairs: list, n: int, seed: int) -> list:
    pick = np.random.default_rng(seed).permutation(len(pairs))[:n]
    return [pairs[i] for i in sorted(pick)]


def epoch_mix(word_lines: float) -> dict[str, float]:
    """The shares of an epoch's samples: `word_lines` of lines built from real words, the rest as `MIX`."""
    return {**{k: v * (1 - word_lines) for k, v in MIX.items()}, **({"word_lines": word_lines} if word_lines else {})}


def word_line_maker(lines: list[tuple[Ink, str]], corpus):
    """`make(rng) -> (ink, text)`: 2-8 real words (categories 6 and 7) of one training writer laid on one line
    as a real training line (drawn at random from the measured ones) lays out its words. Words are measured in
    inches where the file gives its tablet's resolution (a writer may have written on several tablets)."""
    layouts = cached_layouts(lines)
    by_writer: dict[str, list] = {}
    for s in (s for c in (WORDS, TEXT_WORDS) for s in corpus.of(c, LEVELS[c])
              if contributor_role(s.contributor) == "train"):
        text = text_label(s.label)
        if text is not None and " " not in text and n_points(s.ink) >= 2:
            dpi = (s.x_dpi or 1.0, s.y_dpi or s.x_dpi or 1.0)
            by_writer.setdefault(f"{s.writer}@{dpi}", []).append((s.ink, text, np.array(dpi)))
    writers = sorted(w for w, found in by_writer.items() if len(found) >= 2 * WORDS_PER_LINE[0])
    if not layouts or not writers:
        raise InputError("the UNIPEN data has no measurable training lines or no writer with enough words")
    scales: dict[str, float] = {}

    def make(rng: np.random.Generator) -> tuple[Ink, str]:
        writer = writers[int(rng.integers(len(writers)))]
        found = by_writer[writer]
        if writer not in scales:
            sample = np.random.default_rng(len(found)).permutation(len(found))[:25]
            scales[writer] = writer_scale([[st / found[i][2] for st in found[i][0]] for i in sample])
        n = int(rng.integers(WORDS_PER_LINE[0], min(WORDS_PER_LINE[1], len(found)) + 1))
        chosen = [found[int(i)] for i in rng.choice(len(found), size=n, replace=False)]
        words = [[st / dpi for st in ink] for ink, _, dpi in chosen]
        layout = layouts[int(rng.integers(len(layouts)))]
        return lay_out_words(words, scales[writer], layout), " ".join(t for _, t, _ in chosen)

    return make


def text_data(cfg, progress=say) -> WordData:
    """WordData for the text reader (see the module docstring); the data must be split by contributor.
    `progress(message)` hears how loading the corpus goes."""
    root = unipen_folder(cfg.data, progress)
    corpus = load_corpus(root, [*CHARACTERS, WORDS, LINES] + ([TEXT_WORDS] if cfg.word_lines else []),
                         progress=progress)
    if not uses_contributor_split({s.contributor for s in corpus.samples}):
        raise InputError(f"the text reader trains on a corpus split by contributor; {root} holds none of the test "
                         f"contributors {', '.join(TEST_CONTRIBUTORS)}", "use --data unipen-train")

    def of(cat: str, who: str) -> list[tuple[Ink, str]]:
        return _readable((s for s in corpus.of(cat, LEVELS[cat]) if contributor_role(s.contributor) == who),
                         lines=cat == LINES)

    lines, words = of(LINES, "train"), of(WORDS, "train")
    train_chars = (s for c in CHARACTERS for s in corpus.of(c, LEVELS[c]) if contributor_role(s.contributor) == "train")
    chars = {w: t for w, t in chars_by_writer(train_chars).items() if len(t) >= 40}
    writers = sorted(chars)
    if not lines or not words or not writers:
        raise InputError(f"the UNIPEN data at {root} has no training lines, words or characters")
    per_epoch = 300 * cfg.repeats
    mix = epoch_mix(cfg.word_lines)
    if cfg.word_lines:
        progress("measuring how the training lines lay out their words (once: the cache keeps it)")
    word_line = word_line_maker(lines, corpus) if cfg.word_lines else None

    def composed(rng) -> tuple[Ink, str] | None:
        for _ in range(6):
            text = random_text(rng, capitals=cfg.capitals)
            spread = rng.uniform(*SPREAD) if cfg.letter_by_letter and rng.random() < cfg.letter_by_letter else 1.0
            ink = compose_text(text, chars[writers[int(rng.integers(len(writers)))]], rng, spread)
            if ink is not None:
                return ink, text
        return None

    def sample_epoch(rng: np.random.Generator, epoch: int) -> list[tuple[Ink, str]]:
        out = []
        for source, share in mix.items():
            n = int(round(share * per_epoch))
            if source == "composed":
                out += [p for p in (composed(rng) for _ in range(n)) if p is not None]
            elif source == "word_lines":
                out += [word_line(rng) for _ in range(n)]
            else:
                pool = lines if source == "lines" else words
                picked = [pool[int(i)] for i in rng.integers(len(pool), size=n)]
                if source == "lines" and cfg.augment_lines:
                    picked = [(augment_line(ink, t, rng), t) if rng.random() < cfg.augment_lines else (ink, t)
                              for ink, t in picked]
                out += picked
        return [out[i] for i in rng.permutation(len(out))]

    heldout = _sample(of(LINES, "val"), EVAL_SAMPLE, 1) + _sample(of(WORDS, "val"), EVAL_SAMPLE, 2)
    test = _sample(of(LINES, "test"), EVAL_SAMPLE, 3)
    vocabulary = sorted({w for _, t in heldout for w in t.split()})
    description = {"source": cfg.data, "charset": "text", "test_contributors": list(TEST_CONTRIBUTORS),
                   "validation_contributors": list(VALIDATION_CONTRIBUTORS),
                   "heldout_is": "validation contributors' lines and words", "test_sample_lines": len(test),
                   "training_lines": len(lines), "training_words": len(words), "composing_writers": len(writers),
                   "test_words": len(heldout), "eval_vocabulary": vocabulary, "mix": mix, "augment_lines": cfg.augment_lines,
                   "samples_per_epoch": per_epoch}
    sets = {"invocab": _sample(lines, EVAL_SAMPLE, 4), "heldout": heldout, "test": test}
    return WordData(reader_alphabet(TEXT), sample_epoch, sets, description, lexicon_for(vocabulary),
                    select_on="heldout")
