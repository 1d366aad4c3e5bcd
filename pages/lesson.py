"""Lesson: the note, step by step, each step a live scene; or a deck of scenes an instructor composed."""
import streamlit as st

from explorer.ui.router import ensure_router

ensure_router()

from explorer.scenes.lesson import STEPS
from explorer.ui.lesson import deck_editor, navigation, play_deck, show_step
from explorer.ui.share import origin_prefix, scene_tools
from explorer.ui.state import PageState, Param

P = PageState("ls", [
    Param("step", 1, lo=1, hi=len(STEPS), over="the last step"),
    Param("knob", "", max_len=40),
    Param("deck", "", max_len=60_000),
    Param("presenter", False),
])
P.restore()
presenter = scene_tools(P, "lesson")
P.show_notices()  # a link's step past the last, or not a number: said, as on every page
if P.get("deck"):
    st.title("Deck")
    play_deck(P, P.get("deck"))
    st.button("Back to the lesson", key="ls.deck.leave", on_click=lambda: (P.set("deck", ""), P.set("step", 1)))
else:
    st.title("Lesson")
    if not presenter:
        st.caption("The note, step by step: the lecture note this app grew from, retold in twelve steps from the plain RNN to the GRU. "
                   "Every picture is a live model (trained on “hello”, or untrained as PyTorch makes it) and every "
                   "number in the text is computed from it. → / ← (or a clicker) move between steps; each step has "
                   "its own link.")
    k = navigation(P, len(STEPS), "Step")
    show_step(P, k, presenter)
    if not presenter:
        deck_editor(lambda token: P.set("deck", token), origin_prefix("lesson"))
P.publish()
