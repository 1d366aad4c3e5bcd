"""A deck presented live: each scene is its own page, opened on the scene's link, under one deck bar.

The Lesson page lists a deck's scenes; "Present" switches to the first scene's page with the scene's
query string, so the audience sees the real, live scene (not a card about it). The router draws the bar
above every page while a deck is shown: where we are, the scene's note, and Previous / Next on the
buttons or a presenter's clicker (PageUp / PageDown; the arrow keys stay with the page, where the Cell
Explorer steps through time with them). Nothing is stored on the server: the deck is its link.
"""
from __future__ import annotations

import streamlit as st

from explorer.scenes import deck as decks
from explorer.ui.session import DECK_GOTO, DECK_SHOW, FORCE_LINK

__all__ = ["present", "follow", "bar", "presenting_deck"]


def present(token: str, index: int = 0) -> None:
    """Start (or move) the show at scene `index` (a button's on_click; the router switches the page)."""
    DECK_SHOW.set((token, index))
    DECK_GOTO.set(index)


def presenting_deck() -> bool:
    return DECK_SHOW.get() is not None


def follow() -> None:
    """In the router, after st.navigation: carry out a pending move to another scene (or the end)."""
    goto = DECK_GOTO.pop()
    show = DECK_SHOW.get()
    if goto is None or show is None:
        return
    token = show[0]
    deck = decks.decode(token)
    if goto < 0 or not deck.scenes:
        DECK_SHOW.set(None)
        FORCE_LINK.set(True)
        st.switch_page("pages/lesson.py", query_params={"deck": token})
    goto = min(goto, len(deck.scenes) - 1)
    DECK_SHOW.set((token, goto))
    scene = deck.scenes[goto]
    FORCE_LINK.set(True)  # even when the next scene is on the same page: its link is the scene
    st.switch_page(scene.page, query_params=scene.query)


def bar() -> None:
    """The deck bar at the top of the page being shown (nothing when no deck is presented)."""
    show = DECK_SHOW.get()
    if show is None:
        return
    token, k = show
    deck = decks.decode(token)
    if not deck.scenes:
        DECK_SHOW.set(None)
        return
    k = min(k, len(deck.scenes) - 1)
    n = len(deck.scenes)
    scene = deck.scenes[k]
    with st.container(border=True, key="deck_bar"):
        row = st.container(horizontal=True, vertical_alignment="center", gap="small")
        row.button("◀ Previous scene", key="deck.prev", on_click=present, args=(token, k - 1), disabled=k == 0,
                   shortcut="PageUp")
        row.button("Next scene ▶", key="deck.next", on_click=present, args=(token, k + 1), disabled=k == n - 1,
                   shortcut="PageDown", type="primary")
        row.text(f"{deck.title or 'Deck'} · scene {k + 1} of {n}: {scene.title}")  # user text: never markdown
        row.button("End the deck", key="deck.end", on_click=present, args=(token, -1), type="tertiary",
                   icon=":material/close:")
        if scene.note:
            st.text(scene.note)
