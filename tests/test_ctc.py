"""The numpy CTC against hand-worked values, finite differences and torch's ctc_loss."""
import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import core.ctc.loss as ctc
from core.ctc.autograd import numpy_ctc_loss
from core.ctc.loss import ctc_loss_batch, extend_target
from core.ctc.matrix import frames_needed
from core.ctc.posteriors import ctc_alpha, ctc_beta, ctc_grad_logits, ctc_loss, ctc_posteriors, ctc_state_posteriors
from core.errors import InputError


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """These tensors are tiny: on a busy machine torch's intra-op threads only add waiting."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


# Two frames, classes (blank, a), both frames y = (0.6, 0.4), target "a".
# Paths: "aa" 0.16, "a-" 0.24, "-a" 0.24, so p("a") = 0.64.
TWO = np.log(np.array([[0.6, 0.4], [0.6, 0.4]]))


def log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def test_extended_target_and_minimum_frames():
    assert extend_target([3, 1, 1], blank=0).tolist() == [0, 3, 0, 1, 0, 1, 0]
    assert extend_target([], blank=2).tolist() == [2]
    assert frames_needed([1, 2, 2, 1]) == 5  # "noon": one blank between the o's
    assert frames_needed([]) == 0


def test_two_frame_example_by_hand():
    # States (-, a, -). alpha[0] = (.6, .4, 0); alpha[1] = (.36, (.4+.6)*.4, .4*.6) = (.36, .4, .24).
    assert np.allclose(np.exp(ctc_alpha(TWO, [1])), [[0.6, 0.4, 0.0], [0.36, 0.4, 0.24]])
    # beta includes its frame: beta[1] = (0, .4, .6); beta[0] = (.6*.4, .4*(.4+.6), .6*.6).
    assert np.allclose(np.exp(ctc_beta(TWO, [1])), [[0.24, 0.4, 0.36], [0.0, 0.4, 0.6]])
    assert ctc_loss(TWO, [1]) == pytest.approx(-math.log(0.64))
    # p(a at frame 0) = (aa + a-) / p = .4/.64 = .625, and the same for frame 1 by symmetry.
    assert np.allclose(ctc_posteriors(TWO, [1]), [[0.375, 0.625], [0.375, 0.625]])
    assert np.allclose(ctc_state_posteriors(TWO, [1]), [[0.375, 0.625, 0.0], [0.0, 0.625, 0.375]])
    assert np.allclose(ctc_grad_logits(TWO, [1]), [[0.225, -0.225], [0.225, -0.225]])
    # The empty target is the all-blank path: .36.
    assert ctc_loss(TWO, []) == pytest.approx(-math.log(0.36))


def test_blank_is_a_parameter():
    # The same problem with the blank moved to class 1: nothing may assume class 0.
    moved = TWO[:, ::-1]
    assert ctc_loss(moved, [0], blank=1) == pytest.approx(-math.log(0.64))
    assert np.allclose(ctc_posteriors(moved, [0], blank=1), [[0.625, 0.375]] * 2)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(6, 4))
    target = [2, 2, 3]
    grad = ctc_grad_logits(log_softmax(z), target)
    num = np.zeros_like(z)
    eps = 1e-6
    for idx in np.ndindex(z.shape):
        up, down = z.copy(), z.copy()
        up[idx] += eps
        down[idx] -= eps
        num[idx] = (ctc_loss(log_softmax(up), target) - ctc_loss(log_softmax(down), target)) / (2 * eps)
    assert np.allclose(grad, num, atol=1e-7)


def _torch_pair(logits, targets, input_lengths, blank, reduction, zero_infinity, fn):
    """(loss, d loss / d logits) through log_softmax with `fn` as the CTC loss."""
    lg = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    flat = torch.tensor([c for t in targets for c in t], dtype=torch.long)
    tl = torch.tensor([len(t) for t in targets], dtype=torch.long)
    loss = fn(lg.log_softmax(-1), flat, torch.tensor(input_lengths), tl, blank=blank, reduction=reduction,
              zero_infinity=zero_infinity)
    (grad,) = torch.autograd.grad(loss.sum(), lg)
    return loss.detach().numpy(), grad.numpy()


def _assert_agree(a, b, tol=1e-5):
    (la, ga), (lb, gb) = a, b
    assert np.array_equal(np.isnan(la), np.isnan(lb)) and np.array_equal(np.isinf(la), np.isinf(lb))
    fin = np.isfinite(la)
    assert np.allclose(la[fin], lb[fin], rtol=0, atol=tol)
    assert np.array_equal(np.isnan(ga), np.isnan(gb))
    ok = ~np.isnan(ga)
    assert np.allclose(ga[ok], gb[ok], rtol=0, atol=tol)


@st.composite
def ctc_batches(draw):
    """Random batches: few classes (so letters repeat), a random blank, some at the shortest feasible T."""
    K = draw(st.integers(2, 6))
    blank = draw(st.integers(0, K - 1))
    letters = [k for k in range(K) if k != blank]
    B = draw(st.integers(1, 4))
    targets, lengths = [], []
    for _ in range(B):
        t = draw(st.lists(st.sampled_from(letters), min_size=0, max_size=5))
        # -1: one frame short (infeasible), 0: the shortest feasible T.
        extra = draw(st.sampled_from([-1, 0, 0, 1, 3]))
        targets.append(t)
        lengths.append(max(0, frames_needed(t) + extra))
    T = max(max(lengths), 1) + draw(st.integers(0, 2))
    seed = draw(st.integers(0, 2**31 - 1))
    logits = np.random.default_rng(seed).normal(scale=2.0, size=(T, B, K))
    return logits, targets, lengths, blank


@given(ctc_batches(), st.sampled_from(["none", "sum", "mean"]), st.booleans())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_bridge_agrees_with_torch(batch, reduction, zero_infinity):
    logits, targets, lengths, blank = batch
    ref = _torch_pair(logits, targets, lengths, blank, reduction, zero_infinity, torch.nn.functional.ctc_loss)
    mine = _torch_pair(logits, targets, lengths, blank, reduction, zero_infinity, numpy_ctc_loss)
    _assert_agree((np.atleast_1d(mine[0]), mine[1]), (np.atleast_1d(ref[0]), ref[1]))


@given(ctc_batches())
@settings(max_examples=100, deadline=None)
def test_batch_api_agrees_with_torch_and_is_sane(batch):
    logits, targets, lengths, blank = batch
    lp = log_softmax(logits)
    ref_loss, ref_grad = _torch_pair(logits, targets, lengths, blank, "none", False, torch.nn.functional.ctc_loss)
    loss, grad = ctc_loss_batch(lp, targets, lengths, blank=blank)
    _assert_agree((loss, grad), (ref_loss, ref_grad))
    # The same in the batch-first layout with a padded target array.
    L = max(len(t) for t in targets) if targets else 0
    padded = np.zeros((len(targets), L), np.int64)
    for i, t in enumerate(targets):
        padded[i, :len(t)] = t
    loss_bf, grad_bf = ctc_loss_batch(lp.transpose(1, 0, 2), padded, lengths, [len(t) for t in targets],
                                      blank=blank, batch_first=True)
    _assert_agree((loss_bf, grad_bf.transpose(1, 0, 2)), (ref_loss, ref_grad), tol=1e-12)
    feasible = np.array([n >= frames_needed(t) for t, n in zip(targets, lengths)])
    assert np.all(np.isfinite(loss[feasible])) and np.all(loss[feasible] >= 0)
    assert np.all(np.isinf(loss[~feasible]))
    for b in np.flatnonzero(feasible):
        if lengths[b]:
            post = ctc_posteriors(lp[:lengths[b], b], targets[b], blank)
            assert np.allclose(post.sum(axis=1), 1.0) and post.min() >= 0


@pytest.mark.parametrize("word", ["noon", "ill", "eel", "aaa", "a"])
def test_repeated_letters_at_the_shortest_feasible_length(word):
    classes = {c: k for k, c in enumerate(" abcdefghijklmnopqrstuvwxyz")}
    target = [classes[c] for c in word]
    T = frames_needed(target)
    logits = np.random.default_rng(len(word)).normal(size=(T, 1, 27))
    ref = _torch_pair(logits, [target], [T], 0, "none", False, torch.nn.functional.ctc_loss)
    mine = _torch_pair(logits, [target], [T], 0, "none", False, numpy_ctc_loss)
    _assert_agree((mine[0], mine[1]), (ref[0], ref[1]))
    assert np.isfinite(mine[0]).all()
    # One frame fewer cannot fit the blank between the repeats: infinite, or 0 with zero_infinity.
    short = logits[:-1]
    assert math.isinf(ctc_loss(log_softmax(short[:, 0]), target))
    loss, grad = ctc_loss_batch(log_softmax(short), [target], [T - 1], zero_infinity=True)
    assert loss[0] == 0.0 and not grad.any()


def test_log_space_survives_extreme_log_probabilities():
    # Logits 200 apart in the first two samples: their paths differ by e^-10000, far
    # beyond what probabilities can hold (the fast pass hands them to the exact one);
    # the third sample is ordinary, in the same batch.
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(60, 3, 6)) * np.array([200.0, 200.0, 1.0])[None, :, None]
    targets = [[1, 2, 2, 3], [5, 5, 5], [2, 4]]
    ref = _torch_pair(logits, targets, [60, 41, 50], 0, "none", False, torch.nn.functional.ctc_loss)
    mine = _torch_pair(logits, targets, [60, 41, 50], 0, "none", False, numpy_ctc_loss)
    assert np.isfinite(ref[0]).all() and ref[0][:2].min() > 1000 and ref[0][2] < 100
    _assert_agree(mine, ref, tol=1e-8)


@given(ctc_batches())
@settings(max_examples=40, deadline=None)
def test_fast_and_exact_recursions_agree(monkeypatch_module, batch):
    logits, targets, lengths, blank = batch
    lp = log_softmax(logits)
    fast = ctc_loss_batch(lp, targets, lengths, blank=blank)
    monkeypatch_module.setattr(ctc, "_FAST_MAX_LOSS", -1.0)   # every sample through the exact recursion
    exact = ctc_loss_batch(lp, targets, lengths, blank=blank)
    monkeypatch_module.undo()
    _assert_agree(fast, exact, tol=1e-9)


def test_torch_leaf_gradient_and_float32_agree():
    # Like torch, the gradient handed to log_probs is softmax - gamma (scaled by the reduction).
    rng = np.random.default_rng(0)
    lp32 = torch.tensor(log_softmax(rng.normal(size=(20, 3, 6))), dtype=torch.float32)
    targets = torch.tensor([[1, 2, 2], [3, 3, 0], [5, 0, 0]])
    il, tl = torch.tensor([20, 15, 7]), torch.tensor([3, 2, 1])
    grads = []
    for fn in (torch.nn.functional.ctc_loss, numpy_ctc_loss):
        x = lp32.clone().requires_grad_()
        loss = fn(x, targets, il, tl)
        loss.backward()
        assert loss.dtype == torch.float32
        grads.append((loss.item(), x.grad.numpy()))
    assert grads[0][0] == pytest.approx(grads[1][0], abs=1e-5)
    assert np.allclose(grads[0][1], grads[1][1], atol=1e-5)


def test_bridge_trains_free_logits():
    torch.manual_seed(0)
    logits = torch.zeros(10, 2, 5, requires_grad=True)
    targets = torch.tensor([[1, 2, 2], [4, 3, 0]])
    il, tl = torch.tensor([10, 8]), torch.tensor([3, 2])
    opt = torch.optim.Adam([logits], lr=0.2)
    first = None
    for _ in range(60):
        loss = numpy_ctc_loss(logits.log_softmax(-1), targets, il, tl)
        first = loss.item() if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05 * first
    best = logits.detach().argmax(-1)[:, 0].tolist()
    collapsed = [k for i, k in enumerate(best) if k != 0 and (i == 0 or k != best[i - 1])]
    assert collapsed == [1, 2, 2]


def test_nan_input_gives_nan_loss_not_an_exception():
    lp = log_softmax(np.zeros((4, 2, 3)))
    lp[1, 0, 1] = np.nan
    loss, _ = ctc_loss_batch(lp, [[1], [2]], [4, 4], zero_infinity=True)
    assert math.isnan(loss[0]) and np.isfinite(loss[1])


def test_no_frames_and_empty_targets_follow_torch():
    lp = log_softmax(np.random.default_rng(1).normal(size=(3, 2, 4)))
    loss, grad = ctc_loss_batch(lp, [[], [1]], [0, 0])
    assert loss[0] == 0.0 and math.isinf(loss[1])
    assert not grad[:, 0].any()


@pytest.mark.parametrize("targets, lengths, message", [
    ([[0, 1]], [4], "blank"),
    ([[1, 9]], [4], "class indices"),
    ([[1]], [9], "input lengths"),
])
def test_bad_input_is_an_input_error(targets, lengths, message):
    lp = log_softmax(np.zeros((4, 1, 3)))
    with pytest.raises(InputError, match=message):
        ctc_loss_batch(lp, targets, lengths)


def test_wrong_shapes_and_reductions_are_input_errors():
    with pytest.raises(InputError, match="3-D"):
        ctc_loss_batch(np.zeros((4, 3)), [[1]], [4])
    with pytest.raises(InputError, match="reduction"):
        numpy_ctc_loss(torch.zeros(4, 1, 3), torch.tensor([[1]]), torch.tensor([4]), torch.tensor([1]),
                       reduction="avg")
