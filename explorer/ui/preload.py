"""Load the chart library while a page is read, on pages whose first chart comes after a click.

Streamlit fetches and evaluates plotly (its PlotlyChart chunk, ~4.6 MB of JavaScript) the first time a page
draws a plotly chart. On the Train page that is the first result after the Train button: the click then waited
~0.6 s for the library on top of the training and the rerun (benchmarks/bench_controls.py: first click 0.90 s,
the same click again 0.26 s). Here a component imports that same chunk once the browser is idle after the page
is drawn; Streamlit's own import later finds the module already evaluated (one URL, one module: the browser
loads it once either way). If a Streamlit version names the chunk differently, nothing is preloaded
(tests/test_preload.py fails to say so).
"""
from __future__ import annotations

import functools
from pathlib import Path

import streamlit
import streamlit.components.v2 as components_v2

STATIC_JS = Path(streamlit.__file__).parent / "static" / "static" / "js"

_JS = """
export default function ({ data: sent, parentElement }) {
  const chunk = sent[0].chunk;
  window.__explorerPreloaded = window.__explorerPreloaded || {};
  if (window.__explorerPreloaded[chunk]) return;
  window.__explorerPreloaded[chunk] = true;
  // Streamlit's own chunks sit beside its entry script: the same URL it will import, under any base path
  const entry = [...document.querySelectorAll("script[src]")].find((s) => /\\/static\\/js\\/index\\.[^/]+\\.js$/.test(s.src));
  if (!entry) return;
  const url = entry.src.replace(/index\\.[^/]+\\.js$/, chunk);
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 300));
  // after the page has drawn: a second of quiet first, then the browser's next idle moment
  setTimeout(() => idle(() => { import(url).catch(() => {}); }, { timeout: 4000 }), 1000);
}
"""

_preload = components_v2.component("explorer.preload", html="", js=_JS, isolate_styles=False)


@functools.cache
def plotly_chunk() -> str | None:
    """The file name of Streamlit's plotly chunk in this installation (None if there is none by that name)."""
    found = sorted(p.name for p in STATIC_JS.glob("PlotlyChart.*.js"))
    return found[0] if len(found) == 1 else None


def preload_charts() -> None:
    """Call at the end of a page whose first plotly chart appears only after a click."""
    chunk = plotly_chunk()
    if chunk is not None:
        _preload(data=[{"chunk": chunk}], key="preload_charts")  # a list: see cell_view.cell_view
