"""Cell Explorer: type a sequence, step through time, watch every gate and state."""
import streamlit as st

from explorer.ui.router import ensure_router

ensure_router()

from explorer.limits import MAX_TEXT_CHARS
from explorer.scenes.cell_explorer import CLAMP_GATES, SOURCES, WHATIFS, CellExplorerConfig, cell_explorer_scene
from explorer.cells import ARCHS
from explorer.ui.cache import resolve, view_payload
from explorer.ui.cell_explorer import controls, downloads, note_section, show_messages, whatif_controls
from explorer.ui.cell_view import cell_view
from explorer.ui.session_models import trained_entries
from explorer.ui.preload import WINDOW_SLIDER, preload
from explorer.ui.share import scene_tools
from explorer.ui.shipped_cache import shipped_names
from explorer.ui.state import PageState, Param
from explorer.ui.uploaded import uploaded

P = PageState("ce", [
    Param("text", "hello", max_len=MAX_TEXT_CHARS),
    Param("cells", ("lstm",), choices=ARCHS),
    Param("src", "shipped", choices=tuple(SOURCES), label="weights", words=SOURCES),
    Param("hidden", 16, lo=1, hi=256, label="H"),
    Param("seed", 0, lo=0, hi=1_000_000),
    Param("t", 1, lo=1, hi=MAX_TEXT_CHARS, over="the text's last step", label="step"),
    Param("unit", 0, lo=0, hi=1023, over="the model's last unit"),
    Param("start", 1, lo=1, hi=MAX_TEXT_CHARS, over="the last window", label="window from"),
    Param("whatif", "none", choices=tuple(WHATIFS), label="what-if"),
    Param("cgate", "f", choices=CLAMP_GATES, label="pinned gate"),
    Param("cval", 1.0, lo=0.0, hi=1.0, label="pinned to"),
    Param("cfrom", 1, lo=1, hi=MAX_TEXT_CHARS, over="the text's last step", label="pinned from step"),
    Param("cunits", "all", max_len=200, label="pinned units"),
    Param("crange", "max", choices=("max", "robust"), label="c colours"),
    Param("layer", 0, lo=0, hi=63),
    Param("direction", 0, lo=0, hi=1),
    Param("whatifbox", False, view_only=True),  # the folded what-if section is open
    Param("note", False, view_only=True),  # the folded section of the note's numbers is open
    Param("presenter", False),
])
P.restore()
presenter = scene_tools(P, "cell-explorer")
st.title("Cell Explorer")
st.caption("Type a sequence and step through it: every gate and state of the cell as it reads each character.")
P.show_notices()
controls(P, presenter)
whatif_controls(P, len(str(P.get("text") or "")))

config = CellExplorerConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in P.values().items()
                               if not P.params[k].view_only})
scene = cell_explorer_scene(config, resolve, shipped=set(shipped_names()), session=set(trained_entries()),
                            uploaded=uploaded())
show_messages(scene)
if not scene.stop:  # a link's step or unit past this text or model: said, not silently moved
    P.beyond("t", min(max(int(P.get("t")), 1), len(scene.text)), "the text's last step")
    P.beyond("unit", scene.unit, "the model's last unit")
if scene.stop:
    P.publish()
    st.stop()
if scene.windowed:
    P.set("start", scene.offset + 1)  # the start the scene used (it may have moved the window to the cursor)

    def window_moved():  # the cursor moves with the window the reader moved (else the window would follow it back)
        if not 0 <= P.get("t") - P.get("start") < scene.window:
            P.set("t", P.get("start"))

    st.slider("Window starts at character", 1, len(scene.text) - scene.window + 1, key=P.key("start"),
              on_change=window_moved)
else:
    P.not_drawn("start")  # kept for when a larger size windows the text again

runs = tuple((r.id, r.title, r.note, r.ref, r.clamps) for r in scene.runs)
robust = P.get("crange") == "robust"
view = view_payload(runs, scene.text, scene.offset, scene.window, presenter, robust)
cursor = cell_view(view, t=scene.t + scene.offset, unit=scene.unit,
                   url={name: P.params[name].default for name in ("t", "unit")},  # the browser writes these at once
                   data_key=repr((runs, scene.text, scene.offset, scene.window, presenter, robust)), key="ce.view")
if cursor:  # a step of the whole text
    P.set("t", int(cursor["t"]))
    P.set("unit", int(cursor["unit"]))
downloads(scene)
st.caption("Step with the buttons, the slider or the keyboard (← → Home End, P to play); click any heatmap cell "
           "to select that step and unit. Gates use a fixed 0..1 scale, h and candidates −1..1, "
           "c a symmetric scale whose range is printed.")
note_section(scene, P)
if not scene.windowed:
    preload(WINDOW_SLIDER, key="ce.preload")  # a long text's window slider draws at once (explorer/ui/preload.py)
P.publish()
