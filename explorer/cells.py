"""RNN, LSTM and GRU cells with PyTorch's parameter names, and their fast, fully instrumented trace.

Each cell is a `torch.nn.Module` holding exactly the parameters of a single-layer `torch.nn.LSTM`
(resp. GRU, RNN) without the `_l0` suffix, in the same layout:

    weight_ih: (G*H, I)   rows in chunk order  LSTM (W_ii|W_if|W_ig|W_io), GRU (W_ir|W_iz|W_in), RNN W_ih
    weight_hh: (G*H, H)   same chunk order
    bias_ih:   (G*H,)
    bias_hh:   (G*H,)

so `load_state_dict` moves weights both ways and parity with `torch.nn` is one line of test.

`trace(x)` is the fast path the app uses: the fused torch kernel computes h_1..h_T, then every gate
is recovered for all steps at once from the h_{t-1} sequence with one batched matmul, and the LSTM's
c_1..c_T by a parallel (log-depth, odd-even) scan of c_t = f_t * c_{t-1} + i_t * g_t. No Python loop runs
over time. The teaching implementation, one equation per line, is in `explorer.reference`.
"""
from __future__ import annotations

import math
from typing import ClassVar

import torch
from torch import nn

from explorer.trace import GATE_NAMES, Trace

__all__ = ["RNN", "LSTM", "GRU", "Cell", "CELLS", "linear_scan"]


