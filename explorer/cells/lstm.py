r"""LSTM: long short-term memory, PyTorch's formulation (chunk order i, f, g, o).

    i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)      input gate: how much of g_t to write
    f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)      forget gate: how much of c_{t-1} to keep
    g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)   candidate ("gate gate" in the note)
    o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)      output gate: how much of tanh(c_t) to expose
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t                     the additive cell-state update
    h_t = o_t ⊙ tanh(c_t)

Parameters (G = 4): weight_ih (4H, I) = (W_ii|W_if|W_ig|W_io), weight_hh (4H, H) = (W_hi|W_hf|W_hg|W_ho),
bias_ih and bias_hh (4H,) in the same order. In this file: the reference step, the fast recovery of every
gate from the fused kernel's outputs, the per-step Jacobian of the backward sweep, and the ArchSpec.
"""
from __future__ import annotations

import torch
from torch import nn

from explorer.cells.base import Cell, Clamp, pin
from explorer.cells.scan import linear_scan
from explorer.cells.spec import ArchSpec, Quantity, Wire

__all__ = ["LSTM", "lstm_step", "SPEC"]


def lstm_step(cell: Cell, x_t, h_prev, c_prev, t: int = 1, clamps: tuple[Clamp, ...] = ()):
    """One LSTM step, the teaching path. x_t: (I,), h_prev, c_prev: (H,). Returns (h_t, c_t, gates)."""
    W_ii, W_if, W_ig, W_io = cell.weight_ih.chunk(4)  # each (H, I)
    W_hi, W_hf, W_hg, W_ho = cell.weight_hh.chunk(4)  # each (H, H)
    b_ii, b_if, b_ig, b_io = cell.bias_ih.chunk(4)
    b_hi, b_hf, b_hg, b_ho = cell.bias_hh.chunk(4)
    i = torch.sigmoid(W_ii @ x_t + b_ii + W_hi @ h_prev + b_hi)  # i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)
    f = torch.sigmoid(W_if @ x_t + b_if + W_hf @ h_prev + b_hf)  # f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)
    g = torch.tanh(W_ig @ x_t + b_ig + W_hg @ h_prev + b_hg)  # g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)
    o = torch.sigmoid(W_io @ x_t + b_io + W_ho @ h_prev + b_ho)  # o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)
    i, f, g, o = (pin(n, v, t, clamps) for n, v in zip(SPEC.gates, (i, f, g, o)))  # what-ifs pin gates here
    c = f * c_prev + i * g  # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    h = o * torch.tanh(c)  # h_t = o_t ⊙ tanh(c_t)
    return h, c, {"i": i, "f": f, "g": g, "o": o}


