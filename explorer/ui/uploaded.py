"""This session's uploaded model as a weights source of the other pages (Cell Explorer, Gradient Lab, Unit Finder).

The checkpoint lives in st.session_state (explorer.ui.session.YM_MODEL), put there by the Your Model
page; nothing here is ever in a shared cache, and it goes when the session goes.
"""
from __future__ import annotations

import streamlit as st

from explorer.ui.session import UF_YOURS, YM_LAYERS, YM_MODEL, memo
from explorer.units import HeldOut, TextAnalysis, analyse_text, held_out_of
from explorer.ui.state import PageState
from explorer.zoo.checkpoint import Checkpoint
from explorer.zoo.layer_model import LayerModel, Uploaded, direction_name, layer_name, summary, untrained_twin

__all__ = ["uploaded", "layer_model", "layer_analysis", "layer_controls"]


def _held() -> tuple[tuple, Checkpoint, tuple[str, ...] | None] | None:
    return YM_MODEL.get()


def uploaded() -> Uploaded | None:
    """The uploaded model of this session, or None when the user has loaded none."""
    held = _held()
    if held is None:
        return None
    return summary(held[1], held[2])


def layer_model(layer: int, direction: int, order: str = "reading", untrained: bool = False) -> LayerModel:
    """Layer `layer`, direction `direction` of this session's uploaded model (KeyError if there is none).

    Built once per (file, layer, direction, order) and kept in the session, so a rerun that moves the cursor
    hands back the same object (the pages' memos are keyed by its identity)."""
    held = _held()
    if held is None:
        raise KeyError("no model uploaded in this session")
    file_key, ck, vocab = held
    key = (file_key, layer, direction, order, untrained)
    built = YM_LAYERS.get() or {}
    if key not in built:
        built = {k: v for k, v in built.items() if k[0] == file_key}  # another file's layers go
        built[key] = LayerModel(untrained_twin(ck) if untrained else ck, vocab, layer, direction, order)
        YM_LAYERS.set(built)
    return built[key]


def layer_analysis(layer: int, direction: int, text: str, signal: str, pattern: str = "") -> tuple[TextAnalysis, HeldOut]:
    """The Unit Finder's analysis of one layer and direction of the uploaded model, in the text's order, against
    its untrained twin, and its gate saturations over the same text (one memo per session: a rerun that moves
    the cursor traces and counts nothing again)."""
    def build() -> tuple[TextAnalysis, HeldOut]:
        A = analyse_text(layer_model(layer, direction, "input"),
                         layer_model(layer, direction, "input", untrained=True), text, signal, pattern)
        return A, held_out_of(A.trained, A.untrained)
    return memo(UF_YOURS, (YM_MODEL.get()[0], layer, direction, text, signal, pattern), build)


def layer_controls(P: PageState, mine: Uploaded) -> None:
    """Which layer and direction of the uploaded model is shown: one above the other, so each label fits."""
    if P.get("layer") >= mine.num_layers:
        P.set("layer", mine.num_layers - 1)
    st.selectbox("Layer", tuple(range(mine.num_layers)), key=P.key("layer"),
                 format_func=lambda layer: layer_name(layer, mine.num_layers),
                 help="Layer 1 reads the embedded characters; each layer above reads the outputs of the one below "
                      "(both directions, side by side); the last feeds the readout. In torch's names layer 1 is _l0.")
    if mine.bidirectional:
        st.radio("Direction", (0, 1), key=P.key("direction"), format_func=direction_name, horizontal=True,
                 help="The reverse direction reads the text from its last character to its first.")
    elif P.get("direction"):
        P.set("direction", 0)
