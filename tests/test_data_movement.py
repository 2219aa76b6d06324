"""The ByteDMD meter against hand-worked cases and a brute-force LRU; the instrumented parts against references."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core.ctc.loss import ctc_loss_batch
from core.train import data_movement
from core.train.data_movement import Tracer
from core.train.data_movement_parts import (BLSTMParams, blstm_backward, blstm_forward, ctc_forward_backward,
                                            training_step)

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
