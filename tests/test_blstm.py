"""The reader's LSTM without PackedSequence (core/models/blstm.py): exact, batch-independent, the same as before."""
from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core.ink.unipen import load_words
from core.models.blstm import packed_lstm, padded_lstm, reversal_index, reverse_within
from core.models.inference import encode_ink, load_reader, pad_frames
from core.train.shipped import available_checkpoints


def _batch(lengths, channels=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(len(lengths), max(lengths), channels, generator=g)
    for i, n in enumerate(lengths):
        x[i, n:] = 0.0
    return x, torch.tensor(lengths)


@given(st.lists(st.integers(1, 30), min_size=1, max_size=6))
def test_reversal_reverses_each_sample_within_its_length_and_undoes_itself(lengths):
    x, n = _batch(lengths)
    index = reversal_index(n, x.shape[1])
    flipped = reverse_within(x, index)
    for i, k in enumerate(lengths):
        assert torch.equal(flipped[i, :k], x[i, :k].flip(0))
        assert torch.equal(flipped[i, k:], x[i, k:])  # the padding stays behind the sample
    assert torch.equal(reverse_within(flipped, index), x)


@settings(max_examples=25, deadline=None)
@given(lengths=st.lists(st.integers(1, 40), min_size=1, max_size=5), layers=st.integers(1, 3),
       bidirectional=st.booleans(), seed=st.integers(0, 1000))
def test_padded_lstm_equals_the_packed_reference(lengths, layers, bidirectional, seed):
    torch.manual_seed(seed)
    lstm = torch.nn.LSTM(3, 8, num_layers=layers, batch_first=True, bidirectional=bidirectional).eval()
    x, n = _batch(lengths, seed=seed)
    ours, ref = padded_lstm(lstm, x, n), packed_lstm(lstm, x, n)
    torch.testing.assert_close(ours, ref, atol=1e-5, rtol=0)  # padding included: zero in both


def test_a_samples_output_and_gradient_do_not_depend_on_its_batch():
    torch.manual_seed(1)
    lstm = torch.nn.LSTM(3, 16, num_layers=2, batch_first=True, bidirectional=True)
    lengths = [7, 120, 1, 64, 33]
    x, n = _batch(lengths, seed=3)
    x.requires_grad_(True)
    batched = padded_lstm(lstm, x, n)
    batched.sum().backward()
    for i, k in enumerate(lengths):
        alone_x = x[i:i + 1, :k].detach().clone().requires_grad_(True)
        alone = padded_lstm(lstm, alone_x, n[i:i + 1])
        torch.testing.assert_close(batched[i, :k], alone[0], atol=1e-5, rtol=0)
        alone.sum().backward()
        torch.testing.assert_close(x.grad[i, :k], alone_x.grad[0], atol=1e-5, rtol=0)
        assert torch.all(x.grad[i, k:] == 0)  # nothing flows into the padding


def test_weight_gradients_equal_the_packed_reference():
    torch.manual_seed(2)
    lstm = torch.nn.LSTM(3, 8, num_layers=2, batch_first=True, bidirectional=True)
    x, n = _batch([50, 9, 31], seed=4)
    grads = []
    for run in (padded_lstm, packed_lstm):
        lstm.zero_grad()
        (run(lstm, x, n) ** 2).sum().backward()
        grads.append([p.grad.clone() for p in lstm.parameters()])
    for ours, ref in zip(*grads):
        torch.testing.assert_close(ours, ref, atol=1e-5, rtol=1e-4)


def test_dropout_between_layers_only_while_training():
    torch.manual_seed(3)
    lstm = torch.nn.LSTM(3, 8, num_layers=2, batch_first=True, bidirectional=True, dropout=0.5)
    x, n = _batch([12, 20], seed=5)
    lstm.train()
    assert not torch.allclose(padded_lstm(lstm, x, n), padded_lstm(lstm, x, n))
    lstm.eval()
    torch.testing.assert_close(padded_lstm(lstm, x, n), packed_lstm(lstm, x, n), atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", [name for name, _ in available_checkpoints("reader") if name.startswith("shipped")])
def test_every_shipped_reader_reads_real_words_exactly_as_before(name, unipen_root):
    model, config, _ = load_reader(dict(available_checkpoints("reader"))[name])
    words = load_words(unipen_root)[:40]
    x, lengths = pad_frames([encode_ink(config, s.ink) for s in words])
    with torch.inference_mode():
        ours = model(x, lengths)
        model.packed = True
        try:
            ref = model(x, lengths)
        finally:
            model.packed = False
    # Log-probabilities far below 0 (-40) carry float32 rounding of a few 1e-6 relative: compare them so, the
    # probabilities absolutely, and the best path exactly.
    torch.testing.assert_close(ours, ref, atol=1e-5, rtol=1e-6)
    torch.testing.assert_close(ours.exp(), ref.exp(), atol=1e-6, rtol=0)
    assert torch.equal(ours.argmax(-1), ref.argmax(-1))
