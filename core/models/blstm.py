"""A (bidirectional) `nn.LSTM` run over a zero-padded batch, exactly, without `PackedSequence`.

Why not pack: torch's LSTM over a `PackedSequence` has a backward pass whose
cost grows with the square of the sequence length on the CPU (measured by
`bench/train_speed.py`: a batch of 16 lines of 1,500 frames took 52 s
backward against 2 s padded), so a few long lines ate most of an epoch.

Why padding alone is not enough: run over a padded batch, the forward
direction reads a sample's frames first and its padding after, so its
outputs on the sample's frames are exact; but the backward direction would
read the padding *first*, and its state on reaching the sample's last frame
would depend on how much padding the batch gave it. So the backward
direction reads every sample reversed within its own length
(`reverse_within`: frame t <-> frame length-1-t, padding left where it is),
and its outputs are reversed back the same way. Then every output on a
sample's frames is what the sample alone gives, whatever it was batched
with, and each layer costs two plain LSTM passes: linear in the length.

The weights are the `nn.LSTM` module's own (`weight_ih_l0`,
`weight_ih_l0_reverse`, ...), so checkpoints and warm starts are unchanged;
`packed_lstm` is the former path, kept as the reference the tests and the
speed bench compare with.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def length_mask(lengths: torch.Tensor, total: int) -> torch.Tensor:
    """(B, total, 1) float mask: 1 on each sample's frames, 0 on its padding."""
    return (torch.arange(total, device=lengths.device)[None, :] < lengths[:, None]).unsqueeze(-1).float()


def reversal_index(lengths: torch.Tensor, total: int) -> torch.Tensor:
    """(B, total) frame indices that reverse each sample within its length (padding maps to itself).

    The permutation is its own inverse: applying it twice gives the identity.
    """
    t = torch.arange(total, device=lengths.device)[None, :]
    last = lengths[:, None] - 1
    return torch.where(t <= last, last - t, t)


def reverse_within(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """(B, T, C) frames reordered along time by a `reversal_index`."""
    return x.gather(1, index.unsqueeze(-1).expand(-1, -1, x.shape[2]))


def _direction(lstm: nn.LSTM, x: torch.Tensor, layer: int, suffix: str) -> torch.Tensor:
    """One layer, one direction of `lstm` over (B, T, C) batch-first input from zero state: (B, T, hidden)."""
    names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if lstm.bias else [])
    params = [getattr(lstm, f"{n}_l{layer}{suffix}") for n in names]
    zeros = x.new_zeros(1, x.shape[0], lstm.hidden_size)
    # torch.lstm is the op nn.LSTM itself calls: (input, (h0, c0), params, has_biases, num_layers, dropout,
    # train, bidirectional, batch_first).
    out, _, _ = torch.lstm(x, (zeros, zeros), params, lstm.bias, 1, 0.0, lstm.training, False, True)
    return out


def padded_lstm(lstm: nn.LSTM, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """`lstm` (batch_first, uni- or bidirectional, any depth) over zero-padded (B, T, C) input -> (B, T, D*hidden).

    Outputs past a sample's length are zero, as `pad_packed_sequence` gives;
    dropout between layers as `nn.LSTM` applies it (training mode only).
    """
    if not lstm.batch_first or getattr(lstm, "proj_size", 0):
        raise ValueError("padded_lstm runs batch_first LSTMs without projections")
    total = x.shape[1]
    lengths = lengths.to(x.device)
    mask = length_mask(lengths, total).to(x.dtype)
    index = reversal_index(lengths, total) if lstm.bidirectional else None
    h = x
    for layer in range(lstm.num_layers):
        if layer and lstm.dropout and lstm.training:
            h = nn.functional.dropout(h, lstm.dropout, training=True)
        out = _direction(lstm, h, layer, "")
        if lstm.bidirectional:
            back = _direction(lstm, reverse_within(h, index), layer, "_reverse")
            out = torch.cat([out, reverse_within(back, index)], dim=-1)
        # Zero the padding: the next layer's backward direction then starts from the same zeros
        # past a sample's end whatever the batch held (it reads them last, so this is tidiness, not exactness).
        h = out * mask
    return h


def packed_lstm(lstm: nn.LSTM, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """The reference path: the same `lstm` over a `PackedSequence` (quadratic backward on the CPU)."""
    packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    h, _ = lstm(packed)
    h, _ = pad_packed_sequence(h, batch_first=True, total_length=x.shape[1])
    return h
