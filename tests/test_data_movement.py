"""The ByteDMD meter against hand-worked cases and a brute-force LRU; the instrumented parts against references."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cli.main import main
from core.ctc.loss import ctc_loss_batch
from core.ctc.posteriors import ctc_alpha, ctc_beta
from core.errors import InputError
from core.movement import meter as data_movement
from core.movement.meter import ListTracer, Tracer
from core.movement.study import (PARTS, QUICK, Setting, ctc_pace, ctc_split, estimated_seconds, flops, format_table,
                                 growth, measure, own_setting, parse_setting)
from core.movement.traced_ctc import CTC_STAGES, ctc_forward_backward
from core.movement.traced_step import BLSTMParams, blstm_backward, blstm_forward, traced, training_step

torch.set_num_threads(1)


# ----------------------------------------------------------------------------- a brute-force LRU of bytes


class ListLRU:
    """ByteDMD by definition: a Python list of bytes, bottom first; each read looked up by `index`."""

    def __init__(self):
        self.stack: list[tuple[int, int, int]] = []
        self.cost = 0.0
        self.depths: list[int] = []
        self.itemsize: dict[int, int] = {}

    def alloc(self, name: int, size: int, itemsize: int) -> None:
        self.itemsize[name] = itemsize
        self.stack += [(name, e, j) for e in range(size) for j in range(itemsize)]

    def _to_top(self, name: int, e: int) -> None:
        for j in range(self.itemsize[name]):
            self.stack.remove((name, e, j))
        self.stack += [(name, e, j) for j in range(self.itemsize[name])]

    def instr(self, elements) -> None:
        unique = list(dict.fromkeys(elements))
        for name, e in unique:
            for j in range(self.itemsize[name]):
                depth = len(self.stack) - self.stack.index((name, e, j))
                self.depths.append(depth)
                self.cost += math.sqrt(depth)
        for name, e in unique:
            self._to_top(name, e)

    def write(self, name: int, a: int, b: int) -> None:
        for e in range(a, b):
            self._to_top(name, e)


def run_both(arrays, ops):
    """Run one program of (kind, ...) operations on the tracer and on the list LRU."""
    tr, ref = Tracer(record=True), ListLRU()
    bufs = []
    for name, (size, itemsize) in enumerate(arrays):
        bufs.append(tr.alloc((size,), itemsize))
        ref.alloc(name, size, itemsize)
    for kind, name, a, b, extra in ops:
        name %= len(arrays)
        size = arrays[name][0]
        a, b = sorted((a % size, b % size + 1))
        if kind == "read":
            tr.read(bufs[name], a, b)
            for e in range(a, b):
                ref.instr([(name, e)])
        elif kind == "write":
            tr.write(bufs[name], a, b)
            ref.write(name, a, b)
        elif kind == "gather":
            idx = [i % size for _, i in extra]
            tr.gather(bufs[name], idx)
            for i in idx:
                ref.instr([(name, i)])
        else:
            elements = [(n % len(arrays), i % arrays[n % len(arrays)][0]) for n, i in extra]
            tr.instr(*[(bufs[n], i) for n, i in elements])
            ref.instr(elements)
    return tr, ref


programs = st.tuples(
    st.lists(st.tuples(st.integers(1, 9), st.sampled_from([1, 2, 4, 8])), min_size=1, max_size=4),
    st.lists(st.tuples(st.sampled_from(["read", "write", "gather", "instr"]), st.integers(0, 3),
                       st.integers(0, 20), st.integers(0, 20),
                       st.lists(st.tuples(st.integers(0, 3), st.integers(0, 20)), max_size=4)), max_size=25))


# ----------------------------------------------------------------------------- hand-worked cases


def test_bytedmd_example_b_plus_c_with_one_byte_arguments():
    tr = Tracer(record=True)
    a, b, c, d = (tr.alloc((1,), 1, n) for n in "abcd")
    cost = tr.instr((b, 0), (c, 0))
    assert tr.depths == [3, 2]
    assert cost == pytest.approx(math.sqrt(3) + math.sqrt(2))


def test_bytedmd_example_with_two_byte_b_and_c():
    # Stack, top first: d, c1, c0, b1, b0, a. An element's bytes are read lowest address first, all against
    # the stack before the instruction: b0 at 5, b1 at 4, c0 at 3, c1 at 2.
    tr = Tracer(record=True)
    a, b, c, d = tr.alloc((1,), 1), tr.alloc((1,), 2), tr.alloc((1,), 2), tr.alloc((1,), 1)
    cost = tr.instr((b, 0), (c, 0))
    assert tr.depths == [5, 4, 3, 2]
    assert cost == pytest.approx(sum(math.sqrt(x) for x in (5, 4, 3, 2)))
    # Then b and c sit on top, c above b: reading b again finds c's two bytes over it.
    tr.depths.clear()
    tr.instr((b, 0))
    assert tr.depths == [4, 3]


def test_a_range_read_prices_each_element_in_turn():
    # x (4 one-byte elements) then y (1): reading x[0..3] one by one finds 4 bytes above each element
    # (y and the elements above it, then those moved over it).
    tr = Tracer(record=True)
    x, _ = tr.alloc((4,), 1), tr.alloc((1,), 1)
    tr.read(x)
    assert tr.depths == [5, 5, 5, 5]
    tr.depths.clear()
    tr.read(x, 2, 4)       # x is on top, ascending: x[2] under x[3]
    assert tr.depths == [2, 2]


def test_parts_are_charged_separately():
    tr = Tracer()
    x = tr.alloc((3,), 4)
    with tr.part("one"):
        tr.read(x)
    with tr.part("two"):
        tr.read(x, 0, 1)
    assert set(tr.costs) == {"one", "two"} and tr.bytes_read == {"one": 12, "two": 4}
    assert tr.cost == pytest.approx(tr.costs["one"] + tr.costs["two"])


# ----------------------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8), st.integers(1, 6), st.integers(0, 5))
def test_reading_the_same_byte_twice_in_a_row_costs_one_the_second_time(size, others, i):
    tr = Tracer()
    x = tr.alloc((size,), 1)
    for _ in range(others):
        tr.alloc((2,), 1)
    tr.read(x, i % size, i % size + 1)
    assert tr.read(x, i % size, i % size + 1) == 1.0


@settings(max_examples=150, deadline=None)
@given(programs)
def test_total_cost_equals_a_brute_force_list_lru(program):
    arrays, ops = program
    tr, ref = run_both(arrays, ops)
    assert tr.depths == ref.depths
    assert tr.cost == pytest.approx(ref.cost, rel=1e-12, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(programs)
def test_small_slots_and_compaction_change_nothing(program):
    arrays, ops = program
    tr, ref = run_both(arrays, ops)
    saved = data_movement.CHUNK, data_movement._MIN_CAPACITY
    data_movement.CHUNK, data_movement._MIN_CAPACITY = 2, 4
    try:
        small, _ = run_both(arrays, ops)
    finally:
        data_movement.CHUNK, data_movement._MIN_CAPACITY = saved
    assert small.depths == ref.depths


@settings(max_examples=60, deadline=None)
@given(programs, st.integers(0, 3))
def test_a_larger_dtype_never_costs_less(program, which):
    arrays, ops = program
    wider = [(n, k * 2 if i == which % len(arrays) else k) for i, (n, k) in enumerate(arrays)]
    assert run_both(wider, ops)[0].cost >= run_both(arrays, ops)[0].cost - 1e-9


# ----------------------------------------------------------------------------- the instrumented parts


def torch_reader(inputs: int, hidden: int, classes: int, seed: int = 0):
    torch.manual_seed(seed)
    return (torch.nn.LSTM(inputs, hidden, bidirectional=True).double(),
            torch.nn.Linear(2 * hidden, classes).double())


def torch_lstm_grads(lstm) -> tuple[list[np.ndarray], list[np.ndarray]]:
    W, b = [], []
    for sfx in ("", "_reverse"):
        W.append(torch.cat([getattr(lstm, f"weight_ih_l0{sfx}").grad, getattr(lstm, f"weight_hh_l0{sfx}").grad],
                           1).numpy())
        b.append(getattr(lstm, f"bias_ih_l0{sfx}").grad.numpy())
        np.testing.assert_allclose(b[-1], getattr(lstm, f"bias_hh_l0{sfx}").grad.numpy(), atol=1e-12)
    return W, b


@pytest.mark.parametrize("T, H", [(1, 4), (9, 5), (40, 12)])
def test_blstm_forward_and_bptt_equal_torch(T, H):
    lstm, linear = torch_reader(3, H, 11)
    params = BLSTMParams.from_torch(lstm, linear)
    x = torch.randn(T, 1, 3, dtype=torch.float64)
    up = torch.randn(T, 1, 2 * H, dtype=torch.float64)
    out, _ = lstm(x)
    out.backward(up)
    tr = Tracer()
    W = [traced(tr, w, "W") for w in params.W]
    b = [traced(tr, v, "b") for v in params.b]
    dW = [traced(tr, np.zeros_like(w), "dW") for w in params.W]
    db = [traced(tr, np.zeros_like(v), "db") for v in params.b]
    mine, runs = blstm_forward(tr, W, b, traced(tr, x[:, 0].numpy(), "x"))
    blstm_backward(tr, runs, W, dW, db, traced(tr, up[:, 0].numpy(), "dout"))
    np.testing.assert_allclose(mine.v, out[:, 0].detach().numpy(), atol=1e-5)
    W_ref, b_ref = torch_lstm_grads(lstm)
    for d in (0, 1):
        np.testing.assert_allclose(dW[d].v, W_ref[d], atol=1e-5)
        np.testing.assert_allclose(db[d].v, b_ref[d], atol=1e-5)
    assert tr.cost > 0


@pytest.mark.parametrize("T, K, target", [(1, 3, [2]), (6, 4, [1, 1, 2]), (30, 11, [3, 1, 4, 1, 5]),
                                          (77, 11, [1, 2, 3, 4, 5]), (300, 30, list(range(1, 30)) * 2)])
def test_ctc_equals_the_projects_loss_gradient_alpha_and_beta(T, K, target):
    rng = np.random.default_rng(T)
    lp = torch.log_softmax(torch.tensor(rng.normal(size=(T, K)) * 3), -1).numpy()
    tr = Tracer()
    result, _ = ctc_forward_backward(tr, lp, tr.alloc(lp.shape, 4), target, tr.alloc((len(target),), 8))
    loss, grad = ctc_loss_batch(lp[:, None, :], [target], [T], [len(target)])
    assert result.loss == pytest.approx(loss[0], abs=1e-8)
    np.testing.assert_allclose(result.grad, grad[:, 0], atol=1e-8)
    for mine, ref in ((result.alpha, ctc_alpha(lp, target)), (result.beta, ctc_beta(lp, target))):
        finite = np.isfinite(ref)
        assert (np.isfinite(mine) == finite).all()
        np.testing.assert_allclose(mine[finite], ref[finite], atol=1e-8)


@pytest.mark.parametrize("T, H, L", [(77, 64, 5), (200, 16, 15), (40, 128, 3)])
@pytest.mark.slow
def test_a_training_step_equals_torch_autograd(T, H, L):
    """Seed 001's setting (T = 77, H = 64, 5 letters of 10 plus blank) and T, H and the label length grown."""
    lstm, linear = torch_reader(3, H, 11, seed=T)
    target = [int(c) for c in np.random.default_rng(T).integers(1, 11, L)]
    x = torch.randn(T, 1, 3, dtype=torch.float64)
    lp = torch.log_softmax(linear(lstm(x)[0][:, 0]), -1)
    loss = torch.nn.functional.ctc_loss(lp[:, None], torch.tensor([target]), [T], [L], reduction="sum")
    loss.backward()
    tr = Tracer()
    step = training_step(tr, BLSTMParams.from_torch(lstm, linear), x[:, 0].numpy(), target)
    assert step.loss == pytest.approx(loss.item(), abs=1e-8)
    W_ref, b_ref = torch_lstm_grads(lstm)
    for d in (0, 1):
        np.testing.assert_allclose(step.grads.W[d], W_ref[d], atol=1e-5)
        np.testing.assert_allclose(step.grads.b[d], b_ref[d], atol=1e-5)
    np.testing.assert_allclose(step.grads.W_out, linear.weight.grad.numpy(), atol=1e-5)
    np.testing.assert_allclose(step.grads.b_out, linear.bias.grad.numpy(), atol=1e-5)
    assert set(tr.costs) == set(PARTS) | set(CTC_STAGES)
    ctc = sum(tr.costs[stage] for stage in CTC_STAGES)
    assert tr.costs["bptt"] > tr.costs["blstm_forward"] > ctc > 0


