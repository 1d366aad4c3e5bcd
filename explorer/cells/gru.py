r"""GRU: gated recurrent unit, PyTorch's formulation (chunk order r, z, n).

    r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)              reset gate
    z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)              update gate: the fraction of h_{t-1} KEPT
    n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))   candidate
    h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}

Parameters (G = 3): weight_ih (3H, I) = (W_ir|W_iz|W_in), weight_hh (3H, H) = (W_hr|W_hz|W_hn), biases (3H,).

Note: Cho et al. (2014) and many texts (the lecture note among them) write h_t = z ⊙ n + (1 - z) ⊙ h,
i.e. their z is our 1 - z; and Cho applies r to h_{t-1} *before* the matrix product, while PyTorch
applies it after (r ⊙ (W_hn h + b_hn)). We follow PyTorch so weights move freely between the two.
"""
from __future__ import annotations

import torch
from torch import nn

from explorer.cells.base import Cell, Clamp, pin
from explorer.cells.spec import ArchSpec, Quantity, Wire

__all__ = ["GRU", "gru_step", "SPEC"]


def gru_step(cell: Cell, x_t, h_prev, t: int = 1, clamps: tuple[Clamp, ...] = ()):
    """One GRU step, the teaching path (z is the fraction of h_{t-1} kept). Returns (h_t, gates)."""
    W_ir, W_iz, W_in = cell.weight_ih.chunk(3)  # each (H, I)
    W_hr, W_hz, W_hn = cell.weight_hh.chunk(3)  # each (H, H)
    b_ir, b_iz, b_in = cell.bias_ih.chunk(3)
    b_hr, b_hz, b_hn = cell.bias_hh.chunk(3)
    r = torch.sigmoid(W_ir @ x_t + b_ir + W_hr @ h_prev + b_hr)  # r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
    z = torch.sigmoid(W_iz @ x_t + b_iz + W_hz @ h_prev + b_hz)  # z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
    r = pin("r", r, t, clamps)
    z = pin("z", z, t, clamps)
    n = torch.tanh(W_in @ x_t + b_in + r * (W_hn @ h_prev + b_hn))  # n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))
    n = pin("n", n, t, clamps)
    h = (1 - z) * n + z * h_prev  # h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}
    return h, {"r": r, "z": z, "n": n}


class GRU(Cell):
    __doc__ = __doc__

    torch_module = nn.GRU
    torch_cell = nn.GRUCell

    def _fused(self, x, state):
        if state is None:
            state = self._zeros(x.shape[1])
        out, h_n = torch.gru(x, state, self._params(), True, 1, 0.0, False, False, False)
        return out, h_n

    def reference_step(self, x_t, state, t=1, clamps=()):
        h, gates = gru_step(self, x_t, state["h"], t, clamps)
        return {"h": h}, gates

    def _recover(self, x, h_prev, c0):
        return recover(self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, x, h_prev), None

    def aux_arrays(self, tr):
        H = self.hidden_size
        with torch.no_grad():
            a_n = tr.x @ self.weight_ih[2 * H:].T + self.bias_ih[2 * H:]  # (T, H): W_in x_t + b_in
            b_n = tr.h_prev @ self.weight_hh[2 * H:].T + self.bias_hh[2 * H:]  # (T, H): W_hn h_{t-1} + b_hn
        return {"a_n": a_n, "b_n": b_n}

    def backward_sweep(self, tr, sweep):
        H, T, I = self.hidden_size, tr.steps, self.input_size
        W_ih, W_hh = self.weight_ih.detach(), self.weight_hh.detach()  # (3H, I), (3H, H)
        sq_x, sq_h = torch.zeros(T, dtype=torch.float64), torch.zeros(T, dtype=torch.float64)
        r, z, n = (tr.gates[k] for k in SPEC.gates)  # each (T, H)
        h_prev = tr.h_prev
        gh_n = torch.addmm(self.bias_hh[2 * H:], h_prev, W_hh[2 * H:].T)  # (T, H): W_hn h_{t-1} + b_hn
        # h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}: its derivative by each pre-activation, per unit, for all t at once
        k_n = (1 - z) * (1 - n ** 2)  # by a_n = W_in x_t + b_in + r ⊙ (W_hn h_{t-1} + b_hn)
        k_r = k_n * gh_n * r * (1 - r)  # by r's pre-activation, through r ⊙ (W_hn h + b_hn)
        k_z = (h_prev - n) * z * (1 - z)  # by z's pre-activation: ∂h_t/∂z = h_{t-1} - n
        K = torch.cat([k_r, k_z, k_n, k_n * r], dim=1)  # (T, 4H): the last block is ∂h_t/∂(W_hn h_{t-1} + b_hn)
        # columns [r | z | n (input side) | n (hidden side)] of da, times one (4H, I + H) block matrix:
        # the r and z pre-activations are shared by both sides, n's splits into W_in x and r ⊙ (W_hn h)
        W = torch.zeros(4 * H, I + H, dtype=torch.float64)
        W[:3 * H, :I] = W_ih  # x_t feeds r, z and n
        W[:2 * H, I:] = W_hh[:2 * H]  # h_{t-1} feeds r and z ...
        W[3 * H:, I:] = W_hh[2 * H:]  # ... and n through r ⊙ (W_hn h_{t-1} + b_hn)
        dh = torch.eye(H, dtype=torch.float64)  # (H, H): row k is ∂h_T[k]/∂h_t, starting at t = T
        for t in range(T - 1, -1, -1):
            sweep.rescale(t, dh)
            sq_h[t] = dh.square().sum()
            da = dh.repeat(1, 4) * K[t]  # (H, 4H)
            res = da @ W  # (H, I + H)
            sq_x[t] = res[:, :I].square().sum()
            dh = torch.addcmul(res[:, I:], dh, z[t])  # through every gate, plus the direct path z ⊙ h_{t-1}
        return sq_x, sq_h, None