class LSTM(Cell):
    __doc__ = __doc__

    torch_module = nn.LSTM
    torch_cell = nn.LSTMCell

    def _fused(self, x, state):
        B = x.shape[1]
        if state is None:
            state = (self._zeros(B), self._zeros(B))
        out, h_n, c_n = torch.lstm(x, state, self._params(), True, 1, 0.0, False, False, False)
        return out, (h_n, c_n)

    def reference_step(self, x_t, state, t=1, clamps=()):
        h, c, gates = lstm_step(self, x_t, state["h"], state["c"], t, clamps)
        return {"h": h, "c": c}, gates

    def _recover(self, x, h_prev, c0):
        return recover(self.weight_ih, self.weight_hh, self.bias_ih + self.bias_hh, x, h_prev, c0)

    def backward_sweep(self, tr, sweep):
        H = self.hidden_size
        W_ih, W_hh = self.weight_ih.detach(), self.weight_hh.detach()  # (4H, I), (4H, H)
        T = tr.steps
        sq_x, sq_h, sq_c = (torch.zeros(T, dtype=torch.float64) for _ in range(3))
        i, f, g, o = (tr.gates[k] for k in SPEC.gates)  # each (T, H)
        c, c_prev = tr.c, tr.c_prev  # (T, H)
        tc = torch.tanh(c)
        dc_dh = o * (1 - tc ** 2)  # ∂h_t/∂c_t = diag(o_t ⊙ (1 - tanh² c_t))
        # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t and h_t = o_t ⊙ tanh(c_t), by each pre-activation (i, f, g by c_t; o by h_t)
        K = torch.cat([g * i * (1 - i), c_prev * f * (1 - f), i * (1 - g ** 2), tc * o * (1 - o)], dim=1)  # (T, 4H)
        W = torch.cat([W_hh, W_ih], dim=1)  # (4H, H + I)
        dh = torch.eye(H, dtype=torch.float64)  # (H, H): row k is ∂h_T[k]/∂h_t, starting at t = T
        dc = torch.zeros(H, H, dtype=torch.float64)  # row k: ∂h_T[k]/∂c_t with h_t held fixed
        for t in range(T - 1, -1, -1):
            sweep.rescale(t, dh, dc)
            sq_h[t] = dh.square().sum()
            sq_c[t] = dc.square().sum()
            dct = torch.addcmul(dc, dh, dc_dh[t])  # c_t reached directly and through h_t = o_t ⊙ tanh(c_t)
            da = torch.cat([dct, dct, dct, dh], dim=1) * K[t]  # (H, 4H): ∂h_T/∂(pre-activations of i, f, g, o)
            res = da @ W  # (H, H + I)
            sq_x[t] = res[:, H:].square().sum()
            dh = res[:, :H]  # h_{t-1} feeds only the gates
            dc = dct * f[t]  # the highway: ∂c_t/∂c_{t-1} = diag(f_t), with h_{t-1} held fixed
        return sq_x, sq_h, sq_c


def recover(weight_ih, weight_hh, bias, x, h_prev, c0):
    """Every gate and c_t from x (T, I) and h_0..h_{T-1} (T, H) at once: ({i, f, g, o}, c), each (T, H).

    A batch may sit between time and features: x (T, B, I), h_prev (T, B, P), c0 (B, H) -> each (T, B, H).
    """
    gates = recover_gates(weight_ih, weight_hh, bias, x, h_prev)
    c = linear_scan(gates["f"], gates["i"] * gates["g"], c0)  # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t, (T, [B,] H)
    return gates, c


def recover_gates(weight_ih, weight_hh, bias, x, h_prev):
    """{i, f, g, o}, each (T, [B,] H), from x (T, [B,] I) and h_0..h_{T-1} (T, [B,] P) at once.

    Shared by LSTM.trace (through `recover`) and each direction of a Stack's layers (whose weight_hh may be
    (4H, P) with a projection; the Stack scans the cell states of all its layers at once).
    """
    H = weight_ih.shape[0] // 4
    # The candidate's rows of W and b are doubled (exact: a power of two), so one in-place sigmoid over
    # all four blocks also yields g through tanh(a) = 2σ(2a) − 1; torch's tanh costs about four
    # sigmoids here, and this is the hot path of every trace. The absolute error is a few float32
    # ulps of 1 (the parity tests hold it to torch's tanh within 1e-5).
    scale = torch.ones(4 * H, 1, dtype=x.dtype)
    scale[2 * H:3 * H] = 2.0
    # the note's single matrix: [h_{t-1}; x_t] (T, H+I) times W^T (H+I, 4H), for all t (and rows of a batch) at once
    W = torch.cat([weight_hh, weight_ih], dim=1)  # (4H, P + I), P = H without projection
    rows = torch.cat([h_prev, x], dim=-1)  # (T, [B,] P + I)
    pre = torch.addmm(bias * scale[:, 0], rows.flatten(0, -2), (W * scale).T)  # (T*B, 4H): i, f, 2·g, o
    pre = pre.sigmoid_().view(*x.shape[:-1], 4 * H)  # (T, [B,] 4H)
    i, f, o = pre[..., :H], pre[..., H:2 * H], pre[..., 3 * H:]  # views, each (T, [B,] H)
    g = pre[..., 2 * H:3 * H].mul_(2.0).sub_(1.0)  # (T, [B,] H) candidate: 2σ(2a) − 1 = tanh(a)
    return dict(zip(SPEC.gates, (i, f, g, o)))