def test_the_trace_does_not_depend_on_the_values():
    costs = []
    for seed in (0, 1):
        rng = np.random.default_rng(seed)
        tr = Tracer()
        training_step(tr, BLSTMParams.random(3, 6, 11, rng), rng.normal(size=(12, 3)), [1, 2, 2])
        costs.append(tr.costs)
    assert costs[0] == costs[1]


@pytest.mark.parametrize("registers", [False, True])
def test_the_fast_meter_and_the_list_meter_agree_on_a_whole_training_step(registers):
    depths = []
    for meter in (Tracer(record=True, vectors_in_registers=registers),
                  ListTracer(record=True, vectors_in_registers=registers)):
        rng = np.random.default_rng(3)
        training_step(meter, BLSTMParams.random(3, 3, 11, rng), rng.normal(size=(7, 3)), [4, 4, 2])
        depths.append((meter.depths, meter.bytes_read, meter.costs))
    (fast_depths, fast_bytes, fast_costs), (list_depths, list_bytes, list_costs) = depths
    assert fast_depths == list_depths and fast_bytes == list_bytes
    assert fast_costs == pytest.approx(list_costs, rel=1e-12)


def test_vectors_in_registers_move_less_and_compute_the_same():
    results, tracers = [], []
    for keep in (False, True):
        rng = np.random.default_rng(0)
        tr = Tracer(vectors_in_registers=keep)
        results.append(training_step(tr, BLSTMParams.random(3, 6, 11, rng), rng.normal(size=(12, 3)), [1, 2, 2]))
        tracers.append(tr)
    (plain, blocked), (a, b) = tracers, results
    assert a.loss == b.loss and all(np.array_equal(x, y) for x, y in zip(a.grads.W, b.grads.W))
    for part in ("blstm_forward", "bptt", "output"):
        assert blocked.bytes_read[part] < plain.bytes_read[part] and blocked.costs[part] < plain.costs[part]
    assert blocked.bytes_read["ctc"] == plain.bytes_read["ctc"]


