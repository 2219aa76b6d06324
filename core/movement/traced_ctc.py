"""CTC forward-backward and its gradient in numpy, every read traced through a ByteDMD `Tracer`.

It follows `core.ctc.loss` for one sequence: log space over the extended
labels (S = 2L + 1 states), the forward table with two leading -inf states
so that the three operands of a state are shifted rows, and each frame's
step as the same sequence of element-wise operations as `_recursion` (max of
the three operands and a floor, three exponentials, a log, the emission).
The backward variables include frame t's emission, as there; the project
gets them as the forward pass of the reversed problem, here the same
recursion runs backwards in time over the unreversed table (the same
numbers, without the reversed copies). Posteriors are
exp(alpha + beta - log y + nll), summed per class, and the gradient on the
logits is softmax - gamma (Graves et al. 2006, eq. 16). Loss and gradient
equal `ctc_loss_batch` to 1e-8 (tested).

Every element-wise operation reads its operands in full, one after the
other, and then writes its result (`Tracer.op`): the data movement of the
numpy code as written, with its scratch rows reused every frame.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.ctc.loss import extend_target
from core.errors import InputError
from core.movement.meter import Buf, Tracer

# As core.ctc.loss: stands in for a maximum of -inf so that "-inf - max" stays -inf.
_FLOOR = -1e300
INT_BYTES = 8  # labels are int64, as in the project
# The reads of CTC's stages are charged to these parts (`Tracer.part`): the extended labels, skips and the
# emissions' gather to the caller's part, then the forward table, the backward table, and the loss with the
# posteriors and the gradient. `CTC_STAGES[0]` names the first, the caller's.
CTC_STAGES = ("ctc", "ctc_alpha", "ctc_beta", "ctc_gradient")


@dataclass
class CTCResult:
    loss: float
    grad: np.ndarray        # (T, K): dL/dlogits = softmax - gamma
    alpha: np.ndarray       # (T, S) log forward variables
    beta: np.ndarray        # (T, S) log backward variables (with frame t's emission)


def _skips(ext: np.ndarray, blank: int) -> tuple[np.ndarray, np.ndarray]:
    """Additive log penalties: 0 where the two-state skip into s (forward) or from s + 2 (backward) is allowed."""
    S = len(ext)
    ok = np.zeros(S, bool)
    ok[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    fwd = np.where(ok, 0.0, -np.inf)
    bwd = np.full(S, -np.inf)
    bwd[:-2] = fwd[2:]
    return fwd, bwd


def _lse_step(tr: Tracer, table: np.ndarray, tb: Buf, src: int, dst: int, cols: tuple[int, int, int],
              out_col: int, skip: tuple[np.ndarray, Buf], emit: tuple[np.ndarray, Buf], scratch) -> None:
    """One frame of the recursion, as `core.ctc.loss._recursion` computes it.

    Row `dst` (columns out_col..out_col+S-1) = log(sum of exp of the operands) + emission, where the
    operands are row `src` at columns c0.., c1.. and c2.. (the last plus the skip penalty).
    """
    (a2, a2b), (m, mb), (acc, accb), (tmp, tmpb) = scratch
    S = len(a2)
    c0, c1, c2 = cols
    prev, prow = table[src], (lambda c: tb.row(src, c, c + S))
    pen, penb = skip
    lp_row, lpb = emit
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        np.add(prev[c2:c2 + S], pen, out=a2)
        tr.op(a2b.all(), prow(c2), penb.all())
        np.maximum(prev[c0:c0 + S], prev[c1:c1 + S], out=m)
        tr.op(mb.all(), prow(c0), prow(c1))
        np.maximum(m, a2, out=m)
        tr.op(mb.all(), mb.all(), a2b.all())
        np.maximum(m, _FLOOR, out=m)
        tr.op(mb.all(), mb.all())
        np.exp(prev[c0:c0 + S] - m, out=acc)
        tr.op(accb.all(), prow(c0), mb.all())
        tr.op(accb.all(), accb.all())
        for operand, region in ((prev[c1:c1 + S], prow(c1)), (a2, a2b.all())):
            np.exp(operand - m, out=tmp)
            tr.op(tmpb.all(), region, mb.all())
            tr.op(tmpb.all(), tmpb.all())
            acc += tmp
            tr.op(accb.all(), accb.all(), tmpb.all())
        out = table[dst, out_col:out_col + S]
        np.log(acc, out=out)
        out += m
        out += lp_row
    region = tb.row(dst, out_col, out_col + S)
    tr.op(region, accb.all())
    tr.op(region, region, mb.all())
    tr.op(region, region, lpb)


def _emissions(tr: Tracer, lp: np.ndarray, lpb: Buf, ext: np.ndarray, extb: Buf, fb: int):
    """lp_ext[t, s] = lp[t, ext[s]]: per frame, the labels, then a gather from the frame's row."""
    T, K = lp.shape
    lp_ext = lp[:, ext]
    lp_extb = tr.alloc(lp_ext.shape, fb, "lp_ext")
    for t in range(T):
        tr.read(extb)
        tr.gather(lpb, t * K + ext)
        tr.write(*lp_extb.row(t))
    return lp_ext, lp_extb


