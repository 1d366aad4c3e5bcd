"""The Gradient Lab's decay chart: sensitivity against distance on a log axis, with theory overlays (its saliency
strip is HTML: explorer.figures.saliency).

Every builder takes the numbers from `explorer.scenes.gradient_lab` and returns a plotly Figure styled by
`explorer.style.base_layout`. Curves are log10 values (exact even past float64's range) and are drawn
clipped to a readable window; what lies outside it is said in the hover text and the annotations.
"""
from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import plotly.graph_objects as go
import torch

from explorer.scenes.gradient_lab import ARCH_ORDER, ArchCurves
from explorer.gradients import REACH_LEVELS, by_distance
from explorer.text import power_of_ten
from explorer.figures.style import ARCH_COLORS, ARCH_LABELS, base_layout_dict

__all__ = ["decay_figure", "power_html", "sci", "QUANTITIES", "Y_FLOOR", "Y_CEIL"]

QUANTITIES = {"input": "input xₜ", "state": "state (hₜ, cₜ)"}
Y_FLOOR = -20.0  # log10: the plot shows curves down to 1e-20 of their start ...
Y_CEIL = 30.0  # ... and up to 1e+30 (an exploding curve is drawn to the edge and says so)
_LOG10_MAX = math.log10(torch.finfo(torch.float64).max)


def power_html(log10: float) -> str:
    """10 to a whole power in plotly's markup, as its log axes write it: 10<sup>−3</sup>."""
    return f"10<sup>{round(log10):d}</sup>".replace("-", "−")


def sci(v: float) -> str:
    """A log10 value as a readable number: 3.2e-07, 0 for an exact zero, 10⁴¹² past float64."""
    if v == -math.inf:
        return "0"
    return power_of_ten(v) if abs(v) > 300 else f"{10 ** v:.2g}"


MAIN_WIDTH, WIDTH_STEP = 3.5, 3.0  # px: a main curve, and how much wider it is per later curve lying on it
COINCIDE = 0.5  # decades: two curves closer than this all along the plotted range are drawn one on the other