def test_wider_floats_cost_more_per_byte():
    def cost(fb):
        tr = Tracer()
        rng = np.random.default_rng(0)
        training_step(tr, BLSTMParams.random(3, 6, 11, rng), rng.normal(size=(12, 3)), [1, 2], fb=fb)
        return tr.cost, sum(tr.bytes_read.values())

    (c4, b4), (c8, b8) = cost(4), cost(8)
    assert b8 > b4 and c8 / b8 > c4 / b4


# ----------------------------------------------------------------------------- the answer


def test_flops_count_the_dominant_products():
    s = Setting("x", T=77, L=5, H=64)
    f = flops(s)
    assert f["blstm_forward"] == pytest.approx(2 * 77 * 2 * 4 * 64 * 67, rel=0.05)
    assert f["bptt"] > f["blstm_forward"] > f["output"] > f["ctc"]
    assert flops(Setting("x", T=154, L=5, H=64))["ctc"] == 2 * f["ctc"]


def test_a_measured_row_has_shares_that_add_up():
    row = measure(Setting("quick", T=12, L=2, H=4), repeats=1)
    for name in ("cost", "bytes", "flops", "seconds"):
        assert sum(row[f"{name}_share_{p}"] for p in PARTS) == pytest.approx(1.0)
    assert row["S"] == 5 and row["cost_blstm"] == row["cost_blstm_forward"] + row["cost_bptt"]
    table = format_table([row, row])
    assert table.count("\n") == 3 and "| 12 | 5 | 4 | 11 |" in table


