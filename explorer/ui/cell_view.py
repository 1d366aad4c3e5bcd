"""The Cell Explorer's stepping component: one mount holds every step-linked view of every run.

Why a component: a Streamlit rerun costs ~200 ms and redrawing six heatmaps ~1 s per step, so the
cursor lives in the browser (see benchmarks/bench_stepping.py). plotly.js is served from the
installed `plotly` package through a static component route, so nothing is copied into the repo.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import plotly
import streamlit.components.v1 as components_v1
import streamlit.components.v2 as components_v2

_HERE = Path(__file__).parent / "cell_view"

# a v1 component is used only for its static file route: /component/<name>/plotly.min.js
_PLOTLY_DIR = os.path.join(os.path.dirname(plotly.__file__), "package_data")
_plotly_files = components_v1.declare_component("plotlyjs", path=_PLOTLY_DIR)
PLOTLY_SRC = f"./component/{_plotly_files.name}/plotly.min.js"

_cell_view = components_v2.component(
    "explorer.cell_view",
    html="",
    css=(_HERE / "cell_view.css").read_text(),
    js=(_HERE / "cell_view.js").read_text(),
    isolate_styles=False,
)


def cell_view(data: dict, *, data_key: str, key: str) -> dict | None:
    """Mount the view; returns the cursor {t, unit} last reported by the browser (or None).

    data_key names the content of `data` (model, text, clamps): while it is unchanged the browser keeps
    its view and cursor across reruns; a new one makes it rebuild.
    """
    # relative, so a reverse proxy's base path (server.baseUrlPath) still finds it
    data = dict(data, plotly_src=PLOTLY_SRC, key=hashlib.sha1(data_key.encode()).hexdigest()[:16])
    result = _cell_view(data=data, key=key, on_cursor_change=lambda: None)
    return getattr(result, "cursor", None)
