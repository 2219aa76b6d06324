"""Reading many samples: batches of similar length within a sample and frame budget, every sample once."""
from hypothesis import given
from hypothesis import strategies as st

from core.models.inference import length_batches


@given(st.lists(st.integers(1, 3000), max_size=200), st.integers(1, 64), st.integers(100, 20000))
def test_every_sample_is_read_once_in_batches_that_fit(lengths, batch_size, budget):
    batches = length_batches(lengths, batch_size, budget)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for b in batches:
        assert len(b) <= batch_size
        longest = max(lengths[i] for i in b)
        assert len(b) == 1 or len(b) * longest <= budget  # a sample longer than the budget goes alone


def test_samples_are_grouped_by_length():
    lengths = [900, 10, 880, 12, 11, 910]
    assert length_batches(lengths, batch_size=3, frame_budget=10_000) == [[1, 4, 3], [2, 0, 5]]