def test_ctc_is_charged_by_stage_and_the_stages_add_up_to_its_part():
    row = measure(Setting("quick", T=12, L=2, H=4), repeats=1)
    split = [row[f"ctc_split_{stage}"] for stage in CTC_STAGES]
    assert sum(split) == pytest.approx(1.0) and min(split) > 0
    (line,) = ctc_split([row])
    assert line.startswith("T=12 S=5: ") and line.count("%") == len(CTC_STAGES)


def test_growth_reads_slopes_from_the_rows():
    rows = [{"group": "quick", "T": T, "S": 5, "H": 4, "K": 11, "cost_ctc": T ** 2, "cost_blstm": T,
             "cost_bptt": T} for T in (10, 20, 40)]
    assert growth(rows) == {"quick": {"ctc": pytest.approx(2.0), "blstm": pytest.approx(1.0),
                                      "bptt": pytest.approx(1.0)}}


def test_ctc_pace_is_torch_time_per_frame_and_state_along_growing_lines():
    rows = [{"group": g, "T": T, "S": S, "seconds_ctc": T * S * 50e-9}
            for g, T, S in (("lines (T and S)", 600, 79), ("seed 001's word", 77, 11), ("T alone", 300, 11))]
    assert ctc_pace(rows) == {77: pytest.approx(50.0), 600: pytest.approx(50.0)}


