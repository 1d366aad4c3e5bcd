"""Caches of the Gradient Lab: the measured curves per cell, keyed by the knobs that cell depends on.

Keying each cell on `relevant(config, arch)` means moving the forget-bias slider recomputes the LSTM
alone, the update bias the GRU alone, the radius the RNN alone. st.cache_data hands every caller its
own (unpickled) copy, so no session can change another's numbers.
"""
from __future__ import annotations

import streamlit as st

from explorer.scenes.gradient_lab import (ARCH_ORDER, ArchCurves, LabConfig, LabScene, lab_curves, lab_input, measure,
                                   model_scene, relevant)
from explorer.zoo.shipped import DEFAULT_MODELS
from explorer.ui.shipped_cache import shipped_model, shipped_names
from explorer.model import CharModel

__all__ = ["scene", "trained_scene", "shipped_scene", "race_scene"]

_TRAINED_MEMO = "_gradient_lab.trained"  # session_state: this session's models are never shared


@st.cache_data(max_entries=96, show_spinner=False)
def _curves(config: LabConfig, arch: str) -> ArchCurves:
    return lab_curves(config, arch)


def scene(config: LabConfig) -> LabScene:
    """The measured scene for `config`. Raises ValueError (readable) for unusable text."""
    inp = lab_input(config)  # cheap; validates the text before anything is computed
    curves = {arch: _curves(relevant(config, arch), arch) for arch in ARCH_ORDER}
    return LabScene(config=config, labels=inp.labels, curves=curves, notice=inp.notice)


def trained_scene(models: dict[str, CharModel], text: str) -> LabScene:
    """The curves of this session's trained models on `text`, memoised in the session (one entry).

    Not st.cache_data: the models belong to one session and are not hashable by value.
    """
    key = (tuple((arch, id(m)) for arch, m in models.items()), text)
    memo = st.session_state.get(_TRAINED_MEMO)
    if memo is None or memo[0] != key:
        memo = (key, model_scene(models, text))
        st.session_state[_TRAINED_MEMO] = memo
    return memo[1]


@st.cache_data(max_entries=16, show_spinner=False)
def shipped_scene(text: str) -> LabScene:
    """The shipped (read-only, shared) models on `text`; each caller gets its own copy of the numbers."""
    models = {arch: shipped_model(name)[0] for arch, name in DEFAULT_MODELS.items() if name in shipped_names()}
    return model_scene(models, text)


def race_scene(racers: dict) -> LabScene:
    """This session's Memory Race contestants, named by contestant, each on its own task input."""
    key = tuple((name, id(cell)) for name, (cell, _) in racers.items())
    memo = st.session_state.get("_gradient_lab.race")
    if memo is None or memo[0] != key:
        # "Memory Race · LSTM, forget bias 3 · Remember the first symbol, T = 50" -> "LSTM, forget bias 3"
        cells = {name.split(" · ")[1] if " · " in name else name: pair for name, pair in racers.items()}
        T = next(iter(cells.values()))[1].shape[0]
        memo = (key, LabScene(config=LabConfig(), labels=tuple(str(t) for t in range(1, T + 1)),
                              curves=measure(cells)))
        st.session_state["_gradient_lab.race"] = memo
    return memo[1]
