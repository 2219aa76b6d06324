"""A ByteDMD meter: the data movement of a computation on an idealised processor with an LRU stack of bytes.

ByteDMD (the measure seed 001 names) prices every read by how deep the byte
lies in a least-recently-used stack: a byte at depth d (1 = top) costs
sqrt(d); writes are free; whatever is read or written moves to the top.
This module is the project's own meter for it; `traced_step` traces
a BLSTM+CTC training step through it.

Semantics, exactly (the tests check each against a brute-force list LRU):

* `alloc` makes an array and puts its bytes on top, free, in address order
  (the last byte on top), as a write does.
* An *instruction* reads some elements. Every byte of every element it names
  is priced against the stack as it was before the instruction; an element of
  itemsize k with A bytes above it has its bytes, lowest address first, at
  depths A + k, ..., A + 1. Then the elements move to the top in the order
  named, each keeping its bytes in address order. An element named twice by
  one instruction is read once. `instr` is one instruction; ByteDMD's own
  example, `b + c` with four 1-byte arguments a, b, c, d pushed in that
  order, reads b at depth 3 and c at depth 2; with b and c 2 bytes each the
  reads are at depths 5, 4 (b) and 3, 2 (c).
* `read(buf, a, b)` is the sequence of one-element instructions buf[a],
  buf[a+1], ..., buf[b-1] (flat indices, ascending): how a vectorised read
  (a row of a matrix-vector product, an operand of an element-wise op) is
  traced. `gather(buf, idx)` is the same for any index sequence.
* `write(buf, a, b)` moves buf[a:b] to the top in ascending order, free.

How it is fast enough: the stack is kept as *slots*, runs of elements of one
array that sit together in the stack in ascending order, numbered bottom to
top, with a Fenwick tree over slot numbers holding each slot's bytes (so the
bytes above a slot take log time). Each array keeps the slot of each of its
elements. Reading a range that lies in a few slots costs a few tree queries
whatever its length: when elements a..b-1 are read one after the other, each
moving to the top, every one of them finds the same number of bytes above it
(those above the range's top element, plus the range's elements read before
it that used to lie deeper), so a piece of the range inside one slot is
priced in closed form. How long a measurement takes: a BLSTM+CTC training
step on seed 001's word (T = 77, H = 64, 5 letters: about 340,000 traced
range reads) takes 2.6 s on one core of the 2-core machine; the time grows
with the number of reads (T x H for the BLSTM, T x S for CTC): a line of
1,500 frames takes 56 s, one of 3,000 frames 118 s, the whole table of
`study` about 8 minutes (each row's time is in its table).
`ListTracer`, the same meter on a plain list scanned at every read, would
take about 40 hours for seed 001's step (`bench/meter_speed.py`).
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

# Longest run one slot may hold: bounds the scans that count a slot's elements above a read.
CHUNK = 4096
_MIN_CAPACITY = 1 << 18


def sqrt_sum(above: float, k: int) -> float:
    """The price of one k-byte element with `above` bytes over it: sqrt(above + 1) + ... + sqrt(above + k)."""
    return sum(math.sqrt(above + m) for m in range(1, k + 1))


@dataclass(eq=False)
class Buf:
    """An array the tracer knows: its shape, bytes per element and, per element, the slot that holds it."""

    name: str
    shape: tuple[int, ...]
    itemsize: int
    owner: np.ndarray = field(repr=False)

    @property
    def size(self) -> int:
        return int(self.owner.size)

    @property
    def row_len(self) -> int:
        return self.shape[-1] if self.shape else 1

    def row(self, i: int, lo: int = 0, hi: int | None = None) -> tuple["Buf", int, int]:
        """Columns lo..hi-1 of row i (of a 2-D array) as a region (buf, start, stop) of flat indices."""
        n = self.row_len
        hi = n if hi is None else hi
        return self, i * n + lo, i * n + hi

    def all(self) -> tuple["Buf", int, int]:
        return self, 0, self.size

    def part(self, lo: int, hi: int) -> tuple["Buf", int, int]:
        return self, lo, hi


class Tracer:
    """Records the ByteDMD cost of the reads a computation announces (see the module docstring).

    `cost` is the total; `costs` and `bytes_read` split it by the part named
    with `with tracer.part(name)`. With `record=True` every byte read's depth
    is kept in `depths` (for tests: slow for large traces).
    `vectors_in_registers` is not used here: it tells the traced code which
    kernels to model (`traced_step`).
    """

    def __init__(self, record: bool = False, vectors_in_registers: bool = False):
        self.vectors_in_registers = vectors_in_registers
        self.cost = 0.0
        self.costs: dict[str, float] = {}
        self.bytes_read: dict[str, int] = {}
        self.depths: list[int] | None = [] if record else None
        self._part = "other"
        self._total = 0            # bytes on the stack
        self._cap = _MIN_CAPACITY
        self._tree = [0] * (self._cap + 1)
        self._buf: list[Buf | None] = []   # per slot: its array, index span [lo, hi), elements present
        self._lo: list[int] = []
        self._hi: list[int] = []
        self._cnt: list[int] = []
        self._bufs: list[Buf] = []

    # ------------------------------------------------------------------ the public operations

    @contextmanager
    def part(self, name: str):
        """Charge the reads inside the block to `name`."""
        before, self._part = self._part, name
        try:
            yield
        finally:
            self._part = before

    def alloc(self, shape, itemsize: int = 4, name: str = "") -> Buf:
        """A new array, its bytes put on top of the stack (free), last byte on top."""
        shape = tuple(int(s) for s in np.atleast_1d(shape)) if not isinstance(shape, tuple) else shape
        buf = Buf(name, shape, int(itemsize), np.zeros(int(np.prod(shape, dtype=np.int64)), np.int64))
        self._bufs.append(buf)
        if buf.size:
            self._push(buf, 0, buf.size)
        return buf

    def read(self, buf: Buf, a: int = 0, b: int | None = None) -> float:
        """Read buf[a], buf[a+1], ..., buf[b-1] one after the other (each its own instruction); returns the cost."""
        b = buf.size if b is None else b
        if b <= a:
            return 0.0
        cost = self._price_range(buf, a, b)
        self._charge(cost, (b - a) * buf.itemsize)
        self._move(buf, a, b)
        return cost

    def write(self, buf: Buf, a: int = 0, b: int | None = None) -> None:
        """Write buf[a:b]: free, and its elements move to the top in ascending order."""
        b = buf.size if b is None else b
        if b > a:
            self._move(buf, a, b)

    def gather(self, buf: Buf, indices) -> float:
        """Read buf[i] for each i of `indices` in turn (each its own instruction); returns the cost."""
        return sum(self.read(buf, int(i), int(i) + 1) for i in indices)

    def instr(self, *elements: tuple[Buf, int]) -> float:
        """One instruction reading the elements (buf, flat index): priced together, then moved in that order."""
        seen, unique = set(), []
        for buf, i in elements:
            if (id(buf), int(i)) not in seen:
                seen.add((id(buf), int(i)))
                unique.append((buf, int(i)))
        cost, nbytes = 0.0, 0
        for buf, i in unique:
            above = self._above_element(buf, i)
            cost += self._price(above, buf.itemsize, 1)
            nbytes += buf.itemsize
        self._charge(cost, nbytes)
        for buf, i in unique:
            self._move(buf, i, i + 1)
        return cost

    def op(self, out: tuple[Buf, int, int] | None, *inputs: tuple[Buf, int, int]) -> float:
        """A vectorised operation: read each input region in turn, then write `out` (None: no write)."""
        cost = sum(self.read(*region) for region in inputs)
        if out is not None:
            self.write(*out)
        return cost

    # ------------------------------------------------------------------ pricing

    def _charge(self, cost: float, nbytes: int) -> None:
        self.cost += cost
        self.costs[self._part] = self.costs.get(self._part, 0.0) + cost
        self.bytes_read[self._part] = self.bytes_read.get(self._part, 0) + nbytes

    def _price(self, above: int, k: int, n: int) -> float:
        """n elements of k bytes, each read with `above` bytes over it."""
        if self.depths is not None:
            self.depths.extend([above + k - j for j in range(k)] * n)
        return n * sqrt_sum(above, k)

    def _prefix(self, i: int) -> int:
        """Bytes in slots 0..i-1."""
        tree, s = self._tree, 0
        while i > 0:
            s += tree[i]
            i &= i - 1
        return s

    def _add(self, slot: int, w: int) -> None:
        tree, n, i = self._tree, self._cap, slot + 1
        while i <= n:
            tree[i] += w
            i += i & -i

    def _present_from(self, buf: Buf, slot: int, start: int) -> int:
        """How many elements of `slot` with index >= start are in it (they lie above those below start)."""
        hi = self._hi[slot]
        if start >= hi:
            return 0
        if self._cnt[slot] == hi - self._lo[slot]:
            return hi - start
        return int(np.count_nonzero(buf.owner[start:hi] == slot))

    def _is_whole(self, slot: int, a: int, b: int) -> bool:
        """Whether the slot holds exactly the elements a..b-1."""
        return self._cnt[slot] == b - a and self._lo[slot] >= a and self._hi[slot] <= b

    def _above_element(self, buf: Buf, i: int) -> int:
        slot = int(buf.owner[i])
        return self._total - self._prefix(slot + 1) + buf.itemsize * self._present_from(buf, slot, i + 1)

    def _price_range(self, buf: Buf, a: int, b: int) -> float:
        k, owner = buf.itemsize, buf.owner
        first = int(owner[a])
        if first == int(owner[b - 1]) and (b - a <= 2 or self._is_whole(first, a, b)
                                           or not (owner[a:b] != first).any()):
            # One piece: each element finds above it the bytes over the piece's top plus the piece's others.
            above = self._total - self._prefix(first + 1) + k * (b - 1 - a + self._present_from(buf, first, b))
            return self._price(above, k, b - a)
        own = owner[a:b]
        starts = np.concatenate(([0], np.flatnonzero(own[1:] != own[:-1]) + 1))
        ends = np.append(starts[1:], b - a)
        slots = own[starts]
        sizes = (ends - starts) * k
        # Pieces read earlier that lay deeper (a lower slot, or the same slot at lower indices) are now above.
        earlier_deeper = np.tril(slots[None, :] <= slots[:, None], -1) @ sizes
        cost = 0.0
        for s, pa, pb, extra in zip(slots.tolist(), (starts + a).tolist(), (ends + a).tolist(),
                                    earlier_deeper.tolist()):
            above = self._total - self._prefix(s + 1) + k * (pb - 1 - pa + self._present_from(buf, s, pb)) + extra
            cost += self._price(above, k, pb - pa)
        return cost

    # ------------------------------------------------------------------ moving

    def _move(self, buf: Buf, a: int, b: int) -> None:
        """Take buf[a:b] out of their slots and push them on top, ascending."""
        k, owner = buf.itemsize, buf.owner
        first = int(owner[a])
        if b - a == 1 or self._is_whole(first, a, b):
            if first == len(self._cnt) - 1 and self._cnt[first] == b - a:
                return                      # already the whole top slot, in this order
            self._cnt[first] -= b - a
            self._add(first, -(b - a) * k)
        else:
            own = owner[a:b]
            slots, counts = np.unique(own, return_counts=True)
            for s, c in zip(slots.tolist(), counts.tolist()):
                self._cnt[s] -= c
                self._add(s, -c * k)
        self._total -= (b - a) * k
        self._push(buf, a, b)

    def _push(self, buf: Buf, a: int, b: int) -> None:
        top = len(self._cnt) - 1
        if top >= 0 and self._buf[top] is buf and self._cnt[top] and a >= self._hi[top] \
                and b - self._lo[top] <= CHUNK:
            # Grow the top slot: the new elements lie above its others, at higher indices.
            self._hi[top] = b
            self._cnt[top] += b - a
            buf.owner[a:b] = top
            self._add(top, (b - a) * buf.itemsize)
            self._total += (b - a) * buf.itemsize
            return
        for lo in range(a, b, CHUNK):
            hi = min(b, lo + CHUNK)
            if len(self._cnt) == self._cap:
                self._compact()
            slot = len(self._cnt)
            self._buf.append(buf)
            self._lo.append(lo)
            self._hi.append(hi)
            self._cnt.append(hi - lo)
            buf.owner[lo:hi] = slot
            self._add(slot, (hi - lo) * buf.itemsize)
            self._total += (hi - lo) * buf.itemsize

    def _compact(self) -> None:
        """Renumber the slots that still hold elements (order kept) and rebuild the tree."""
        cnt = np.asarray(self._cnt)
        live = np.flatnonzero(cnt > 0)
        remap = np.full(len(cnt), -1, np.int64)
        remap[live] = np.arange(len(live))
        for buf in self._bufs:
            buf.owner = remap[buf.owner]
        keep = live.tolist()
        self._buf = [self._buf[s] for s in keep]
        self._lo = [self._lo[s] for s in keep]
        self._hi = [self._hi[s] for s in keep]
        self._cnt = [self._cnt[s] for s in keep]
        self._cap = max(_MIN_CAPACITY, 4 * len(keep))
        tree = [0] * (self._cap + 1)
        for s, buf in enumerate(self._buf):
            tree[s + 1] = self._cnt[s] * buf.itemsize
        for i in range(1, self._cap + 1):     # linear-time Fenwick build
            j = i + (i & -i)
            if j <= self._cap:
                tree[j] += tree[i]
        self._tree = tree


class ListTracer(Tracer):
    """The same meter kept as a plain Python list of elements, bottom first: every read is looked up by a scan.

    The reference the fast `Tracer` is held against (the same instructions give the same depths, tested on a
    whole training step) and the baseline of `bench/meter_speed.py`: each element read costs time in
    proportion to the stack's length, so it is only usable on tiny settings.
    """

    def __init__(self, record: bool = False, vectors_in_registers: bool = False):
        super().__init__(record, vectors_in_registers)
        self._stack: list[tuple[int, int]] = []     # (id of the array, flat index), bottom first
        self._itemsize: dict[int, int] = {}

    def _bytes_above(self, key: tuple[int, int]) -> int:
        at = self._stack.index(key)
        return sum(self._itemsize[b] for b, _ in self._stack[at + 1:])

    def _above_element(self, buf: Buf, i: int) -> int:
        return self._bytes_above((id(buf), i))

    def _price_range(self, buf: Buf, a: int, b: int) -> float:
        cost = 0.0
        for i in range(a, b):      # one element after the other, each moving to the top before the next
            cost += self._price(self._above_element(buf, i), buf.itemsize, 1)
            self._move(buf, i, i + 1)
        return cost

    def _move(self, buf: Buf, a: int, b: int) -> None:
        keys = [(id(buf), i) for i in range(a, b)]
        if self._stack[-len(keys):] == keys:
            return                  # already on top in this order (as a read's pricing has left them)
        gone = set(keys)
        self._stack = [k for k in self._stack if k not in gone] + keys

    def _push(self, buf: Buf, a: int, b: int) -> None:
        self._itemsize[id(buf)] = buf.itemsize
        self._stack += [(id(buf), i) for i in range(a, b)]
