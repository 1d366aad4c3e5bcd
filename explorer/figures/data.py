"""Any plotly figure's numbers as CSV: the data behind every chart, for a spreadsheet or a notebook.

Long format, one row per plotted point: trace,x,y,value. Line and bar traces give x and y (value empty);
heatmaps give x, y and the cell's value. An axis that places its categories by index (tickvals 0..n-1 with
ticktext) is written with its labels, as the chart shows them. Text is written as-is but quoted by the csv
module, so commas, quotes and newlines in labels cannot break the file.
"""
from __future__ import annotations

import csv
import html
import re
import io

import numpy as np
import plotly.graph_objects as go

__all__ = ["figure_csv"]


def _seq(v, n: int) -> list:
    if v is None:
        return list(range(n))
    return list(np.asarray(v, dtype=object).ravel()) if not isinstance(v, (list, tuple)) else list(v)


def _labels(fig: go.Figure, trace, letter: str) -> dict:
    """{position: label} of the axis the trace is drawn on, where it labels positions with ticktext."""
    ref = getattr(trace, f"{letter}axis", None) or letter  # "x", "x2", ...
    axis = fig.layout[f"{letter}axis{ref[1:]}"]
    if axis.tickvals is None or axis.ticktext is None or list(axis.tickvals) != list(range(len(axis.tickvals))):
        return {}  # only categories placed by index 0..n-1 (a step axis labelled 1..T keeps its step numbers)
    return {v: html.unescape(str(t)) for v, t in zip(axis.tickvals, axis.ticktext)}  # figure text is HTML-escaped


def _plain(label: str) -> str:
    """A figure's label as plain text: 'h<sub>T</sub>' -> 'h_T', other tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", re.sub(r"<sub>(.*?)</sub>", r"_\1", str(label))))


def figure_csv(fig: go.Figure) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["trace", "x", "y", "value"])
    for k, tr in enumerate(fig.data):
        name = _plain(tr.name) if getattr(tr, "name", None) else f"{tr.type} {k + 1}"
        z = getattr(tr, "z", None)
        if z is not None:
            z = np.asarray(z, dtype=object)
            if z.ndim == 1:
                z = z[None, :]
            rows, cols = z.shape
            xs, ys = _seq(getattr(tr, "x", None), cols), _seq(getattr(tr, "y", None), rows)
            xl, yl = _labels(fig, tr, "x"), _labels(fig, tr, "y")
            xs, ys = [xl.get(v, v) for v in xs], [yl.get(v, v) for v in ys]
            for i in range(rows):
                for j in range(cols):
                    if z[i, j] is not None:
                        w.writerow([name, xs[j] if j < len(xs) else j, ys[i] if i < len(ys) else i, z[i, j]])
            continue
        x, y = getattr(tr, "x", None), getattr(tr, "y", None)
        if x is None and y is None:
            continue
        n = len(y if y is not None else x)
        xs, ys = _seq(x, n), _seq(y, n)
        for j in range(n):
            if (xs[j] if j < len(xs) else None) is None and (ys[j] if j < len(ys) else None) is None:
                continue  # a legend-only trace draws no point
            w.writerow([name, xs[j] if j < len(xs) else j, ys[j] if j < len(ys) else "", ""])
    return buf.getvalue()
