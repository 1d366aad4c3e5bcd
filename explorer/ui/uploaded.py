"""This session's uploaded model as a weights source of the other pages (Cell Explorer, Gradient Lab, Unit Finder).

The checkpoint lives in st.session_state (explorer.ui.session.YM_MODEL), put there by the Your Model
page; nothing here is ever in a shared cache, and it goes when the session goes.
"""
from __future__ import annotations

from explorer.ui.session import YM_LAYERS, YM_MODEL
from explorer.zoo.checkpoint import Checkpoint
from explorer.zoo.layer_model import LayerModel, Uploaded, summary, untrained_twin

__all__ = ["uploaded", "layer_model"]


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
