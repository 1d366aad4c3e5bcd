"""The Cell Explorer's stepping component: one mount holds every step-linked view of every run.

Why a component: a Streamlit rerun costs ~200 ms and redrawing six heatmaps ~1 s per step, so the
cursor lives in the browser (see benchmarks/bench_stepping.py). Its heatmaps are canvases coloured from
the scales sampled in Python, so the page loads no charting library of its own (bench_pages.py).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit.components.v2 as components_v2

from explorer.scenes.payload import pack

_HERE = Path(__file__).parent / "cell_view"

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
    data = dict(data, key=hashlib.sha1(data_key.encode()).hexdigest()[:16])
    # Bytes (payload.pack), not a dict: Streamlit would scan a dict's values for dataframes (that check imports
    # pandas and pyarrow, 66 MiB in the server process), then encode it as JSON twice and hash it, on every run.
    result = _cell_view(data=pack(data), key=key, on_cursor_change=lambda: None)
    return getattr(result, "cursor", None)
