"""A BLSTM reader's training step in numpy, every read traced through a ByteDMD `Tracer`.

The reader is seed 001's: one bidirectional LSTM layer (gates i, f, g, o in
torch's order; per direction one 4H x (I + H) slab [W_ih | W_hh] read
against z_t = [x_t, h_{t-1}], and one bias b_ih + b_hh), a linear output
layer to K classes, log-softmax, CTC (`traced_ctc`). `training_step`
runs forward, CTC and the backward pass through time for one word, charging
each read to its part: `blstm_forward`, `output` (linear layer and
log-softmax, forward and backward), `ctc`, `bptt`. Outputs and gradients
equal torch.nn.LSTM(bidirectional=True) and nn.Linear's (tested).

Order of the traced reads (writes are free and move the written bytes up):
* a matrix-vector product y = W v goes row by row: row i reads v, then
  W[i]; y is written after the last row;
* W^T y (the gradient flowing back through W) goes row by row as
  acc += y[i] W[i]: it reads y[i], W[i], acc and writes acc;
* a gradient dW += y v^T goes row by row: it reads y[i], v, dW[i] and
  writes dW[i];
* an element-wise operation reads each operand in full in turn, then
  writes its result; scratch vectors are reused every step.
With `Tracer(vectors_in_registers=True)` the three products read the
vector they reuse across rows once per product (and W^T y only writes its
accumulator): a blocked kernel that keeps one vector in registers, the
lower bound of what the BLSTM must move, for checking how much the answer
depends on the kernel.
Arrays are allocated when the computation first needs them: the input and
the label, then the parameters and their zeroed gradients, then each pass's
tables. Floats take `fb` bytes (4: float32, as the reader trains).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.movement.meter import Buf, Tracer
from core.movement.traced_ctc import CTC_STAGES, INT_BYTES, CTCResult, ctc_forward_backward


def _sigmoid(v: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-v))


@dataclass
class BLSTMParams:
    """One BLSTM layer and its output layer, as plain arrays (float64)."""

    W: list[np.ndarray]     # per direction (4H, I + H): [W_ih | W_hh]
    b: list[np.ndarray]     # per direction (4H,): b_ih + b_hh
    W_out: np.ndarray       # (K, 2H)
    b_out: np.ndarray       # (K,)

    @property
    def hidden(self) -> int:
        return self.W[0].shape[0] // 4

    @property
    def inputs(self) -> int:
        return self.W[0].shape[1] - self.hidden

    @classmethod
    def from_torch(cls, lstm, linear) -> "BLSTMParams":
        """From a one-layer torch.nn.LSTM(bidirectional=True) and a torch.nn.Linear."""
        W, b = [], []
        for sfx in ("", "_reverse"):
            w = [getattr(lstm, f"{n}_l0{sfx}").detach().double().numpy() for n in ("weight_ih", "weight_hh")]
            W.append(np.concatenate(w, axis=1))
            b.append((getattr(lstm, f"bias_ih_l0{sfx}") + getattr(lstm, f"bias_hh_l0{sfx}")).detach().double().numpy())
        return cls(W, b, linear.weight.detach().double().numpy(), linear.bias.detach().double().numpy())

    @classmethod
    def random(cls, inputs: int, hidden: int, classes: int, rng: np.random.Generator) -> "BLSTMParams":
        """Weights drawn as torch initialises them: uniform within 1/sqrt(fan)."""
        u = lambda shape, fan: rng.uniform(-1, 1, shape) / np.sqrt(fan)  # noqa: E731
        return cls([u((4 * hidden, inputs + hidden), hidden) for _ in range(2)],
                   [u(4 * hidden, hidden) for _ in range(2)],
                   u((classes, 2 * hidden), 2 * hidden), u(classes, 2 * hidden))


@dataclass
class Traced:
    """A parameter or table: its values and its buffer in the tracer."""

    v: np.ndarray
    buf: Buf


def traced(tr: Tracer, value: np.ndarray, name: str, fb: int = 4) -> Traced:
    """`value` and a new buffer of its shape in the tracer."""
    return Traced(value, tr.alloc(value.shape, fb, name))


def _matvec(tr: Tracer, W: Buf, rows: int, vec, out) -> None:
    """y = W v, traced row by row (v, then W[i]); y written at the end. With vectors in registers v is
    read once, before the rows."""
    keep = tr.vectors_in_registers
    if keep:
        tr.read(*vec)
    for i in range(rows):
        if not keep:
            tr.read(*vec)
        tr.read(*W.row(i))
    tr.write(*out)


def _back_through(tr: Tracer, W: Buf, y: Buf, y0: int, rows: int, lo: int, hi: int, acc) -> None:
    """acc = W[:, lo:hi]^T y, traced as acc += y[i] W[i, lo:hi] row by row (with vectors in registers,
    acc is only written, at the end)."""
    keep = tr.vectors_in_registers
    if not keep:
        tr.write(*acc)
    for i in range(rows):
        tr.read(y, y0 + i, y0 + i + 1)
        tr.read(*W.row(i, lo, hi))
        if not keep:
            tr.op(acc, acc)
    if keep:
        tr.write(*acc)


def _outer_into(tr: Tracer, dW: Buf, y: Buf, y0: int, rows: int, vec) -> None:
    """dW += y v^T, traced row by row: y[i], v, dW[i], then dW[i] written (with vectors in registers,
    v is read once, before the rows)."""
    keep = tr.vectors_in_registers
    if keep:
        tr.read(*vec)
    for i in range(rows):
        tr.read(y, y0 + i, y0 + i + 1)
        if not keep:
            tr.read(*vec)
        tr.op(dW.row(i), dW.row(i))


@dataclass
class Direction:
    """What one direction's forward pass keeps for its backward pass."""

    d: int
    order: list[int]
    z: Traced       # (T, I + H): [x_t, h_{t-1}]
    act: Traced     # (T, 4H): i, f, g, o after their nonlinearities
    c: Traced       # (T, H)
    tc: Traced      # (T, H): tanh(c)
    zero: Traced    # (H,): h and c before the first step


