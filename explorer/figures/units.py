"""Figures of the Unit Finder: text coloured by a unit, rankings, saturation, next-character bars.

The text is a grid with one cell per character (Karpathy, Johnson & Fei-Fei 2015, figure 5), drawn as HTML
(explorer.figures.text_html), each cell one `char_label` escaped there, so no user text can turn into markup;
the charts are plotly, whose labels are escaped with `plot_text` (plotly reads a few tags in text).
"""
from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from explorer.data.features import FEATURE_LABELS
from explorer.figures.style import (ARCH_COLORS, ARCH_LABELS, GATE_SCALE, TANH_SCALE, UNBOUNDED_SCALE, base_layout,
                                    plot_text)
from explorer.figures.text_html import Box, ColourBar, colours, text_html
from explorer.units import Match, Ranking, Saturation
from explorer.text import signed

__all__ = ["text_grid", "text_colored", "text_csv", "value_scale", "ValueScale", "unit_over_time", "ranking_bars", "saturation_scatter",
           "topk_bars", "UNTRAINED_COLOR"]

UNTRAINED_COLOR = "#9e9e9e"
SEL_COLOR = "#ff7f0e"  # the brushed selection
MATCH_COLOR = "#2ca02c"  # places where the same units switch on together


def text_grid(labels: tuple[str, ...], wrap: int = 80) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each character when the text is laid out in lines of at most `wrap` cells.

    A newline (label '↵') stays at the end of its line and the next character starts a new row.
    Returns rows (T,), cols (T,) ints.
    """
    rows = np.zeros(len(labels), dtype=np.int64)
    cols = np.zeros(len(labels), dtype=np.int64)
    r = c = 0
    for t, lab in enumerate(labels):
        if c >= wrap:
            r, c = r + 1, 0
        rows[t], cols[t] = r, c
        c += 1
        if lab == "↵":
            r, c = r + 1, 0
    return rows, cols


@dataclass(frozen=True)
class ValueScale:
    """How one kind of quantity is coloured (DESIGN.md conventions)."""

    scale: str  # a plotly colour scale name
    lo: float  # the value drawn at the scale's low end ...
    hi: float  # ... and at its high end (raw values: an unbounded one is centred on its mean)
    note: str  # the range in words, for a title
    high: str  # the colour of a high value, in words ...
    low: str  # ... and of a low one


def value_scale(kind: str, values: np.ndarray) -> ValueScale:
    """The colour scale of a quantity by its kind: 'gate' (0..1), 'tanh' (−1..1) or 'unbounded'.

    An unbounded value (the LSTM's c) is drawn about its mean over the text: a counter unit sits at some
    offset (c ≈ 8, say) and moves by about 1 per bracket, and on a scale symmetric about 0 that offset would
    paint the whole text one colour. Its ends are still raw values (mean ± the largest deviation).
    """
    if kind == "gate":
        return ValueScale(GATE_SCALE, 0.0, 1.0, "0..1", "yellow", "dark blue")
    if kind == "tanh":
        return ValueScale(TANH_SCALE, -1.0, 1.0, "−1..1", "red", "blue")
    mean = float(values.mean()) if values.size else 0.0
    m = float(np.abs(values - mean).max()) if values.size else 1.0
    m = m if m > 0 else 1.0
    return ValueScale(UNBOUNDED_SCALE, mean - m, mean + m, f"mean {signed(mean)} ± {m:.2f}", "red", "blue")


def text_colored(labels: tuple[str, ...], values: np.ndarray, *, title: str, kind: str, value_name: str,
                 unit: int, next_chars: list[str] | None = None, wrap: int = 80, cursor: int | None = None,
                 selection: tuple[int, int] | None = None, matches: list[Match] = (),
                 presenter: bool = False) -> str:
    """The text, each character coloured by one unit's value after reading it, as HTML (text_html: why).

    labels (T,) char labels; values (T,) the unit's activation; kind 'gate' | 'tanh' | 'unbounded';
    next_chars (T,) optional hover lines ("next: 'a' 41%, …"). Boxes: the selection (orange), the matches
    (dotted green), the cursor (black).
    """
    rows, cols = text_grid(labels, wrap)
    vs = value_scale(kind, values)
    hovers = [f"t={t} '{lab}' · unit {unit} · {value_name}={v:.3f}" + (f"\n{next_chars[t]}" if next_chars else "")
              for t, (lab, v) in enumerate(zip(labels, values.tolist()))]
    boxes = []
    if selection is not None:
        boxes.append(Box(selection[0], selection[1], SEL_COLOR))
    boxes += [Box(m.start, m.end, MATCH_COLOR, dotted=True) for m in matches]
    if cursor is not None and 0 <= cursor < len(labels):
        boxes.append(Box(cursor, cursor + 1, "#000000"))
    # the bar's labels are raw values, as the hovers, the data and the chart of the unit over time give them
    ticks = tuple((at, signed(v, ".3g")) for at, v in ((0.0, vs.lo), (0.5, (vs.lo + vs.hi) / 2), (1.0, vs.hi)))
    bar = ColourBar(vs.scale, ticks, title=f"colour: {value_name}" + (", centred on its mean over the text"
                                                                    if kind == "unbounded" else ""))
    return text_html(labels, colours(vs.scale, (np.asarray(values, dtype=np.float64) - vs.lo) / (vs.hi - vs.lo)),
                     hovers, rows=rows, cols=cols, width=wrap, bar=bar, boxes=tuple(boxes), mono=True,
                     presenter=presenter, title=html.escape(f"{title} · colours: {vs.note}"))


def text_csv(labels: tuple[str, ...], values: np.ndarray, *, value_name: str, unit: int) -> str:
    """The coloured text's numbers, a row per character: t, the character and the unit's value (csv-quoted)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["t", "character", f"unit {unit} {value_name}"])
    for t, (lab, v) in enumerate(zip(labels, values.tolist())):
        w.writerow([t, lab, v])
    return buf.getvalue()


