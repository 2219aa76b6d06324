import numpy as np

from core.data.seed_words import SEED_VOCAB, epoch_words, letter_cuts, protocol_eval_set, split_vocab


def test_held_out_words_of_seeds_0_and_1():
    assert split_vocab(0)[1] == "ill tan mit tea net moon loom lime tonic".split()
    assert split_vocab(1)[1] == "lot ate nun moon name cone lent time into".split()
    train, held = split_vocab(0)
    assert len(SEED_VOCAB) == 47 and len(train) == 38 and not set(train) & set(held)


def test_eval_set_is_fixed_per_seed_and_has_8_renderings_per_word():
    train, held = split_vocab(0)
    a = protocol_eval_set(train, held, 0)
    b = protocol_eval_set(train, held, 0)
    assert len(a) == 8 * 47
    assert all(np.array_equal(x.rendering.ink[0], y.rendering.ink[0]) for x, y in zip(a, b))


def test_letter_cuts_are_contiguous_pieces():
    assert letter_cuts("ant") == ["a", "an", "ant", "n", "nt", "t"]


def test_epoch_words_only_uses_in_vocabulary_words_and_their_pieces():
    train, held = split_vocab(0)
    words = epoch_words(train, 6, np.random.default_rng(0), cut_fraction=0.5)
    assert len(words) == 6 * len(train)
    pieces = {p for w in train for p in letter_cuts(w)}
    assert set(words) <= pieces
    assert not set(words) & (set(held) - pieces)
