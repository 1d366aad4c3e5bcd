r"""Stack: any torch.nn.RNN / LSTM / GRU (stacked, bidirectional, batch_first, no bias, LSTM projections).

Shapes: T time steps, B batch, I input size (of layer 0; layer l > 0 reads D·P), H hidden size,
P output size of a direction (proj_size for a projected LSTM, else H), L layers, D directions
(1, or 2 if bidirectional), G gates (LSTM 4, GRU 3, RNN 1).

A Stack holds exactly the parameters of the torch module under torch's names and layout, for layer l
and direction d (suffix `_l{l}`, plus `_reverse` for d = 1):

    weight_ih_l{l}: (G*H, I or D*P)   weight_hh_l{l}: (G*H, P)   bias_ih_l{l}, bias_hh_l{l}: (G*H,) (if bias)
    weight_hr_l{l}: (P, H)            LSTM with proj_size only: h_t = W_hr (o_t ⊙ tanh(c_t))

`trace(x)` runs the fused torch kernel one layer at a time (both directions in one call), then
recovers every gate of every step at once from (layer input, previous hidden states): per layer and
direction one matmul over all T*B rows (the LSTM splits it in two: one matmul gives every direction's
input terms, one per direction adds the hidden states' in place, so no shifted copy of h is made), and
for the LSTM the cell state of both directions by one `linear_scan`. No Python loop runs over time.
The reverse direction is reported in the input's time order: its step t reads h_{t+1} (zero at t = T),
so `Trace.h_prev` (which assumes a forward run) does not apply to it. Dropout between layers is a
training-time device: traces and sensitivities use eval semantics (no dropout).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from explorer.cells.base import Cell, fresh_module
from explorer.cells.gru import recover as gru_recover
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

    def _run(self, x: torch.Tensor, params: list[torch.Tensor], num_layers: int):
        """The fused kernel, no dropout: x (T, B, I) -> (outputs (T, B, D*P), final state)."""
        B, n = x.shape[1], num_layers * self.num_directions
        h0 = x.new_zeros(n, B, self.out_size)  # (L*D, B, P)
        args = (params, self.bias, num_layers, 0.0, False, self.bidirectional, False)
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
        x3, unbatched = self._time_major(x, self.dtype)  # (T, B, I)
        x3 = x3.detach().clone()  # our own copy: the layer-0 traces hold it
        T, B, _ = x3.shape
        P, H, layers, inp = self.out_size, self.hidden_size, [], x3

        def layout(a: torch.Tensor) -> torch.Tensor:  # (T, B, ·) -> (T, ·) unbatched, else (B, T, ·)
            return a.squeeze(1) if unbatched else a.transpose(0, 1).contiguous()

        def zeros(n: int) -> torch.Tensor:  # a zero initial state: (n,) unbatched, else (B, n)
            return x3.new_zeros(n) if unbatched else x3.new_zeros(B, n)

        for layer in range(self.num_layers):
            out, _ = self._run(inp, self._flat(range(layer, layer + 1)), 1)  # (T, B, D*P), both directions
            x_l, traces = layout(inp), []
            lstm = self._lstm_recover(layer, inp, out) if self.arch == "lstm" else None  # ({i,f,g,o}, c) per direction
            for d in range(self.num_directions):
                h = out[..., d * P:(d + 1) * P]  # (T, B, P)
                gates, c = lstm[d] if lstm is not None else self._recover(layer, d, inp, h)
                traces.append(Trace(arch=self.arch, x=x_l, h=layout(h), c=None if c is None else layout(c),
                                    gates={k: layout(v) for k, v in gates.items()}, h0=zeros(P),
                                    c0=zeros(H) if self.arch == "lstm" else None))
            layers.append(tuple(traces))
            inp = out
        if unbatched:
            output = out.squeeze(1)  # (T, D*P)
        else:
            output = out.transpose(0, 1) if self.batch_first else out  # as the module lays out batches
        return StackTrace(output=output, layers=tuple(layers))

    def _lstm_recover(self, layer: int, x: torch.Tensor, out: torch.Tensor):
        """Every direction's {i, f, g, o} and c, each (T, B, H), of LSTM layer `layer` run from zero states over
        its input x (T, B, I), from its fused outputs out (T, B, D*P): a list indexed by direction.

        `explorer.cells.lstm.recover` for a whole layer: that one scans c over its rows, so it cannot take a
        batch folded into them, and it runs one direction. Here one matmul over all T*B rows gives every
        direction's input terms W_i· x_t + b_i· + b_h·, one more per direction adds W_h· h_{t∓1} in place
        (the step that reads the zero initial state gets none, so no shifted copy of h is made), and one
        sigmoid, one product and one scan then serve both directions: the reverse cell state
        c_t = f_t ⊙ c_{t+1} + i_t ⊙ g_t is the forward recurrence over the reversed rows, so its operands
        are written reversed beside the forward ones. As in lstm.recover, the candidate's rows of W and b
        are doubled (exact) so that the one sigmoid also yields g = tanh(a) = 2σ(2a) − 1.
        """
        T, B, H, P, D = x.shape[0], x.shape[1], self.hidden_size, self.out_size, self.num_directions
        sfx = [f"_l{layer}" + ("_reverse" if d else "") for d in range(D)]
        scale = torch.tensor([1.0, 1.0, 2.0, 1.0], dtype=x.dtype)  # per gate block: the candidate's doubled

        def doubled(w: torch.Tensor) -> torch.Tensor:  # (4H, ...) -> the same with the candidate's rows times 2
            return (w.unflatten(0, (4, H)) * scale.view((4,) + (1,) * w.dim())).flatten(0, 1)

        w_ih = torch.cat([doubled(getattr(self, "weight_ih" + s)) for s in sfx])  # (D*4H, I)
        rows = x.reshape(T * B, -1)  # (T*B, I)
        if self.bias:
            b = torch.cat([doubled(getattr(self, "bias_ih" + s) + getattr(self, "bias_hh" + s)) for s in sfx])  # (D*4H,)
            pre = torch.addmm(b, rows, w_ih.T)  # (T*B, D*4H): input terms, every direction
        else:
            pre = rows @ w_ih.T
        pre4 = pre.view(T, B, D, 4 * H)  # (T, B, D, 4H)
        for d in range(D):
            if T > 1:  # + W_h· h_{t∓1}, in place; rows of the direction's block, stride D*4H
                h = out[1:] if d else out[:-1]  # (T-1, B, D*P): the h_{t∓1} each step reads
                tgt = (pre4[:-1, :, d] if d else pre4[1:, :, d]).view((T - 1) * B, 4 * H)  # ((T-1)*B, 4H)
                w_hh = doubled(getattr(self, "weight_hh" + sfx[d]))  # (4H, P)
                tgt.addmm_(h[..., d * P:(d + 1) * P].reshape((T - 1) * B, P), w_hh.T)
        pre.sigmoid_()  # i, f, σ(2a_g), o of every direction
        gates = pre.view(T, B, D, 4, H)
        g = gates[..., 2, :].mul_(2.0).sub_(1.0)  # (T, B, D, H): 2σ(2a) − 1 = tanh(a)
        i, f, o = gates[..., 0, :], gates[..., 1, :], gates[..., 3, :]  # views, each (T, B, D, H)
        a, ig = torch.empty_like(g), i * g  # (T, B, D, H): the scan's operands, reverse rows reversed
        a[:, :, 0] = f[:, :, 0]
        if D == 2:
            a[:, :, 1] = f[:, :, 1].flip(0)
            ig[:, :, 1] = ig[:, :, 1].flip(0)
        c = linear_scan(a.view(T, B * D * H), ig.view(T, B * D * H), x.new_zeros(B * D * H)).view(T, B, D, H)
        result = []
        for d in range(D):
            c_d = c[:, :, d].flip(0) if d else c[:, :, d]  # (T, B, H), the input's time order
            result.append(({"i": i[:, :, d], "f": f[:, :, d], "g": g[:, :, d], "o": o[:, :, d]}, c_d))
        return result

    def _recover(self, layer: int, d: int, x: torch.Tensor, h: torch.Tensor):
        """Layer `layer`, direction d's gates (each (T, B, H)) from its input x (T, B, I) and its outputs
        h (T, B, P): the GRU's and the RNN's (which has none); the LSTM's are recovered in `trace`."""
        T, B, P = h.shape
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        w_ih, w_hh = getattr(self, "weight_ih" + sfx), getattr(self, "weight_hh" + sfx)  # (G*H, I), (G*H, P)
        if self.arch == "rnn":
            return {}, None
        zero = torch.zeros(w_ih.shape[0], dtype=w_ih.dtype)  # (G*H,): bias=False
        b_ih, b_hh = getattr(self, "bias_ih" + sfx, zero), getattr(self, "bias_hh" + sfx, zero)
        h0 = h.new_zeros(1, B, P)  # (1, B, P): the zero initial state
        h_prev = torch.cat([h0, h[:-1]] if d == 0 else [h[1:], h0])  # (T, B, P); the reverse step t reads h_{t+1}
        flat = gru_recover(w_ih, w_hh, b_ih, b_hh, x.reshape(T * B, -1), h_prev.view(T * B, P))  # each (T*B, H)
        return {k: v.unflatten(0, (T, B)) for k, v in flat.items()}, None  # each (T, B, H)

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

