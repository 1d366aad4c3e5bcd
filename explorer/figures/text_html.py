"""Text coloured per character, as HTML: the Gradient Lab's saliency strip and the Unit Finder's text.

Both were plotly heatmaps with a label per cell, and plotly draws each label as an SVG text it measures one by
one: on the Gradient Lab that was ~200 ms of every rerun in the browser for 450 characters (a preset's click
0.65 s with them, 0.44 s without the strip), and the Unit Finder draws up to a thousand. A CSS grid of coloured
cells costs the browser a few milliseconds, scrolls inside its own box on a phone and keeps the text
selectable and readable by a screen reader.

Safety: every label and hover is HTML-escaped here (`html.escape`), so nothing a user types is markup; titles
and tick labels are the app's own strings. Streamlit's st.html sanitises the block again (DOMPurify).
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import plotly.colors

from explorer.figures.style import FONT_FAMILY, scale_levels

__all__ = ["Box", "ColourBar", "colours", "text_html"]

LEVELS = 256  # colour levels sampled from a scale: neighbouring cells never show banding


@lru_cache(maxsize=8)
def _hex_levels(scale: str) -> tuple[str, ...]:
    """The scale's LEVELS colours as hex (a cell's style attribute)."""
    return tuple("#" + "".join(f"{int(v):02x}" for v in plotly.colors.unlabel_rgb(c))
                 for c in scale_levels(scale, LEVELS))


def colours(scale: str, frac: np.ndarray) -> list[str]:
    """The colour of each value's place `frac` (n,) in [0, 1] on `scale` (a plotly scale name): (n,) hex."""
    lut = _hex_levels(scale)
    idx = np.clip(np.rint(np.nan_to_num(frac, nan=0.0) * (LEVELS - 1)), 0, LEVELS - 1).astype(int)
    return [lut[i] for i in idx]


