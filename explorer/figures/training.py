"""Figures of the Train & Predict page: learning curves and the next-character probabilities."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explorer.figures.style import ARCH_COLORS, ARCH_LABELS, GATE_SCALE, base_layout, plot_text
from explorer.scenes.train import Predictions

__all__ = ["curves_figure", "predictions_figure"]


def curves_figure(curves: dict[str, list[float]], title: str, presenter: bool = False,
                  y_title: str = "loss (nats)", y_range=None) -> go.Figure:
    """One line per architecture against the optimiser step."""
    fig = go.Figure()
    for arch, ys in curves.items():
        # arrays: plotly validates a list element by element, an array not at all
        fig.add_scatter(x=np.arange(1, len(ys) + 1), y=np.asarray(ys, dtype=np.float64), mode="lines",
                        name=ARCH_LABELS[arch],
                        line=dict(color=ARCH_COLORS[arch], width=3))
    base_layout(fig, title=title, height=300, presenter=presenter)
    fig.update_layout(xaxis_title="step", yaxis_title=y_title, legend=dict(orientation="h", y=-0.25))
    if y_range is not None:
        fig.update_yaxes(range=y_range)
    return fig


def predictions_figure(p: Predictions, presenter: bool = False) -> go.Figure:
    """Probability of each next character (rows) after reading position t (columns), the real one boxed."""
    xt = [f"{t + 1}:{plot_text(p.read[t])}" for t in p.positions]
    rows = [plot_text(p.vocab_labels[i]) for i in p.rows]
    fig = go.Figure(go.Heatmap(z=p.z, x=xt, y=rows, zmin=0, zmax=1, colorscale=GATE_SCALE, colorbar=dict(title="p"),
                               customdata=[[plot_text(p.read[t]) for t in p.positions] for _ in p.rows],
                               hovertemplate="after %{customdata} → %{y}: p=%{z:.2f}<extra></extra>"))
    fig.add_scatter(x=xt, y=[plot_text(p.vocab_labels[p.truth[t]]) for t in p.positions], mode="markers",
                    name="the real next character",
                    marker=dict(symbol="square-open", size=22 if len(p.positions) < 20 else 12, color="#e4572e",
                                line=dict(width=3)))
    base_layout(fig, title=f"{ARCH_LABELS[p.arch]}: probability of each next character after reading position t",
                height=max(260, 34 * len(p.rows) + 140), presenter=presenter)
    fig.update_layout(xaxis_title="position t : character just read", yaxis_title="next character",
                      legend=dict(orientation="h", y=-0.3))
    fig.update_yaxes(type="category", autorange="reversed")
    fig.update_xaxes(type="category")
    return fig
