"""One look for every figure: colour scales fixed by the kind of quantity, fonts readable from afar.

Conventions (DESIGN.md): gates in [0, 1] on a sequential scale fixed to 0..1; tanh-range values on a
diverging scale fixed to -1..1; unbounded values on a symmetric scale whose range is printed.
No rainbow scales.
"""
from __future__ import annotations

import html
import re
from functools import lru_cache

import plotly.colors
import plotly.graph_objects as go

from explorer.cells import SPECS

GATE_SCALE = "Cividis"  # sequential, colour-blind safe, 0..1
TANH_SCALE = "RdBu_r"  # diverging: blue negative, red positive, -1..1
UNBOUNDED_SCALE = "RdBu_r"  # symmetric around 0, range printed in the title

# one colour per architecture, used by every comparison plot
ARCH_COLORS = {arch: spec.color for arch, spec in SPECS.items()}
ARCH_LABELS = {arch: spec.label for arch, spec in SPECS.items()}

FONT_FAMILY = "Inter, 'Source Sans Pro', 'Helvetica Neue', Arial, sans-serif"


@lru_cache(maxsize=16)  # the same few scales over and over: sampled once per process (~10 ms each)
def scale_levels(name: str, n: int = 256) -> tuple[str, ...]:
    """`n` evenly spaced colours of a plotly colour scale, low end first, as 'rgb(r, g, b)' (integers 0..255).
    The one sampler of the app's scales: the stepping view's canvases, the weight picture, the coloured texts."""
    return tuple(plotly.colors.sample_colorscale(plotly.colors.get_colorscale(name),
                                                 [i / (n - 1) for i in range(n)], colortype="rgb"))


_SUB = dict(zip("0123456789+−-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))


def subscripts(text: str) -> str:
    """'h_{t−1}', 'W_hh', 'σ_max' -> 'hₜ₋₁', 'Wₕₕ', 'σₘₐₓ': Unicode subscripts, for text that is not rendered
    as math (captions, tooltips, plotly labels). A run with a letter that has no subscript form (f, g, z)
    is left as it was."""
    def one(m: re.Match) -> str:
        run = m.group(1) or m.group(2)
        return m.group(0) if any(ch not in _SUB for ch in run) else "".join(_SUB[ch] for ch in run)
    return re.sub(r"_\{([^}]*)\}|_([A-Za-z0-9]+)", one, text)


def sub_html(text: str) -> str:
    """'W_ii x_t + b_hi h_{t−1}' -> HTML with <sub> for every subscript; the text is escaped first. For the app's
    own equations (ArchSpec.equations), never for user text: a page draws them without a math library."""
    safe = html.escape(text, quote=False)
    return re.sub(r"_\{([^}]*)\}|_([A-Za-z0-9]+)", lambda m: f"<sub>{m.group(1) or m.group(2)}</sub>", safe)


def plot_text(s: str) -> str:
    """User text made safe for plotly labels and hovers: plotly reads a subset of HTML in text, so escape it.

    The one escaper of every figure (user text is never rendered as HTML).
    """
    return html.escape(s, quote=False)


GRID = "#EBF0F8"  # plotly_white's grid, axis line and zero line colour


def base_layout(fig: go.Figure, *, title: str, height: int = 320, presenter: bool = False) -> go.Figure:
    """Apply the shared layout: white background, large title, margins that leave room for labels.

    Call it once the figure's axes exist. The look is plotly_white's, written as the few properties in
    which it differs from the default template plotly attaches to every figure for free (the plot's
    background and the axes' grid, line and zero-line colours): naming the template instead makes plotly
    validate and copy all of it, 25-60 ms per figure here, most of a Gradient Lab or Train rerun.
    """
    layout = base_layout_dict(title=title, height=height, presenter=presenter)
    axis = layout.pop("xaxis")
    del layout["yaxis"]
    fig.update_layout(layout)
    fig.update_xaxes(axis)
    fig.update_yaxes(axis)
    return fig


def base_layout_dict(*, title: str, height: int = 320, presenter: bool = False) -> dict:
    """base_layout's look as a plotly layout dict (one x and one y axis), for a figure built in one go:
    each update_layout call walks plotly's property tree (a two-line chart cost ~28 ms built call by call)."""
    size = 20 if presenter else 14
    axis = dict(gridcolor=GRID, linecolor=GRID, zerolinecolor=GRID)
    return dict(title=dict(text=title, font=dict(size=size + 4), x=0, xanchor="left"),
                font=dict(family=FONT_FAMILY, size=size), plot_bgcolor="white",
                height=int(height * (1.3 if presenter else 1)), margin=dict(l=60, r=20, t=56, b=48),
                xaxis=dict(axis), yaxis=dict(axis))


def readable(fig: go.Figure) -> go.Figure:
    """Write the figure's font size into every axis and the legend that has not chosen its own.

    Plotly alone lets layout.font reach them; Streamlit's chart theme sets smaller sizes of its own
    unless the figure names one. Call it last, just before drawing (later axis-title updates replace
    the title's font).
    """
    size = fig.layout.font.size or 14
    for axis in (*fig.select_xaxes(), *fig.select_yaxes()):
        if axis.tickfont.size is None:
            axis.tickfont.size = size - 1
        if axis.title.text and axis.title.font.size is None:
            axis.title.font.size = size
    if fig.layout.legend.font.size is None:
        fig.layout.legend.font.size = size - 1
    return fig