def _light(hex_colour: str) -> bool:
    """Whether a background is light enough to take dark text (perceived brightness)."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b > 140


@dataclass(frozen=True)
class Box:
    """Characters start..end-1 outlined (one rectangle per row they occupy)."""

    start: int
    end: int
    colour: str
    dotted: bool = False


@dataclass(frozen=True)
class ColourBar:
    """A horizontal colour bar under the text: the scale from 0 to 1 and labelled places on it."""

    scale: str  # a plotly colour scale name
    ticks: tuple[tuple[float, str], ...]  # (place in [0, 1], label as the app's own HTML)
    title: str = ""  # what the colour is (plain text, shown on hover over the bar)


def text_html(labels: tuple[str, ...], fills: list[str], hovers: list[str], *, rows: np.ndarray,
              cols: np.ndarray, width: int, title: str, bar: ColourBar | None = None,
              row_labels: dict[int, str] | None = None, boxes: tuple[Box, ...] = (), mono: bool = False,
              presenter: bool = False) -> str:
    """The characters `labels` (T,) in a grid of `width` columns, each on its colour `fills` (T,) with its hover
    `hovers` (T,) (plain text; a newline starts a new hover line), at rows (T,) and cols (T,), every row
    starting at column 0 when the one before it ends early (a newline). row_labels: {row: text} in a column
    of their own on the left. title: the app's own HTML."""
    size = (20 if presenter else 14) if not mono else (16 if presenter else 12)
    lead = 1 if row_labels is not None else 0  # the row labels' column
    cells = []
    prev_row = -1
    for t, (lab, fill, hover) in enumerate(zip(labels, fills, hovers)):
        r, c = int(rows[t]), int(cols[t])
        if r != prev_row and row_labels is not None:
            cells.append(f'<span class="tx-t">{html.escape(row_labels.get(r, ""))}</span>')
        start = f"grid-column:{c + 1 + lead};" if r != prev_row or c == 0 else ""  # a new row starts here
        prev_row = r
        shown = "&nbsp;" if lab in ("", "␣") else html.escape(lab if len(lab) <= 2 else "▫")
        tip = html.escape(hover, quote=True).replace("\n", "&#10;")
        cells.append(f'<span class="tx-c{" tx-l" if _light(fill) else ""}" style="{start}background:{fill}" '
                     f'title="{tip}">{shown}</span>')
    outlines = []
    for box in boxes:  # a second grid on top, the same columns and rows: one rectangle per row of the span
        for r in np.unique(rows[box.start:box.end]):
            in_row = np.flatnonzero(rows[box.start:box.end] == r) + box.start
            c0, c1 = int(cols[in_row[0]]), int(cols[in_row[-1]])
            outlines.append(f'<span class="tx-o" style="grid-area:{int(r) + 1} / {c0 + 1 + lead} / {int(r) + 2} / '
                            f'{c1 + 2 + lead};border:3px {"dotted" if box.dotted else "solid"} {box.colour}"></span>')
    n_rows = int(rows.max()) + 1 if len(labels) else 1
    lead_col = "3.8em " if lead else ""
    # 80 code characters fit 650 px; a cell never wider than a character and a half (words stay words)
    cell = "minmax(0.55em, 0.75em)" if mono else "minmax(1.15em, 1.6em)"
    grid = (f"display: grid; grid-template-columns: {lead_col}repeat({width}, {cell}); "
            f"grid-template-rows: repeat({n_rows}, {1.6 if mono else 1.9}em); gap: 1px; min-width: "
            f"{(3.8 if lead else 0) + width * (0.62 if mono else 1.2):.1f}em;")
    font = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace" if mono else FONT_FAMILY
    # the rules that differ between texts are scoped to this kind of text: two on one page keep their own
    scope = f"tx-{'m' if mono else 'p'}{size}-{lead}-{width}-{n_rows}"
    style = (
        "<style>"
        f".{scope} {{ font-family: {FONT_FAMILY}; font-size: {size}px; color: #31333f; }}"
        f".{scope} .tx-h {{ font-size: {(20 if presenter else 14) + 4}px; font-weight: 600; margin: 0 0 0.5em; }}"
        ".tx-s { overflow-x: auto; }"
        f".tx-w {{ position: relative; }} .{scope} .tx-g {{ {grid} }}"
        f".tx-g.tx-b {{ position: absolute; inset: 0; pointer-events: none; }}"
        # the row labels stay in sight while the text scrolls sideways under them
        ".tx-t { font-size: 0.85em; color: #555; align-self: stretch; display: flex; align-items: center; "
        "white-space: nowrap; position: sticky; left: 0; z-index: 1; background: #fff; }"
        f".{scope} .tx-c {{ font-family: {font}; text-align: center; line-height: {1.6 if mono else 1.9}em; white-space: pre; "
        f"overflow: {'visible' if mono else 'hidden'}; cursor: default; color: #fff; }} .{scope} .tx-l {{ color: #111; }}"
        # a white rim inside and out: a black or green outline stays visible on the darkest cells
        ".tx-o { box-sizing: border-box; margin: -2px; box-shadow: 0 0 0 1px #fff, inset 0 0 0 1px #fff; }"
        ".tx-hint { display: none; font-size: 0.85em; color: #555; margin: 0.3em 0 0; }"
        f"@media (max-width: 640px) {{ .tx-hint {{ display: block; }} }}"
        ".tx-bar { position: relative; margin: 0.6em 0 0.3em; padding-bottom: 1.3em; max-width: 26em; }"
        ".tx-r { height: 0.8em; border-radius: 2px; }"
        ".tx-k { position: absolute; top: 1em; transform: translateX(-50%); font-size: 0.85em; color: #555; "
        "white-space: nowrap; } .tx-k:first-of-type { transform: none; }"
        "</style>"
    )
    colour_bar = ""
    if bar is not None:
        stops = ", ".join(f"{c} {100 * k / 20:g}%" for k, c in enumerate(colours(bar.scale, np.linspace(0, 1, 21))))
        marks = "".join(f'<span class="tx-k" style="left:{100 * at:.2f}%">{text}</span>' for at, text in bar.ticks)
        indent = ' style="margin-left: 3.8em"' if lead else ""
        colour_bar = (f'<div class="tx-bar"{indent} title="{html.escape(bar.title, quote=True)}">'
                      f'<div class="tx-r" style="background: linear-gradient(to right, {stops})"></div>{marks}</div>')
    over = f'<div class="tx-g tx-b">{"".join(outlines)}</div>' if outlines else ""
    hint = '<div class="tx-hint">Swipe the text sideways to read all of each line.</div>'  # a narrow screen only
    return (f'{style}<div class="tx {scope}"><div class="tx-h">{title}</div><div class="tx-s"><div class="tx-w">'
            f'<div class="tx-g">{"".join(cells)}</div>{over}</div></div>{hint}{colour_bar}</div>')
