"""The Gradient Lab's saliency strip: the text itself, each character coloured by how much it still moves h_T.

HTML, not a plotly heatmap: the strip's point is its characters, and a heatmap draws each as an SVG text that
plotly measures one by one. On the Gradient Lab that was about 200 ms of every rerun in the browser (a preset
click: 0.65 s with the heatmap's characters, 0.44 s without the strip). A grid of 450 coloured cells costs
the browser a few milliseconds, wraps to any width inside its own scroll box and keeps the text selectable.

User text is HTML-escaped here, in the characters and in the hovers (`title`); nothing a user types is markup.
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
from explorer.figures.style import ARCH_LABELS, FONT_FAMILY

__all__ = ["SALIENCY_FLOOR", "SALIENCY_TICKS", "Saliency", "saliency", "saliency_html", "saliency_csv",
           "bar_ticks", "VIRIDIS"]

SALIENCY_FLOOR = -12.0  # log10: the strip's colour runs from 1e-12 (dark) to 1 (bright)
SALIENCY_TICKS = (SALIENCY_FLOOR, -9.0, -6.0, -3.0, 0.0)
WIDTH = 40  # characters per row
# plotly's Viridis (plotly.colors.sequential.Viridis), evenly spaced stops: colour-blind safe, dark to bright
VIRIDIS = ("#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b",
           "#fde725")
_RGB = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in VIRIDIS], dtype=np.float64)  # (10, 3)


@dataclass(frozen=True)
class Saliency:
    """One strip: per character t of the text (in the text's order), its label and log10 of ‖∂h_T/∂x_t‖
    relative to the last step the cell read."""

    labels: tuple[str, ...]  # (T,)
    log10: tuple[float, ...]  # (T,) -inf where the sensitivity is exactly 0
    distance: tuple[int, ...]  # (T,) d = steps between t and the last step read
    name: str  # "LSTM", or a contestant's / layer's name
    zmax: float  # the colour scale's top: 0 (the last step), or the largest value of a growing curve, ≤ Y_CEIL


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
                    name=name or ARCH_LABELS.get(curve.arch, curve.arch.upper()), zmax=zmax)


def _colour(frac: np.ndarray) -> np.ndarray:
    """Viridis at fractions in [0, 1]: (n,) -> (n, 3) RGB, linear between the stops."""
    pos = np.clip(frac, 0.0, 1.0) * (len(VIRIDIS) - 1)
    lo = np.minimum(np.floor(pos).astype(int), len(VIRIDIS) - 2)
    w = (pos - lo)[:, None]
    return _RGB[lo] * (1 - w) + _RGB[lo + 1] * w


def _hex(rgb: np.ndarray) -> str:
    return "#" + "".join(f"{int(round(v)):02x}" for v in rgb)


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
    """The strip as one HTML block: a title, rows of WIDTH characters (each a cell coloured on Viridis, its
    hover naming t, the character, d and the value) labelled by their first step, and a colour bar."""
    span = s.zmax - SALIENCY_FLOOR
    z = np.array([max(v, SALIENCY_FLOOR) for v in s.log10], dtype=np.float64)  # (T,) -inf sits on the floor
    rgb = _colour((z - SALIENCY_FLOOR) / span)  # (T, 3)
    light = (rgb @ np.array([0.299, 0.587, 0.114])) > 140  # a bright cell takes dark text
    cells = []
    for t, (lab, v, d) in enumerate(zip(s.labels, s.log10, s.distance)):
        if t % WIDTH == 0:
            cells.append(f'<span class="sal-t">t={t + 1}</span>')
        shown = "&nbsp;" if lab in ("", "␣") else html.escape(lab if len(lab) <= 2 else "▫")
        said = f" '{html.escape(lab, quote=True)}'" if lab else ""
        hover = f"t={t + 1}{said} · d={d} · {sci(v)} of the last step"
        cells.append(f'<span class="sal-c{" sal-l" if light[t] else ""}" style="background:{_hex(rgb[t])}" '
                     f'title="{hover}">{shown}</span>')
    ticks = bar_ticks(s.zmax)
    marks = "".join(f'<span class="sal-k" style="left:{100 * (v - SALIENCY_FLOOR) / span:.2f}%">'
                    f'{"≤" if v == SALIENCY_FLOOR else ""}{power_html(v) if v else "1"}</span>' for v in ticks)
    stops = ", ".join(f"{_hex(_colour(np.array([k / 20]))[0])} {5 * k}%" for k in range(21))
    size = 20 if presenter else 14
    title = f"Which characters still move h<sub>T</sub>? {html.escape(s.name)}, ‖∂h<sub>T</sub>/∂xₜ‖ per character"
    return (
        "<style>"
        f".sal {{ font-family: {FONT_FAMILY}; font-size: {size}px; color: #31333f; }}"
        f".sal-h {{ font-size: {size + 4}px; font-weight: 600; margin: 0 0 0.5em; }}"
        ".sal-s { overflow-x: auto; }"
        f".sal-g {{ display: grid; grid-template-columns: 3.8em repeat({WIDTH}, minmax(1.15em, 1fr)); gap: 1px; "
        "min-width: 40em; }"
        ".sal-t { font-size: 0.85em; color: #555; align-self: center; white-space: nowrap; }"
        ".sal-c { text-align: center; line-height: 1.9em; white-space: pre; overflow: hidden; cursor: default; "
        "color: #fff; } .sal-l { color: #111; }"
        ".sal-b { position: relative; margin: 0.6em 0 0.3em 3.8em; padding-bottom: 1.3em; max-width: 26em; }"
        f".sal-r {{ height: 0.8em; border-radius: 2px; background: linear-gradient(to right, {stops}); }}"
        ".sal-k { position: absolute; top: 1em; transform: translateX(-50%); font-size: 0.85em; color: #555; "
        "white-space: nowrap; }"
        ".sal-k:first-of-type { transform: none; }"
        "</style>"
        f'<div class="sal"><div class="sal-h">{title}</div>'
        f'<div class="sal-s"><div class="sal-g">{"".join(cells)}</div></div>'
        f'<div class="sal-b" title="colour: ‖∂h_T/∂x_t‖ relative to the last step read (log scale)">'
        f'<div class="sal-r"></div>{marks}</div></div>'
    )


def saliency_csv(s: Saliency) -> str:
    """The strip's numbers, a row per character: t, the character, d, log10 and the value relative to the
    last step. Quoted by the csv module, so commas, quotes and newlines in the text cannot break the file."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["t", "character", "distance d", "log10 relative", "relative"])
    for t, (lab, v, d) in enumerate(zip(s.labels, s.log10, s.distance)):
        w.writerow([t + 1, lab, d, v, 0.0 if v == -math.inf else (10 ** v if abs(v) < 300 else "")])
    return buf.getvalue()
