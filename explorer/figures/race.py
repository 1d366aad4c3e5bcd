"""Figures of the Memory Race: live learning curves, the final scoreboard, and the sweep over the lag.

Every figure draws the task's trivial baseline as a grey dashed line, so "learned something" reads as
"left the line". Colours follow the architecture (style.ARCH_COLORS); the carry-gate-near-1 variants
are drawn dashed in the same colour.
"""
from __future__ import annotations

import math

import plotly.graph_objects as go
import torch

from explorer.scenes.gradient_lab import ArchCurves
from explorer.gradients import by_distance

from explorer.race import CONTESTANTS, Curve, RaceResult, SweepResult
from explorer.figures.style import ARCH_COLORS, base_layout
from explorer.data.tasks import TaskSpec

__all__ = ["contestant_line", "race_curves_figure", "scoreboard_figure", "sweep_figure", "reach_figure"]

BASELINE_COLOR = "#7f7f7f"


def contestant_line(key: str) -> dict:
    c = CONTESTANTS[key]
    return dict(color=ARCH_COLORS[c.arch], width=3, dash="dash" if c.carry else "solid")


def _metric_axis(task: TaskSpec) -> dict:
    if task.metric == "accuracy":
        return dict(title="accuracy", range=[0, 1.02], tickformat=".0%")
    # the first few steps can sit far above the baseline; the plateau at the baseline is the story
    return dict(title="MSE (lower is better)", range=[0, 1.8 * task.baseline])


def _baseline_label(task: TaskSpec) -> str:
    what = {"first_symbol": "chance", "adding": "always say 1", "copy": "guessing",
            "brackets": "memoryless guess"}[task.kind]
    value = f"{task.baseline:.0%}" if task.metric == "accuracy" else f"{task.baseline:.3f}"
    return f"baseline ({what}) {value}"


def _add_baseline(fig: go.Figure, task: TaskSpec, *, vertical: bool = False) -> None:
    """The baseline as a dotted grey line across the plot, named in the legend (not over the data)."""
    line = dict(color=BASELINE_COLOR, dash="dot", width=2)
    if vertical:
        fig.add_vline(x=task.baseline, line=line)
    else:
        fig.add_hline(y=task.baseline, line=line)
    fig.add_scatter(x=[None], y=[None], mode="lines", line=line, name=_baseline_label(task), hoverinfo="skip")


def race_curves_figure(task: TaskSpec, curves: dict[str, Curve], *, x: str = "seconds",
                       x_max: float | None = None, presenter: bool = False) -> go.Figure:
    """Metric on the evaluation batch against each contestant's own training time (or steps)."""
    fig = go.Figure()
    for key, curve in curves.items():
        xs = curve.seconds if x == "seconds" else curve.steps
        fig.add_scatter(x=xs, y=curve.metric, mode="lines+markers", name=CONTESTANTS[key].label,
                        line=contestant_line(key), marker=dict(size=4),
                        customdata=list(zip(curve.steps, curve.seconds)),
                        hovertemplate=CONTESTANTS[key].label + "<br>step %{customdata[0]:,} · %{customdata[1]:.1f} s"
                                      "<br>" + task.metric + " %{y:.3f}<extra></extra>")
    _add_baseline(fig, task)
    base_layout(fig, title=f"{task.label}, T = {task.lag}: learning curves", height=380, presenter=presenter)
    fig.update_yaxes(**_metric_axis(task))
    fig.update_xaxes(title="training time of each contestant (s)" if x == "seconds" else "training steps",
                     range=[0, x_max] if x_max else None)
    fig.update_layout(legend=dict(orientation="h", y=-0.22, x=0), margin=dict(b=90))
    return fig


def scoreboard_figure(result: RaceResult, *, presenter: bool = False) -> go.Figure:
    """Final test metric of every contestant as horizontal bars, against the baseline."""
    task = result.config.task
    entries = result.entries[::-1]  # plotly draws the first category at the bottom
    values = [e.final_metric for e in entries]
    text = [f"{v:.0%}" if task.metric == "accuracy" else f"{v:.3f}" for v in values]
    labels = [e.contestant.label for e in entries]
    fig = go.Figure(go.Bar(y=labels, x=values, orientation="h",
                           marker_color=[ARCH_COLORS[e.contestant.arch] for e in entries],
                           marker_pattern_shape=["/" if e.contestant.carry else "" for e in entries],
                           hovertemplate="%{y}<br>" + task.metric + " %{x:.3f}<extra></extra>", showlegend=False))
    _add_baseline(fig, task, vertical=True)
    # the scores sit in their own column right of the plot, where neither the baseline nor a bar can cross them
    for label, value in zip(labels, text):
        fig.add_annotation(x=1.0, xref="paper", xanchor="left", xshift=8, y=label, yref="y", text=value,
                           showarrow=False, font=dict(size=22 if presenter else 15))
    base_layout(fig, title=f"Final {task.metric} on {result.config.test_size:,} fresh sequences", height=380,
                presenter=presenter)
    axis = _metric_axis(task)
    top = 1.0 if task.metric == "accuracy" else max(values + [task.baseline]) * 1.15
    fig.update_xaxes(**{**axis, "range": [0, top]})
    fig.update_yaxes(title=None)
    fig.update_layout(legend=dict(orientation="h", y=-0.22, x=0),
                      margin=dict(l=150, r=110 if presenter else 80, b=90))  # r: the score column
    return fig