SPEC = ArchSpec(
    arch="lstm", label="LSTM", color="#1f77b4",
    gates=("i", "f", "g", "o"),
    carry_gate="f",
    quantities=(
        Quantity("i", "input gate i_t", "How much of the candidate g_t is written into the cell (0 = nothing, 1 = all).",
                 "gate"),
        Quantity("f", "forget gate f_t", "How much of the old cell state c_{t−1} is kept (1 = keep everything).",
                 "gate"),
        Quantity("g", "candidate g_t", "The new content proposed for the cell, in −1..1 (the note's 'gate gate').",
                 "tanh"),
        Quantity("o", "output gate o_t", "How much of tanh(c_t) is exposed as h_t.", "gate"),
        Quantity("c", "cell state c_t", "The long memory: c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t. Unbounded; range printed.",
                 "unbounded"),
        Quantity("h", "hidden state h_t", "What the cell exposes at step t, in −1..1.", "tanh"),
    ),
    equations=(
        "i_t = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi)",
        "f_t = σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf)",
        "g_t = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg)",
        "o_t = σ(W_io x_t + b_io + W_ho h_{t−1} + b_ho)",
        "c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t",
        "h_t = o_t ⊙ tanh(c_t)",
    ),
    latex=r"""\begin{aligned} i_t &= \sigma(W_{ii}x_t + b_{ii} + W_{hi}h_{t-1} + b_{hi})\\ f_t &= \sigma(W_{if}x_t + b_{if} + W_{hf}h_{t-1} + b_{hf})\\ g_t &= \tanh(W_{ig}x_t + b_{ig} + W_{hg}h_{t-1} + b_{hg})\\ o_t &= \sigma(W_{io}x_t + b_{io} + W_{ho}h_{t-1} + b_{ho})\\ c_t &= f_t \odot c_{t-1} + i_t \odot g_t\\ h_t &= o_t \odot \tanh(c_t)\end{aligned}""",
    live_equations=(
        ("i_t = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi) = ", {"w": "i"}),
        ("f_t = σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf) = ", {"w": "f"}),
        ("g_t = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg) = ", {"w": "g"}),
        ("o_t = σ(W_io x_t + b_io + W_ho h_{t−1} + b_ho) = ", {"w": "o"}),
        ("c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t = ", {"w": "f"}, " × ", {"w": "c_prev", "p": 1}, " + ", {"w": "i"}, " × ",
         {"w": "g", "p": 1}, " = ", {"w": "c"}),
        ("h_t = o_t ⊙ tanh(c_t) = ", {"w": "o"}, " × tanh(", {"w": "c"}, ") = ", {"w": "h"}),
    ),
    wires=(
        Wire("c_prev", "c_{t−1}", "wide", ("prev", "c")),
        Wire("f", "f", "gate", ("at", "f")),
        Wire("f_c", "f·c_{t−1}", "wide", ("mul", "f", "c_prev")),
        Wire("i", "i", "gate", ("at", "i")),
        Wire("g", "g", "tanh", ("at", "g")),
        Wire("i_g", "i·g", "tanh", ("mul", "i", "g")),
        Wire("c", "c_t", "wide", ("at", "c")),
        Wire("tanh_c", "tanh c", "tanh", ("tanh", "c")),
        Wire("o", "o", "gate", ("at", "o")),
        Wire("h", "h_t", "tanh", ("at", "h")),
        Wire("h_prev", "h_{t−1}", "tanh", ("prev", "h")),
    ),
)
LSTM.spec = SPEC
