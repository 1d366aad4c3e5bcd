"""What every wire of the cell diagram carries at step t, for one unit: the spec the live view follows.

The stepping component in the browser computes the same values from the same arrays (it has no server
round trip); the browser test checks its numbers against `wire_values` here.

Wires, by architecture (step t, unit u, all scalars):
    LSTM: c_prev, f, f_c (= f ⊙ c_prev), i, g, i_g (= i ⊙ g), c, tanh_c, o, h, h_prev
    GRU:  h_prev, r, z, one_minus_z, a_n (= W_in x_t + b_in), b_n (= W_hn h_{t-1} + b_hn), r_b (= r ⊙ b_n),
          n, z_h (= z ⊙ h_prev), nz (= (1 − z) ⊙ n), h
    RNN:  h_prev, a (= W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), h
"""
from __future__ import annotations

import torch

from explorer.cells import Cell
from explorer.trace import Trace

__all__ = ["aux_arrays", "wire_values"]


@torch.no_grad()
def aux_arrays(cell: Cell, trace: Trace) -> dict[str, torch.Tensor]:
    """Pre-activation terms the diagram shows but a Trace does not hold, each (T, H)."""
    H = cell.hidden_size
    if cell.arch == "gru":
        a_n = trace.x @ cell.weight_ih[2 * H:].T + cell.bias_ih[2 * H:]  # (T, H): W_in x_t + b_in
        b_n = trace.h_prev @ cell.weight_hh[2 * H:].T + cell.bias_hh[2 * H:]  # (T, H): W_hn h_{t-1} + b_hn
        return {"a_n": a_n, "b_n": b_n}
    if cell.arch == "rnn":
        a = trace.x @ cell.weight_ih.T + cell.bias_ih + trace.h_prev @ cell.weight_hh.T + cell.bias_hh  # (T, H)
        return {"a": a}
    return {}


def wire_values(trace: Trace, aux: dict[str, torch.Tensor], t: int, unit: int) -> dict[str, float]:
    """Every wire's value at step t (1-based) for one unit."""
    if not 1 <= t <= trace.steps:
        raise ValueError(f"t must lie in 1..{trace.steps}, got {t}")
    k = t - 1
    h_prev = float(trace.h_prev[k, unit])
    h = float(trace.h[k, unit])
    if trace.arch == "lstm":
        g = {n: float(v[k, unit]) for n, v in trace.gates.items()}
        c_prev, c = float(trace.c_prev[k, unit]), float(trace.c[k, unit])
        return {"c_prev": c_prev, "f": g["f"], "f_c": g["f"] * c_prev, "i": g["i"], "g": g["g"],
                "i_g": g["i"] * g["g"], "c": c, "tanh_c": float(torch.tanh(torch.tensor(c))), "o": g["o"],
                "h": h, "h_prev": h_prev}
    if trace.arch == "gru":
        r, z, n = (float(trace.gates[name][k, unit]) for name in ("r", "z", "n"))
        a_n, b_n = float(aux["a_n"][k, unit]), float(aux["b_n"][k, unit])
        return {"h_prev": h_prev, "r": r, "z": z, "one_minus_z": 1 - z, "a_n": a_n, "b_n": b_n, "r_b": r * b_n,
                "n": n, "z_h": z * h_prev, "nz": (1 - z) * n, "h": h}
    return {"h_prev": h_prev, "a": float(aux["a"][k, unit]), "h": h}