def test_the_quick_command_prints_the_table(capsys):
    assert main(["research", "data-movement", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "CTC share" in out and "BPTT share" in out and "growth with quick" in out
    assert "torch's CTC per frame and state: T=40 " in out and out.count(" s |") == len(QUICK)
    assert all(f"| {s.T} | {s.S} | {s.H} |" in out for s in QUICK)


def test_a_setting_of_ones_own_is_read_and_checked():
    assert parse_setting("T=600, L=39, H=128, K=96") == Setting("your own", 600, 39, 128, 96)
    assert parse_setting("t=100,l=5,h=16").K == 11
    with pytest.raises(InputError, match="too few for 10 letters"):
        own_setting(20, 10, 16)
    with pytest.raises(InputError, match="says nothing of L"):
        parse_setting("T=100,H=16")
    with pytest.raises(InputError, match="cannot read 'X=3'"):
        parse_setting("T=100,L=5,H=16,X=3")
    with pytest.raises(InputError, match="H must be a whole number from 1 to 512"):
        own_setting(100, 5, 0)


def test_the_time_estimate_grows_with_frames_and_width():
    small, long, wide = own_setting(77, 5, 64), own_setting(770, 5, 64), own_setting(77, 5, 128)
    assert estimated_seconds(long) > 9 * estimated_seconds(small)
    assert estimated_seconds(wide) > 1.9 * estimated_seconds(small)


def test_the_command_traces_a_setting_of_ones_own(capsys):
    assert main(["research", "data-movement", "--setting", "T=30,L=3,H=8"]) == 0
    out = capsys.readouterr().out
    assert "| 30 | 7 | 8 | 11 |" in out and out.count(" s |") == 1
    assert main(["research", "data-movement", "--setting", "T=5,L=3,H=8"]) == 2
