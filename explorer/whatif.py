"""What-ifs: rerun a model with some gates pinned, through the reference equations.

The fused kernels cannot clamp a gate mid-sequence; the reference step can, so every clamped step is
computed by the teaching code itself. Before the first clamped step nothing differs from the model's own
run, so those steps are that run's fast trace, exactly the numbers the page shows beside the what-if; the
reference equations take over from its state at the step before (a clamp half-way through a 2,000-character
text no longer runs the Python loop over the first half). The clamped steps equal a reference run from
step 1 with the same pins to float32 rounding (about 1e-6: the fast trace's state is the start).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable

import torch

from explorer.model import CharModel, TextTrace
from explorer.reference import Clamp, reference_trace
from explorer.trace import Trace

__all__ = ["clamped_text_trace", "trace_runs", "describe"]


@torch.no_grad()
def clamped_text_trace(model: CharModel, text: str, clamps: tuple[Clamp, ...],
                       base: TextTrace | None = None, stop: int | None = None) -> TextTrace:
    """The model's TextTrace of `text` with `clamps` applied (states and next-character predictions).

    `base`: the model's own trace of `text`, when the caller has it already (its inputs are reused).
    `stop`: trace only the first `stop` steps (a window that ends there needs no more).
    """
    model.cell.check_clamps(clamps)
    base = model.trace_text(text) if base is None else base
    stop = base.trace.steps if stop is None else stop
    if stop < base.trace.steps:
        base = base.window(0, stop)
    own = base.trace
    k = min(c.from_step for c in clamps) - 1 if clamps else 0  # steps before the first pin: the model's own run
    if k >= own.steps:  # no pin within the text: the model's own run
        tr = own
    elif k == 0:
        tr = reference_trace(model.cell, own.x, clamps)
    else:
        tail = reference_trace(model.cell, own.x[k:], tuple(replace(c, from_step=c.from_step - k) for c in clamps),
                               h0=own.h[k - 1], c0=None if own.c is None else own.c[k - 1])
        tr = Trace(arch=own.arch, x=own.x, h=torch.cat([own.h[:k], tail.h]),
                   c=None if own.c is None else torch.cat([own.c[:k], tail.c]),
                   gates={g: torch.cat([own.gates[g][:k], tail.gates[g]]) for g in own.gates}, h0=own.h0, c0=own.c0)
    probs = torch.softmax(model.readout(tr.h), dim=-1)  # (T, V)
    return TextTrace(text=base.text, tokens=base.tokens, labels=base.labels, trace=tr, probs=probs, vocab=base.vocab)


def trace_runs(runs: Iterable[tuple[str, CharModel, tuple[Clamp, ...]]], text: str, start: int = 0,
               stop: int | None = None) -> dict[str, TextTrace]:
    """{run id: TextTrace of steps [start, stop)} for runs given as (id, model, clamps).

    Each model reads the text once (up to `stop` if its steps read only what came before them), and its what-ifs
    reuse that trace (a what-if beside its own model's run traced the same text twice). A window of a long text
    is cut from the run over everything before it, so its first step starts from the state the cell reached
    there, and a pin from step s of the text acts from step s whether s lies inside the window or before it.
    """
    plain: dict[int, TextTrace] = {}
    out = {}
    for rid, model, clamps in runs:
        if id(model) not in plain:  # a causal model needs the text up to the window's end only
            plain[id(model)] = model.trace_text(text[:stop] if stop is not None and model.causal else text)
        own = plain[id(model)]
        stop_at = own.trace.steps if stop is None else stop
        whole = clamped_text_trace(model, text, clamps, own, stop=stop_at) if clamps else own
        out[rid] = whole.window(start, stop_at) if (start, stop_at) != (0, whole.trace.steps) else whole
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
