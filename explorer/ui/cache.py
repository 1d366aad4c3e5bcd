"""Models and traces for the Cell Explorer, cached where that is safe.

A model is named by a reference tuple:
    ("untrained", arch, hidden, seed, carry)   PyTorch's default init over printable ASCII
    ("shipped", name)                          a model shipped with the app (trained on real text)
    ("session", arch)                          trained by this user on the Train & Predict page
    ("hello", arch)                            trained on the note's "hello" (shared, read-only)
    ("yours", layer, direction, order)         a layer of the model uploaded on Your Model (this session)

Untrained and shipped models are shared by every session through st.cache_resource: read-only, never
trained, mutated or hooked. Session models live in st.session_state, so anything computed from them
is memoised there too, never in a shared cache. `SESSION_KINDS` names the references that are
this session's own.
"""
from __future__ import annotations

import streamlit as st

from explorer.figures.weights import WeightPicture, weight_picture
from explorer.model import CharModel, ModelConfig
from explorer.scenes.payload import Run, payload
from explorer.text import Vocab
from explorer.training import train_char_model
from explorer.whatif import trace_runs
from explorer.ui.session import CE_PAYLOAD, CE_WEIGHTS, memo
from explorer.ui.session_models import trained_models
from explorer.ui.shipped_cache import shipped_model
from explorer.ui.uploaded import layer_model

SESSION_KINDS = ("session", "yours")  # references to this user's own models: never in a shared cache


@st.cache_resource(max_entries=32, show_spinner=False)
def untrained_model(arch: str, hidden: int, seed: int, carry: float = 0.0) -> CharModel:
    """A model at PyTorch's default init over the printable-ASCII vocabulary (read-only, shared)."""
    model = CharModel(Vocab.printable(), ModelConfig(arch=arch, hidden_size=hidden, seed=seed, forget_bias=carry))
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


@st.cache_resource(max_entries=3, show_spinner="Training a small model on “hello” (about a second)…")
def hello_model(arch: str) -> CharModel:
    """The note's example: a model trained on "hello" until it predicts every next character (read-only, shared).

    Deterministic (seed 0), so every session gets the same weights; trained once per server.
    """
    model, _ = train_char_model("hello", arch=arch, seed=0)
    model.eval().requires_grad_(False)
    return model


def resolve(ref: tuple) -> CharModel:
    """The model a reference names (raises KeyError for a session model that no longer exists)."""
    kind = ref[0]
    if kind == "untrained":
        return untrained_model(*ref[1:])
    if kind == "shipped":
        return shipped_model(ref[1])[0]
    if kind == "hello":
        return hello_model(ref[1])
    if kind == "session":
        return trained_models()[ref[1]]
    if kind == "yours":
        return layer_model(*ref[1:])
    raise ValueError(f"unknown model reference {ref!r}")


def _payload(run_specs: tuple, text: str, offset: int, window: int, presenter: bool, robust: bool) -> dict:
    models = [resolve(spec[3]) for spec in run_specs]
    stop = min(offset + window, len(text))
    traced = trace_runs([(spec[0], m, spec[4]) for spec, m in zip(run_specs, models)], text, offset, stop)
    runs = [Run(id=rid, title=title, note=note, model=m, traced=traced[rid], clamps=cl)
            for (rid, title, note, _ref, cl), m in zip(run_specs, models)]
    shown = text[::-1] if models[0].reversed else text  # in reading order (a reverse layer's)
    return payload(runs, offset=offset, presenter=presenter, robust=robust,
                   after=shown[stop] if stop < len(shown) else None)


@st.cache_resource(max_entries=16, show_spinner=False)
def _shared_payload(run_specs: tuple, text: str, offset: int, window: int, presenter: bool, robust: bool) -> dict:
    return _payload(run_specs, text, offset, window, presenter, robust)


def view_payload(run_specs: tuple, text: str, offset: int, window: int, presenter: bool, robust: bool = False) -> dict:
    """The stepping component's data for runs given as (id, title, note, model reference, clamps), over steps
    offset+1..offset+window of `text` (each run traced over the whole text: a window starts with the memory the
    cell built before it).

    Computed once per (runs, text, window): moving the cursor never comes back here.
    """
    if not any(spec[3][0] in SESSION_KINDS for spec in run_specs):
        return _shared_payload(run_specs, text, offset, window, presenter, robust)

    # one per session (the scene on screen), keyed by the models' identities too
    return memo(CE_PAYLOAD, (run_specs, text, offset, window, presenter, robust,
                             tuple(id(resolve(s[3])) for s in run_specs)),
                lambda: _payload(run_specs, text, offset, window, presenter, robust))


def _weight_picture(model: CharModel) -> WeightPicture:
    cell = model.cell
    return weight_picture(cell.weight_ih.detach().numpy(), cell.weight_hh.detach().numpy(), cell.spec.gates)


@st.cache_data(max_entries=16, show_spinner=False)
def _shared_weight_picture(ref: tuple) -> WeightPicture:
    return _weight_picture(resolve(ref))


def weight_figure(ref: tuple) -> WeightPicture:
    """The note's single matrix W of the model `ref` names, cached: a rerun that only moves the cursor or a
    widget elsewhere never rebuilds it."""
    if ref[0] not in SESSION_KINDS:
        return _shared_weight_picture(ref)
    model = resolve(ref)
    return memo(CE_WEIGHTS, (ref, id(model)), lambda: _weight_picture(model))  # one per session
