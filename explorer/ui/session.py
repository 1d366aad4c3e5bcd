"""Every st.session_state key the app uses outside widgets, declared once, and the one memo helper.

Widget keys are '<page>.<param>' (explorer.ui.state.PageState.key); everything else is a `Key` here,
so no page spells a session key as a string. Session state is per user: nothing here is shared.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Generic, TypeVar

import streamlit as st

__all__ = ["Key", "memo", "page_key", "ACTIVE_PAGE", "PAGE_CHANGED", "TRAINED", "PENDING_TRAINING", "TRAIN_STOP",
           "TRAIN_CUT_NOTICE", "TRAIN_LOADED_UPLOAD", "CE_PAYLOAD", "CE_VIEW_SENT", "CE_WEIGHTS", "CE_SIZES",
           "GL_TRAINED", "GL_RACE", "GL_LAST_PRESET", "RACE_FRAME", "RACE_JOB", "RACE_RESULT", "RACE_REACH",
           "RACE_SWEEP", "RACE_CELLS", "UF_SAMPLE_MATCHED", "DECK", "DECK_SHOW", "DECK_GOTO", "FORCE_LINK",
           "FOLD_SIDEBAR"]

T = TypeVar("T")


@dataclass(frozen=True)
class Key(Generic[T]):
    name: str
    doc: str  # what the value is

    def get(self, default: Any = None) -> T | Any:
        return st.session_state.get(self.name, default)

    def set(self, value: T) -> None:
        st.session_state[self.name] = value

    def pop(self, default: Any = None) -> T | Any:
        return st.session_state.pop(self.name, default)


def page_key(kind: str, page: str) -> Key:
    """Per-page keys of explorer.ui.state: 'scene' (the page's values), 'seen' (the URL last read or
    written), 'notices' (what was wrong with a link), 'undrawn' (values whose widgets the last run did not draw)."""
    return Key(f"_{kind}.{page}", f"the {kind} of page {page!r}")


ACTIVE_PAGE: Key[str] = Key("_nav.active", "url path of the page this session's last run showed")
PAGE_CHANGED: Key[bool] = Key("_nav.changed", "whether this run arrived from another page (a navigation)")
FOLD_SIDEBAR: Key[bool] = Key("_nav.fold_sidebar", "presenter mode was just switched on: this run folds the sidebar")
TRAINED: Key[dict] = Key("_session_models.trained", "arch -> TrainedModel, this user's models")
PENDING_TRAINING: Key = Key("_session_models.pending", "a training run that a rerun may cut short")
TRAIN_STOP: Key[bool] = Key("_train.stop_requested", "the user pressed Stop during training")
TRAIN_CUT_NOTICE: Key[tuple[str, str]] = Key("_train.cut_notice", "the notice for a training text that was cut, "
                                              "and the text it was cut to (shown while that text is)")
TRAIN_LOADED_UPLOAD: Key[str] = Key("_train.loaded_upload", "file id of the model file last loaded")
CE_PAYLOAD: Key[tuple] = Key("_ce.payload", "(fingerprint, stepping payload) for session models")
CE_VIEW_SENT: Key = Key("_ce.view_sent", "what the stepping view was last sent: its data key, payload, cursor, and "
                        "the cursor the browser last reported (explorer.ui.cell_view)")
CE_SIZES: Key[tuple] = Key("_ce.sizes", "(fingerprint, CellSize) of a session model's measured memory")
CE_WEIGHTS: Key[tuple] = Key("_ce.weights", "(fingerprint, weight figure) for session models")
GL_TRAINED: Key[tuple] = Key("_gl.trained", "(fingerprint, curves) of this session's trained models")
GL_LAST_PRESET: Key[str] = Key("_gl.last_preset", "the Gradient Lab preset last pressed")
GL_YOURS: Key[tuple] = Key("_gl.yours", "(fingerprint, curves) of the layers of this session's uploaded model")
GL_RACE: Key[tuple] = Key("_gl.race", "(fingerprint, curves) of this session's race models")
RACE_FRAME: Key[int] = Key("_race.frame", "counter that gives each live race chart a fresh key")
RACE_JOB: Key = Key("_race.job", "the RaceJob running on its own thread for this session, if any")
RACE_RESULT: Key = Key("_race.result", "the last RaceResult")
RACE_REACH: Key = Key("_race.reach", "gradient reach of the last race's contestants")
RACE_SWEEP: Key = Key("_race.sweep", "the last SweepResult")
RACE_CELLS: Key[dict] = Key("_race.cells", "label -> (Cell, one (T, I) task input) for the Gradient Lab")
DECK: Key[tuple] = Key("_deck.scenes", "the deck this session is building: a tuple of explorer.scenes.deck.Scene")
DECK_SHOW: Key[tuple] = Key("_deck.show", "(token, index) of the deck being presented, scene by scene")
DECK_GOTO: Key[int] = Key("_deck.goto", "the deck scene (0-based) the next run switches to; -1 ends the show")
FORCE_LINK: Key[bool] = Key("_state.force_link", "the next page run takes its scene from the URL, whatever it holds")
YM_MODEL: Key[tuple] = Key("_ym.model", "(file id, Checkpoint, vocabulary) of this session's uploaded model")
YM_LAYERS: Key[dict] = Key("_ym.layers", "(file id, layer, direction, order) -> LayerModel of the uploaded model")
UF_ANALYSIS: Key[tuple] = Key("_uf.analysis", "(fingerprint, TextAnalysis) of the shipped model on screen")
UF_YOURS: Key[tuple] = Key("_uf.yours", "(fingerprint, TextAnalysis) of a layer of this session's uploaded model")
UF_SAMPLE_MATCHED: Key[bool] = Key("_uf.sample_matched", "the sample text was set to match the model")


def memo(key: Key, fingerprint: Any, compute: Callable[[], T]) -> T:
    """One value per session under `key`, recomputed only when `fingerprint` changes.

    For anything built from this user's own models: shared caches (st.cache_*) must never hold them.
    """
    held = key.get()
    if held is None or held[0] != fingerprint:
        held = (fingerprint, compute())
        key.set(held)
    return held[1]
