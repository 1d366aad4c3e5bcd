"""Cell: the machinery the three architectures share, with PyTorch's parameter names and layout.

Each cell is a `torch.nn.Module` holding exactly the parameters of a single-layer `torch.nn.LSTM`
(resp. GRU, RNN) without the `_l0` suffix, in the same layout:

    weight_ih: (G*H, I)   rows in chunk order  LSTM (W_ii|W_if|W_ig|W_io), GRU (W_ir|W_iz|W_in), RNN W_ih
    weight_hh: (G*H, H)   same chunk order
    bias_ih:   (G*H,)
    bias_hh:   (G*H,)

so `load_state_dict` moves weights both ways and parity with `torch.nn` is one line of test.

`trace(x)` is the fast path the app uses: the fused torch kernel computes h_1..h_T, then each
architecture's `_recover` finds every gate for all steps at once from the h_{t-1} sequence (one batched
matmul; the LSTM's c by a parallel scan). No Python loop runs over time. Each architecture's file
(lstm.py, gru.py, rnn.py) holds, side by side: its specification, its reference step (one equation per
line, the teaching path and the what-ifs), its fast recovery, its per-step Jacobian and its ArchSpec.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from explorer.cells.spec import ArchSpec
from explorer.trace import Trace

__all__ = ["Cell", "Clamp", "pin", "fresh_module"]


def fresh_module(module_cls: type[nn.Module], *args, **kwargs) -> nn.Module:
    """module_cls(*args, **kwargs) for a caller that overwrites every parameter, built without changing
    torch's global random state: the module's own init draws inside fork_rng, which restores the state.

    Not built on 'meta' and moved with to_empty(): that path runs torch's Python reference of empty_like,
    which imports sympy the first time (32 MiB in every server process, measured by importing it beside torch).
    """
    with torch.random.fork_rng(devices=[]):
        return module_cls(*args, **kwargs)


@dataclass(frozen=True)
class Clamp:
    """Pin `gate` to `value` for `units` (None: all) at every step t >= `from_step` (1-based)."""

    gate: str
    value: float
    from_step: int = 1
    units: tuple[int, ...] | None = None


def pin(name: str, value: torch.Tensor, t: int, clamps: tuple[Clamp, ...]) -> torch.Tensor:
    """The gate `name` after any clamps active at step t (1-based); a what-if's only change to the equations."""
    for cl in clamps:
        if cl.gate == name and t >= cl.from_step:
            value = value.clone()
            if cl.units is None:
                value[:] = cl.value
            else:
                value[list(cl.units)] = cl.value
    return value


