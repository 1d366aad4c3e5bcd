r"""Stack: any torch.nn.RNN / LSTM / GRU (stacked, bidirectional, batch_first, no bias, LSTM projections).

Shapes: T time steps, B batch, I input size (of layer 0; layer l > 0 reads D·P), H hidden size,
P output size of a direction (proj_size for a projected LSTM, else H), L layers, D directions
(1, or 2 if bidirectional), G gates (LSTM 4, GRU 3, RNN 1).

A Stack holds exactly the parameters of the torch module under torch's names and layout, for layer l
and direction d (suffix `_l{l}`, plus `_reverse` for d = 1):

    weight_ih_l{l}: (G*H, I or D*P)   weight_hh_l{l}: (G*H, P)   bias_ih_l{l}, bias_hh_l{l}: (G*H,) (if bias)
    weight_hr_l{l}: (P, H)            LSTM with proj_size only: h_t = W_hr (o_t ⊙ tanh(c_t))

`trace(x)` runs the fused torch kernel one layer at a time, then recovers every gate of every step at
once from (layer input, previous hidden states): per layer and direction one matmul over all T*B rows
(`lstm.recover_gates` / `gru.recover`, as the single cells do), and for the LSTM the cell states of every
layer and direction by one `linear_scan`. No Python loop runs over time. The reverse direction runs,
and is recovered, as the forward recurrence over the reversed rows, so a bidirectional layer's two
directions are independent work: they run at the same time on two threads (explorer.cells.directions),
first the fused runs layer by layer, then the matmuls of every layer.
The reverse direction is reported in the input's time order: its step t reads h_{t+1} (zero at t = T),
so `Trace.h_prev` (which assumes a forward run) does not apply to it. Dropout between layers is a
training-time device: traces and sensitivities use eval semantics (no dropout).
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import torch
from torch import nn

from explorer.cells.base import Cell, fresh_module
from explorer.cells.directions import both_directions, one_intra_op_thread
from explorer.cells.gru import recover as gru_recover
from explorer.cells.lstm import recover_gates as lstm_recover_gates
from explorer.cells.scan import linear_scan
from explorer.trace import Trace

__all__ = ["Stack", "StackTrace"]

_GATES = {"lstm": 4, "gru": 3, "rnn": 1}
_MODES = {"LSTM": ("lstm", "tanh"), "GRU": ("gru", "tanh"), "RNN_TANH": ("rnn", "tanh"), "RNN_RELU": ("rnn", "relu")}
_TORCH_MODULES = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
_TORCH_CELLS = {nn.LSTMCell: "lstm", nn.GRUCell: "gru", nn.RNNCell: "rnn"}
_KERNELS = {("gru", "tanh"): torch.gru, ("rnn", "tanh"): torch.rnn_tanh, ("rnn", "relu"): torch.rnn_relu}


@dataclass(frozen=True)
class StackTrace:
    """One run of a Stack.

    Attributes:
        output: the torch module's output: (T, D*P), or (B, T, D*P) / (T, B, D*P) as the module lays out batches.
        layers: layers[l][d] the Trace of layer l, direction d (0 forward, 1 reverse), in the input's time
                order; arrays (T, ·), or (B, T, ·) for a batch; x is the layer's input.
    """

    output: torch.Tensor
    layers: tuple[tuple[Trace, ...], ...]


class Stack(nn.Module):
    """The parameters of a torch RNN/LSTM/GRU module, traced layer by layer; see the module docstring.

    Build one with `Stack.from_torch(module)` (or directly, with PyTorch's default init drawn from a
    private generator). Treat it as read-only: `trace` reads the parameters each call, nothing is cached.
    """

    def __init__(self, arch: str, input_size: int, hidden_size: int, num_layers: int = 1, *,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 bidirectional: bool = False, proj_size: int = 0, dropout: float = 0.0, seed: int = 0,
                 dtype: torch.dtype = torch.float32):
        super().__init__()
        if arch not in _GATES:
            raise ValueError(f"arch must be one of {tuple(_GATES)}, got {arch!r}")
        if nonlinearity not in ("tanh", "relu") or (nonlinearity == "relu" and arch != "rnn"):
            raise ValueError(f"nonlinearity must be 'tanh' (or 'relu' for the rnn), got {nonlinearity!r} for {arch}")
        if min(input_size, hidden_size, num_layers) < 1:
            raise ValueError(f"input_size, hidden_size and num_layers must be >= 1, "
                             f"got {input_size}, {hidden_size}, {num_layers}")
        if proj_size and (arch != "lstm" or not 0 < proj_size < hidden_size):
            raise ValueError(f"proj_size needs an lstm and 0 < proj_size < hidden_size={hidden_size}, "
                             f"got proj_size={proj_size} for {arch}")
        self.arch, self.nonlinearity = arch, nonlinearity
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.bidirectional = bias, batch_first, bidirectional
        self.proj_size, self.dropout = proj_size, float(dropout)
        self.num_directions = 2 if bidirectional else 1
        # PyTorch's default init U(-1/sqrt(H), 1/sqrt(H)) from a private generator: the global RNG is untouched
        gen, k = torch.Generator().manual_seed(seed), 1.0 / math.sqrt(hidden_size)
        for name, shape in self._shapes():
            w = (torch.rand(*shape, generator=gen, dtype=torch.float64) * 2 - 1).mul_(k).to(dtype)
            self.register_parameter(name, nn.Parameter(w))

    @property
    def out_size(self) -> int:
        """P: the size of one direction's h_t (proj_size if set, else hidden_size)."""
        return self.proj_size or self.hidden_size

    @property
    def dtype(self) -> torch.dtype:
        return self.weight_ih_l0.dtype

    def _names(self, layer: int, d: int) -> list[str]:
        """Layer `layer`, direction d's parameter names in torch's flat-weights order."""
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if self.bias else [])
        return [n + sfx for n in names + (["weight_hr"] if self.proj_size else [])]

    def _shapes(self):
        GH, P = _GATES[self.arch] * self.hidden_size, self.out_size
        sizes = {"weight_hh": (GH, P), "bias_ih": (GH,), "bias_hh": (GH,), "weight_hr": (P, self.hidden_size)}
        for layer in range(self.num_layers):
            sizes["weight_ih"] = (GH, self.input_size if layer == 0 else self.num_directions * P)
            for d in range(self.num_directions):
                for name in self._names(layer, d):
                    yield name, sizes[name.split("_l")[0]]

    def _flat(self, layers: range | None = None, dtype: torch.dtype | None = None) -> list[torch.Tensor]:
        """The parameters of `layers` (default all) in the order the fused kernels take them."""
        layers = range(self.num_layers) if layers is None else layers
        names = [n for layer in layers for d in range(self.num_directions) for n in self._names(layer, d)]
        return [getattr(self, n) if dtype is None else getattr(self, n).detach().to(dtype) for n in names]

    # ----------------------------------------------------------------------------------- conversion
    @classmethod
    def from_torch(cls, module: nn.Module) -> "Stack":
        """Copy nn.RNN / LSTM / GRU (any options), nn.RNNCell / LSTMCell / GRUCell, or an explorer cell."""
        kw: dict = {}
        if isinstance(module, Cell):
            arch, nonlin, sfx, kw["bias"] = module.arch, "tanh", "_l0", True
        elif type(module) in _TORCH_CELLS:
            arch, sfx, kw["bias"] = _TORCH_CELLS[type(module)], "_l0", module.bias
            nonlin = getattr(module, "nonlinearity", "tanh")
        elif isinstance(module, nn.RNNBase) and getattr(module, "mode", None) in _MODES:
            (arch, nonlin), sfx = _MODES[module.mode], ""
            kw = {k: getattr(module, k) for k in ("num_layers", "bias", "batch_first", "bidirectional", "dropout")}
            kw["proj_size"] = getattr(module, "proj_size", 0)
        else:
            raise TypeError(f"Stack.from_torch expects torch.nn.RNN, LSTM or GRU (or RNNCell, LSTMCell, GRUCell, "
                            f"or an explorer cell), got {type(module).__name__}")
        params = {k + sfx: v.detach() for k, v in module.named_parameters()}
        dtype = next(iter(params.values())).dtype
        stack = cls(arch, module.input_size, module.hidden_size, nonlinearity=nonlin, dtype=dtype, **kw)
        stack.load_state_dict(params)  # strict: every torch name must match one of ours
        return stack

    def to_torch(self) -> nn.Module:
        """The equivalent torch.nn.LSTM / GRU / RNN in eval mode (torch's global random state untouched)."""
        kw = {"nonlinearity": self.nonlinearity} if self.arch == "rnn" else {}
        if self.proj_size:
            kw["proj_size"] = self.proj_size
        module = fresh_module(_TORCH_MODULES[self.arch], self.input_size, self.hidden_size, self.num_layers,
                              bias=self.bias, batch_first=self.batch_first, dropout=self.dropout,
                              bidirectional=self.bidirectional, dtype=self.dtype, **kw)
        module.load_state_dict({k: v.detach().clone() for k, v in self.state_dict().items()})
        return module.eval()

    # ----------------------------------------------------------------------------------- running
    def _time_major(self, x: torch.Tensor, dtype: torch.dtype | None) -> tuple[torch.Tensor, bool]:
        """x as the module takes it -> ((T, B, I) view, unbatched)."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"Expected x to be a torch.Tensor, got {type(x).__name__}")
        batch = "(B, T, I)" if self.batch_first else "(T, B, I)"
        if x.dim() not in (2, 3) or min(x.shape) < 1:
            raise ValueError(f"Expected x of shape (T, I) or {batch} with I = {self.input_size}, got {tuple(x.shape)}")
        if x.shape[-1] != self.input_size:
            raise ValueError(f"Expected input size {self.input_size}, got {x.shape[-1]} (x of shape {tuple(x.shape)})")
        if dtype is not None and x.dtype != dtype:
            raise TypeError(f"Expected x of dtype {dtype}, got {x.dtype}")
        if x.dim() == 2:
            return x.unsqueeze(1), True  # (T, 1, I)
        return (x.transpose(0, 1) if self.batch_first else x), False  # (T, B, I)

    def _run(self, x: torch.Tensor, params: list[torch.Tensor], num_layers: int, bidirectional: bool | None = None):
        """The fused kernel, no dropout: x (T, B, I) -> (outputs (T, B, D*P), final state).
        bidirectional=False runs the forward recurrence alone on params of one direction (D = 1)."""
        bidirectional = self.bidirectional if bidirectional is None else bidirectional
        B, n = x.shape[1], num_layers * (2 if bidirectional else 1)
        h0 = x.new_zeros(n, B, self.out_size)  # (L*D, B, P)
        args = (params, self.bias, num_layers, 0.0, False, bidirectional, False)
        if self.arch == "lstm":
            out, h_n, c_n = torch.lstm(x, (h0, x.new_zeros(n, B, self.hidden_size)), *args)
            return out, (h_n, c_n)
        return _KERNELS[self.arch, self.nonlinearity](x, h0, *args)

    def forward(self, x: torch.Tensor):
        """Fused forward, differentiable, eval semantics: like the torch module, (output, final state)."""
        x3, unbatched = self._time_major(x, self.dtype)
        out, final = self._run(x3, self._flat(), self.num_layers)  # (T, B, D*P)
        if unbatched:
            final = tuple(s.squeeze(1) for s in final) if isinstance(final, tuple) else final.squeeze(1)
            return out.squeeze(1), final
        return (out.transpose(0, 1) if self.batch_first else out), final

    @torch.no_grad()
    def layer_input(self, x: torch.Tensor, layer: int) -> torch.Tensor:
        """What layer `layer` reads over x (T, I): x itself for layer 0, else the fused output of the layers below
        (T, D*P), both directions side by side as torch concatenates them. No gate is recovered."""
        if not 0 <= layer < self.num_layers:
            raise ValueError(f"layer must be in 0..{self.num_layers - 1}, got {layer}")
        x3, unbatched = self._time_major(x, self.dtype)
        if not unbatched:
            raise ValueError(f"layer_input expects one sequence of shape (T, {self.input_size}), got {tuple(x.shape)}")
        if layer == 0:
            return x3.squeeze(1).clone()
        return self._run(x3, self._flat(range(layer)), layer)[0].squeeze(1)  # (T, D*P)

    @torch.no_grad()
    def trace(self, x: torch.Tensor) -> StackTrace:
        """Run over x ((T, I), or batched as the module takes it) from zero states: output and every Trace."""
        with one_intra_op_thread() if self.bidirectional else contextlib.nullcontext():  # see explorer.cells.directions
            return self._trace(x)

    def _trace(self, x: torch.Tensor) -> StackTrace:
        x3, unbatched = self._time_major(x, self.dtype)  # (T, B, I)
        x3 = x3.detach().clone()  # our own copy: the layer-0 traces hold it
        T, B = x3.shape[:2]
        P, H, L, D = self.out_size, self.hidden_size, self.num_layers, self.num_directions

        def layout(a: torch.Tensor) -> torch.Tensor:  # (T, B, ·) -> (T, ·) unbatched, else (B, T, ·)
            return a.squeeze(1) if unbatched else a.transpose(0, 1).contiguous()

        def zeros(n: int) -> torch.Tensor:  # a zero initial state: (n,) unbatched, else (B, n)
            return x3.new_zeros(n) if unbatched else x3.new_zeros(B, n)

        seq, runs = [x3], []  # seq[l]: what layer l reads (T, B, ·), seq[l + 1] its outputs (T, B, D*P)
        for layer in range(L):  # every fused run first; runs[l][d]: (input, outputs) in d's own time order
            out, run = self._fused_layer(seq[-1], layer)
            seq.append(out)
            runs.append(run)
        lstm = self.arch == "lstm"
        # the LSTM's cell states: one scan for every layer and direction, over operands side by side
        f, ig = (x3.new_empty(T, L * D, B, H) for _ in range(2)) if lstm else (None, None)  # (T, L*D, B, H)

        def recover(d: int) -> list[dict]:  # direction d's gates, every layer, each (T, B, H) in the input's order
            found = []
            for layer in range(L):
                gates = self._recover_gates(layer, d, *runs[layer][d])  # in d's own time order
                if lstm:  # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t, in d's own time order
                    f[:, layer * D + d] = gates["f"]
                    torch.mul(gates["i"], gates["g"], out=ig[:, layer * D + d])
                found.append({k: v.flip(0) for k, v in gates.items()} if d else gates)
            return found

        found = both_directions(lambda: recover(0), lambda: recover(1)) if D == 2 else (recover(0),)
        c = linear_scan(f, ig, x3.new_zeros(L * D, B, H)) if lstm else None  # (T, L*D, B, H)

        def cell_state(layer: int, d: int) -> torch.Tensor | None:  # (T, B, H) in the input's time order
            return None if c is None else (c[:, layer * D + d].flip(0) if d else c[:, layer * D + d])

        layers = tuple(
            tuple(Trace(arch=self.arch, x=layout(seq[layer]), h=layout(seq[layer + 1][..., d * P:(d + 1) * P]),
                        c=None if c is None else layout(cell_state(layer, d)),
                        gates={k: layout(v) for k, v in found[d][layer].items()},
                        h0=zeros(P), c0=zeros(H) if lstm else None)
                  for d in range(D))
            for layer in range(L))
        out = seq[-1]
        if unbatched:
            output = out.squeeze(1)  # (T, D*P)
        else:
            output = out.transpose(0, 1) if self.batch_first else out  # as the module lays out batches
        return StackTrace(output=output, layers=layers)

    def _fused_layer(self, x: torch.Tensor, layer: int):
        """Layer `layer` over its input x (T, B, ·) from zero states, by the fused kernel: its outputs
        (T, B, D*P) as torch lays them out, and per direction (input, outputs) in that direction's own time
        order. A bidirectional layer's reverse direction is the forward recurrence over the reversed rows;
        its two directions run at the same time (explorer.cells.directions)."""
        def run(d: int, rows: torch.Tensor) -> torch.Tensor:  # (T, B, P): direction d over rows, forward
            return self._run(rows, [getattr(self, n) for n in self._names(layer, d)], 1, bidirectional=False)[0]

        if self.num_directions == 1:
            out = run(0, x)
            return out, ((x, out),)
        x_rev = x.flip(0)  # (T, B, I): the reverse direction's rows, in its own time order
        out_f, out_r = both_directions(lambda: run(0, x), lambda: run(1, x_rev))  # (T, B, P) each
        return torch.cat([out_f, out_r.flip(0)], dim=-1), ((x, out_f), (x_rev, out_r))  # (T, B, 2P)

    def _recover_gates(self, layer: int, d: int, x: torch.Tensor, h: torch.Tensor) -> dict[str, torch.Tensor]:
        """Layer `layer`, direction d's gates, each (T, B, H) (none for the RNN), from its input x (T, B, I)
        and its outputs h (T, B, P), both in the direction's own time order: step t reads h_{t-1}."""
        T, B, P = h.shape
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        w_ih, w_hh = getattr(self, "weight_ih" + sfx), getattr(self, "weight_hh" + sfx)  # (G*H, I), (G*H, P)
        if self.arch == "rnn":
            return {}
        zero = torch.zeros(w_ih.shape[0], dtype=w_ih.dtype)  # (G*H,): bias=False
        b_ih, b_hh = getattr(self, "bias_ih" + sfx, zero), getattr(self, "bias_hh" + sfx, zero)
        h_prev = torch.cat([h.new_zeros(1, B, P), h[:-1]])  # (T, B, P): h_0 = 0, h_1..h_{T-1}
        if self.arch == "lstm":
            return lstm_recover_gates(w_ih, w_hh, b_ih + b_hh, x, h_prev)
        flat = gru_recover(w_ih, w_hh, b_ih, b_hh, x.reshape(T * B, -1), h_prev.view(T * B, P))  # each (T*B, H)
        return {k: v.unflatten(0, (T, B)) for k, v in flat.items()}  # each (T, B, H)

    # ----------------------------------------------------------------------------------- gradients
    def input_sensitivity(self, x: torch.Tensor) -> torch.Tensor:
        """(T,) float64 s[t] = ‖∂y_T/∂x_t‖_F, y_T (D*P,) the output at the last step, for one sequence x (T, I).

        Exact: autograd in float64 (on float64 copies of the weights), the D*P rows of the Jacobian by one
        batched backward pass. The reverse direction's y_T reads only x_T. Eval semantics (no dropout).
        Unlike the single-cell sweep there is no rescaling: a norm below float64's range is 0.
        """
        x3, unbatched = self._time_major(x, None)
        if not unbatched:
            raise ValueError(f"input_sensitivity expects one sequence of shape (T, {self.input_size}), "
                             f"got {tuple(x.shape)}")
        params = self._flat(dtype=torch.float64)
        xd = x3.detach().to(torch.float64).requires_grad_(True)  # (T, 1, I)
        with torch.enable_grad():
            y = self._run(xd, params, self.num_layers)[0][-1, 0]  # (D*P,): y_T
            eye = torch.eye(y.numel(), dtype=torch.float64)  # (D*P, D*P): one backward pass per row
            (jac,) = torch.autograd.grad(y, xd, eye, is_grads_batched=True)  # (D*P, T, 1, I)
        return jac.square().sum(dim=(0, 2, 3)).sqrt()  # (T,)

    def extra_repr(self) -> str:
        opts = [f"{k}={getattr(self, k)}" for k in ("num_layers", "bias", "batch_first", "bidirectional", "proj_size")]
        nl = f", nonlinearity={self.nonlinearity!r}" if self.arch == "rnn" else ""
        return f"{self.arch!r}, {self.input_size}, {self.hidden_size}{nl}, " + ", ".join(opts)

