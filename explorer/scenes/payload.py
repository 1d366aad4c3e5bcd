"""The data the Cell Explorer's stepping component receives: every step of every run, sent once.

Arrays travel as base64 float32 in unit-major (H, T) order, so a heatmap row is one slice and the
browser never asks the server for anything while the cursor moves.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import plotly.colors

from explorer.cells import SPECS
from explorer.figures.heatmaps import panels, shared_range
from explorer.figures.style import plot_text
from explorer.model import CharModel, TextTrace
from explorer.figures.style import GATE_SCALE, TANH_SCALE
from explorer.text import char_label
from explorer.limits import MAX_VIEW_CELLS

__all__ = ["Run", "payload", "MAX_VIEW_CELLS"]




@dataclass(frozen=True)
class Run:
    """One column of the view: a model's traced text, possibly a what-if of another run."""

    id: str
    title: str
    model: CharModel
    traced: TextTrace
    note: str = ""  # one line under the title (e.g. which gates are clamped)
    clamps: tuple = ()  # the Clamps of a what-if run


def _b64(a: np.ndarray) -> str:
    """(T, H) array -> base64 of float32 in (H, T) order."""
    return base64.b64encode(np.ascontiguousarray(a.T, dtype=np.float32).tobytes()).decode("ascii")


@lru_cache(maxsize=8)  # the same few scales on every payload: sampled once per process (~10 ms each)
def _lut(name: str, n: int = 256) -> tuple[str, ...]:  # 256 levels: a canvas shows no banding
    scale = plotly.colors.get_colorscale(name)
    return tuple(plotly.colors.sample_colorscale(scale, [i / (n - 1) for i in range(n)], colortype="rgb"))


def payload(runs: list[Run], *, t: int = 1, unit: int = 0, k: int = 5, offset: int = 0,
            presenter: bool = False, robust: bool = False) -> dict:
    """JSON-ready description of the runs (all traced on the same text) for the stepping component.

    offset: index of the first character of the traced window in the full text (for labels only).
    """
    if not runs:
        raise ValueError("payload needs at least one run")
    first = runs[0].traced
    T, H = first.trace.h.shape
    labels = list(first.labels)
    c_range = shared_range([r.traced.trace for r in runs], robust)  # compared panels share one scale
    out_runs = []
    for run in runs:
        tr = run.traced.trace
        if tr.h.shape[0] != T:
            raise ValueError("all runs must trace the same text")
        top = run.traced.top_k(k)
        vocab_labels = [char_label(ch) for ch in run.traced.vocab.chars]  # once per character, not per (step, k)
        chars = [[vocab_labels[i] for i in row] for row in top.ids.tolist()]
        out_runs.append({
            "id": run.id, "title": run.title, "note": run.note, "arch": tr.arch,
            "hidden": tr.hidden_size,
            "spec": SPECS[tr.arch].to_json(),  # wire labels, kinds and formulas, and the live equations
            "panels": [{"name": p.name, "title": p.title, "caption": p.caption, "kind": p.kind, "zmin": p.zmin,
                        "zmax": p.zmax, "colorscale": p.colorscale, "hover": SPECS[tr.arch].quantity(p.name).title.rsplit(" ", 1)[0],  # "forget gate"
                        "b64": _b64(p.values)} for p in panels(tr, c_range)],
            "aux": {name: _b64(v.detach().double().numpy()) for name, v in run.model.cell.aux_arrays(tr).items()},
            # pinned gates: the what-if's clamps, so the view marks their values as pinned, never as computed
            "pinned": [{"gate": c.gate, "from": c.from_step, "value": c.value,
                        "units": None if c.units is None else list(c.units)} for c in run.clamps],
            "h0": tr.h0.tolist(), "c0": None if tr.c0 is None else tr.c0.tolist(),
            "topk": {"chars": chars, "probs": np.round(top.probs.double().numpy(), 4).tolist(),
                     "none": getattr(run.model, "no_predictions", None)},  # why a model shows no predictions
        })
    return {
        "T": T, "H": H, "labels": labels, "plabels": [plot_text(s) for s in labels], "offset": offset,
        "t": max(1, min(t, T)), "unit": max(0, min(unit, H - 1)), "presenter": presenter,
        "luts": {GATE_SCALE: list(_lut(GATE_SCALE)), TANH_SCALE: list(_lut(TANH_SCALE))},
        "runs": out_runs,
    }

