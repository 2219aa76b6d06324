"""Text for the text reader: labels read as the characters they name, and texts composed from one writer's ink."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core.data.alphabets import TEXT
from core.data.text_lines import compose_text, random_text, text_label
from core.ink.ink import bounds


def test_text_labels_read_escapes_and_refuse_what_cannot_be_written():
    assert text_label('  He said "no" ') == 'He said "no"'
    assert text_label("C:\\\\temp") == "C:\\temp"
    assert text_label("a\\@b") is None          # kai's mark for ligatures and noise
    assert text_label("caf\u00e9") is None and text_label("   ") is None
    assert len(TEXT) == 95 and TEXT[0] == " " and TEXT[-1] == "~"


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_random_texts_are_short_printable_and_spaced_once(seed):
    text = random_text(np.random.default_rng(seed))
    assert text and set(text) <= set(TEXT) and "  " not in text and text == text.strip()
    assert 1 <= len(text.split(" ")) <= 4


def _stroke(h: float) -> list[np.ndarray]:
    return [np.array([[0.0, 0.0], [0.3, h], [0.6, 0.0]])]


def test_composed_text_puts_words_left_to_right_with_wider_gaps_between_words():
    chars = {c: [_stroke(1.0)] for c in "HiAB7."}
    rng = np.random.default_rng(0)
    ink = compose_text("Hi AB7.", chars, rng)
    assert ink is not None and len(ink) == 6
    lefts = [float(s[:, 0].min()) for s in ink]
    assert lefts == sorted(lefts)
    gaps = [float(ink[k + 1][:, 0].min() - ink[k][:, 0].max()) for k in range(5)]
    assert gaps[1] == max(gaps) and gaps[1] >= 0.6 * 0.9   # the space between "Hi" and "AB7."
    # a capital stands taller than a full stop; the full stop sits on the baseline
    assert np.ptp(ink[2][:, 1]) > 5 * np.ptp(ink[5][:, 1]) and abs(bounds([ink[5]])[1]) < 0.2
    assert compose_text("Hi there", chars, rng) is None   # this writer wrote no t, h, e or r


def test_the_capitals_setting_sets_how_many_composed_words_are_in_capitals():
    def share(capitals: float) -> float:
        rng = np.random.default_rng(7)
        words = [w.rstrip(".,;:!?") for _ in range(800) for w in random_text(rng, capitals=capitals).split()]
        words = [w for w in words if not w.isdigit() and len(w) > 1]
        return sum(w.isupper() for w in words) / len(words)
    assert 0.02 < share(0.05) < 0.10 and 0.35 < share(0.3) < 0.5 and share(0.0) == 0.0


def test_a_text_written_letter_by_letter_spreads_letters_and_words_alike():
    chars = {c: [_stroke(1.0)] for c in "ABCD"}

    def gaps(spread: float) -> list[float]:
        ink = compose_text("AB CD", chars, np.random.default_rng(3), spread)
        return [float(ink[k + 1][:, 0].min() - ink[k][:, 0].max()) for k in range(3)]
    plain, boxed = gaps(1.0), gaps(2.5)
    assert all(b > 2.0 * p for b, p in zip(boxed, plain))  # the same draws, every gap wider
    assert boxed[1] > max(boxed[0], boxed[2])                # the word gap stays the widest


def test_one_line_keeps_a_line_and_refuses_lists_and_paragraphs():
    from core.data.text_lines import one_line
    from tests.test_lines import line
    text = "the quick brown fox"
    ink = line(text, 3)
    assert one_line(ink, text)
    # the same words written one under the other (a list): too narrow for its characters
    listed, y = [], 0.0
    for k, w in enumerate(text.split()):
        part = line(w, k)
        listed += [s + np.array([0.0, y]) for s in part]
        y -= 1.6
    assert not one_line(listed, text)
    # two lines of a paragraph: the pen returns far left and a line down
    two = line("the quick brown fox jumps", 3)
    second = [s + np.array([0.0, -1.5]) for s in line("over the lazy dog again", 4)]
    assert not one_line(two + second, "the quick brown fox jumps over the lazy dog again")
    # a label far longer than the ink is not this ink
    assert not one_line(line("dog", 1), "the quick brown fox jumps over the lazy dog")
