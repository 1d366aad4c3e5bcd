"""What-ifs: rerun a model with some gates pinned, through the reference equations.

The fused kernels cannot clamp a gate mid-sequence; the reference step can, so the clamped run is
the teaching code itself. Before the clamp step it equals the unclamped reference run exactly, and the
fast trace the page shows beside it to float32 rounding (about 1e-6: a different order of operations).
"""
from __future__ import annotations

import torch

from explorer.model import CharModel, TextTrace
from explorer.reference import Clamp, reference_trace

__all__ = ["clamped_text_trace", "trace_runs", "describe"]


@torch.no_grad()
def clamped_text_trace(model: CharModel, text: str, clamps: tuple[Clamp, ...],
                       base: TextTrace | None = None) -> TextTrace:
    """The model's TextTrace of `text` with `clamps` applied (states and next-character predictions).

    `base`: the model's own trace of `text`, when the caller has it already (its inputs are reused).
    """
    base = model.trace_text(text) if base is None else base
    tr = reference_trace(model.cell, base.trace.x, clamps)
    probs = torch.softmax(model.readout(tr.h), dim=-1)  # (T, V)
    return TextTrace(text=base.text, tokens=base.tokens, labels=base.labels, trace=tr, probs=probs, vocab=base.vocab)


def trace_runs(runs, text: str) -> dict:
    """{run id: TextTrace} for runs given as (id, model, clamps): each model is traced once, and its what-ifs
    reuse that trace (a what-if beside its own model's run traced the same text twice)."""
    plain: dict[int, TextTrace] = {}
    out = {}
    for rid, model, clamps in runs:
        if id(model) not in plain:
            plain[id(model)] = model.trace_text(text)
        out[rid] = clamped_text_trace(model, text, clamps, plain[id(model)]) if clamps else plain[id(model)]
    return out


def describe(clamps: tuple[Clamp, ...]) -> str:
    """'f = 1, i = 0 from t = 3 (all units)' — one line for the run's title."""
    if not clamps:
        return "no clamps"
    parts = ", ".join(f"{c.gate} = {c.value:g}" for c in clamps)
    steps = sorted({c.from_step for c in clamps})
    units = clamps[0].units
    where = "all units" if units is None else ("unit " if len(units) == 1 else "units ") + ", ".join(map(str, units))
    return f"{parts} from t = {', '.join(map(str, steps))} ({where})"