class Cell(nn.Module):
    """Shared machinery of the three cells; see the module docstring for the parameter layout."""

    spec: ClassVar[ArchSpec]
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

    @property
    def arch(self) -> str:
        return self.spec.arch

    @property
    def gate_count(self) -> int:
        return self.spec.gate_count

    # ----------------------------------------------------------------------------------- conversion
    @classmethod
    def from_torch(cls, module: nn.Module) -> "Cell":
        """Copy the weights of a single-layer, unidirectional torch module or its *Cell counterpart.

        Stacked, bidirectional and projected modules are `explorer.cells.Stack`'s.
        """
        if isinstance(module, cls.torch_module):
            if module.num_layers != 1 or module.bidirectional:
                raise ValueError(f"{cls.__name__}.from_torch expects num_layers=1 and bidirectional=False, "
                                 f"got num_layers={module.num_layers}, bidirectional={module.bidirectional}; "
                                 "use explorer.cells.Stack.from_torch for stacked or bidirectional modules")
            if getattr(module, "proj_size", 0):
                raise ValueError(f"{cls.__name__}.from_torch does not support proj_size, got {module.proj_size}; "
                                 "use explorer.cells.Stack.from_torch")
            suffix = "_l0"
        elif isinstance(module, cls.torch_cell):
            suffix = ""
        else:
            raise TypeError(f"{cls.__name__}.from_torch expects torch.nn.{cls.torch_module.__name__} or "
                            f"torch.nn.{cls.torch_cell.__name__}, got {type(module).__name__}")
        if getattr(module, "nonlinearity", "tanh") != "tanh":
            raise ValueError(f"only the tanh RNN is a Cell, got nonlinearity={module.nonlinearity!r}; "
                             "use explorer.cells.Stack.from_torch for a relu RNN")
        w_ih = getattr(module, "weight_ih" + suffix)
        cell = cls(module.input_size, module.hidden_size, dtype=w_ih.dtype)
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                src = getattr(module, name + suffix, None)
                # bias=False in torch means zero biases here
                getattr(cell, name).copy_(src if src is not None else torch.zeros_like(getattr(cell, name)))
        return cell

    def to_torch(self) -> nn.Module:
        """An equivalent single-layer torch.nn.LSTM / GRU / RNN (torch's global random state untouched)."""
        module = fresh_module(self.torch_module, self.input_size, self.hidden_size, dtype=self.weight_ih.dtype)
        module.load_state_dict({f"{k}_l0": v.detach().clone() for k, v in self.state_dict().items()})
        return module

    # ----------------------------------------------------------------------------------- sizes
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    @property
    def state_size(self) -> int:
        """Numbers carried from one step to the next: H for each of the spec's states (h, and c for the LSTM)."""
        return len(self.spec.states) * self.hidden_size

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
            raise ValueError(f"trace expects one sequence of shape (T, {self.input_size}), got {tuple(x.shape)}; "
                             "use explorer.cells.Stack for batches")
        H = self.hidden_size
        h0 = torch.zeros(H, dtype=x.dtype) if h0 is None else h0.reshape(H).to(x.dtype)
        if "c" in self.spec.states:
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

    def check_clamps(self, clamps: tuple[Clamp, ...]) -> None:
        for cl in clamps:
            if cl.gate not in self.spec.clampable:
                raise ValueError(f"{self.spec.label} has no gate {cl.gate!r} to clamp; expected one of "
                                 f"{self.spec.clampable}")
            if cl.units is not None and any(u < 0 or u >= self.hidden_size for u in cl.units):
                raise ValueError(f"clamped units must lie in 0..{self.hidden_size - 1}, got {cl.units}")

    # each architecture implements these four, side by side in its own file
    def _fused(self, x, state):  # pragma: no cover - abstract
        """The fused torch kernel: x (T, B, I) -> (outputs (T, B, H), final state)."""
        raise NotImplementedError

    def _recover(self, x, h_prev, c0):  # pragma: no cover - abstract
        """Every gate (and c) for all steps at once, from x (T, I) and h_0..h_{T-1} (T, H)."""
        raise NotImplementedError

    def reference_step(self, x_t, state, t: int = 1, clamps: tuple[Clamp, ...] = ()):  # pragma: no cover
        """One step of the equations: (x_t (I,), state dict of (H,)) -> (new state dict, gates dict)."""
        raise NotImplementedError

    def backward_sweep(self, tr: Trace, sweep) -> tuple:  # pragma: no cover - abstract
        """Carry the H rows of ∂h_T/∂state_t backwards from t = T through each step's closed-form Jacobian.

        Returns (sq_x, sq_h, sq_c or None): per step t, the squared Frobenius norms of ∂h_T/∂x_t,
        ∂h_T/∂h_t (and ∂h_T/∂c_t), of the rows as scaled by `sweep` (explorer.gradients).
        """
        raise NotImplementedError

    def aux_arrays(self, tr: Trace) -> dict[str, torch.Tensor]:
        """Pre-activation terms the diagram shows but a Trace does not hold (spec.aux), each (T, H)."""
        return {}

    def extra_repr(self) -> str:
        return f"input_size={self.input_size}, hidden_size={self.hidden_size}"
