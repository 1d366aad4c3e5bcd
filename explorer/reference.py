"""The teaching run: each step of the equations in turn, one Python iteration per time step.

Each architecture's step, one equation per line, lives in its own file (`explorer.cells.lstm.lstm_step`,
`gru_step`, `rnn_step`); this module runs it over a sequence. It is the path the what-ifs use: a `Clamp`
pins a gate to a value for chosen units from a chosen step on, which the fused kernels cannot do. The
tests check it against `torch.nn` and against an independently written clamped recurrence.
"""
from __future__ import annotations

import torch

from explorer.cells import SPECS, Cell, Clamp
from explorer.cells.gru import gru_step
from explorer.cells.lstm import lstm_step
from explorer.cells.rnn import rnn_step
from explorer.trace import Trace

__all__ = ["Clamp", "lstm_step", "gru_step", "rnn_step", "reference_trace", "CLAMPABLE"]

CLAMPABLE: dict[str, tuple[str, ...]] = {arch: spec.clampable for arch, spec in SPECS.items()}


@torch.no_grad()
def reference_trace(cell: Cell, x: torch.Tensor, clamps: tuple[Clamp, ...] | list[Clamp] = (),
                    h0: torch.Tensor | None = None, c0: torch.Tensor | None = None) -> Trace:
    """Run the equations step by step over x (T, I), with optional gate clamps; returns a Trace."""
    clamps = tuple(clamps)
    cell.check_clamps(clamps)
    cell._check_input(x)
    T, H = x.shape[0], cell.hidden_size
    spec = cell.spec
    state = {"h": torch.zeros(H, dtype=x.dtype) if h0 is None else h0.reshape(H).to(x.dtype)}
    if "c" in spec.states:
        state["c"] = torch.zeros(H, dtype=x.dtype) if c0 is None else c0.reshape(H).to(x.dtype)
    start = {k: v.clone() for k, v in state.items()}
    seq: dict[str, list[torch.Tensor]] = {k: [] for k in (*spec.gates, *spec.states)}
    for t in range(1, T + 1):  # the time loop, written out: this is the teaching path
        state, gates = cell.reference_step(x[t - 1], state, t, clamps)
        for k, v in {**gates, **state}.items():
            seq[k].append(v)
    return Trace(arch=cell.arch, x=x.detach().clone(), h=torch.stack(seq["h"]),
                 c=torch.stack(seq["c"]) if "c" in seq else None,
                 gates={k: torch.stack(seq[k]) for k in spec.gates}, h0=start["h"], c0=start.get("c"))
