from dataclasses import replace

import numpy as np
import pytest

from core.data.alphabets import AZ
from core.errors import InputError
from core.synth import glyphs
from core.synth.generator import AUGMENT_PARAMS, Augment, render_word

SEED_COUNTS = {"c": 12, "o": 14, "l": 8, "i": 11, "t": 12, "n": 20, "m": 38, "a": 22, "e": 17, "u": 20}


@pytest.mark.parametrize("ch,count", SEED_COUNTS.items())
def test_seed_glyph_point_counts(ch, count):
    assert sum(len(s) for s in glyphs.seed_glyph(ch)) == count


def test_actin_in_seed_style_has_8_strokes_and_77_points():
    r = render_word("actin", "seed", 0)
    assert len(r.ink) == 8 and sum(len(s) for s in r.ink) == 77
    assert [c for c, _, _ in r.letter_spans] == list("actin")
    assert r.letter_spans[-1][2] == 77


def test_seed_layout_advances_1_35_per_letter_without_slant_or_jitter():
    aug = replace(Augment.seed_style(), slant=0.0, jitter=0.0)
    r = render_word("ll", "seed", 0, aug)
    assert r.ink[1][0, 0] - r.ink[0][0, 0] == pytest.approx(1.35)


def test_same_seed_same_ink_and_different_seed_different_ink():
    a, b, c = (render_word("minute", "natural", s) for s in (3, 3, 4))
    assert all(np.array_equal(x, y) for x, y in zip(a.ink, b.ink))
    assert not all(np.array_equal(x, y) for x, y in zip(a.ink, c.ink)) or len(a.ink) != len(c.ink)


@pytest.mark.parametrize("ch", AZ)
def test_every_natural_allograph_renders(ch):
    for k in range(glyphs.n_allographs(ch)):
        strokes = glyphs.natural_glyph(ch, k)
        assert strokes and all(len(s) >= 2 for s in strokes)
        pts = np.concatenate(strokes)
        assert -0.45 <= pts[:, 1].min() and pts[:, 1].max() <= 1.05


def test_common_letters_have_two_allographs():
    for ch in "aeiltu":
        assert glyphs.n_allographs(ch) >= 2


def test_natural_stroke_order_and_direction():
    stem = glyphs.natural_glyph("l", 0)[0]
    assert stem[0, 1] > stem[-1, 1]  # stems go top to bottom
    o = glyphs.natural_glyph("o", 0)[0]
    assert o[0, 1] == pytest.approx(o[:, 1].max())  # o starts at the top...
    assert o[1, 0] < o[0, 0]  # ...and runs anticlockwise (to the left)
    i_dot = glyphs.natural_glyph("i", 0)[-1]
    assert i_dot[:, 1].min() > glyphs.natural_glyph("i", 0)[0][:, 1].max()  # the dot is last, above


def test_zero_ranges_switch_augmentations_off():
    r = render_word("cat", "natural", 1, Augment.none())
    r2 = render_word("cat", "natural", 2, Augment.none())
    assert all(np.allclose(x, y) for x, y in zip(r.ink, r2.ink))


def test_ligatures_join_letters_pen_down():
    plain = render_word("minimum", "natural", 0, Augment(ligature=0.0, allograph=0.0))
    joined = render_word("minimum", "natural", 0, Augment(ligature=1.0, allograph=0.0))
    assert len(joined.ink) < len(plain.ink)


def test_bad_words_and_ranges_raise_input_errors():
    with pytest.raises(InputError, match="cannot write"):
        render_word("zebra", "seed", 0)
    with pytest.raises(InputError):
        render_word("", "natural", 0)
    with pytest.raises(InputError, match="outside its range"):
        Augment(jitter=1.0)
    with pytest.raises(InputError, match="unknown"):
        Augment.from_dict({"wobble": 1})
    assert set(AUGMENT_PARAMS) == set(Augment().to_dict())