def unit_over_time(values: np.ndarray, feature: np.ndarray, *, unit: int, value_name: str, feature_name: str,
                   r: float, presenter: bool = False) -> go.Figure:
    """The unit's value and the ground-truth feature against t, on two y axes."""
    t = np.arange(len(values))
    label = FEATURE_LABELS.get(feature_name, feature_name)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=t, y=feature, name=label, yaxis="y2",
                             line=dict(color="#555555", width=1.5, shape="hv"), opacity=0.7,
                             hovertemplate="t=%{x} · %{y:g}<extra>feature</extra>"))
    fig.add_trace(go.Scatter(x=t, y=values, name=f"unit {unit} ({value_name})", line=dict(color="#1f77b4", width=2),
                             hovertemplate="t=%{x} · %{y:.3f}<extra>unit</extra>"))
    flipped = " (its axis flipped, as r < 0)" if r < 0 else ""
    base_layout(fig, title=f"Unit {unit} against {label}{flipped}: r = {signed(r)}", height=280, presenter=presenter)
    counts = feature.size and np.allclose(feature, np.round(feature)) and np.ptp(feature) <= 12
    # r < 0: the feature's axis runs downwards, so a unit that counts down still lies on its steps
    fig.update_layout(xaxis_title="t (character)", yaxis=dict(title=value_name),
                      yaxis2=dict(title=label, overlaying="y",
                                  side="right", showgrid=False, tickmode="linear" if counts else "auto",
                                  tick0=0, dtick=1 if counts else None,
                                  autorange="reversed" if r < 0 else True),
                      legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"),
                      margin=dict(l=60, r=60, t=70, b=48))
    return fig


