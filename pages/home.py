"""Home: what the app is, in one screen, and prepared scenes as links."""
import streamlit as st

from explorer.ui.router import ensure_router

ensure_router()

from explorer.ui.share import PRESENTER_CSS
from explorer.ui.state import presenting

st.title("LSTM & GRU Explorer")
st.markdown(
    "Recurrent cells on **real numbers**. Type a sequence and watch an LSTM, a GRU and a plain RNN read it one "
    "character at a time: every gate, the cell state and the hidden state, the cell's wiring with live values, "
    "and what each cell predicts next. Then train one in seconds, and measure how far back each can carry a "
    "gradient. Every view is a link: copy the address bar to reopen the same scene.")
st.caption("The app grew from a lecture note on LSTM and GRU (“the note” on every page): each of its claims is "
           "shown here on real numbers. Every term is explained in the glossary in each page's sidebar.")

# explorer.corpus.COUNTER_TEXT, written out: importing explorer.data.corpus would load torch on the first page
COUNTER_TEXT = "print(max(1, min(2, abs(3))))"  # tests/test_presenter.py checks the two agree

SCENES = [
    ("pages/cell-explorer.py", "hello, step by step", ":material/play_arrow:",
     "The note's example: an LSTM trained on “hello” reads h, e, l, l and predicts e, l, l, o. Press → to step; "
     "every gate and state moves together.",
     {"text": "hello", "src": "hello"}),
    ("pages/cell-explorer.py", "The forget gate at 1 freezes the memory", ":material/ac_unit:",
     "Clamp f = 1 and i = 0 from step 4: the cell state cₜ stops changing, next to the original run.",
     {"text": "hello, world", "whatif": "freeze", "cfrom": "4", "t": "7"}),
    ("pages/cell-explorer.py", "LSTM, GRU and RNN side by side", ":material/view_column:",
     "One input, one cursor, three cells of matched size (~100–120k parameters each), trained on the same text.",
     {"text": "hello", "cells": "lstm,gru,rnn"}),
    ("pages/gradient-lab.py", "A plain RNN forgets in 25 steps", ":material/trending_down:",
     "At PyTorch's default init all three cells lose the gradient within ~30 steps, measured on your text.", {"cells": "untrained"}),
    ("pages/gradient-lab.py", "Forget bias 3 reaches 100 steps", ":material/trending_flat:",
     "Push the LSTM's forget gate to f ≈ 0.95 and the gradient survives: the additive cell update at work.",
     {"cells": "untrained", "fbias": "3.0", "zbias": "3.0"}),
    ("pages/train.py", "Train on 'hello' in a second", ":material/model_training:",
     "Feed h, get e, feed e back in. hel → l but hell → o: that needs memory.", {"text": "hello"}),
    ("pages/memory-race.py", "The first-symbol race", ":material/sports_score:",
     "Remember the first symbol over 50 steps: the LSTM with forget bias 3 wins; the RNN stays at chance.",
     {"task": "first_symbol", "T": "50"}),
    ("pages/unit-finder.py", "A unit that counts brackets", ":material/data_array:",
     "A model trained on Python source: find the unit that tracks bracket depth, against an untrained one.", {}),
    ("pages/cell-explorer.py", "The bracket counter, step by step", ":material/data_object:",
     "Unit 123 of that LSTM adds about −1 to its cell state at every “(” and +1 at every “)”: step through "
     "nested calls and watch it count.", {"text": COUNTER_TEXT, "unit": "123", "t": "24"}),
]

as_presenter = st.toggle("Open these scenes in presenter mode", value=presenting(),
                       key="home.presenter",
                       help="Large type, the sidebar folded and secondary figures folded away: for a projector.")
if as_presenter:
    st.html(PRESENTER_CSS)
cols = st.columns(2)
for k, (page, title, icon, blurb, query) in enumerate(SCENES):
    with cols[k % 2].container(border=True):
        st.page_link(page, label=title, icon=icon, query_params={**query, "presenter": "1"} if as_presenter else
                     query or None)
        st.caption(blurb)

st.subheader("The pages")
st.markdown(
    "- **Cell Explorer** — heatmaps of every gate and state, the cell diagram and its equations with the numbers "
    "at step t, next-character predictions, clamped-gate what-ifs, the note's single weight matrix.\n"
    "- **Gradient Lab** — how far back ∂h_T/∂xₜ reaches for RNN, LSTM and GRU, on a log axis, with the knobs "
    "that change it.\n"
    "- **Train & Predict** — train on any text in seconds, then predictions at every position and generation.\n"
    "- **Memory Race** — tasks with known answers, the cells trained side by side under one time budget.\n"
    "- **Unit Finder** — models shipped with the app; which units track brackets, strings and indentation.")
from explorer.ui.share import glossary  # noqa: E402  (light: no torch)

with st.sidebar:
    glossary()
st.caption("Everything runs on the CPU; the models are real PyTorch modules, checked against torch.nn on every test run.")
