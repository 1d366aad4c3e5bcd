"""How far back a gradient reaches: ‖∂h_T/∂x_t‖ and ‖∂h_T/∂state_t‖ for every t, in one backward sweep.

The quantities (h_T the last hidden state, t = 1..T, distance d = T - t):

    input  s[t] = ‖∂h_T/∂x_t‖_F                      what the issue and DESIGN call input_sensitivity
    hidden      ‖∂h_T/∂h_t‖_F                        for the LSTM with c_t held fixed: the gate path
    cell        ‖∂h_T/∂c_t‖_F   (LSTM only)          with h_t held fixed: the additive cell highway
    state       ‖∂h_T/∂(h_t, c_t)‖_F                 = sqrt(hidden² + cell²); equals hidden for RNN/GRU

How: ∂h_T/∂state_{t-1} = ∂h_T/∂state_t · ∂state_t/∂state_{t-1}. We carry the H rows of ∂h_T/∂state_t
(one per output unit, i.e. H copies of the adjoint) backwards through the closed-form derivative of
each step, e.g. for the RNN  A_t = diag(1 - h_t²) W_hh,  so all T values come from one sweep of T small
matmuls instead of T·H autograd passes. Everything is float64: in float32 these norms underflow to
exactly 0 after ~100 steps at default init. The carried rows are rescaled by exact powers of two
whenever they grow or shrink far, and the exponent is kept aside, so the log10 values stay exact even
where the plain float64 value would overflow (it is then +inf, and `overflow` marks it).
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import torch

from explorer.cells import Cell, Stack

__all__ = ["Sensitivities", "Reach", "sensitivities", "input_sensitivity", "with_spectral_radius",
           "spectral_radius", "carry_product", "gate_product", "rnn_bound", "reach", "by_distance",
           "REACH_LEVELS"]

REACH_LEVELS = (1e-3, 1e-6)  # "reach": the distance at which a curve falls below these fractions of its start
_LOG10_MAX = math.log10(torch.finfo(torch.float64).max)  # 308.25: beyond this a float64 is +inf
_BIG = 2.0 ** 400  # rescale the carried rows when their largest entry leaves [1/_BIG, _BIG]


@dataclass(frozen=True)
class Sensitivities:
    """Norms of the Jacobians of h_T, for every step t = 1..T (row t - 1), as log10 (exact, no overflow).

    Attributes:
        arch:         "lstm", "gru" or "rnn".
        input_log10:  (T,) log10 ‖∂h_T/∂x_t‖_F.
        hidden_log10: (T,) log10 ‖∂h_T/∂h_t‖_F (LSTM: c_t held fixed).
        cell_log10:   (T,) log10 ‖∂h_T/∂c_t‖_F with h_t held fixed (LSTM), None otherwise. -inf at t = T.
        state_log10:  (T,) log10 ‖∂h_T/∂(h_t, c_t)‖_F (LSTM); the hidden one otherwise.
    A norm that is exactly 0 has log10 = -inf.
    """

    arch: str
    input_log10: torch.Tensor
    hidden_log10: torch.Tensor
    cell_log10: torch.Tensor | None
    state_log10: torch.Tensor

    @property
    def steps(self) -> int:
        return self.input_log10.shape[0]

    @property
    def input(self) -> torch.Tensor:
        """(T,) float64 ‖∂h_T/∂x_t‖_F; +inf where the value is past float64's range (see `overflow`)."""
        return _from_log10(self.input_log10)

    @property
    def hidden(self) -> torch.Tensor:
        return _from_log10(self.hidden_log10)

    @property
    def cell(self) -> torch.Tensor | None:
        return None if self.cell_log10 is None else _from_log10(self.cell_log10)

    @property
    def state(self) -> torch.Tensor:
        return _from_log10(self.state_log10)

    @property
    def overflow(self) -> torch.Tensor:
        """(T,) bool: steps whose input or state sensitivity is too large for a float64."""
        return (self.input_log10 > _LOG10_MAX) | (self.state_log10 > _LOG10_MAX)


