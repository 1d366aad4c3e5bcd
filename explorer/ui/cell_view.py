"""The Cell Explorer's stepping component: one mount holds every step-linked view of every run.

Why a component: a Streamlit rerun costs ~200 ms and redrawing six heatmaps ~1 s per step, so the
cursor lives in the browser (see benchmarks/bench_stepping.py). Its heatmaps are canvases coloured from
the scales sampled in Python, so the page loads no charting library of its own (bench_pages.py).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import streamlit.components.v2 as components_v2

from explorer.scenes.payload import pack
from explorer.ui.session import CE_VIEW_SENT, PAGE_CHANGED

_HERE = Path(__file__).parent / "cell_view"

_cell_view = components_v2.component(
    "explorer.cell_view",
    html="",
    css=(_HERE / "cell_view.css").read_text(),
    js=(_HERE / "cell_view.js").read_text(),
    isolate_styles=False,
)


@dataclass(frozen=True)
class _Sent:
    data_key: str
    view: dict  # the payload object itself (held, so its identity cannot be reused while compared)
    cursor: tuple[int, int]  # (t, unit) in the bytes, t a step of the whole text
    reported: tuple[int, int] | None  # the cursor the browser last reported


def cell_view(view: dict, *, t: int, unit: int, url: dict, data_key: str, key: str) -> dict | None:
    """Mount the view of the payload `view` with the cursor at step t of the text (which may be longer than the
    view's window) and `unit`; returns a cursor {t, unit} the browser reported since the last run, else None.

    `url`: the defaults of the cursor's URL parameters. data_key names the content of `view` (model, text,
    window, clamps): while it is unchanged the browser keeps its view and cursor across reruns; a new one makes
    it rebuild.
    """
    sent = CE_VIEW_SENT.get()
    cursor = (int(t), int(unit))
    if (sent is not None and sent.view is view and sent.data_key == data_key and not PAGE_CHANGED.get(False)
            and cursor in (sent.cursor, sent.reported)):
        # The browser holds this view and reads the cursor in it only when it builds one: the cursor it moved
        # itself is not written back, so the bytes stay identical and Streamlit sends a reference to the copy
        # the browser already has, not the view's megabytes again. A cursor the server moved, and the run
        # after a page switch (a fresh mount), send the cursor as it is.
        cursor = sent.cursor
    # the payload's identity is in the key: a model retrained under the same name is a new view
    data = dict(view, t=cursor[0] - view["offset"], unit=cursor[1], url=url,
                key=hashlib.sha1(f"{data_key}#{id(view)}".encode()).hexdigest()[:16])
    # Bytes (payload.pack), not a dict: Streamlit would scan a dict's values for dataframes (that check imports
    # pandas and pyarrow, 66 MiB in the server process), then encode it as JSON twice and hash it, on every run.
    result = _cell_view(data=pack(data), key=key, on_cursor_change=lambda: None)
    got = getattr(result, "cursor", None)
    reported = (int(got["t"]), int(got["unit"])) if got else None
    CE_VIEW_SENT.set(_Sent(data_key, view, cursor, reported))
    # the component returns its last report on every run: only a new one is news (an old one, applied again
    # after the window moved, put the cursor on another character)
    fresh = reported is not None and (sent is None or reported != sent.reported)
    return {"t": reported[0], "unit": reported[1]} if fresh else None
