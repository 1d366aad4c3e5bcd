"""Figures of the Train & Predict page: learning curves and the next-character probabilities."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explorer.figures.style import ARCH_COLORS, ARCH_LABELS, GATE_SCALE, base_layout, base_layout_dict, plot_text
from explorer.limits import MAX_TABLE_CHARS
from explorer.scenes.train import Followers, Predictions

__all__ = ["curves_figure", "followers_figure", "predictions_figure"]

MEMORY_MARK = "#e4572e"  # the places only memory can get right, here and in the predictions' real-next boxes


def curves_figure(curves: dict[str, list[float]], title: str, presenter: bool = False,
                  y_title: str = "loss (nats)", y_range=None, line: tuple[float, str] | None = None) -> go.Figure:
    """One line per architecture against the optimiser step; `line`: a level (y, label) drawn across."""
    layout = base_layout_dict(title=title, height=330, presenter=presenter)
    # margins fixed, wide enough for these axes' short numbers and titles: plotly's automatic margins measured
    # every label and drew each chart twice (the Train page's results, ~60 ms of a 0.7 s redraw). The legend on
    # a line of its own at the figure's foot, below the axis title (in the plot's own units it sat on "step")
    layout["margin"].update(b=100 if presenter else 76, l=84 if presenter else 64)
    layout["xaxis"].update(title=dict(text="step", standoff=6), automargin=False)
    layout["yaxis"].update(title=dict(text=y_title), automargin=False)
    if y_range is not None:
        layout["yaxis"]["range"] = list(y_range)
    layout["legend"] = dict(orientation="h", yref="container", yanchor="bottom", y=0.0, x=0)
    if line is not None:  # what fig.add_hline draws (it alone cost ~10 ms): a line across the plot, its label
        layout["shapes"] = [dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=line[0], y1=line[0],
                                 line=dict(color=MEMORY_MARK, dash="dash", width=2))]
        layout["annotations"] = [dict(text=plot_text(line[1]), xref="x domain", x=1, xanchor="right", yref="y",
                                      y=line[0], yanchor="top", showarrow=False, font=dict(color=MEMORY_MARK),
                                      bgcolor="rgba(255,255,255,0.85)")]
    # arrays: plotly validates a list element by element, an array not at all
    data = [go.Scatter(x=np.arange(1, len(ys) + 1), y=np.asarray(ys, dtype=np.float64), mode="lines",
                       name=ARCH_LABELS[arch], line=dict(color=ARCH_COLORS[arch], width=3))
            for arch, ys in curves.items()]
    return go.Figure(data=data, layout=layout)


def predictions_figure(p: Predictions, presenter: bool = False) -> go.Figure:
    """Probability of each next character (rows) after reading position t (columns), the real one boxed."""
    xt = [f"{t + 1}:{plot_text(p.read[t])}" for t in p.positions]
    rows = [plot_text(p.vocab_labels[i]) for i in p.rows]
    layout = base_layout_dict(title=f"{ARCH_LABELS[p.arch]}: probability of each next character after reading "
                                    "position t", height=max(260, 34 * len(p.rows) + 140), presenter=presenter)
    layout["xaxis"].update(title=dict(text="position t : character just read"), type="category")
    layout["yaxis"].update(title=dict(text="next character"), type="category", autorange="reversed")
    layout["legend"] = dict(orientation="h", y=-0.3)
    # built in one go (base_layout_dict): call by call it cost ~15 ms of the Train page's redraw
    heat = go.Heatmap(z=p.z, x=xt, y=rows, zmin=0, zmax=1, colorscale=GATE_SCALE, colorbar=dict(title="p"),
                      customdata=[[plot_text(p.read[t]) for t in p.positions] for _ in p.rows],
                      hovertemplate="after %{customdata} → %{y}: p=%{z:.2f}<extra></extra>")
    truth = go.Scatter(x=xt, y=[plot_text(p.vocab_labels[p.truth[t]]) for t in p.positions], mode="markers",
                       name="the real next character",
                       marker=dict(symbol="square-open", size=22 if len(p.positions) < 20 else 12, color=MEMORY_MARK,
                                   line=dict(width=3)))
    return go.Figure(data=[heat, truth], layout=layout)


def followers_figure(f: Followers, presenter: bool = False) -> go.Figure:
    """How often each character (rows) is followed by each other one (columns); rows with more than one
    follower ringed: there the current character alone cannot say what comes next."""
    # at most MAX_TABLE_CHARS per side, the commonest: a text of 2,000 different characters made a 14 MB chart
    rows, cols = f.shown(MAX_TABLE_CHARS)
    chars, nexts = [f.chars[i] for i in rows], [f.nexts[j] for j in cols]
    # rows and columns by index, labelled with ticktext: two characters with one label never merge
    R, C = len(rows), len(cols)
    # arrays, not nested lists: plotly checks a list element by element (a 40 x 40 table took a quarter second)
    counts = np.asarray(f.counts, dtype=np.int64)[np.ix_(rows, cols)]  # (R, C)
    custom = np.empty((R, C, 2), dtype=object)
    custom[:, :, 0] = np.asarray([plot_text(c) for c in chars], dtype=object)[:, None]
    custom[:, :, 1] = np.asarray([plot_text(c) for c in nexts], dtype=object)[None, :]
    fig = go.Figure(go.Heatmap(z=counts, x=np.arange(C), y=np.arange(R), colorscale="Blues", zmin=0,
                               text=np.where(counts > 0, counts.astype(str), ""),
                               texttemplate="%{text}", showscale=False, xgap=2, ygap=2, customdata=custom,
                               hovertemplate="after %{customdata[0]} comes %{customdata[1]}: %{z} time(s)"
                                             "<extra></extra>"))
    # each such cell outlined exactly (a shape spans the cell at any size; a marker would not), all in one path:
    # a shape each cost plotly a validation of the whole layout (seconds on a long text)
    ringed = set(f.ambiguous)
    cells = [(i, j) for i, r in enumerate(rows) if r in ringed for j in range(C) if counts[i, j]]
    if cells:
        fig.add_shape(type="path", layer="above", line=dict(color=MEMORY_MARK, width=3 if max(R, C) <= 20 else 1.5),
                      path=" ".join(f"M{j - 0.5},{i - 0.5}H{j + 0.5}V{i + 0.5}H{j - 0.5}Z" for i, j in cells))
        # its legend entry: an empty trace with a square ring (a path's own legend symbol is a polygon)
        fig.add_scatter(x=[None], y=[None], mode="markers", name="more than one follower: needs memory",
                        marker=dict(symbol="square-open", size=14, color=MEMORY_MARK, line=dict(width=3)))
    base_layout(fig, title="Which character follows which in your text", presenter=presenter,
                height=max(260, min(26 * R, 900) + 170))
    # the columns' labels sit on top, under the title: the legend takes the bottom
    fig.update_layout(xaxis_title="next character", yaxis_title="character read", showlegend=bool(cells),
                      legend=dict(orientation="h", x=0, y=-0.04, yanchor="top"),
                      margin=dict(t=110 if presenter else 96, b=60))
    fig.update_xaxes(tickvals=list(range(C)), ticktext=[plot_text(c) for c in nexts], side="top", showgrid=False,
                     title_standoff=6)
    fig.update_yaxes(tickvals=list(range(R)), ticktext=[plot_text(c) for c in chars], autorange="reversed",
                     showgrid=False)
    return fig
