"""Home: what the app is, in one screen, and prepared scenes as links."""
import streamlit as st

from explorer.ui.router import ensure_router

ensure_router()

from explorer.scenes.deck import DEFAULT_DECK
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

ICONS = (":material/play_arrow:", ":material/ac_unit:", ":material/view_column:", ":material/trending_down:",
         ":material/trending_flat:", ":material/model_training:", ":material/sports_score:", ":material/data_array:",
         ":material/data_object:")  # one per scene of the default deck, in order

as_presenter = st.toggle("Open these scenes in presenter mode", value=presenting(),
                       key="home.presenter",
                       help="Large type, the sidebar folded and secondary figures folded away: for a projector.")
if as_presenter:
    st.html(PRESENTER_CSS)
st.page_link("pages/lesson.py", label="Start the Lesson: the note, step by step, on live models",
             icon=":material/school:", query_params={"presenter": "1"} if as_presenter else None)
st.caption("Twelve steps from the plain RNN to the GRU, each a live scene whose numbers are computed on screen; "
           "→ / ← or a presenter's clicker move between them.")
cols = st.columns(2)
for k, (scene, icon) in enumerate(zip(DEFAULT_DECK.scenes, ICONS)):
    with cols[k % 2].container(border=True):
        query = {**scene.query, "presenter": "1"} if as_presenter else scene.query or None
        st.page_link(scene.page, label=scene.title, icon=icon, query_params=query)
        st.caption(scene.note)
st.page_link("pages/lesson.py", label="Present these nine scenes as a deck, one after another",
             icon=":material/slideshow:", query_params={"deck": "default"})

st.subheader("The pages")
st.markdown(
    "- **Cell Explorer** — heatmaps of every gate and state, the cell diagram and its equations with the numbers "
    "at step t, next-character predictions, clamped-gate what-ifs, the note's single weight matrix.\n"
    "- **Gradient Lab** — how far back the last hidden state's gradient reaches into the input, for RNN, LSTM "
    "and GRU, on a log axis, with the knobs that change it.\n"
    "- **Train & Predict** — train on any text in seconds, then predictions at every position and generation.\n"
    "- **Memory Race** — tasks with known answers, the cells trained side by side under one time budget.\n"
    "- **Unit Finder** — models shipped with the app; which units track brackets, strings and indentation.\n"
    "- **Your Model** — open your own PyTorch RNN, LSTM or GRU (stacked, bidirectional) from a saved state dict.\n"
    "- **Lesson** — the note, step by step, and decks: your own sequence of scenes in one link.")
from explorer.ui.share import glossary  # noqa: E402  (light: no torch)

with st.sidebar:
    glossary()
st.caption("Everything runs on the CPU; the models are real PyTorch modules, checked against torch.nn on every test run.")
