"""The teaching implementation: each cell's step written as its equations, one per line.

This is the code the app shows beside the diagram, and the one what-if runs use: a `Clamp` pins a
gate to a value for chosen units from a chosen step on, which the fused kernels cannot do. It is
checked against `torch.nn` and against the fast `Cell.trace` in the tests.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from explorer.cells import Cell
from explorer.trace import GATE_NAMES, Trace

__all__ = ["Clamp", "lstm_step", "gru_step", "rnn_step", "reference_trace", "CLAMPABLE"]

# gates a what-if may pin, per architecture
CLAMPABLE: dict[str, tuple[str, ...]] = {"lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n"), "rnn": ()}


@dataclass(frozen=True)
class Clamp:
    """Pin `gate` to `value` for `units` (None: all) at every step t >= `from_step` (1-based)."""

    gate: str
    value: float
    from_step: int = 1
    units: tuple[int, ...] | None = None


def _apply(name: str, value: torch.Tensor, t: int, clamps: tuple[Clamp, ...]) -> torch.Tensor:
    """The gate after any clamps active at step t (1-based)."""
    for cl in clamps:
        if cl.gate == name and t >= cl.from_step:
            value = value.clone()
            if cl.units is None:
                value[:] = cl.value
            else:
                value[list(cl.units)] = cl.value
    return value


def lstm_step(cell: Cell, x_t, h_prev, c_prev, t: int = 1, clamps: tuple[Clamp, ...] = ()):
    """One LSTM step. x_t: (I,), h_prev, c_prev: (H,). Returns (h_t, c_t, gates)."""
    W_ii, W_if, W_ig, W_io = cell.weight_ih.chunk(4)  # each (H, I)
    W_hi, W_hf, W_hg, W_ho = cell.weight_hh.chunk(4)  # each (H, H)
    b_ii, b_if, b_ig, b_io = cell.bias_ih.chunk(4)
    b_hi, b_hf, b_hg, b_ho = cell.bias_hh.chunk(4)
    i = torch.sigmoid(W_ii @ x_t + b_ii + W_hi @ h_prev + b_hi)  # i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)
    f = torch.sigmoid(W_if @ x_t + b_if + W_hf @ h_prev + b_hf)  # f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)
    g = torch.tanh(W_ig @ x_t + b_ig + W_hg @ h_prev + b_hg)  # g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)
    o = torch.sigmoid(W_io @ x_t + b_io + W_ho @ h_prev + b_ho)  # o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)
    i, f, g, o = (_apply(n, v, t, clamps) for n, v in zip("ifgo", (i, f, g, o)))
    c = f * c_prev + i * g  # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    h = o * torch.tanh(c)  # h_t = o_t ⊙ tanh(c_t)
    return h, c, {"i": i, "f": f, "g": g, "o": o}


def gru_step(cell: Cell, x_t, h_prev, t: int = 1, clamps: tuple[Clamp, ...] = ()):
    """One GRU step (PyTorch's convention: z is the fraction of h_{t-1} kept). Returns (h_t, gates)."""
    W_ir, W_iz, W_in = cell.weight_ih.chunk(3)  # each (H, I)
    W_hr, W_hz, W_hn = cell.weight_hh.chunk(3)  # each (H, H)
    b_ir, b_iz, b_in = cell.bias_ih.chunk(3)
    b_hr, b_hz, b_hn = cell.bias_hh.chunk(3)
    r = torch.sigmoid(W_ir @ x_t + b_ir + W_hr @ h_prev + b_hr)  # r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
    z = torch.sigmoid(W_iz @ x_t + b_iz + W_hz @ h_prev + b_hz)  # z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
    r = _apply("r", r, t, clamps)
    z = _apply("z", z, t, clamps)
    n = torch.tanh(W_in @ x_t + b_in + r * (W_hn @ h_prev + b_hn))  # n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))
    n = _apply("n", n, t, clamps)
    h = (1 - z) * n + z * h_prev  # h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}
    return h, {"r": r, "z": z, "n": n}


def rnn_step(cell: Cell, x_t, h_prev, t: int = 1, clamps: tuple[Clamp, ...] = ()):
    """One vanilla RNN step. Returns (h_t, {})."""
    h = torch.tanh(cell.weight_ih @ x_t + cell.bias_ih + cell.weight_hh @ h_prev + cell.bias_hh)  # h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
    return h, {}


@torch.no_grad()
def reference_trace(cell: Cell, x: torch.Tensor, clamps: tuple[Clamp, ...] | list[Clamp] = (),
                    h0: torch.Tensor | None = None, c0: torch.Tensor | None = None) -> Trace:
    """Run the equations step by step over x (T, I), with optional gate clamps; returns a Trace."""
    clamps = tuple(clamps)
    for cl in clamps:
        if cl.gate not in CLAMPABLE[cell.arch]:
            raise ValueError(f"{cell.arch.upper()} has no gate {cl.gate!r} to clamp; expected one of "
                             f"{CLAMPABLE[cell.arch]}")
        if cl.units is not None and any(u < 0 or u >= cell.hidden_size for u in cl.units):
            raise ValueError(f"clamped units must lie in 0..{cell.hidden_size - 1}, got {cl.units}")
    cell._check_input(x)
    T, H = x.shape[0], cell.hidden_size
    h = torch.zeros(H, dtype=x.dtype) if h0 is None else h0.reshape(H).to(x.dtype)
    c = torch.zeros(H, dtype=x.dtype) if c0 is None else c0.reshape(H).to(x.dtype)
    h_start, c_start = h.clone(), c.clone()
    hs, cs = [], []
    gates: dict[str, list[torch.Tensor]] = {k: [] for k in GATE_NAMES[cell.arch]}
    for t in range(1, T + 1):  # the time loop, written out: this is the teaching path
        x_t = x[t - 1]
        if cell.arch == "lstm":
            h, c, g = lstm_step(cell, x_t, h, c, t, clamps)
            cs.append(c)
        elif cell.arch == "gru":
            h, g = gru_step(cell, x_t, h, t, clamps)
        else:
            h, g = rnn_step(cell, x_t, h, t, clamps)
        hs.append(h)
        for k, v in g.items():
            gates[k].append(v)
    is_lstm = cell.arch == "lstm"
    return Trace(arch=cell.arch, x=x.detach().clone(), h=torch.stack(hs), c=torch.stack(cs) if is_lstm else None,
                 gates={k: torch.stack(v) for k, v in gates.items()}, h0=h_start,
                 c0=c_start if is_lstm else None)
