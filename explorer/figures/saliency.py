"""The Gradient Lab's saliency strip: the text itself, each character coloured by how much it still moves h_T.

Drawn as HTML (explorer.figures.text_html: why), WIDTH characters a row, each row labelled by its first step.
"""
from __future__ import annotations

import csv
import html
import io
import math
from dataclasses import dataclass

import numpy as np

from explorer.gradients import by_distance
from explorer.scenes.gradient_lab import ArchCurves
from explorer.figures.gradients import Y_CEIL, decade_step, power_html, sci
from explorer.figures.style import ARCH_LABELS
from explorer.figures.text_html import ColourBar, colours, text_html

__all__ = ["SALIENCY_FLOOR", "SALIENCY_TICKS", "SCALE", "Saliency", "saliency", "saliency_html", "saliency_csv",
           "bar_ticks"]

SALIENCY_FLOOR = -12.0  # log10: the strip's colour runs from 1e-12 (dark) to 1 (bright)
SALIENCY_TICKS = (SALIENCY_FLOOR, -9.0, -6.0, -3.0, 0.0)
SCALE = "Viridis"  # sequential, colour-blind safe, dark to bright
WIDTH = 40  # characters per row


@dataclass(frozen=True)
class Saliency:
    """One strip: per character t of the text (in the text's order), its label and log10 of ‖∂h_T/∂x_t‖
    relative to the last step the cell read."""

    labels: tuple[str, ...]  # (T,)
    log10: tuple[float, ...]  # (T,) -inf where the sensitivity is exactly 0
    distance: tuple[int, ...]  # (T,) d = steps between t and the last step read
    name: str  # "LSTM", or a contestant's / layer's name
    zmax: float  # the colour scale's top: 0 (the last step), or the largest value of a growing curve, ≤ Y_CEIL
    clipped: bool = False  # a growing curve went past Y_CEIL: the top colour holds everything above it


def saliency(labels: tuple[str, ...], curve: ArchCurves, *, reverse: bool = False, name: str | None = None) -> Saliency:
    """The strip's numbers. reverse: the curve's cell read the text from its end (a reverse direction), so its
    last step is the text's first character; it is still shown in the text's order."""
    T = len(labels)
    rel = by_distance(curve.sens.input_log10)  # (T,) by distance d
    rel = rel if reverse else rel.flip(0)  # (T,) by character t of the text
    values = tuple(rel.tolist())
    distance = tuple(range(T)) if reverse else tuple(range(T - 1, -1, -1))
    zmax = max(0.0, min(max(values), Y_CEIL))  # a growing curve's top, drawn clipped as the decay chart is
    return Saliency(labels=tuple(labels), log10=values, distance=distance,
                    name=name or ARCH_LABELS.get(curve.arch, curve.arch.upper()), zmax=zmax,
                    clipped=max(values) > Y_CEIL)


def bar_ticks(zmax: float) -> list[float]:
    """The colour bar's labelled levels (log10): the usual decades up to 1, or for a growing curve's longer
    scale every 1, 2, 5, 10, ... decades (at most five), no label nearer another than a sixth of the bar."""
    if zmax < 1:
        return list(SALIENCY_TICKS)
    span = zmax - SALIENCY_FLOOR
    step = decade_step(span, most=5)
    ticks = [SALIENCY_FLOOR]
    for v in [k * step for k in range(math.ceil(SALIENCY_FLOOR / step), math.floor(zmax / step) + 1)] + [zmax]:
        if v - ticks[-1] >= span / 6:
            ticks.append(float(v))
    return ticks


def saliency_html(s: Saliency, *, presenter: bool = False) -> str:
    """The strip as one HTML block: a title, rows of WIDTH characters (each coloured on the fixed log scale, its
    hover naming t, the character, d and the value) labelled by their first step, and a colour bar."""
    span = s.zmax - SALIENCY_FLOOR
    z = np.array([max(v, SALIENCY_FLOOR) for v in s.log10], dtype=np.float64)  # (T,) -inf sits on the floor
    hovers = [f"t={t + 1}" + (f" '{lab}'" if lab else "") + f" · d={d} · {sci(v)} of the last step"
              for t, (lab, v, d) in enumerate(zip(s.labels, s.log10, s.distance))]
    T = len(s.labels)
    rows = np.arange(T) // WIDTH
    bar = ColourBar(SCALE, tuple(((v - SALIENCY_FLOOR) / span, ("≤" if v == SALIENCY_FLOOR else
                                                                "≥" if s.clipped and v == s.zmax else "")
                                  + (power_html(v) if v else "1")) for v in bar_ticks(s.zmax)),
                    title="colour: ‖∂h_T/∂x_t‖ relative to the last step read (log scale)")
    return text_html(s.labels, colours(SCALE, (z - SALIENCY_FLOOR) / span), hovers, rows=rows,
                     cols=np.arange(T) % WIDTH, width=WIDTH, bar=bar, presenter=presenter,
                     row_labels={r: f"t={r * WIDTH + 1}" for r in range(int(rows.max()) + 1 if T else 0)},
                     title=f"Which characters still move h<sub>T</sub>? {html.escape(s.name)}, "
                           "‖∂h<sub>T</sub>/∂xₜ‖ per character" if any(s.labels) else
                           f"Which steps still move h<sub>T</sub>? {html.escape(s.name)}, ‖∂h<sub>T</sub>/∂xₜ‖ per "
                           "step (random inputs: no characters to show)")


def saliency_csv(s: Saliency) -> str:
    """The strip's numbers, a row per character: t, the character, d, log10 and the value relative to the
    last step. Quoted by the csv module, so commas, quotes and newlines in the text cannot break the file."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["t", "character", "distance d", "log10 relative", "relative"])
    for t, (lab, v, d) in enumerate(zip(s.labels, s.log10, s.distance)):
        w.writerow([t + 1, lab, d, v, 0.0 if v == -math.inf else (10 ** v if abs(v) < 300 else "")])
    return buf.getvalue()