@dataclass(frozen=True)
class Reach:
    """How far back a curve reaches: the first distance d = T - t at which curve(d) / curve(0) < level.

    `distances[k]` belongs to `levels[k]`; None means the curve never fell that low within `steps`.
    """

    levels: tuple[float, ...]
    distances: tuple[int | None, ...]
    steps: int


def _from_log10(v: torch.Tensor) -> torch.Tensor:
    out = torch.pow(10.0, v)  # exp of -inf is 0; past 308.25 it is +inf
    return torch.where(v > _LOG10_MAX, torch.full_like(v, math.inf), out)


def _as_float64(cell: Cell) -> Cell:
    """The cell in float64; a copy when a conversion is needed, so the caller's cell is never touched."""
    if cell.weight_ih.dtype == torch.float64:
        return cell
    return copy.deepcopy(cell).to(torch.float64)


class _Sweep:
    """Running log2 scale of the carried rows, and the per-step squared norms (of the scaled rows)."""

    def __init__(self, T: int):
        self.exp2 = torch.zeros(T, dtype=torch.float64)  # log2 of the scale in force at step t
        self.scale = 0  # current log2 scale: true rows = carried rows * 2**scale

    def rescale(self, t: int, *rows: torch.Tensor) -> None:
        m = max(float(r.abs().max()) for r in rows)
        if m > _BIG or 0.0 < m < 1.0 / _BIG:
            e = math.frexp(m)[1]  # m = mantissa * 2**e; dividing by 2**e is exact
            for r in rows:
                r.mul_(2.0 ** -e)
            self.scale += e
        self.exp2[t] = self.scale

    def log10(self, sq: torch.Tensor) -> torch.Tensor:
        """log10 of sqrt(sq) * 2**exp2 for every step."""
        return 0.5 * torch.log10(sq) + self.exp2 * math.log10(2.0)


def sensitivities(cell: Cell, x: torch.Tensor) -> Sensitivities:
    """All of ‖∂h_T/∂x_t‖, ‖∂h_T/∂h_t‖ (and for the LSTM ‖∂h_T/∂c_t‖, ‖∂h_T/∂(h_t,c_t)‖) for t = 1..T.

    cell: any RNN / LSTM / GRU (trained or not); it is not modified. x: (T, I) inputs, any float dtype.
    Works in float64 on a copy when needed. Zero initial state, as `Cell.trace`. The sweep is T small
    (H, G·H) matmuls: a second intra-op thread does not speed them up (the app's server runs torch on one
    thread, see explorer/ui/__init__.py); this function leaves torch's global settings alone.
    """
    return _sweep(cell, x)


@torch.no_grad()
def _sweep(cell: Cell, x: torch.Tensor) -> Sensitivities:
    cell = _as_float64(cell)
    x = x.detach().to(torch.float64)
    tr = cell.trace(x)
    sweep = _Sweep(tr.steps)
    # each architecture's closed-form step Jacobians live beside its forward (explorer/cells/<arch>.py)
    sq_x, sq_h, sq_c = cell.backward_sweep(tr, sweep)
    cell_log10 = None if sq_c is None else sweep.log10(sq_c)
    hidden_log10 = sweep.log10(sq_h)
    state_log10 = hidden_log10 if sq_c is None else sweep.log10(sq_h + sq_c)
    return Sensitivities(arch=cell.arch, input_log10=sweep.log10(sq_x), hidden_log10=hidden_log10,
                         cell_log10=cell_log10, state_log10=state_log10)


def input_sensitivity(cell: Cell | Stack, x: torch.Tensor) -> torch.Tensor:
    """(T,) float64: s[t] = ‖∂h_T/∂x_t‖_F, h_T the last hidden state; +inf past float64's range.

    For a Stack, h_T is its output y_T at the last step (all directions, as torch's): Stack.input_sensitivity.
    """
    if isinstance(cell, Stack):
        return cell.input_sensitivity(x)
    return sensitivities(cell, x).input


