"""Shared, read-only caches of the shipped models and of what the Unit Finder computes from them.

Everything returned here is served to every session from one process: never train, mutate or hook it.
A page that wants to train starts from a copy (`copy.deepcopy(model)`) kept in st.session_state.
"""
from __future__ import annotations

import streamlit as st

from explorer.data.corpus import load_corpus
from explorer.model import CharModel, TextTrace
from explorer.zoo.shipped import Manifest, list_shipped, load_model, untrained_model
from explorer.ui.session import UF_ANALYSIS, memo
from explorer.units import HeldOut, TextAnalysis, analyse_traces, held_out

__all__ = ["shipped_names", "shipped_model", "shipped_untrained", "heldout_text", "heldout", "analysis"]


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


@st.cache_resource(max_entries=8, show_spinner=False)
def _traces(name: str, text: str) -> tuple[TextTrace, TextTrace]:
    """The trained and untrained models' traces of `text` (read-only, shared): one per (model, text), whatever
    activation or regex the page asks about."""
    return shipped_model(name)[0].trace_text(text), shipped_untrained(name).trace_text(text)


def analysis(name: str, text: str, signal: str, pattern: str = "") -> TextAnalysis:
    """Trained and untrained traces, features (with the user's regex, if valid) and rankings of `text`.

    The traces are shared; the features and rankings (a few ms, tens with a regex) are this session's, kept
    for the scene on screen so that moving the cursor does not recompute them."""
    return memo(UF_ANALYSIS, (name, text, signal, pattern), lambda: analyse_traces(*_traces(name, text), signal,
                                                                                   pattern))


@st.cache_resource(max_entries=8, show_spinner=False)
def heldout(name: str) -> HeldOut:
    """A shipped model on its corpus's held-out text: h and gate saturations only, one per model (whatever
    activation the page ranks), so switching signals never caches another copy of 6,000 traced steps."""
    return held_out(shipped_model(name)[0], shipped_untrained(name), heldout_text(shipped_model(name)[1].corpus))

