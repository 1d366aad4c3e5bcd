"""Heatmaps of a Trace (time on x, unit on y) and the note's weight matrix, as plotly figures.

`panels(trace)` is the single description of what is drawn — name, title, caption, colour scale and
range — shared by the plotly figures here (notebooks, exports) and the live stepping component of the
Cell Explorer, so the two can never disagree.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from explorer.cells import SPECS
from explorer.figures.style import GATE_SCALE, TANH_SCALE, UNBOUNDED_SCALE, base_layout, plot_text, subscripts
from explorer.trace import Trace

__all__ = ["Panel", "panels", "shared_range", "heatmap", "weight_blocks", "plot_text"]

@dataclass(frozen=True)
class Panel:
    name: str  # key in Trace.states(): 'i', 'f', ..., 'c', 'h'
    title: str
    caption: str
    kind: str  # 'gate' (0..1), 'tanh' (-1..1) or 'unbounded' (symmetric, range printed)
    values: np.ndarray  # (T, H)
    zmin: float
    zmax: float
    colorscale: str


def panels(trace: Trace, unbounded: tuple[float, str] | None = None) -> list[Panel]:
    """Every gate and state of the trace as a Panel, in the order of the cell's equations.

    unbounded: (m, how) to draw unbounded quantities (c_t) on ±m with `how` printed in the title, so that
    compared panels share one scale; by default ±max|value| of this trace.
    """
    out = []
    for name, tensor in trace.states().items():
        q = SPECS[trace.arch].quantity(name)
        title, caption, kind = q.title, q.caption, q.kind
        v = tensor.detach().cpu().double().numpy()  # (T, H)
        if kind == "gate":
            lo, hi, scale = 0.0, 1.0, GATE_SCALE
        elif kind == "tanh":
            lo, hi, scale = -1.0, 1.0, TANH_SCALE
        else:
            if unbounded is None:
                m = max(float(np.abs(v).max()) if v.size else 1.0, 1e-6)
                title = f"{title}  (range ±{m:.2f})"
            else:
                m, how = unbounded
                title = f"{title}  (colour range ±{m:.2f}, {how})"
            lo, hi, scale = -m, m, UNBOUNDED_SCALE
        out.append(Panel(name, title, caption, kind, v, lo, hi, scale))
    return out


def shared_range(traces: list[Trace], robust: bool = False) -> tuple[float, str] | None:
    """One colour range for the unbounded panels (c_t) of traces drawn side by side.

    robust: the 99th percentile of |c| instead of its maximum, so one large unit cannot wash out the
    rest; the title then says how many values lie beyond the range (they are drawn at its ends).
    """
    values = [t.c.detach().double().abs().flatten() for t in traces if t.c is not None]
    if not values:
        return None
    allv = np.concatenate([v.numpy() for v in values])
    if not robust:
        return max(float(allv.max()), 1e-6), ("max |c|, shared by every run shown" if len(values) > 1 else "max |c|")
    m = max(float(np.quantile(allv, 0.99)), 1e-6)
    beyond = int((allv > m).sum())
    return m, f"99th percentile of |c|; {beyond:,} of {allv.size:,} values beyond it are drawn at the ends"


MAX_X_LABELS = 40  # characters labelled under a heatmap; the hover names every step


def heatmap(trace: Trace, name: str, labels: list[str] | tuple[str, ...], step: int | None = None,
            presenter: bool = False) -> go.Figure:
    """One quantity of a trace as a (unit × time) heatmap; `step` (1-based) draws the time cursor."""
    panel = next((p for p in panels(trace) if p.name == name), None)
    if panel is None:
        raise ValueError(f"{trace.arch.upper()} has no quantity {name!r}; expected one of {list(trace.states())}")
    T, H = panel.values.shape
    safe = [plot_text(s) for s in labels]
    # hover: t=5 'o' · unit 17 · f=0.93
    custom = np.broadcast_to(np.array(safe, dtype=object)[None, :], (H, T))
    fig = go.Figure(go.Heatmap(
        z=panel.values.T, x=list(range(1, T + 1)), y=list(range(H)), zmin=panel.zmin, zmax=panel.zmax,
        colorscale=panel.colorscale, customdata=custom,
        hovertemplate=f"t=%{{x}} '%{{customdata}}' · unit %{{y}} · {name}=%{{z:.2f}}<extra></extra>",
        colorbar=dict(thickness=12, len=0.9)))
    every = max(1, math.ceil(T / MAX_X_LABELS))  # 400 characters under one plot merged into a grey band
    ticks = list(range(1, T + 1, every))  # a thinned axis names each label's step: "120 d", not a bare "d"
    fig.update_xaxes(tickmode="array", tickvals=ticks, ticktext=safe[::every] if every == 1 else
                     [f"{t} {safe[t - 1]}" for t in ticks], tickangle=0 if every == 1 else -60,
                     title="t (input character)" if every == 1 else f"t (input character; every {every}th labelled)")
    fig.update_yaxes(title="unit", autorange="reversed")
    if step is not None:
        fig.add_vline(x=step, line=dict(color="#ff7f0e", width=3))
    base_layout(fig, title=subscripts(panel.title), height=max(220, min(520, 60 + 8 * H)), presenter=presenter)
    return fig


def weight_blocks(weight_ih: np.ndarray, weight_hh: np.ndarray, gate_names: tuple[str, ...]) -> go.Figure:
    """The note's W (G·H, H + I) acting on [h_{t−1}; x_t], split into its gate blocks.

    Columns left of the dashed line are PyTorch's W_hh (H columns), right of it W_ih (I columns);
    horizontal lines separate the G gate blocks (i, f, g, o for the LSTM).
    """
    W = np.concatenate([weight_hh, weight_ih], axis=1)  # (G·H, H + I)
    GH, HI = W.shape
    G = max(len(gate_names), 1)
    H = GH // G
    m = float(np.abs(W).max()) or 1.0
    fig = go.Figure(go.Heatmap(z=W, zmin=-m, zmax=m, colorscale=UNBOUNDED_SCALE,
                               hovertemplate="row %{y} · column %{x} · w=%{z:.3f}<extra></extra>",
                               colorbar=dict(thickness=12)))
    for k in range(1, G):
        fig.add_hline(y=k * H - 0.5, line=dict(color="black", width=2))
    fig.add_vline(x=H - 0.5, line=dict(color="black", width=2, dash="dash"))
    names = gate_names or ("h",)
    fig.update_yaxes(tickmode="array", tickvals=[k * H + (H - 1) / 2 for k in range(G)],
                     ticktext=[f"{n}  ({H} rows)" for n in names], autorange="reversed")
    fig.update_xaxes(tickmode="array", tickvals=[(H - 1) / 2, H + (HI - H - 1) / 2],
                     ticktext=[subscripts(f"W_hh · h_{{t−1}}  ({H} cols)"), subscripts(f"W_ih · x_t  ({HI - H} cols)")])
    base_layout(fig, title=subscripts(f"W = [W_hh | W_ih], shape ({GH}, {HI}) = ({G}H, H + I)"), height=420)
    return fig