def _direction_forward(tr: Tracer, d: int, W: Traced, b: Traced, x: Traced, out: Traced, fb: int) -> Direction:
    T, I = x.v.shape
    H = W.v.shape[0] // 4
    order = list(range(T)) if d == 0 else list(range(T - 1, -1, -1))
    run = Direction(d, order, *(traced(tr, np.zeros(s), f"{n}{d}", fb) for n, s in
                                (("z", (T, I + H)), ("act", (T, 4 * H)), ("c", (T, H)), ("tanh_c", (T, H)),
                                 ("zero", (H,)))))
    tmp1, tmp2 = (traced(tr, np.zeros(H), f"tmp{n}{d}", fb) for n in (1, 2))
    z, act, c, tc, h_lo = run.z, run.act, run.c, run.tc, d * H
    prev = None
    for t in order:
        h_prev = (run.zero.v, run.zero.buf.all()) if prev is None else (out.v[prev, h_lo:h_lo + H],
                                                                        out.buf.row(prev, h_lo, h_lo + H))
        c_prev = (run.zero.v, run.zero.buf.all()) if prev is None else (c.v[prev], c.buf.row(prev))
        z.v[t, :I], z.v[t, I:] = x.v[t], h_prev[0]
        tr.op(z.buf.row(t, 0, I), x.buf.row(t))
        tr.op(z.buf.row(t, I), h_prev[1])
        a = act.v[t]
        a[:] = W.v @ z.v[t] + b.v
        _matvec(tr, W.buf, 4 * H, z.buf.row(t), act.buf.row(t))
        tr.op(act.buf.row(t), act.buf.row(t), b.buf.all())
        a[:2 * H], a[2 * H:3 * H], a[3 * H:] = _sigmoid(a[:2 * H]), np.tanh(a[2 * H:3 * H]), _sigmoid(a[3 * H:])
        tr.op(act.buf.row(t), act.buf.row(t))
        gate = lambda k: act.buf.row(t, k * H, (k + 1) * H)  # noqa: E731
        c.v[t] = a[H:2 * H] * c_prev[0] + a[:H] * a[2 * H:3 * H]
        tr.op(tmp1.buf.all(), gate(1), c_prev[1])
        tr.op(tmp2.buf.all(), gate(0), gate(2))
        tr.op(c.buf.row(t), tmp1.buf.all(), tmp2.buf.all())
        tc.v[t] = np.tanh(c.v[t])
        tr.op(tc.buf.row(t), c.buf.row(t))
        out.v[t, h_lo:h_lo + H] = a[3 * H:] * tc.v[t]
        tr.op(out.buf.row(t, h_lo, h_lo + H), gate(3), tc.buf.row(t))
        prev = t
    return run


