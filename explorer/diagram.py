"""What every wire of the cell diagram carries at step t, for one unit: the spec the live view follows.

The wires and their formulas are each architecture's (`SPECS[arch].wires`, in explorer/cells/); this
module evaluates them in Python, and the stepping component evaluates the same formulas in the browser
(no server round trip). The tests check these values against one reference step, and the browser test
checks the component's numbers against `wire_values`.
"""
from __future__ import annotations

import math

import torch

from explorer.cells import SPECS, Cell
from explorer.trace import Trace

__all__ = ["aux_arrays", "wire_values"]


def aux_arrays(cell: Cell, trace: Trace) -> dict[str, torch.Tensor]:
    """Pre-activation terms the diagram shows but a Trace does not hold, each (T, H)."""
    return cell.aux_arrays(trace)


def wire_values(trace: Trace, aux: dict[str, torch.Tensor], t: int, unit: int) -> dict[str, float]:
    """Every wire's value at step t (1-based) for one unit, in the order of the spec's wires."""
    if not 1 <= t <= trace.steps:
        raise ValueError(f"t must lie in 1..{trace.steps}, got {t}")
    k = t - 1
    arrays = {**trace.states(), **aux}
    start = {"h": trace.h0, "c": trace.c0}
    out: dict[str, float] = {}
    for w in SPECS[trace.arch].wires:
        op, *args = w.formula
        if op == "at":
            out[w.name] = float(arrays[args[0]][k, unit])
        elif op == "prev":
            name = args[0]
            out[w.name] = float(arrays[name][k - 1, unit]) if k > 0 else float(start[name][unit])
        elif op == "mul":
            out[w.name] = out[args[0]] * out[args[1]]
        elif op == "one_minus":
            out[w.name] = 1.0 - out[args[0]]
        elif op == "tanh":
            out[w.name] = math.tanh(out[args[0]])
        else:  # pragma: no cover - a spec error, caught by the tests of every spec
            raise ValueError(f"unknown wire operation {op!r}")
    return out
