"""Models trained in this browser session, for every page to offer as "trained on your text".

They live in st.session_state only: one user's models are never visible to another (no
st.cache_resource, no module globals). Keys are the architecture names "lstm", "gru", "rnn"; a new
training run replaces all of them.

    from explorer.ui.session_models import trained_models, trained_entries
    for arch, model in trained_models().items():      # CharModel, with its own vocabulary (model.vocab)
        ...

While a run is in progress its models sit in a separate "pending" record, never among the finished
ones. If the run is cut short (a rerun, a page change), the next run of the Train page either keeps
them as "stopped by you" (the Stop button) or throws them away: nothing half-trained is shown as done.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import streamlit as st

from explorer.model import CharModel
from explorer.training import History
from explorer.ui.session import PENDING_TRAINING, TRAINED

__all__ = ["TrainedModel", "trained_models", "trained_entries", "put_trained", "clear_trained",
           "begin_training", "pending_run", "finish_training", "settle_pending"]

_TRAINED = TRAINED.name
_PENDING = PENDING_TRAINING.name


@dataclass(frozen=True)
class TrainedModel:
    arch: str
    model: CharModel
    history: History
    text: str  # the (capped) text it was trained on

    @property
    def label(self) -> str:
        state = "stopped early by you" if self.history.interrupted else "trained"
        return f"{self.arch.upper()} (H={self.model.config.hidden_size}, {state} on your text)"


@dataclass
class PendingRun:
    """The run in progress: models being trained and the progress heard so far (mutable on purpose)."""

    archs: tuple[str, ...]
    text: str
    max_steps: int
    models: dict[str, CharModel] = field(default_factory=dict)
    losses: dict[str, list[float]] = field(default_factory=dict)
    accuracies: dict[str, list[float]] = field(default_factory=dict)
    started: dict[str, float] = field(default_factory=dict)

    def start(self, arch: str, model: CharModel) -> None:
        self.models[arch] = model
        self.losses[arch], self.accuracies[arch] = [], []
        self.started[arch] = time.perf_counter()

    def partial_history(self, arch: str) -> History:
        losses = self.losses.get(arch, [])
        return History(arch=arch, losses=tuple(losses), accuracies=tuple(self.accuracies.get(arch, [])),
                       steps=len(losses), max_steps=self.max_steps,
                       seconds=time.perf_counter() - self.started.get(arch, time.perf_counter()),
                       stopped_early=False, interrupted=True, text_length=len(self.text))


def trained_entries() -> dict[str, TrainedModel]:
    return dict(st.session_state.get(_TRAINED, {}))


def trained_models() -> dict[str, CharModel]:
    """arch -> model, for every model this session finished training (or stopped on purpose)."""
    return {arch: entry.model for arch, entry in trained_entries().items()}


def put_trained(name: str, model: CharModel, history: History, text: str = "") -> None:
    entries = trained_entries()
    entries[name] = TrainedModel(arch=name, model=model, history=history, text=text)
    st.session_state[_TRAINED] = entries


def clear_trained() -> None:
    st.session_state[_TRAINED] = {}


def begin_training(archs: tuple[str, ...], text: str, max_steps: int) -> PendingRun:
    """Forget the previous models and open a pending record for this run."""
    clear_trained()
    run = PendingRun(archs=archs, text=text, max_steps=max_steps)
    st.session_state[_PENDING] = run
    return run


def pending_run() -> PendingRun | None:
    return st.session_state.get(_PENDING)


def finish_training() -> None:
    st.session_state.pop(_PENDING, None)


def settle_pending(keep: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Close a run that was cut short. keep=True (the user pressed Stop): the model that was training
    is kept as interrupted; keep=False: the unfinished models are dropped. Returns (the archs cut short,
    the archs of the run that never started)."""
    run: PendingRun | None = st.session_state.pop(_PENDING, None)
    if run is None:
        return (), ()
    done = trained_entries()
    unfinished = tuple(a for a in run.models if a not in done)
    if keep:
        for arch in unfinished:
            put_trained(arch, run.models[arch], run.partial_history(arch), run.text)
    return unfinished, tuple(a for a in run.archs if a not in run.models)
