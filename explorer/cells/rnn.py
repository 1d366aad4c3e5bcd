r"""RNN: the vanilla (Elman) recurrent cell with tanh, PyTorch's formulation.

    h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)

Parameters (G = 1): weight_ih (H, I), weight_hh (H, H), bias_ih and bias_hh (H,). The note's
h_t = f_W(x_t, h_{t-1}); its gradient through time is the product of A_t = diag(1 − h_t²) W_hh.
"""
from __future__ import annotations

import torch
from torch import nn

from explorer.cells.base import Cell, Clamp
from explorer.cells.spec import ArchSpec, Quantity, Wire

__all__ = ["RNN", "rnn_step", "SPEC"]


def rnn_step(cell: Cell, x_t, h_prev, t: int = 1, clamps: tuple[Clamp, ...] = ()):
    """One vanilla RNN step, the teaching path. Returns (h_t, {}): it has no gate to pin."""
    h = torch.tanh(cell.weight_ih @ x_t + cell.bias_ih + cell.weight_hh @ h_prev + cell.bias_hh)  # h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
    return h, {}


class RNN(Cell):
    __doc__ = __doc__

    torch_module = nn.RNN
    torch_cell = nn.RNNCell

    def _fused(self, x, state):
        if state is None:
            state = self._zeros(x.shape[1])
        out, h_n = torch.rnn_tanh(x, state, self._params(), True, 1, 0.0, False, False, False)
        return out, h_n

    def reference_step(self, x_t, state, t=1, clamps=()):
        h, gates = rnn_step(self, x_t, state["h"], t, clamps)
        return {"h": h}, gates

    def _recover(self, x, h_prev, c0):
        return {}, None

    def aux_arrays(self, tr):
        with torch.no_grad():
            a = tr.x @ self.weight_ih.T + self.bias_ih + tr.h_prev @ self.weight_hh.T + self.bias_hh  # (T, H)
        return {"a": a}

    def backward_sweep(self, tr, sweep):
        H, T = self.hidden_size, tr.steps
        W = torch.cat([self.weight_hh.detach(), self.weight_ih.detach()], dim=1)  # (H, H + I): ∂/∂h_{t-1} and ∂/∂x_t
        sq_x, sq_h = torch.zeros(T, dtype=torch.float64), torch.zeros(T, dtype=torch.float64)
        dpre = 1 - tr.h ** 2  # (T, H): tanh'(a_t) = 1 - h_t²
        dh = torch.eye(H, dtype=torch.float64)  # (H, H): row k is ∂h_T[k]/∂h_t, starting at t = T
        for t in range(T - 1, -1, -1):
            sweep.rescale(t, dh)
            sq_h[t] = dh.square().sum()
            da = dh * dpre[t]  # (H, H): ∂h_T/∂a_t, a_t = W_ih x_t + b + W_hh h_{t-1}
            res = da @ W  # (H, H + I)
            sq_x[t] = res[:, H:].square().sum()  # ∂h_T/∂x_t = ∂h_T/∂a_t W_ih
            dh = res[:, :H]  # A_t: ∂h_T/∂h_{t-1} = ∂h_T/∂h_t diag(1 - h_t²) W_hh
        return sq_x, sq_h, None


SPEC = ArchSpec(
    arch="rnn", label="RNN", color="#d62728",
    gates=(),
    carry_gate=None,
    quantities=(Quantity("h", "hidden state h_t", "What the cell exposes at step t, in −1..1.", "tanh"),),
    equations=("h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)",),
    latex=r"""h_t = \tanh(W_{ih}x_t + b_{ih} + W_{hh}h_{t-1} + b_{hh})""",
    live_equations=(
        ("h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh) = tanh(", {"w": "a"}, ") = ", {"w": "h"}),
    ),
    wires=(
        Wire("h_prev", "h_{t−1}", "tanh", ("prev", "h")),
        Wire("a", "W_ih x+W_hh h+b", "wide", ("at", "a")),
        Wire("h", "h_t", "tanh", ("at", "h")),
    ),
    aux=("a",),
)
RNN.spec = SPEC
