"""Train & Predict: the note's "hello" example, live. Train on the typed text, then read what it predicts."""
import streamlit as st

from explorer.ui.router import ensure_router

ensure_router()

from explorer.limits import MAX_TRAIN_CHARS, MAX_TRAIN_HIDDEN, MAX_TRAIN_STEPS
from explorer.training import check_training_text
from explorer.ui.preload import PLOTLY, TRAIN_RESULTS, preload
from explorer.ui.session_models import trained_entries
from explorer.ui.share import scene_tools
from explorer.ui.state import PageState, Param
from explorer.ui.train import (ARCHS, cap_text, controls, generation_section, how_it_went, links_and_downloads,
                               load_upload, predictions_section, settle_interrupted, train, what_to_learn)

P = PageState("tr", [
    Param("text", "hello", max_len=MAX_TRAIN_CHARS),
    Param("cells", ARCHS, choices=ARCHS),
    Param("hidden", 32, lo=1, hi=MAX_TRAIN_HIDDEN, label="H"),
    Param("steps", 300, lo=1, hi=MAX_TRAIN_STEPS, label="max steps"),
    Param("lr", 0.01, lo=0.0001, hi=0.1, label="learning rate"),
    Param("seed", 0, lo=0, hi=1_000_000),
    Param("early", True, label="early stop"),
    Param("view", "lstm", choices=ARCHS, label="model shown"),
    Param("start", 1, lo=1, hi=MAX_TRAIN_CHARS, label="from position"),
    Param("k", 3, lo=1, hi=10, label="top k"),
    Param("prompt", "h", max_len=200),
    Param("temp", 0.5, lo=0.0, hi=3.0, label="temperature"),
    Param("n", 40, lo=1, hi=500, label="characters"),
    Param("presenter", False),
])
P.restore()
presenter = scene_tools(P, "train")
st.title("Train & Predict")
st.caption("Type a text, train LSTM, GRU and RNN on it in seconds, then watch each one predict the next "
           "character: feed “h”, get “e”, feed “e” back in.")
P.show_notices()
cap_text(P)
chosen, upload = controls(P)
try:
    prepared, problem = check_training_text(P.get("text")), None
except ValueError as e:
    prepared, problem = None, str(e)
if problem:
    st.error(problem)
elif not chosen:
    st.info("Choose at least one cell to train.")
load_upload(upload, prepared)

b1, b2, _ = st.columns([1, 1, 4])
train_clicked = b1.button("Train", type="primary", key="tr.train", disabled=bool(problem) or not chosen,
                          width="stretch")
stop_slot = b2.empty()
settle_interrupted()
if train_clicked and prepared is not None and chosen:
    train(P, chosen, prepared.text, stop_slot)

entries = trained_entries()
if not entries:
    if not train_clicked and not problem and chosen:  # else the message above says what is missing
        st.info("Press **Train**. On “hello” each cell learns h → e, he → l, hel → l, hell → o in about a "
                "second (a few dozen training steps)." if prepared is not None and prepared.text == "hello" else
                "Press **Train**. Each cell learns which character comes next at every position of your text: a "
                f"short text takes about a second, {MAX_TRAIN_CHARS:,} characters several seconds.")
        hidden, steps = int(P.get("hidden")), int(P.get("steps"))
        if hidden > P.params["hidden"].default or steps > P.params["steps"].default:  # those times are the defaults'
            st.caption(f"Those times are for H = {P.params['hidden'].default} and {P.params['steps'].default} steps. "
                       f"At H = {hidden} with up to {steps:,} steps each cell takes longer (at the largest sizes, "
                       "minutes on a laptop): the progress bar says how long is left, and Stop keeps what was learned.")
    if prepared is not None:
        what_to_learn(prepared.text, presenter)  # what the cells will have to learn
    preload(PLOTLY + TRAIN_RESULTS, key="tr.preload")  # the code of what Train will draw loads while the page is read
    P.publish()
    st.stop()
trained_text = next(iter(entries.values())).text
if prepared is not None and prepared.text != trained_text:
    st.info("The text has changed since these models were trained; the results below are for the old text. "
            "Press Train to learn the new one.")
how_it_went(entries, presenter, trained_text)
links_and_downloads(entries, trained_text)
entry = predictions_section(P, entries, trained_text, presenter)
generation_section(P, entries, entry)
P.publish()
