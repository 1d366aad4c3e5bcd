"""Load the code of what a click will draw while the page is read, on pages where a click draws new kinds of element.

Streamlit fetches and evaluates each kind of element's code (a chunk of JavaScript beside its entry script) the
first time a page draws one: plotly's chunk is ~4.6 MB, and the Train page's results bring five more kinds (the
progress bar, the metric cards, page links, a text box, a slider), with numbro, moment and their helpers.
Before, the first Train click fetched those 14 chunks in Chromium, the second click none. On this machine the
click took as long either way (~0.64 s; the rest is React mounting the results and plotly's first draws); over
an emulated 80 ms / 20 Mbit network the first click took 0.77 s with the preload against 0.94 s without.
Here a component imports those same chunks once the browser is idle after the page is drawn; Streamlit's own
import later finds each module already evaluated (one URL, one module: the browser loads it once either way).
A chunk this Streamlit names differently is simply not preloaded (tests/test_preload.py fails to say so).
"""
from __future__ import annotations

import functools
from pathlib import Path

import streamlit
import streamlit.components.v2 as components_v2

STATIC_JS = Path(streamlit.__file__).parent / "static" / "static" / "js"

PLOTLY = ("PlotlyChart",)
# what the Train page's results draw that the page before them does not (each chunk's own imports, such as the
# progress bar's ProgressBar or the metric's numbro, come with it)
TRAIN_RESULTS = ("Progress", "Metric", "PageLink", "TextInput", "Slider")
# what a Gradient Lab preset draws first: its knobs (sliders and number boxes in the sidebar, shown only for
# untrained cells) and the spinner of a scene not yet measured. A preset fetched 13 chunks after the click
# (Slider, NumberInput, numbro, moment, ...), now none; on this machine the click took as long either way (0.75
# against 0.81 s, interleaved, within noise)
LAB_CLICK = ("Slider", "NumberInput", "Spinner")
# the Cell Explorer's window slider, drawn only once a text is longer than the view holds
WINDOW_SLIDER = ("Slider",)

_JS = """
export default function ({ data: sent }) {
  window.__explorerPreloaded = window.__explorerPreloaded || {};
  const chunks = sent[0].chunks.filter((c) => !window.__explorerPreloaded[c]);
  if (!chunks.length) return;
  for (const c of chunks) window.__explorerPreloaded[c] = true;
  // Streamlit's own chunks sit beside its entry script: the same URL it will import, under any base path
  const entry = [...document.querySelectorAll("script[src]")].find((s) => /\\/static\\/js\\/index\\.[^/]+\\.js$/.test(s.src));
  if (!entry) return;
  const urls = chunks.map((c) => entry.src.replace(/index\\.[^/]+\\.js$/, c));
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 300));
  // after the page has drawn: a second of quiet first, then the browser's next idle moment
  setTimeout(() => idle(() => { for (const u of urls) import(u).catch(() => {}); }, { timeout: 4000 }), 1000);
}
"""

_preload = components_v2.component("explorer.preload", html="", js=_JS, isolate_styles=False)


@functools.cache
def chunk(name: str) -> str | None:
    """The file name of Streamlit's chunk for one kind of element (None if this installation has none by that name)."""
    found = sorted(p.name for p in STATIC_JS.glob(f"{name}.*.js"))
    return found[0] if len(found) == 1 else None


def plotly_chunk() -> str | None:
    return chunk(PLOTLY[0])


def preload(names: tuple[str, ...], key: str) -> None:
    """Call at the end of a page: the chunks of `names` (e.g. PLOTLY) load once the browser is idle."""
    found = [c for c in map(chunk, names) if c is not None]
    if found:
        _preload(data=[{"chunks": found}], key=key)  # a list: see cell_view.cell_view


def preload_charts() -> None:
    """Call at the end of a page whose first plotly chart appears only after a click."""
    preload(PLOTLY, key="preload_charts")
