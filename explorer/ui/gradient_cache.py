"""Cache of the Gradient Lab: one measured scene per LabConfig.

st.cache_data hands every caller its own (unpickled) copy, so no session can change another's numbers.
The sweep itself keeps to one torch thread (see explorer.gradients), which is what keeps the page fast
on the shared, busy cores.
"""
from __future__ import annotations

import streamlit as st

from explorer.gradient_lab import LabConfig, LabScene, lab_scene

__all__ = ["scene"]


@st.cache_data(max_entries=32, show_spinner=False)
def scene(config: LabConfig) -> LabScene:
    """The measured scene for `config`."""
    return lab_scene(config)
