import numpy as np
import torch
from hypothesis import given, settings, strategies as st

from core.ctc import ctc_loss, logits_gradient, numpy_ctc_loss, posteriors


def _torch_reference(logits, targets, input_lengths, reduction="mean"):
    lg = torch.tensor(logits, requires_grad=True)
    lp = lg.log_softmax(-1)
    flat = torch.tensor([c for t in targets for c in t], dtype=torch.long)
    loss = torch.nn.functional.ctc_loss(lp, flat, torch.tensor(input_lengths), torch.tensor([len(t) for t in targets]),
                                        reduction=reduction)
    grad, = torch.autograd.grad(loss.sum(), lg)
    return loss.detach().numpy(), grad.numpy()


def _mine(logits, targets, input_lengths, reduction="mean"):
    lg = torch.tensor(logits, requires_grad=True)
    lp = lg.log_softmax(-1)
    flat = torch.tensor([c for t in targets for c in t], dtype=torch.long)
    loss = numpy_ctc_loss(lp, flat, torch.tensor(input_lengths), torch.tensor([len(t) for t in targets]),
                          reduction=reduction)
    grad, = torch.autograd.grad(loss.sum(), lg)
    return loss.detach().numpy(), grad.numpy()


def min_frames(target):
    return len(target) + sum(a == b for a, b in zip(target, target[1:]))


@st.composite
def batches(draw):
    K = draw(st.integers(2, 6))
    B = draw(st.integers(1, 4))
    targets = [draw(st.lists(st.integers(1, K - 1), min_size=1, max_size=5)) for _ in range(B)]
    lengths = [min_frames(t) + draw(st.integers(0, 4)) for t in targets]
    seed = draw(st.integers(0, 2**16))
    logits = np.random.default_rng(seed).normal(size=(max(lengths), B, K)) * 2
    return logits, targets, lengths


@given(batches(), st.sampled_from(["mean", "sum", "none"]))
@settings(max_examples=40, deadline=None)
def test_numpy_ctc_agrees_with_torch_in_loss_and_gradient(batch, reduction):
    logits, targets, lengths = batch
    ref_loss, ref_grad = _torch_reference(logits, targets, lengths, reduction)
    loss, grad = _mine(logits, targets, lengths, reduction)
    assert np.allclose(loss, ref_loss, atol=1e-5)
    assert np.allclose(grad, ref_grad, atol=1e-5)
    assert np.all(np.isfinite(loss)) and np.all(np.asarray(loss) >= 0)


def test_repeated_letters_at_the_shortest_feasible_length():
    targets = [[1, 1, 2], [3, 3, 3]]
    lengths = [4, 5]  # "aab" needs a blank between the a's; "ccc" needs two
    logits = np.random.default_rng(0).normal(size=(5, 2, 4))
    assert np.allclose(_mine(logits, targets, lengths)[0], _torch_reference(logits, targets, lengths)[0], atol=1e-5)
    loss, _ = ctc_loss(np.log(np.full((3, 1, 4), 0.25)), [[1, 1, 2]], [3], [3], reduction="none")
    assert np.isinf(loss[0])  # too short for the mandatory blank


def test_closed_form_gradient_is_softmax_minus_posteriors():
    logits = np.random.default_rng(1).normal(size=(7, 1, 4))
    g = logits_gradient(logits, [[1, 2]], [7], [2])
    _, ref = _torch_reference(logits, [[1, 2]], [7], reduction="sum")
    assert np.allclose(g, ref, atol=1e-6)


def test_posteriors_sum_to_one_per_frame():
    lp = torch.randn(9, 5).log_softmax(-1).numpy()
    gamma = posteriors(lp, [1, 2, 2])
    assert np.allclose(gamma.sum(axis=1), 1.0)


def test_two_frame_hand_example():
    # Two frames, classes (blank, a): p(a) = 0.6 at both. Paths for "a": aa, a-, -a.
    p = np.log(np.array([[0.4, 0.6], [0.4, 0.6]]))[:, None, :]
    loss, _ = ctc_loss(p, [[1]], [2], [1], reduction="none")
    assert np.isclose(np.exp(-loss[0]), 0.36 + 0.24 + 0.24)