def sweep_figure(sweep: SweepResult, task: TaskSpec, *, presenter: bool = False) -> go.Figure:
    """Final metric against the lag T for every contestant, with the baseline at each lag."""
    fig = go.Figure()
    for key, values in sweep.metric.items():
        fig.add_scatter(x=sweep.lags, y=values, mode="lines+markers", name=CONTESTANTS[key].label,
                        line=contestant_line(key), marker=dict(size=9),
                        hovertemplate=CONTESTANTS[key].label + "<br>T = %{x}<br>" + task.metric
                                      + " %{y:.3f}<extra></extra>")
    fig.add_scatter(x=sweep.lags, y=sweep.baseline, mode="lines", name="baseline",
                    line=dict(color=BASELINE_COLOR, dash="dot", width=2), hoverinfo="skip")
    base_layout(fig, title=f"{task.label}: final {task.metric} against the lag T", height=380, presenter=presenter)
    fig.update_xaxes(title="lag T (log scale)", type="log", tickvals=list(sweep.lags))
    fig.update_yaxes(**_metric_axis(task))
    fig.update_layout(legend=dict(orientation="h", y=-0.22, x=0), margin=dict(b=90))
    return fig


REACH_FLOOR = -20.0  # log10: curves are drawn down to 1e-20 of their value at distance 0


def reach_figure(task: TaskSpec, curves: dict[str, ArchCurves], *, presenter: bool = False) -> go.Figure:
    """After training: ‖∂h_T/∂x_t‖ relative to distance 0, against the distance d = T − t, per contestant.

    The answer of first_symbol sits at d = T − 1 (marked): a cell whose curve is ~0 there cannot be
    taught to use it, however long it trains.
    """
    fig = go.Figure()
    L = task.steps
    lo, hi = 0.0, 0.0
    for key, c in curves.items():
        log10 = by_distance(c.sens.input_log10)  # (L,) by distance, 0 at d = 0
        keep = torch.isfinite(log10) & (log10 >= REACH_FLOOR - 2)
        lo, hi = min(lo, float(log10[keep].min())), max(hi, float(log10[keep].max()))
        d = torch.arange(L)[keep]
        fig.add_scatter(x=d.tolist(), y=torch.pow(10.0, log10[keep]).tolist(), mode="lines", name=CONTESTANTS[key].label,
                        line=contestant_line(key), customdata=[f"{10 ** v:.2g}" for v in log10[keep].tolist()],
                        hovertemplate=CONTESTANTS[key].label + " · distance %{x} · %{customdata} of its start<extra></extra>")
    where = {"first_symbol": "the symbol to remember", "adding": "the start of the sequence",
             "copy": "the last symbol to copy", "brackets": "the first bracket"}[task.kind]
    mark = L - 1 if task.kind != "copy" else L - 10  # copy: the 10th symbol sits at t = 10
    line = dict(color=BASELINE_COLOR, dash="dot", width=2)
    fig.add_vline(x=mark, line=line)
    fig.add_scatter(x=[None], y=[None], mode="lines", line=line, name=f"{where} (d = {mark})", hoverinfo="skip")
    base_layout(fig, title="After the race: how far back does the gradient reach? "
                           "‖∂h<sub>T</sub>/∂xₜ‖ relative to d = 0",
                height=400, presenter=presenter)
    fig.update_xaxes(title="distance d = T − t (steps back from the last step)", range=[0, L - 1])
    fig.update_yaxes(type="log", exponentformat="power", title="relative to d = 0 (log)",
                     range=[max(lo, REACH_FLOOR) - 0.5, hi + 0.5],
                     dtick=max(1, math.ceil((hi - max(lo, REACH_FLOOR)) / 6)))  # whole decades, about 6 ticks
    fig.update_layout(legend=dict(orientation="h", y=-0.22, x=0), margin=dict(b=90))
    return fig
