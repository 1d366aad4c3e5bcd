"""The Gradient Lab's widgets: presets that set whole scenes, and the knobs in the sidebar."""
from __future__ import annotations

import streamlit as st

from explorer.figures.gradients import QUANTITIES
from explorer.limits import MAX_LAB_STEPS
from explorer.scenes.gradient_summary import PRESET_HELP, PRESETS, active_preset, preset_values
from explorer.ui.session import GL_LAST_PRESET
from explorer.ui.state import PageState

__all__ = ["CELL_SOURCES", "preset_bar", "sidebar"]

CELL_SOURCES = {"shipped": "shipped, trained on Python source", "untrained": "untrained (the knobs below)",
                "trained": "trained in this session (Train & Predict)",
                "race": "Memory Race contestants (this session)",
                "yours": "your model (uploaded), every layer"}
PRESET_KEYS = dict(zip(PRESETS, ("shipped", "default", "bias3", "radius09", "explode")))  # stable widget keys


def preset_bar(P: PageState) -> None:
    """One button per preset; each sets the whole scene. Says which preset is active, or that you left it."""
    def apply(name: str) -> None:
        for knob, value in preset_values(name).items():
            st.session_state[P.key(knob)] = value
        GL_LAST_PRESET.set(name)

    for col, name in zip(st.columns(len(PRESETS)), PRESETS):
        col.button(name, key=f"gl.preset.{PRESET_KEYS[name]}", on_click=apply, args=(name,), width="stretch", wrap=True,
                   help=PRESET_HELP[name], type="primary" if active_preset(P.values()) == name else "secondary")
    now, last = active_preset(P.values()), GL_LAST_PRESET.get()
    if now is not None:
        st.caption(f"Preset: **{now}** — {PRESET_HELP[now]}.")
    elif last in PRESETS:
        st.caption(f"You changed a knob since the preset **{last}**: this is your own scene now.")


def sidebar(P: PageState) -> None:
    with st.sidebar:
        st.header("Gradient Lab")
        st.radio("Cells", tuple(CELL_SOURCES), key=P.key("cells"), format_func=CELL_SOURCES.get)
        untrained = P.get("cells") == "untrained"  # the knobs build untrained cells; trained ones keep their weights
        if untrained:
            st.radio("Input sequence", ("text", "random"), key=P.key("src"), horizontal=True,
                     format_func={"text": "typed text (one-hot)", "random": "random N(0, 1)"}.get)
        if P.get("src") == "text" or not untrained:
            st.text_area(f"Text (up to {MAX_LAB_STEPS:,} characters are traced)", key=P.key("text"), height=150)
        else:
            st.slider("Length T", 2, MAX_LAB_STEPS, key=P.key("T"), step=1)
        if untrained:
            st.select_slider("Hidden size H", options=(8, 16, 32, 64, 128), key=P.key("H"))
            st.slider("LSTM forget-gate bias (added to b_hf)", -3.0, 6.0, key=P.key("fbias"), step=0.5)
            st.slider("GRU update-gate bias (added to b_hz)", -3.0, 6.0, key=P.key("zbias"), step=0.5)
            st.checkbox("Rescale the RNN's Wₕₕ", key=P.key("rescale"))
            if P.get("rescale"):
                st.slider("RNN spectral radius of Wₕₕ", 0.1, 3.0, key=P.key("radius"), step=0.05,
                          help="Spectral radius: the largest |eigenvalue| of Wₕₕ. The gradient's upper bound "
                               "uses σₘₐₓ, the largest singular value, which is at least as large.")
            st.number_input("Seed (weights and random inputs)", min_value=0, max_value=9999, step=1,
                            key=P.key("seed"))
        else:
            st.caption("Trained cells keep their own weights and sizes: choose *untrained* (or a preset) for the "
                       "knobs of bias, radius, size and seed.")
        st.divider()
        st.radio("Sensitivity to", tuple(QUANTITIES), key=P.key("show"), format_func=QUANTITIES.get)
        st.checkbox("Theory overlays (∏ f, ∏ z, σₘₐₓ^d)", key=P.key("overlays"),
                    help="∏ f: the product of forget gates along the LSTM's cell path; σₘₐₓ^d: the RNN's bound.")