def ranking_bars(trained: Ranking, untrained: Ranking, *, arch: str, presenter: bool = False) -> go.Figure:
    """Best |r| per feature over all units, trained next to untrained."""
    names = [FEATURE_LABELS.get(n, n) for n in trained.names]
    fig = go.Figure()
    for rank, label, color in ((untrained, "untrained (same init)", UNTRAINED_COLOR),
                               (trained, f"trained {ARCH_LABELS[arch]}", ARCH_COLORS[arch])):
        best = rank.best_abs()
        units = [rank.best(n)[0] for n in rank.names]
        fig.add_trace(go.Bar(y=names, x=best, orientation="h", name=label, marker_color=color,
                             customdata=units, text=[f"{b:.2f}" for b in best], textposition="outside",
                             hovertemplate="%{y}: best |r| = %{x:.3f} (unit %{customdata})<extra>" + label
                                           + "</extra>"))
    base_layout(fig, title="Best |r| of any unit with each feature", height=90 + 48 * len(names),
                presenter=presenter)
    fig.update_layout(barmode="group", xaxis=dict(range=[0, 1.08], title="|Pearson r|"),
                      yaxis=dict(autorange="reversed"), legend=dict(orientation="h", y=-0.2),
                      margin=dict(l=190, r=20, t=56, b=80))
    return fig


def saturation_scatter(trained: Saturation, untrained: Saturation, *, arch: str,
                       presenter: bool = False) -> go.Figure:
    """Each unit's fraction of steps with the gate < lo (x) against > hi (y), trained vs untrained."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[1, 0], mode="lines", line=dict(color="#cccccc", dash="dot"),
                             hoverinfo="skip", showlegend=False))
    for sat, label, color, symbol in ((untrained, "untrained", UNTRAINED_COLOR, "circle-open"),
                                      (trained, f"trained {ARCH_LABELS[arch]}", ARCH_COLORS[arch], "circle")):
        fig.add_trace(go.Scatter(x=sat.low, y=sat.high, mode="markers", name=f"{label}: {sat.count_high()} units "
                                 f"> {sat.hi:g} more than half the time",
                                 marker=dict(color=color, size=9, opacity=0.75, symbol=symbol, line=dict(width=2)),
                                 customdata=np.arange(len(sat.low)),
                                 hovertemplate=f"unit %{{customdata}}<br>{sat.gate} < {sat.lo:g}: %{{x:.0%}} of steps"
                                               f"<br>{sat.gate} > {sat.hi:g}: %{{y:.0%}} of steps<extra>{label}</extra>"))
    base_layout(fig, title=f"Saturation of gate {trained.gate}: one dot per unit", height=420, presenter=presenter)
    fig.update_layout(xaxis=dict(range=[-0.02, 1.02], title=f"fraction of steps {trained.gate} < {trained.lo:g}",
                                 tickformat=".0%"),
                      yaxis=dict(range=[-0.02, 1.02], title=f"fraction of steps {trained.gate} > {trained.hi:g}",
                                 tickformat=".0%"),
                      legend=dict(orientation="h", y=-0.22))
    return fig


def topk_bars(chars: list[str], probs: list[float], *, after: str, presenter: bool = False) -> go.Figure:
    """The most likely next characters after reading up to the cursor."""
    fig = go.Figure(go.Bar(x=probs, y=[plot_text(c) for c in chars], orientation="h", marker_color="#1f77b4",
                           text=[f"{p:.0%}" for p in probs], textposition="outside",
                           hovertemplate="'%{y}': %{x:.1%}<extra></extra>"))
    base_layout(fig, title=f"Next after {plot_text(after)}", height=90 + 34 * len(chars), presenter=presenter)
    fig.update_layout(xaxis=dict(range=[0, 1.12], tickformat=".0%", title="probability"),
                      yaxis=dict(autorange="reversed", type="category",
                                 tickfont=dict(family="monospace", size=22 if presenter else 17, color="#222222")),
                      margin=dict(l=60, r=20, t=56, b=48))
    return fig