def ctc_forward_backward(tr: Tracer, lp: np.ndarray, lpb: Buf, target, labelb: Buf, blank: int = 0,
                         fb: int = 4) -> tuple[CTCResult, Buf]:
    """CTC loss and dL/dlogits of one (T, K) sequence of log-probabilities whose buffer is `lpb`.

    `labelb` is the target's buffer (read to build the extended labels). Returns the result and the
    buffer of the gradient. Needs a feasible target.
    """
    T, K = lp.shape
    if len(target) == 0:
        raise InputError("the traced CTC needs a target of at least one label")
    ext = extend_target(target, blank)
    S = len(ext)
    extb = tr.alloc((S,), INT_BYTES, "ext")
    tr.op(extb.all(), labelb.all())
    fwd_pen, bwd_pen = _skips(ext, blank)
    fwd_penb, bwd_penb = tr.alloc((S,), fb, "skip"), tr.alloc((S,), fb, "skip_back")
    tr.op(fwd_penb.all(), extb.all())
    tr.op(bwd_penb.all(), fwd_penb.part(2, S))
    lp_ext, lp_extb = _emissions(tr, lp, lpb, ext, extb, fb)
    scratch = [(np.empty(S), tr.alloc((S,), fb, n)) for n in ("a2", "m", "acc", "tmp")]

    # Forward: two -inf states before state 0; operands s, s - 1, s - 2 at columns s + 2, s + 1, s.
    A = np.full((T, S + 2), -np.inf)
    Ab = tr.alloc(A.shape, fb, "alpha")
    A[0, 2:4] = lp_ext[0, :2]
    with tr.part(CTC_STAGES[1]):
        tr.op(Ab.row(0, 2, min(4, S + 2)), lp_extb.row(0, 0, min(2, S)))
        for t in range(1, T):
            _lse_step(tr, A, Ab, t - 1, t, (2, 1, 0), 2, (fwd_pen, fwd_penb), (lp_ext[t], lp_extb.row(t)), scratch)

    # Backward: two -inf states after state S-1; operands s, s + 1, s + 2 at columns s, s + 1, s + 2.
    B = np.full((T, S + 2), -np.inf)
    Bb = tr.alloc(B.shape, fb, "beta")
    B[T - 1, max(S - 2, 0):S] = lp_ext[T - 1, max(S - 2, 0):]
    with tr.part(CTC_STAGES[2]):
        tr.op(Bb.row(T - 1, max(S - 2, 0), S), lp_extb.row(T - 1, max(S - 2, 0), S))
        for t in range(T - 2, -1, -1):
            _lse_step(tr, B, Bb, t + 1, t, (0, 1, 2), 0, (bwd_pen, bwd_penb), (lp_ext[t], lp_extb.row(t)), scratch)

    # Loss: the last frame's final blank and last label; then the posteriors and the gradient.
    nllb = tr.alloc((1,), fb, "nll")
    nll = float(-np.logaddexp(A[T - 1, S + 1], A[T - 1, S]))
    with tr.part(CTC_STAGES[3]):
        tr.instr((Ab, (T - 1) * (S + 2) + S + 1), (Ab, (T - 1) * (S + 2) + S))
        tr.write(nllb)
        grad, gradb = _gradient(tr, (lp, lpb), (lp_ext, lp_extb), (A, Ab), (B, Bb), (nll, nllb), (ext, extb), fb)
    return CTCResult(nll, grad, A[:, 2:].copy(), B[:, :S].copy()), gradb


def _gradient(tr: Tracer, lp_, lp_ext_, A_, B_, nll_, ext_, fb: int) -> tuple[np.ndarray, Buf]:
    """Per frame: posteriors of the states, summed per class (a scatter-add), and softmax - gamma."""
    (lp, lpb), (lp_ext, lp_extb), (A, Ab), (B, Bb), (nll, nllb), (ext, extb) = lp_, lp_ext_, A_, B_, nll_, ext_
    T, K = lp.shape
    S = len(ext)
    post, postb = np.empty(S), tr.alloc((S,), fb, "posterior")
    gamma, gammab = np.empty(K), tr.alloc((K,), fb, "gamma")
    grad, gradb = np.empty((T, K)), tr.alloc((T, K), fb, "dlogits")
    lp_safe = np.where(np.isfinite(lp_ext), lp_ext, 0.0)
    for t in range(T):
        with np.errstate(invalid="ignore"):
            np.exp(A[t, 2:] + B[t, :S] - lp_safe[t] + nll, out=post)
        tr.op(postb.all(), Ab.row(t, 2, S + 2), Bb.row(t, 0, S))
        tr.op(postb.all(), postb.all(), lp_extb.row(t))
        tr.op(postb.all(), postb.all(), nllb.all())
        tr.op(postb.all(), postb.all())
        gamma[:] = 0.0
        np.add.at(gamma, ext, post)
        tr.write(gammab)
        tr.read(extb)
        tr.read(postb)
        tr.gather(gammab, ext)
        tr.write(gammab)
        grad[t] = np.exp(lp[t]) - gamma
        tr.op(gradb.row(t), lpb.row(t), gammab.all())
    return grad, gradb
