"""Caches of the Gradient Lab: the measured curves per cell, keyed by the knobs that cell depends on.

Keying each cell on `relevant(config, arch)` means moving the forget-bias slider recomputes the LSTM
alone, the update bias the GRU alone, the radius the RNN alone. st.cache_data hands every caller its
own (unpickled) copy, so no session can change another's numbers. This session's own models (trained,
raced) are memoised in its session state, never in a shared cache.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
import torch

from explorer.cells import Cell
from explorer.scenes.gradient_lab import (ARCH_ORDER, ArchCurves, LabConfig, LabScene, lab_curves, lab_input,
                                          layers_scene, measure, model_carry_units_high, model_scene,
                                          relevant)
from explorer.ui.session import GL_RACE, GL_TRAINED, GL_YOURS, RACE_CELLS, YM_MODEL, memo
from explorer.ui.uploaded import layer_model, uploaded
from explorer.zoo.layer_model import NO_UPLOAD, direction_name
from explorer.ui.session_models import trained_models
from explorer.ui.shipped_cache import shipped_model, shipped_names, shipped_untrained
from explorer.zoo.shipped import DEFAULT_MODELS

__all__ = ["RaceCell", "scene", "trained_scene", "shipped_scene", "race_scene", "yours_scene", "lab_scene_for",
           "untrained_twin_high"]


@dataclass(frozen=True)
class RaceCell:
    """A Memory Race contestant as the Gradient Lab measures it: the cell and one input of its task."""

    contestant: str  # e.g. "LSTM, forget bias 3"
    task: str  # e.g. "Remember the first symbol, T = 50"
    cell: Cell
    x: torch.Tensor  # (T, I)


@st.cache_data(max_entries=96, show_spinner=False)
def _curves(config: LabConfig, arch: str) -> ArchCurves:
    return lab_curves(config, arch)


def scene(config: LabConfig) -> LabScene:
    """The measured scene for `config`. Raises ValueError (readable) for unusable text."""
    inp = lab_input(config)  # cheap; validates the text before anything is computed
    curves = {arch: _curves(relevant(config, arch), arch) for arch in ARCH_ORDER}
    return LabScene(config=config, labels=inp.labels, curves=curves, notice=inp.notice)


def trained_scene(text: str) -> LabScene:
    """The curves of this session's trained models on `text` (one memo per session)."""
    models = trained_models()
    return memo(GL_TRAINED, (tuple((a, id(m)) for a, m in models.items()), text), lambda: model_scene(models, text))


@st.cache_data(max_entries=16, show_spinner=False)
def shipped_scene(text: str) -> LabScene:
    """The shipped (read-only, shared) models on `text`; each caller gets its own copy of the numbers."""
    models = {arch: shipped_model(name)[0] for arch, name in DEFAULT_MODELS.items() if name in shipped_names()}
    return model_scene(models, text)


@st.cache_data(max_entries=16, show_spinner=False)
def untrained_twin_high(text: str) -> dict[str, int]:
    """Units with mean carry gate > 0.9 of each shipped model's untrained twin (same init) on `text`."""
    models = {arch: shipped_untrained(name) for arch, name in DEFAULT_MODELS.items() if name in shipped_names()}
    return model_carry_units_high(models, text)  # a forward pass each: no gradient sweep for one count


def race_scene(racers: tuple[RaceCell, ...]) -> LabScene:
    """This session's Memory Race contestants, named by contestant, each on its own task input."""
    def build() -> LabScene:
        T = racers[0].x.shape[0]
        return LabScene(config=LabConfig(), labels=tuple(str(t) for t in range(1, T + 1)),
                        curves=measure({r.contestant: (r.cell, r.x) for r in racers}))
    return memo(GL_RACE, tuple((r.contestant, id(r.cell)) for r in racers), build)


MAX_LAYER_CURVES = 8  # layers × directions drawn at once: more lines than this no one can tell apart


def yours_scene(text: str) -> LabScene:
    """Every layer and direction of this session's uploaded model on `text` (one memo per session)."""
    file_key, ck, _ = YM_MODEL.get()
    mine = uploaded()
    names = {}
    for layer in range(mine.num_layers):
        for d in range(mine.directions):
            name = f"layer {layer + 1}" + (f" {direction_name(d)}" if mine.bidirectional else "")
            names[name] = (layer, d)
    names = dict(list(names.items())[:MAX_LAYER_CURVES])
    return memo(GL_YOURS, (file_key, text), lambda: layers_scene(
        {name: layer_model(layer, d) for name, (layer, d) in names.items()}, text, ck))


def lab_scene_for(cells: str, config: LabConfig, text: str) -> tuple[LabScene, tuple[str, str] | None]:
    """The scene for the chosen cells, and a note (level, text): what is shown, or what instead and why."""
    if cells == "trained":
        if trained_models():
            return trained_scene(text), ("caption", "Trained models, each reading the typed text one-hot in its own vocabulary "
                                         "(unknown characters become ⟨unk⟩).")
        return scene(config), ("info", "No trained models in this session yet: train some on the **Train & Predict** page, "
                               "then come back. Showing the untrained cells meanwhile.")
    if cells == "race":
        racers = RACE_CELLS.get(())
        if racers:
            return race_scene(racers), ("caption", f"The contestants of this session's last Memory Race ({racers[0].task}), "
                                        "each reading one input of its task: why the winner won.")
        return scene(config), ("info", "No Memory Race has been run in this session yet: race on the **Memory Race** page, "
                               "then come back. Showing the untrained cells meanwhile.")
    if cells == "yours":
        mine = uploaded()
        if mine is not None and mine.problem is None:
            return yours_scene(text), ("info", "Your uploaded model, every layer and direction: each line is one "
                                       "layer's cell, reading what the layer below hands it (layer 1: the embedded "
                                       "characters), and how far back its own input still moves its last state. "
                                       "The preset buttons above switch to the app's own cells; choose “your model” "
                                       "under Cells in the sidebar to come back.")
        why = mine.problem if mine else NO_UPLOAD
        return shipped_scene(text), ("info", f"Your model: {why}. Showing the shipped models instead.")
    if cells == "shipped":
        return shipped_scene(text), ("caption", "The models shipped with the app, trained on Python's standard "
                                               "library, reading the typed text.")
    return scene(config), None