def _lies_on(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Whether two log10 curves (by distance) stay within COINCIDE decades wherever either is plotted."""
    n = min(len(a), len(b))
    a, b = a[:n].clamp(max=Y_CEIL), b[:n].clamp(max=Y_CEIL)  # drawn pinned to the ceiling
    both = torch.isfinite(a) & torch.isfinite(b) & ((a >= Y_FLOOR) | (b >= Y_FLOOR))
    return bool(both.any()) and float((a[both] - b[both]).abs().max()) < COINCIDE


def _line(d: torch.Tensor, log10: torch.Tensor, name: str, color: str, dash: str, width: float,
          hover: str, legendgroup: str) -> go.Scatter:
    """One curve; points below the floor are dropped, points above the ceiling pinned to it."""
    y = log10.clamp(max=Y_CEIL)
    keep = torch.isfinite(y) & (y >= Y_FLOOR - 2)  # a little past the floor so the line leaves the frame
    # numpy arrays, not lists: plotly stores an array as it is, but validates a list element by element
    # (a few thousand points made that most of a Gradient Lab rerun)
    return go.Scatter(
        x=d[keep].numpy(), y=torch.pow(10.0, y[keep]).numpy(), mode="lines", name=name, legendgroup=legendgroup,
        line=dict(color=color, dash=dash, width=width),
        customdata=np.array([sci(v) for v in log10[keep].tolist()]),
        hovertemplate=f"{hover} · distance %{{x}} · %{{customdata}} of its start<extra></extra>",
    )


def decay_figure(curves: Mapping[str, ArchCurves], *, quantity: str = "input", overlays: bool = True,
                 presenter: bool = False) -> go.Figure:
    """Sensitivity of h_T to step T - d, divided by its value at d = 0, against d, one line per cell.

    quantity "input": ‖∂h_T/∂x_t‖; "state": ‖∂h_T/∂h_t‖ (RNN, GRU) and ‖∂h_T/∂(h_t, c_t)‖ (LSTM, with
    the h_t-only and c_t-only parts as thin lines, all divided by the full state's d = 0 value).
    Overlays: the LSTM's RMS ∏ f, the GRU's RMS ∏ z, the RNN's bound σ_max(W_hh)^d.
    """
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity must be one of {sorted(QUANTITIES)}, got {quantity!r}")
    # built in one go (traces, then one layout dict): call by call, each add_hline, update and add_trace
    # walked plotly's property tree, ~35 ms of every Gradient Lab rerun
    data: list[go.Scatter] = []
    lo, hi, steps, last_seen = 0.0, 0.0, 1, 0
    overflow_from: dict[str, int] = {}
    extra_colors = iter(("#9467bd", "#8c564b", "#17becf", "#bcbd22", "#e377c2", "#7f7f7f"))
    order = [a for a in ARCH_ORDER if a in curves] + [a for a in curves if a not in ARCH_ORDER]
    mains = [by_distance(curves[a].sens.input_log10 if quantity == "input" else curves[a].sens.state_log10)
             for a in order]  # (T,) each
    for k, arch in enumerate(order):
        c = curves[arch]
        if arch in ARCH_ORDER:  # keyed by architecture: its own colour and name
            color, label = ARCH_COLORS.get(c.arch, "#444"), ARCH_LABELS.get(c.arch, c.arch.upper())
        else:  # keyed by a name (e.g. a Memory Race contestant "LSTM, forget bias 3")
            color, label = next(extra_colors, "#444"), arch
        s = c.sens
        T = s.steps
        steps = max(steps, T)
        d = torch.arange(T)
        main = mains[k]  # (T,)
        state_what = "‖∂h<sub>T</sub>/∂(hₜ,cₜ)‖" if c.arch == "lstm" else "‖∂h<sub>T</sub>/∂hₜ‖"
        what = "‖∂h<sub>T</sub>/∂xₜ‖" if quantity == "input" else state_what
        # a curve that later ones lie on is drawn wider, so both show (an untrained LSTM and GRU decay alike: the
        # LSTM's line was hidden under the GRU's); the one beneath shows as a border of the one on top
        data.append(_line(d, main, label if quantity == "input" else f"{label} {what}", color, "solid",
                            MAIN_WIDTH + WIDTH_STEP * sum(_lies_on(main, later) for later in mains[k + 1:]),
                            label, arch))
        finite = main[torch.isfinite(main)]
        lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
        visible = torch.nonzero(main >= Y_FLOOR)
        last_seen = max(last_seen, int(visible[-1]) if len(visible) else 0)
        over = torch.nonzero(s.overflow.flip(0))
        if len(over):
            overflow_from[label] = int(over[0])
        if quantity == "state" and s.cell_log10 is not None:
            start = float(s.state_log10[-1])  # full state at d = 0
            data.append(_line(d, s.hidden_log10.flip(0) - start, f"{label} via hₜ only (cₜ fixed)", color,
                                "dashdot", 1.5, f"{label} via hₜ", arch))
            data.append(_line(d, s.cell_log10.flip(0) - start, f"{label} via cₜ only (hₜ fixed): cell path",
                                color, "dot", 2.0, f"{label} via cₜ", arch))
        if overlays and c.carry is not None:
            gate = "∏ f" if c.arch == "lstm" else "∏ z"
            data.append(_line(d, c.carry, f"{label} {gate}", color, "dash", 2.0,
                                f"{label} {gate}", arch))
        if overlays and c.bound is not None:
            data.append(_line(d, c.bound, f"{label} bound σₘₐₓ(Wₕₕ)^d = {c.sigma_max:.2f}^d", color, "dot",
                                2.0, f"{label} bound", arch))
    shapes, annotations = [], []
    for level in REACH_LEVELS:  # what fig.add_hline draws: a line across the plot at a level (data units)
        shapes.append(dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=level, y1=level,
                           line=dict(color="#888", width=1, dash="dot")))
        # in the right margin, where no curve runs (annotations on a log axis take log10 coordinates)
        annotations.append(dict(x=1, xref="paper", xanchor="left", xshift=4, y=math.log10(level), yanchor="middle",
                                text=power_html(math.log10(level)), showarrow=False,
                                font=dict(color="#666")))
    if hi > Y_CEIL:
        annotations.append(dict(x=0.5, y=1, xref="paper", yref="paper", yanchor="bottom", showarrow=False,
                                text=f"↑ exploding: reaches {power_of_ten(hi)} of its start; drawn clipped at {power_of_ten(Y_CEIL)}",
                                font=dict(color="#b00")))
    ymin = max(lo, Y_FLOOR) - 0.5
    ymax = min(max(hi, 0.0), Y_CEIL) + 0.5
    ymin = min(ymin, ymax - 3)  # at least three decades: a shorter log axis labels its minor ticks 9 8 7 ...
    title = ("‖∂h<sub>T</sub>/∂xₜ‖" if quantity == "input" else "‖∂h<sub>T</sub>/∂stateₜ‖") + " relative to distance 0"
    layout = base_layout_dict(title=title, height=520, presenter=presenter)
    # show the distances where something happens: up to where the last curve leaves the frame
    layout["xaxis"].update(title=dict(text="distance d = T − t (steps back from the last step)"),
                           range=[0, min(steps - 1, max(60, int(1.25 * last_seen)))])
    layout["yaxis"].update(type="log", range=[ymin, ymax], exponentformat="power",
                           title=dict(text="relative to d = 0 (log)"), dtick=decade_step(ymax - ymin))
    layout["legend"] = dict(orientation="h", yanchor="top", y=-0.16, x=0)
    layout["margin"].update(b=110, r=80 if presenter else 56)
    layout.update(hovermode="closest", shapes=shapes, annotations=annotations)
    fig = go.Figure(data=data, layout=layout)
    for k, (label, d0) in enumerate(overflow_from.items()):  # rare (a gradient past float64): drawn call by call
        fig.add_vrect(x0=d0, x1=steps - 1, fillcolor="#d62728", opacity=0.08, line_width=0,
                      annotation=dict(text=f"{label}: past float64 (> 1.8e308) from distance {d0}",
                                      font=dict(color="#b00")),
                      annotation_position="bottom left" if k == 0 else "top left")
    return fig


def decade_step(decades: float, most: int = 10) -> int:
    """Label every 1, 2, 5, 10, ... decades: at most `most` labels, so superscripts never touch."""
    return next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500) if decades / s <= most)