def recover(weight_ih, weight_hh, bias_ih, bias_hh, x, h_prev):
    """{r, z, n} (each (T, H)) from x (T, I) and h_0..h_{T-1} (T, H) at once; shared with Stack's layers."""
    H = weight_ih.shape[0] // 3
    gi = torch.addmm(bias_ih, x, weight_ih.T)  # (T, 3H): W_i· x_t + b_i·
    gh = torch.addmm(bias_hh, h_prev, weight_hh.T)  # (T, 3H): W_h· h_{t-1} + b_h·
    rz = torch.sigmoid_(gi[:, :2 * H] + gh[:, :2 * H])  # (T, 2H): r_t and z_t side by side
    r, z = rz[:, :H], rz[:, H:]
    # n_t = tanh(a) with a = gi_n + r ⊙ gh_n, as 2σ(2a) − 1 (see lstm.recover: one sigmoid, not a tanh)
    n = torch.addcmul(gi[:, 2 * H:], r, gh[:, 2 * H:]).mul_(2.0).sigmoid_().mul_(2.0).sub_(1.0)
    return {"r": r, "z": z, "n": n}


SPEC = ArchSpec(
    arch="gru", label="GRU", color="#2ca02c",
    gates=("r", "z", "n"),
    carry_gate="z",
    quantities=(
        Quantity("r", "reset gate r_t", "How much of W_hn h_{t−1} enters the candidate n_t.", "gate"),
        Quantity("z", "update gate z_t", "PyTorch's z: the fraction of h_{t−1} KEPT (the note's 1 − z).", "gate"),
        Quantity("n", "candidate n_t", "The new content proposed for h_t, in −1..1.", "tanh"),
        Quantity("h", "hidden state h_t", "What the cell exposes at step t, in −1..1.", "tanh"),
    ),
    equations=(
        "r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr)",
        "z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz)",
        "n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn))",
        "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}",
    ),
    latex=r"""\begin{aligned} r_t &= \sigma(W_{ir}x_t + b_{ir} + W_{hr}h_{t-1} + b_{hr})\\ z_t &= \sigma(W_{iz}x_t + b_{iz} + W_{hz}h_{t-1} + b_{hz})\\ n_t &= \tanh(W_{in}x_t + b_{in} + r_t \odot (W_{hn}h_{t-1} + b_{hn}))\\ h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}\end{aligned}""",
    live_equations=(
        ("r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr) = ", {"w": "r"}),
        ("z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz) = ", {"w": "z"}, "   (share of h_{t−1} kept)"),
        ("n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn)) = tanh(", {"w": "a_n"}, " + ", {"w": "r"}, " × ",
         {"w": "b_n", "p": 1}, ") = ", {"w": "n"}),
        ("h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1} = ", {"w": "one_minus_z"}, " × ", {"w": "n", "p": 1}, " + ",
         {"w": "z"}, " × ", {"w": "h_prev", "p": 1}, " = ", {"w": "h"}),
    ),
    wires=(
        Wire("h_prev", "h_{t−1}", "tanh", ("prev", "h")),
        Wire("r", "r", "gate", ("at", "r")),
        Wire("z", "z", "gate", ("at", "z")),
        Wire("one_minus_z", "1−z", "gate", ("one_minus", "z")),
        Wire("a_n", "W_in x+b", "wide", ("at", "a_n")),
        Wire("b_n", "W_hn h+b", "wide", ("at", "b_n")),
        Wire("r_b", "r·(W_hn h+b)", "wide", ("mul", "r", "b_n")),
        Wire("n", "n", "tanh", ("at", "n")),
        Wire("z_h", "z·h_{t−1}", "tanh", ("mul", "z", "h_prev")),
        Wire("nz", "(1−z)·n", "tanh", ("mul", "one_minus_z", "n")),
        Wire("h", "h_t", "tanh", ("at", "h")),
    ),
    aux=("a_n", "b_n"),
)
GRU.spec = SPEC