def blstm_forward(tr: Tracer, W: list[Traced], b: list[Traced], x: Traced, fb: int = 4
                  ) -> tuple[Traced, list[Direction]]:
    """The layer's output (T, 2H) = [h_forward, h_backward], the forward direction first (as torch)."""
    T, H = len(x.v), W[0].v.shape[0] // 4
    out = traced(tr, np.zeros((T, 2 * H)), "blstm_out", fb)
    return out, [_direction_forward(tr, d, W[d], b[d], x, out, fb) for d in (0, 1)]


def _direction_backward(tr: Tracer, run: Direction, W: Traced, dW: Traced, db: Traced, dout: Traced,
                        fb: int) -> None:
    H = run.c.v.shape[1]
    I = run.z.v.shape[1] - H
    h_lo = run.d * H
    dh, dc, tmp, dpre, dh_rec, dc_rec = (traced(tr, np.zeros(n), f"{name}{run.d}", fb) for name, n in
                                         (("dh", H), ("dc", H), ("dtmp", H), ("dpre", 4 * H), ("dh_rec", H),
                                          ("dc_rec", H)))
    act, tc = run.act, run.tc
    for step in range(len(run.order) - 1, -1, -1):
        t = run.order[step]
        a = act.v[t]
        i, f, g, o = (a[k * H:(k + 1) * H] for k in range(4))
        gate = lambda k: act.buf.row(t, k * H, (k + 1) * H)  # noqa: E731
        part = lambda k: dpre.buf.part(k * H, (k + 1) * H)  # noqa: E731
        prev = run.order[step - 1] if step else None
        c_prev = (run.zero.v, run.zero.buf.all()) if prev is None else (run.c.v[prev], run.c.buf.row(prev))
        dh.v[:] = dout.v[t, h_lo:h_lo + H] + dh_rec.v
        tr.op(dh.buf.all(), dout.buf.row(t, h_lo, h_lo + H), dh_rec.buf.all())
        tmp.v[:] = dh.v * tc.v[t]
        tr.op(tmp.buf.all(), dh.buf.all(), tc.buf.row(t))
        dpre.v[3 * H:] = tmp.v * o * (1 - o)
        tr.op(part(3), tmp.buf.all(), gate(3))
        tmp.v[:] = dh.v * o
        tr.op(tmp.buf.all(), dh.buf.all(), gate(3))
        dc.v[:] = dc_rec.v + tmp.v * (1 - tc.v[t] ** 2)
        tr.op(dc.buf.all(), tmp.buf.all(), tc.buf.row(t), dc_rec.buf.all())
        dpre.v[:H] = dc.v * g * i * (1 - i)
        tr.op(part(0), dc.buf.all(), gate(2), gate(0))
        dpre.v[H:2 * H] = dc.v * c_prev[0] * f * (1 - f)
        tr.op(part(1), dc.buf.all(), c_prev[1], gate(1))
        dpre.v[2 * H:3 * H] = dc.v * i * (1 - g ** 2)
        tr.op(part(2), dc.buf.all(), gate(0), gate(2))
        dc_rec.v[:] = dc.v * f
        tr.op(dc_rec.buf.all(), dc.buf.all(), gate(1))
        db.v += dpre.v
        tr.op(db.buf.all(), db.buf.all(), dpre.buf.all())
        dW.v += np.outer(dpre.v, run.z.v[t])
        _outer_into(tr, dW.buf, dpre.buf, 0, 4 * H, run.z.buf.row(t))
        dh_rec.v[:] = W.v[:, I:].T @ dpre.v
        _back_through(tr, W.buf, dpre.buf, 0, 4 * H, I, I + H, dh_rec.buf.all())


def blstm_backward(tr: Tracer, runs: list[Direction], W: list[Traced], dW: list[Traced], db: list[Traced],
                   dout: Traced, fb: int = 4) -> None:
    """Back-propagation through time of both directions, accumulating into dW and db."""
    for run in runs:
        _direction_backward(tr, run, W[run.d], dW[run.d], db[run.d], dout, fb)


