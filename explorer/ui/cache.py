"""Shared, read-only caches. Objects returned here are served to every session: never train,
mutate or hook them. Per-user (trained) models live in st.session_state instead."""
from __future__ import annotations

import streamlit as st

from explorer.model import CharModel, ModelConfig, TextTrace
from explorer.payload import Run, payload
from explorer.reference import Clamp
from explorer.text import Vocab
from explorer.whatif import clamped_text_trace


@st.cache_resource(max_entries=32, show_spinner=False)
def untrained_model(arch: str, hidden: int, seed: int, carry: float = 0.0) -> CharModel:
    """A model at PyTorch's default init over the printable-ASCII vocabulary (read-only, shared)."""
    model = CharModel(Vocab.printable(), ModelConfig(arch=arch, hidden_size=hidden, seed=seed, forget_bias=carry))
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


@st.cache_resource(max_entries=64, show_spinner=False)
def traced_text(model_key: tuple, text: str, clamps: tuple[Clamp, ...] = ()) -> TextTrace:
    """Trace of `text` by the model named by `model_key` (computed once per model, text and clamps)."""
    model = untrained_model(*model_key)
    return clamped_text_trace(model, text, clamps) if clamps else model.trace_text(text)


@st.cache_resource(max_entries=16, show_spinner=False)
def view_payload(run_specs: tuple, text: str, offset: int, presenter: bool) -> dict:
    """The stepping component's data for runs given as (id, title, note, model_key, clamps)."""
    runs = [Run(id=rid, title=title, note=note, model=untrained_model(*mk), traced=traced_text(mk, text, cl))
            for rid, title, note, mk, cl in run_specs]
    return payload(runs, offset=offset, presenter=presenter)
