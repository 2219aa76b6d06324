"""Seed 001's sixth question: how much of a BLSTM reader's training data movement is CTC, how much BPTT?

For each setting (frames T, label length L so S = 2L + 1 CTC states, hidden
units H per direction, K classes, I = 3 input channels) one word's training
step is traced (`traced_step.training_step`) and its ByteDMD cost is
split into BLSTM forward, BPTT, output layer and CTC. Beside it: the FLOPs
of the same operations, counted analytically (a multiply-add is 2, any other
element-wise operation 1), and the wall time of the same steps in torch on
this machine with one thread (nn.LSTM forward and backward, nn.Linear and
log_softmax forward and backward, F.ctc_loss forward and backward, float32,
the fastest of a few repeats).

`QUICK` (seconds: the Research page's rerun and the tests) and `FULL` (about
8 minutes on the 2-core machine: the README's table) are the settings; `python -m core research
data-movement [--quick]` prints the table and the full run writes
`checkpoints/research/data-movement/data_movement.csv`.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from core.errors import InputError
from core.files.atomic import write_json
from core.movement.meter import Tracer
from core.movement.traced_ctc import CTC_STAGES
from core.movement.traced_step import BLSTMParams, training_step
from core.train.sweep import write_table

PARTS = ("blstm_forward", "bptt", "output", "ctc")
FOLDER = "data-movement"   # in the research folder
CSV_NAME = "data_movement.csv"


@dataclass(frozen=True)
class Setting:
    group: str      # which factor the row varies: seed, lines (T and S), T, S, H, line reader
    T: int
    L: int
    H: int
    K: int = 11
    I: int = 3

    @property
    def S(self) -> int:
        return 2 * self.L + 1


SEED = Setting("seed 001's word", 77, 5, 64)
QUICK = [Setting("quick", 40, 3, 16), Setting("quick", 80, 5, 16), Setting("quick", 160, 10, 16)]
FULL = [SEED,
        *(Setting("lines (T and S)", T, round(T / 15.4), 64) for T in (300, 600, 1000, 1500, 3000)),
        *(Setting("T alone", T, 5, 64) for T in (300, 1000)),
        *(Setting("S alone", 300, L, 64) for L in (10, 40)),
        *(Setting("H alone", 77, 5, H) for H in (16, 32, 128)),
        Setting("line reader (one layer of reader-text)", 600, 39, 128, K=96)]


LIMITS = {"T": (2, 20_000), "L": (1, 2_000), "H": (1, 512), "K": (2, 512)}
SECONDS_PER_FRAME_AND_UNIT = 5.5e-4   # tracing time over T x H, measured on the full table (0.50-0.64 ms)


def own_setting(T: int, L: int, H: int, K: int = 11) -> Setting:
    """A setting of one's own, checked: a random label of L letters among K - 1 needs T >= 2L + 1 frames here."""
    values = {"T": T, "L": L, "H": H, "K": K}
    for name, v in values.items():
        lo, hi = LIMITS[name]
        if not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
            raise InputError(f"{name} must be a whole number from {lo:,} to {hi:,}, not {v!r}")
    if T < 2 * L + 1:
        raise InputError(f"{T} frames are too few for {L} letters: CTC needs room for a blank between repeated "
                         f"letters, so this study asks for T >= 2L + 1 = {2 * L + 1}")
    return Setting("your own", int(T), int(L), int(H), int(K))


def parse_setting(text: str) -> Setting:
    """`T=600,L=39,H=128,K=96` (K may be left out: 11) as a checked setting."""
    values: dict[str, int] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = item.partition("=")
        name = name.strip().upper()
        if name not in LIMITS or not value.strip().lstrip("-").isdigit():
            raise InputError(f"cannot read {item!r} in {text!r}: write T=frames,L=letters,H=hidden[,K=classes], "
                             "for instance T=600,L=39,H=64")
        values[name] = int(value)
    missing = [n for n in ("T", "L", "H") if n not in values]
    if missing:
        raise InputError(f"{text!r} says nothing of {', '.join(missing)}: "
                         "write T=frames,L=letters,H=hidden[,K=classes]")
    return own_setting(**values)


def estimated_seconds(s: Setting) -> float:
    """About how long tracing the setting takes on one core (the BLSTM's T x H reads dominate)."""
    return SECONDS_PER_FRAME_AND_UNIT * s.T * s.H * (1 + s.S / (50 * s.H))


