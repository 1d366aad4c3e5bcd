"""Shared, read-only caches of the shipped models and of what the Unit Finder computes from them.

Everything returned here is served to every session from one process: never train, mutate or hook it.
A page that wants to train starts from a copy (`copy.deepcopy(model)`) kept in st.session_state.
"""
from __future__ import annotations

import streamlit as st

from explorer.data.corpus import load_corpus
from explorer.model import CharModel
from explorer.zoo.shipped import DEFAULT_MODELS, Manifest, list_shipped, load_model, untrained_model
from explorer.units import TextAnalysis, analyse_text

__all__ = ["shipped_names", "shipped_model", "shipped_untrained", "heldout_text", "analysis"]


@st.cache_resource(show_spinner=False)
def shipped_names() -> tuple[str, ...]:
    return list_shipped()


@st.cache_resource(max_entries=8, show_spinner=False)
def shipped_model(name: str) -> tuple[CharModel, Manifest]:
    """A trained shipped model ("stdlib-lstm", …) and its manifest, loaded and validated once."""
    return load_model(name)


@st.cache_resource(max_entries=8, show_spinner=False)
def shipped_untrained(name: str) -> CharModel:
    """The same architecture at its initial weights (the baseline for every statistic)."""
    return untrained_model(shipped_model(name)[1])


@st.cache_resource(max_entries=4, show_spinner=False)
def heldout_text(corpus: str, chars: int = 6000) -> str:
    """The first `chars` characters of a corpus's held-out slice (text no model trained on)."""
    return load_corpus(corpus).heldout[:chars]


@st.cache_resource(max_entries=24, show_spinner=False)
def analysis(name: str, text: str, signal: str, pattern: str = "") -> TextAnalysis:
    """Trained and untrained traces, features (with the user's regex, if valid) and rankings of `text`."""
    model, _ = shipped_model(name)
    return analyse_text(model, shipped_untrained(name), text, signal, pattern)