# --------------------------------------------------------------------------------- curves by distance
def by_distance(log10: torch.Tensor) -> torch.Tensor:
    """(T,) log10 curve indexed by step t -> indexed by distance d = T - t and divided by its d = 0 value."""
    rev = log10.flip(0)  # (T,): d = 0, 1, ..., T - 1
    return rev - rev[0]


def reach(log10: torch.Tensor, levels: tuple[float, ...] = REACH_LEVELS) -> Reach:
    """The first distance at which the step-indexed log10 curve falls below each level of its d = 0 value."""
    rel = by_distance(log10)  # (T,)
    out = []
    for level in levels:
        below = torch.nonzero(rel < math.log10(level))
        out.append(int(below[0]) if len(below) else None)
    return Reach(levels=tuple(levels), distances=tuple(out), steps=int(log10.shape[0]))


# --------------------------------------------------------------------------------- theory overlays
@torch.no_grad()
def carry_product(cell: Cell, x: torch.Tensor) -> torch.Tensor | None:
    """(T,) log10 of the RMS over units of the carry-gate product, by distance d = 0..T-1.

    LSTM: P(d) = ∏_{k=T-d+1..T} f_k, the Jacobian ∂c_T/∂c_{T-d} along the cell highway alone.
    GRU:  the same with the update gate z (PyTorch's z is the fraction of h_{t-1} kept).
    RMS = ‖diag(P)‖_F / sqrt(H), so P(0) = 1 like the normalized curves. None for the RNN.
    """
    gate = cell.spec.carry_gate
    if gate is None:
        return None
    cell = _as_float64(cell)
    return gate_product(cell.trace(x.detach().to(torch.float64)).gates[gate])


def gate_product(gate: torch.Tensor) -> torch.Tensor:
    """(T,) log10 RMS_units ∏_{k=T-d+1..T} gate_k for d = 0..T-1, from a (T, H) gate in (0, 1)."""
    logs = torch.log(gate.to(torch.float64)).flip(0).cumsum(0)  # (T, H): row d-1 = Σ_{k=T-d+1..T} log f_k
    logs = torch.cat([torch.zeros_like(logs[:1]), logs[:-1]], dim=0)  # (T, H): row d, P(0) = 1
    H = gate.shape[1]
    log_rms = 0.5 * (torch.logsumexp(2 * logs, dim=1) - math.log(H))  # log sqrt(mean P²), no underflow
    return log_rms / math.log(10.0)


@torch.no_grad()
def rnn_bound(cell: Cell, steps: int) -> torch.Tensor:
    """(steps,) log10 σ_max(W_hh)^d for d = 0..steps-1: since |tanh'| ≤ 1, ‖∂h_T/∂h_{T-d}‖₂ ≤ σ_max(W_hh)^d."""
    sigma = torch.linalg.matrix_norm(cell.weight_hh.detach().to(torch.float64), ord=2)
    return torch.arange(steps, dtype=torch.float64) * torch.log10(sigma)


@torch.no_grad()
def spectral_radius(cell: Cell) -> float:
    """max |eigenvalue| of the RNN's W_hh (H, H)."""
    if cell.arch != "rnn":
        raise ValueError(f"the spectral radius is defined for the square W_hh of the RNN, got a {cell.arch}")
    return float(torch.linalg.eigvals(cell.weight_hh.detach().to(torch.float64)).abs().max())


@torch.no_grad()
def with_spectral_radius(cell: Cell, radius: float) -> Cell:
    """A new RNN whose W_hh is rescaled to the given spectral radius; the given cell is not modified."""
    if not radius > 0:
        raise ValueError(f"radius must be > 0, got {radius}")
    current = spectral_radius(cell)
    if current == 0:
        raise ValueError("W_hh has spectral radius 0; it cannot be rescaled")
    out = copy.deepcopy(cell)
    out.weight_hh.mul_(radius / current)
    return out