def flops(s: Setting) -> dict[str, float]:
    """FLOPs of one training step per part, counting the operations `training_step` traces."""
    T, S, H, K, I = s.T, s.S, s.H, s.K, s.I
    forward = 2 * T * (8 * H * (I + H) + 13 * H)       # slab, bias, 4 nonlinearities, the cell's 5 ops
    bptt = 2 * T * (8 * H * (I + H) + 8 * H * H + 27 * H)  # dW, dh through W_hh, the gates' derivatives
    output = T * (4 * K * H + K + 5 * K) + T * (8 * K * H + K)
    ctc = T * (30 * S + 5 * S + 2 * K)                 # alpha and beta (15 ops a state), posteriors, gradient
    return {"blstm_forward": forward, "bptt": bptt, "output": output, "ctc": ctc}


def _fastest(fn, repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def torch_seconds(s: Setting, target: list[int], repeats: int = 5, seed: int = 0) -> dict[str, float]:
    """Wall time of the same steps in torch (float32, one thread), the fastest of `repeats`."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        g = torch.Generator().manual_seed(seed)
        lstm = torch.nn.LSTM(s.I, s.H, bidirectional=True)
        linear = torch.nn.Linear(2 * s.H, s.K)
        x = torch.randn(s.T, 1, s.I, generator=g)
        h = torch.randn(s.T, 2 * s.H, generator=g, requires_grad=True)
        lp = torch.log_softmax(torch.randn(s.T, 1, s.K, generator=g), -1).requires_grad_()
        up_h, up_lp = torch.randn(s.T, 1, 2 * s.H, generator=g), torch.randn(s.T, s.K, generator=g)
        tgt, tl = torch.tensor([target]), torch.tensor([len(target)])
        il = torch.tensor([s.T])
        forward = _fastest(lambda: lstm(x), repeats)
        both = _fastest(lambda: lstm(x)[0].backward(up_h), repeats)
        return {"blstm_forward": forward, "bptt": max(both - forward, 0.0),
                "output": _fastest(lambda: torch.log_softmax(linear(h), -1).backward(up_lp), repeats),
                "ctc": _fastest(lambda: torch.nn.functional.ctc_loss(lp, tgt, il, tl, reduction="sum").backward(),
                                repeats)}
    finally:
        torch.set_num_threads(threads)


def _fold_ctc(per_part: dict) -> dict:
    """The tracer's parts with CTC's stages (`CTC_STAGES`) summed into "ctc"."""
    out = {k: v for k, v in per_part.items() if k not in CTC_STAGES}
    out["ctc"] = sum(per_part.get(stage, 0) for stage in CTC_STAGES)
    return out


def ctc_split(rows: list[dict]) -> list[str]:
    """Per row, how CTC's ByteDMD divides between its setup, the alpha and beta tables, and the posteriors with
    the gradient (the pass that reads both tables again)."""
    return [f"T={r['T']} S={r['S']}: " + " / ".join(f"{100 * r[f'ctc_split_{stage}']:.0f}%" for stage in CTC_STAGES)
            for r in rows if f"ctc_split_{CTC_STAGES[0]}" in r]


def measure(s: Setting, seed: int = 0, float_bytes: int = 4, repeats: int = 5, registers: bool = False) -> dict:
    """One row: the setting, ByteDMD cost, bytes read, FLOPs and torch seconds per part, and the shares
    (`registers`: products keep their reused vector in registers, `Tracer.vectors_in_registers`)."""
    rng = np.random.default_rng(seed)
    params = BLSTMParams.random(s.I, s.H, s.K, rng)
    target = [int(c) for c in rng.integers(1, s.K, s.L)]
    tracer = Tracer(vectors_in_registers=registers)
    t0 = time.perf_counter()
    training_step(tracer, params, rng.normal(size=(s.T, s.I)), target, fb=float_bytes)
    trace_s = time.perf_counter() - t0
    row: dict = {**asdict(s), "S": s.S}
    measures = {"cost": _fold_ctc(tracer.costs), "bytes": _fold_ctc(tracer.bytes_read), "flops": flops(s),
                "seconds": torch_seconds(s, target, repeats, seed)}
    for name, per_part in measures.items():
        total = sum(per_part[p] for p in PARTS)
        row.update({f"{name}_{p}": per_part[p] for p in PARTS})
        row.update({f"{name}_share_{p}": per_part[p] / total for p in PARTS})
    row["cost_blstm"] = row["cost_blstm_forward"] + row["cost_bptt"]
    row.update({f"ctc_split_{stage}": tracer.costs.get(stage, 0.0) / row["cost_ctc"] for stage in CTC_STAGES})
    row["trace_seconds"] = round(trace_s, 2)
    row["vectors_in_registers"] = registers
    return row


def data_movement_table(quick: bool = False, progress=None, settings: list[Setting] | None = None,
                        registers: bool = False) -> list[dict]:
    """Every setting of `settings` (else `QUICK` or `FULL`), measured; `progress(row)` after each."""
    rows = []
    for s in settings or (QUICK if quick else FULL):
        rows.append(measure(s, repeats=3 if quick else 7, registers=registers))
        if progress:
            progress(rows[-1])
    return rows


def slope(rows: list[dict], x: str, y: str) -> float:
    """The log-log slope of y against x from the row with the smallest x to the one with the largest."""
    lo, hi = min(rows, key=lambda r: r[x]), max(rows, key=lambda r: r[x])
    return math.log(hi[y] / lo[y]) / math.log(hi[x] / lo[x])


def growth(rows: list[dict]) -> dict[str, dict[str, float]]:
    """How the ByteDMD cost of CTC, the BLSTM (forward + BPTT) and BPTT grow: log-log slopes against T, S or H."""
    with_seed = lambda g: [r for r in rows if r["group"] in (g, SEED.group)]  # noqa: E731
    by = {"lines (T and S)": ("T", with_seed("lines (T and S)")), "T alone": ("T", with_seed("T alone")),
          "S alone": ("S", [r for r in rows if r["T"] == 300 and r["H"] == SEED.H and r["K"] == SEED.K]),
          "H alone": ("H", with_seed("H alone")), "quick": ("T", [r for r in rows if r["group"] == "quick"])}
    return {g: {part: slope(rs, x, f"cost_{part}") for part in ("ctc", "blstm", "bptt")}
            for g, (x, rs) in by.items() if len({r[x] for r in rs}) > 1}


def ctc_pace(rows: list[dict]) -> dict[int, float]:
    """Torch's CTC time per frame and state (nanoseconds) along the rows where T and S grow together.

    Steady while the ByteDMD price of a byte grows with the table: torch's time is the arithmetic of
    the recursion (some ten exponentials and logarithms per state and frame: forward, backward,
    gradient), not its data movement.
    """
    curve = [r for r in rows if r["group"] in (SEED.group, "lines (T and S)", "quick", "your own")]
    return {r["T"]: 1e9 * r["seconds_ctc"] / (r["T"] * r["S"]) for r in sorted(curve, key=lambda r: r["T"])}


def _pct(v: float) -> str:
    return f"{100 * v:.2f}%" if v < 0.1 else f"{100 * v:.1f}%"


def format_table(rows: list[dict]) -> str:
    """A markdown table: ByteDMD cost per part, the CTC and BPTT shares beside FLOP and torch-time shares."""
    head = ("| T | S | H | K | ByteDMD: BLSTM fwd | BPTT | output | CTC | CTC share | BPTT share "
            "| CTC share of FLOPs | of torch time | BPTT share of FLOPs | of torch time | traced in |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        lines.append(f"| {r['T']} | {r['S']} | {r['H']} | {r['K']} | {r['cost_blstm_forward']:.3g} | "
                     f"{r['cost_bptt']:.3g} | {r['cost_output']:.3g} | {r['cost_ctc']:.3g} | "
                     f"{_pct(r['cost_share_ctc'])} | {_pct(r['cost_share_bptt'])} | {_pct(r['flops_share_ctc'])} | "
                     f"{_pct(r['seconds_share_ctc'])} | {_pct(r['flops_share_bptt'])} | "
                     f"{_pct(r['seconds_share_bptt'])} | {r['trace_seconds']:.3g} s |")
    return "\n".join(lines)


def summary(rows: list[dict]) -> list[dict]:
    """The shares the Research page tables: per setting, CTC's and BPTT's share of each measure."""
    return [{"T": r["T"], "S": r["S"], "H": r["H"], "K": r["K"],
             "CTC share of ByteDMD": round(r["cost_share_ctc"], 4),
             "BPTT share of ByteDMD": round(r["cost_share_bptt"], 4),
             "CTC share of FLOPs": round(r["flops_share_ctc"], 4),
             "BPTT share of FLOPs": round(r["flops_share_bptt"], 4),
             "CTC share of torch time": round(r["seconds_share_ctc"], 4),
             "BPTT share of torch time": round(r["seconds_share_bptt"], 4),
             "seconds to trace": r.get("trace_seconds")} for r in rows]


def write_results(rows: list[dict], folder: Path) -> Path:
    """data_movement.csv (one row per setting) and growth.json (the exponents) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    write_table(rows, folder / CSV_NAME)
    write_json(folder / "growth.json", growth(rows))
    return folder / CSV_NAME