def linear_scan(a: torch.Tensor, b: torch.Tensor, c0: torch.Tensor) -> torch.Tensor:
    """All c_t of the recurrence c_t = a_t * c_{t-1} + b_t, for t = 1..T, by odd-even reduction.

    a, b: (T, H); c0: (H,). Returns (T, H).
    Composing two steps is again one step: (a, b) then (a', b') is (a' a, a' b + b'). So every odd row is
    merged with the row before it (one multiply and one multiply-add over all pairs at once), the
    half-length recurrence is solved the same way, and the even rows are filled in from their
    predecessors: log2(T) levels whose sizes halve, so about 2T multiply-adds in all and no Python loop
    over time. Unlike a cumprod/divide formula it only multiplies, so products of small forget gates
    underflow to 0 harmlessly instead of dividing by 0.
    """
    T = a.shape[0]
    if T <= _SCAN_BASE:
        return _doubling_scan(a, b, c0)
    n = T // 2  # pairs (2k, 2k+1) in 0-based rows, k < n
    a_even, a_odd = a[0:2 * n:2], a[1::2]  # (n, H) each
    b_even, b_odd = b[0:2 * n:2], b[1::2]
    c_odd = linear_scan(a_odd * a_even, torch.addcmul(b_odd, a_odd, b_even), c0)  # (n, H): rows 1, 3, 5, ...
    out = torch.empty_like(b)
    out[1::2] = c_odd
    before_even = torch.cat([c0.unsqueeze(0), c_odd[: (T + 1) // 2 - 1]])  # the state entering rows 0, 2, 4, ...
    torch.addcmul(b[0::2], a[0::2], before_even, out=out[0::2])  # c_{2k} = a_{2k} c_{2k-1} + b_{2k}
    return out


_SCAN_BASE = 8  # at most this many rows: the doubling scan below, log2(8) = 3 rounds


def _doubling_scan(a: torch.Tensor, b: torch.Tensor, c0: torch.Tensor) -> torch.Tensor:
    """linear_scan for a few rows: Hillis–Steele doubling, log2(T) rounds over all rows."""
    T = a.shape[0]
    A = a  # read-only: rounds write into the two buffers of `spare`, never into `a`
    spare = [torch.empty_like(a), torch.empty_like(a)]
    B = b.clone()
    B[0] = B[0] + a[0] * c0  # fold the initial state into step 1
    B_next = torch.empty_like(B)  # ping-pong buffer: no allocation per round
    d, k = 1, 0
    while d < T:
        # the new B and A both read the values from before this round
        B_next[:d] = B[:d]
        torch.addcmul(B[d:], A[d:], B[:-d], out=B_next[d:])  # B_t <- A_t * B_{t-d} + B_t
        if 2 * d < T:  # the last round needs no new A
            A_next = spare[k]
            A_next[:d] = A[:d]
            torch.mul(A[d:], A[:-d], out=A_next[d:])  # A_t <- A_t * A_{t-d}
            A, k = A_next, 1 - k
        B, B_next = B_next, B
        d *= 2
    return B


class Cell(nn.Module):
    """Shared machinery of the three cells; see the module docstring for the parameter layout."""

    arch: ClassVar[str] = ""
    gate_count: ClassVar[int] = 1  # G: blocks of H rows in weight_ih / weight_hh
    torch_module: ClassVar[type[nn.Module]]
    torch_cell: ClassVar[type[nn.Module]]

    def __init__(self, input_size: int, hidden_size: int, *, seed: int = 0, dtype: torch.dtype = torch.float32):
        super().__init__()
        if input_size < 1 or hidden_size < 1:
            raise ValueError(f"input_size and hidden_size must be >= 1, got {input_size} and {hidden_size}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        G, H, I = self.gate_count, hidden_size, input_size
        # PyTorch's default init, U(-1/sqrt(H), 1/sqrt(H)), drawn from a private generator so that
        # building a cell never touches (or depends on) the global random state.
        gen = torch.Generator().manual_seed(seed)
        k = 1.0 / math.sqrt(H)

        def uniform(*shape: int) -> nn.Parameter:
            return nn.Parameter((torch.rand(*shape, generator=gen, dtype=torch.float64) * 2 - 1).mul_(k).to(dtype))

        self.weight_ih = uniform(G * H, I)  # (G*H, I)
        self.weight_hh = uniform(G * H, H)  # (G*H, H)
        self.bias_ih = uniform(G * H)  # (G*H,)
        self.bias_hh = uniform(G * H)  # (G*H,)

    # ----------------------------------------------------------------------------------- conversion
    @classmethod
    def from_torch(cls, module: nn.Module) -> "Cell":
        """Copy the weights of a single-layer, unidirectional torch module or its *Cell counterpart."""
        if isinstance(module, cls.torch_module):
            if module.num_layers != 1 or module.bidirectional:
                raise ValueError(f"{cls.__name__}.from_torch expects num_layers=1 and bidirectional=False, "
                                 f"got num_layers={module.num_layers}, bidirectional={module.bidirectional}")
            if getattr(module, "proj_size", 0):
                raise ValueError(f"{cls.__name__}.from_torch does not support proj_size, got {module.proj_size}")
            suffix = "_l0"
        elif isinstance(module, cls.torch_cell):
            suffix = ""
        else:
            raise TypeError(f"{cls.__name__}.from_torch expects torch.nn.{cls.torch_module.__name__} or "
                            f"torch.nn.{cls.torch_cell.__name__}, got {type(module).__name__}")
        if getattr(module, "nonlinearity", "tanh") != "tanh":
            raise ValueError(f"only the tanh RNN is supported, got nonlinearity={module.nonlinearity!r}")
        w_ih = getattr(module, "weight_ih" + suffix)
        cell = cls(module.input_size, module.hidden_size, dtype=w_ih.dtype)
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                src = getattr(module, name + suffix, None)
                # bias=False in torch means zero biases here
                getattr(cell, name).copy_(src if src is not None else torch.zeros_like(getattr(cell, name)))
        return cell

    def to_torch(self) -> nn.Module:
        """An equivalent single-layer torch.nn.LSTM / GRU / RNN (built on 'meta' so no RNG is consumed)."""
        module = self.torch_module(self.input_size, self.hidden_size, device="meta", dtype=self.weight_ih.dtype)
        module = module.to_empty(device="cpu")
        module.load_state_dict({f"{k}_l0": v.detach().clone() for k, v in self.state_dict().items()})
        return module

    # ----------------------------------------------------------------------------------- sizes
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    @property
    def state_size(self) -> int:
        """Numbers carried from one step to the next: h (and c for the LSTM)."""
        return self.hidden_size

    def stacked_weight(self) -> torch.Tensor:
        """The note's single matrix W, (G*H, H + I), acting on the concatenation [h_{t-1}; x_t].

        It is PyTorch's pair side by side: W = [W_hh | W_ih].
        """
        return torch.cat([self.weight_hh, self.weight_ih], dim=1)

    # ----------------------------------------------------------------------------------- running
    def _params(self) -> list[torch.Tensor]:
        return [self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh]

    def _check_input(self, x: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"Expected x to be a torch.Tensor, got {type(x).__name__}")
        if x.dim() not in (2, 3) or x.shape[-1] != self.input_size or x.shape[0] < 1:
            raise ValueError(f"Expected x of shape (T, {self.input_size}) or (T, B, {self.input_size}) with T >= 1, "
                             f"got {tuple(x.shape)}")
        if x.dtype != self.weight_ih.dtype:
            raise TypeError(f"Expected x of dtype {self.weight_ih.dtype}, got {x.dtype}")

    def forward(self, x: torch.Tensor, state=None):
        """Fused forward, differentiable. x: (T, I) or (T, B, I). Returns (outputs, final state) like torch.nn."""
        self._check_input(x)
        unbatched = x.dim() == 2
        xb = x.unsqueeze(1) if unbatched else x  # (T, B, I)
        out, final = self._fused(xb, state if state is None or not unbatched else self._batch_state(state))
        if unbatched:
            out = out.squeeze(1)
            final = tuple(s.squeeze(1) for s in final) if isinstance(final, tuple) else final.squeeze(1)
        return out, final

    @staticmethod
    def _batch_state(state):
        return tuple(s.unsqueeze(1) for s in state) if isinstance(state, tuple) else state.unsqueeze(1)

    def _zeros(self, B: int) -> torch.Tensor:
        return torch.zeros(1, B, self.hidden_size, dtype=self.weight_ih.dtype)

    @torch.no_grad()
    def trace(self, x: torch.Tensor, h0: torch.Tensor | None = None, c0: torch.Tensor | None = None) -> Trace:
        """Run over x (T, I) and return every per-step value as a Trace (no autograd graph)."""
        self._check_input(x)
        if x.dim() != 2:
            raise ValueError(f"trace expects one sequence of shape (T, {self.input_size}), got {tuple(x.shape)}")
        H = self.hidden_size
        h0 = torch.zeros(H, dtype=x.dtype) if h0 is None else h0.reshape(H).to(x.dtype)
        if self.arch == "lstm":
            c0 = torch.zeros(H, dtype=x.dtype) if c0 is None else c0.reshape(H).to(x.dtype)
            state = (h0.view(1, 1, H), c0.view(1, 1, H))
        else:
            c0 = None
            state = h0.view(1, 1, H)
        out, _ = self._fused(x.unsqueeze(1), state)
        h = out.squeeze(1)  # (T, H)
        h_prev = torch.cat([h0.unsqueeze(0), h[:-1]], dim=0)  # (T, H): h_0..h_{T-1}
        gates, c = self._recover(x, h_prev, c0)
        return Trace(arch=self.arch, x=x.detach().clone(), h=h, c=c, gates=gates, h0=h0.clone(),
                     c0=None if c0 is None else c0.clone())

    def _fused(self, x, state):  # pragma: no cover - abstract
        raise NotImplementedError

    def _recover(self, x, h_prev, c0):  # pragma: no cover - abstract
        raise NotImplementedError

    def extra_repr(self) -> str:
        return f"input_size={self.input_size}, hidden_size={self.hidden_size}"


class LSTM(Cell):
    r"""Long short-term memory, PyTorch's formulation (chunk order i, f, g, o).

        i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)      input gate: how much of g_t to write
        f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)      forget gate: how much of c_{t-1} to keep
        g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)   candidate ("gate gate" in the note)
        o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)      output gate: how much of tanh(c_t) to expose
        c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t                     the additive cell-state update
        h_t = o_t ⊙ tanh(c_t)
    """

    arch = "lstm"
    gate_count = 4
    torch_module = nn.LSTM
    torch_cell = nn.LSTMCell

    @property
    def state_size(self) -> int:
        return 2 * self.hidden_size  # h and c

    def _fused(self, x, state):
        B = x.shape[1]
        if state is None:
            state = (self._zeros(B), self._zeros(B))
        out, h_n, c_n = torch.lstm(x, state, self._params(), True, 1, 0.0, False, False, False)
        return out, (h_n, c_n)

    def _recover(self, x, h_prev, c0):
        H = self.hidden_size
        # The candidate's rows of W and b are doubled (exact: a power of two), so one in-place sigmoid over
        # all four blocks also yields g through tanh(a) = 2σ(2a) − 1; torch's tanh costs about four
        # sigmoids here, and this is the hot path of every trace. The absolute error is a few float32
        # ulps of 1 (the parity tests hold it to torch's tanh within 1e-5).
        scale = torch.ones(4 * H, 1, dtype=x.dtype)
        scale[2 * H:3 * H] = 2.0
        # the note's single matrix: [h_{t-1}; x_t] (T, H+I) times W^T (H+I, 4H), for all t at once
        pre = torch.addmm((self.bias_ih + self.bias_hh) * scale[:, 0], torch.cat([h_prev, x], dim=1),
                          (self.stacked_weight() * scale).T)  # (T, 4H): i, f, 2·g, o pre-activations
        pre.sigmoid_()
        i, f, o = pre[:, :H], pre[:, H:2 * H], pre[:, 3 * H:]  # views, each (T, H)
        g = pre[:, 2 * H:3 * H].mul_(2.0).sub_(1.0)  # (T, H) candidate: 2σ(2a) − 1 = tanh(a)
        c = linear_scan(f, i * g, c0)  # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t, (T, H)
        return dict(zip(GATE_NAMES["lstm"], (i, f, g, o))), c


class GRU(Cell):
    r"""Gated recurrent unit, PyTorch's formulation (chunk order r, z, n).

        r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)              reset gate
        z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)              update gate: the fraction of h_{t-1} KEPT
        n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))   candidate
        h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}

    Note: Cho et al. (2014) and many texts (the lecture note among them) write h_t = z ⊙ n + (1 - z) ⊙ h,
    i.e. their z is our 1 - z; and Cho applies r to h_{t-1} *before* the matrix product, while PyTorch
    applies it after (r ⊙ (W_hn h + b_hn)). We follow PyTorch so weights move freely between the two.
    """

    arch = "gru"
    gate_count = 3
    torch_module = nn.GRU
    torch_cell = nn.GRUCell

    def _fused(self, x, state):
        if state is None:
            state = self._zeros(x.shape[1])
        out, h_n = torch.gru(x, state, self._params(), True, 1, 0.0, False, False, False)
        return out, h_n

    def _recover(self, x, h_prev, c0):
        H = self.hidden_size
        gi = torch.addmm(self.bias_ih, x, self.weight_ih.T)  # (T, 3H): W_i· x_t + b_i·
        gh = torch.addmm(self.bias_hh, h_prev, self.weight_hh.T)  # (T, 3H): W_h· h_{t-1} + b_h·
        rz = torch.sigmoid_(gi[:, :2 * H] + gh[:, :2 * H])  # (T, 2H): r_t and z_t side by side
        r, z = rz[:, :H], rz[:, H:]
        # n_t = tanh(a) with a = gi_n + r ⊙ gh_n, as 2σ(2a) − 1 (see LSTM._recover: one sigmoid, not a tanh)
        n = torch.addcmul(gi[:, 2 * H:], r, gh[:, 2 * H:]).mul_(2.0).sigmoid_().mul_(2.0).sub_(1.0)
        return {"r": r, "z": z, "n": n}, None


class RNN(Cell):
    r"""Vanilla (Elman) RNN with tanh, PyTorch's formulation.

        h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
    """

    arch = "rnn"
    gate_count = 1
    torch_module = nn.RNN
    torch_cell = nn.RNNCell

    def _fused(self, x, state):
        if state is None:
            state = self._zeros(x.shape[1])
        out, h_n = torch.rnn_tanh(x, state, self._params(), True, 1, 0.0, False, False, False)
        return out, h_n

    def _recover(self, x, h_prev, c0):
        return {}, None


CELLS: dict[str, type[Cell]] = {"lstm": LSTM, "gru": GRU, "rnn": RNN}
