"""Caches of the Gradient Lab: the measured curves per cell, keyed by the knobs that cell depends on.

Keying each cell on `relevant(config, arch)` means moving the forget-bias slider recomputes the LSTM
alone, the update bias the GRU alone, the radius the RNN alone. st.cache_data hands every caller its
own (unpickled) copy, so no session can change another's numbers.
"""
from __future__ import annotations

import streamlit as st

from explorer.gradient_lab import ARCH_ORDER, ArchCurves, LabConfig, LabScene, lab_curves, lab_input, relevant

__all__ = ["scene"]


@st.cache_data(max_entries=96, show_spinner=False)
def _curves(config: LabConfig, arch: str) -> ArchCurves:
    return lab_curves(config, arch)


def scene(config: LabConfig) -> LabScene:
    """The measured scene for `config`. Raises ValueError (readable) for unusable text."""
    inp = lab_input(config)  # cheap; validates the text before anything is computed
    curves = {arch: _curves(relevant(config, arch), arch) for arch in ARCH_ORDER}
    return LabScene(config=config, labels=inp.labels, curves=curves, notice=inp.notice)