def _output_forward(tr: Tracer, W_out: Traced, b_out: Traced, h: Traced, fb: int) -> tuple[Traced, Traced]:
    """logits = W_out h_t + b_out per frame, then log-softmax (max, shift, exp, sum, log, shift)."""
    T, K = len(h.v), len(b_out.v)
    logits = traced(tr, h.v @ W_out.v.T + b_out.v, "logits", fb)
    m = logits.v.max(axis=1, keepdims=True)
    lp = traced(tr, logits.v - m - np.log(np.exp(logits.v - m).sum(axis=1, keepdims=True)), "log_probs", fb)
    e, s = tr.alloc((K,), fb, "exp"), tr.alloc((2,), fb, "max_sum")
    for t in range(T):
        _matvec(tr, W_out.buf, K, h.buf.row(t), logits.buf.row(t))
        tr.op(logits.buf.row(t), logits.buf.row(t), b_out.buf.all())
        tr.op(s.part(0, 1), logits.buf.row(t))
        tr.op(lp.buf.row(t), logits.buf.row(t), s.part(0, 1))
        tr.op(e.all(), lp.buf.row(t))
        tr.op(s.part(1, 2), e.all())
        tr.op(s.part(1, 2), s.part(1, 2))
        tr.op(lp.buf.row(t), lp.buf.row(t), s.part(1, 2))
    return logits, lp


def _output_backward(tr: Tracer, W_out: Traced, dW_out: Traced, db_out: Traced, h: Traced, dlog: np.ndarray,
                     dlogb: Buf, fb: int) -> Traced:
    """dW_out, db_out and the gradient flowing into the BLSTM's output (T, 2H), frame by frame."""
    T, K = dlog.shape
    dW_out.v += dlog.T @ h.v
    db_out.v += dlog.sum(axis=0)
    dout = traced(tr, dlog @ W_out.v, "dblstm_out", fb)
    for t in range(T):
        _outer_into(tr, dW_out.buf, dlogb, t * K, K, h.buf.row(t))
        tr.op(db_out.buf.all(), db_out.buf.all(), dlogb.row(t))
        _back_through(tr, W_out.buf, dlogb, t * K, K, 0, W_out.v.shape[1], dout.buf.row(t))
    return dout


@dataclass
class StepResult:
    loss: float
    ctc: CTCResult
    out: np.ndarray             # (T, 2H) the BLSTM's output
    log_probs: np.ndarray       # (T, K)
    grads: BLSTMParams          # the gradient of the loss, laid out as the parameters


def training_step(tr: Tracer, params: BLSTMParams, x: np.ndarray, target, fb: int = 4) -> StepResult:
    """Forward, CTC and backward of one word (x: (T, I) frames, target: label indices, blank 0)."""
    xs = traced(tr, np.asarray(x, np.float64), "x", fb)
    label = tr.alloc((len(target),), INT_BYTES, "label")
    W = [traced(tr, w, f"W{d}", fb) for d, w in enumerate(params.W)]
    b = [traced(tr, v, f"b{d}", fb) for d, v in enumerate(params.b)]
    W_out, b_out = traced(tr, params.W_out, "W_out", fb), traced(tr, params.b_out, "b_out", fb)
    dW = [traced(tr, np.zeros_like(w), f"dW{d}", fb) for d, w in enumerate(params.W)]
    db = [traced(tr, np.zeros_like(v), f"db{d}", fb) for d, v in enumerate(params.b)]
    dW_out, db_out = traced(tr, np.zeros_like(params.W_out), "dW_out", fb), traced(tr, np.zeros_like(params.b_out),
                                                                                   "db_out", fb)
    with tr.part("blstm_forward"):
        out, runs = blstm_forward(tr, W, b, xs, fb)
    with tr.part("output"):
        _, lp = _output_forward(tr, W_out, b_out, out, fb)
    with tr.part(CTC_STAGES[0]):
        ctc, dlogb = ctc_forward_backward(tr, lp.v, lp.buf, target, label, fb=fb)
    with tr.part("output"):
        dout = _output_backward(tr, W_out, dW_out, db_out, out, ctc.grad, dlogb, fb)
    with tr.part("bptt"):
        blstm_backward(tr, runs, W, dW, db, dout, fb)
    grads = BLSTMParams([g.v for g in dW], [g.v for g in db], dW_out.v, db_out.v)
    return StepResult(ctc.loss, ctc, out.v, lp.v, grads)
