"""The Lesson page's parts: step navigation (buttons, → ← and a clicker's PageDown / PageUp), one step's
live scene, and decks (play one, build your own from any page's scenes)."""
from __future__ import annotations

import streamlit as st

from explorer.ui import deck_show
from explorer.ui.copy_link import copy_link

from explorer.scenes import deck as decks
from explorer.scenes.lesson import STEPS, StepScene, build_step
from explorer.training import train_char_model
from explorer.ui.cache import hello_model
from explorer.ui.gradient_cache import _curves
from explorer.ui.session import DECK
from explorer.ui.share import plot
from explorer.ui.state import PageState

__all__ = ["navigation", "show_step", "play_deck", "deck_editor"]

MAX_WORD = 12


@st.cache_resource(max_entries=24, show_spinner="Training on your word (about a second per cell)…")
def _word_model(word: str, arch: str):
    """A cell trained on the reader's word: deterministic, so shared read-only like hello_model."""
    model, _ = train_char_model(word, arch=arch, seed=0)
    return model.eval().requires_grad_(False)


def navigation(P: PageState, count: int, label: str) -> int:
    """Back / Next with → ← and a presenter clicker's PageDown / PageUp, a progress bar; returns the step (1-based)."""
    k = min(max(int(P.get("step")), 1), count)

    def go(to: int) -> None:
        P.set("step", min(max(to, 1), count))
        P.set("knob", "")

    # one row that wraps, never a column per button: stacked columns filled a phone's screen
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    row.button("◀ Back", key="ls.back", on_click=go, args=(k - 1,), disabled=k == 1, shortcut="Left")
    row.button("Next ▶", key="ls.next", on_click=go, args=(k + 1,), disabled=k == count, shortcut="Right",
               type="primary")
    if deck_show.presenting_deck():  # the deck bar has PageUp / PageDown: one scene each
        st.progress(k / count, text=f"{label} {k} of {count}")
        return k
    row.button("⇞", key="ls.pgup", on_click=go, args=(k - 1,), disabled=k == 1, shortcut="PageUp",
               help="Previous (PageUp: a presenter's clicker)", type="tertiary")
    row.button("⇟", key="ls.pgdn", on_click=go, args=(k + 1,), disabled=k == count, shortcut="PageDown",
               help="Next (PageDown: a presenter's clicker)", type="tertiary")
    st.progress(k / count, text=f"{label} {k} of {count}")
    return k


def _control(P: PageState, step) -> object:
    c = step.control
    if c is None:
        return None
    raw = P.get("knob")
    if c.kind == "toggle":
        value = st.toggle(c.label, value=raw in ("1", "true", True), key=f"ls.knob.{step.slug}")
        P.set("knob", "1" if value else "")
        return value
    if c.kind == "slider":
        try:
            current = min(max(float(raw), c.lo), c.hi) if raw not in ("", None) else c.default
        except ValueError:
            current = c.default
        value = st.slider(c.label, c.lo, c.hi, float(current), c.step, key=f"ls.knob.{step.slug}")
        P.set("knob", "" if value == c.default else f"{value:g}")
        return value
    word = st.text_input(c.label, value=str(raw or c.default), max_chars=MAX_WORD, key=f"ls.knob.{step.slug}")
    word = "".join(ch for ch in word if ch.isprintable()).strip()
    if len(word) < 2:
        st.warning("Type at least two characters: there has to be a next one to predict.")
        word = c.default
    P.set("knob", "" if word == c.default else word)
    return word


def show_step(P: PageState, k: int, presenter: bool) -> StepScene:
    step = STEPS[k - 1]
    st.subheader(f"{k}. {step.title}")
    st.caption(f"The note: {step.note_says}." + ("  —  **where the note is imprecise**" if step.imprecise else ""))
    left, right = st.columns([3, 2] if not presenter else [2, 1])
    with right:
        knob = _control(P, step)
    scene = build_step(k - 1, hello_model, knob=knob, presenter=presenter, curves=_curves, train=_word_model)
    with left:
        if scene.figure is not None:
            if presenter:  # one screen at 1280x720: the title and navigation take ~250 px
                scene.figure.update_layout(height=min(scene.figure.layout.height or 420, 430))
            plot(st, scene.figure, key=f"ls.fig.{step.slug}")
    with right:
        for sentence in (scene.sentences[-1:] if presenter else scene.sentences):
            st.markdown(sentence)
        if scene.open_page:
            page, query = scene.open_page
            st.page_link(page, label="Open this scene in its full page", icon=":material/open_in_new:",
                         query_params={k: str(v) for k, v in query.items()})
    if presenter:
        with st.expander("Speaker notes"):
            for sentence in scene.sentences:
                st.markdown(sentence)
            if scene.notes:
                st.markdown(f"*{scene.notes}*")
    elif scene.notes:
        st.caption(f"For the instructor: {scene.notes}")
    return scene


def play_deck(P: PageState, token: str) -> None:
    """A deck from its link: its scenes one at a time with the lesson's navigation; never HTML."""
    deck = decks.decode(token)
    for problem in deck.problems:
        st.warning(f"{'Part of this deck' if deck.scenes else 'This deck'} could not be used: {problem}.",
                   icon=":material/link_off:")
    if not deck.scenes:
        st.info("This deck has no scene that can be shown. Build one with **Add this scene to your deck** in any "
                "page's sidebar.")
        return
    st.text(deck.title or "A deck of scenes")  # user text: plain text, never markdown or HTML
    st.button(f"Present its {len(deck.scenes)} scene{'s' if len(deck.scenes) != 1 else ''}", key="ls.deck.show",
              type="primary", icon=":material/slideshow:", on_click=deck_show.present, args=(token, 0),
              help="Each scene opens live on its own page, under a bar with Previous / Next "
                   "(PageUp / PageDown: a presenter's clicker).")
    for k, scene in enumerate(deck.scenes):
        with st.container(border=True):
            st.text(f"{k + 1}. {scene.title}")
            if scene.note:
                st.text(scene.note)
            row = st.container(horizontal=True, gap="small")
            row.button("Present from here", key=f"ls.deck.from{k}", on_click=deck_show.present, args=(token, k),
                       icon=":material/play_arrow:")
            row.page_link(scene.page, label="Open this scene", icon=":material/open_in_new:", query_params=scene.query)


def deck_editor(present, origin: str = "") -> None:
    """The deck built in this session: reorder, remove, title and note each scene; its link and JSON.

    present(token) switches this page to the deck (a link to the page itself would not be read back)."""
    scenes = list(DECK.get(()))
    with st.expander(f"Your deck ({len(scenes)} scene{'s' if len(scenes) != 1 else ''})", expanded=bool(scenes),
                     icon=":material/slideshow:"):
        upload = st.file_uploader("Load a deck (.json)", type=["json"], key="ls.deck.upload")
        if upload is not None and upload.size <= decks.MAX_ENCODED:
            loaded = decks.from_json(upload.getvalue().decode("utf-8", errors="replace"))
            for problem in loaded.problems:
                st.warning(f"Part of that file could not be used: {problem}.")
            if loaded.scenes and st.button(f"Use its {len(loaded.scenes)} scenes", key="ls.deck.use"):
                DECK.set(loaded.scenes)
                st.rerun()
        elif upload is not None:
            st.error(f"That file is {upload.size:,} bytes; a deck is at most {decks.MAX_ENCODED:,}.")
        if not scenes:
            st.caption("Empty. Every page's sidebar has **Add this scene to your deck**.")
            return
        st.warning("This deck lives in this browser tab only: reloading or closing the tab loses it. Keep its link "
                   "or download it (below) to present it later or on another machine.", icon=":material/save:")
        for i, sc in enumerate(scenes):
            a, b, c, d = st.columns([3, 3, 0.5, 0.5], vertical_alignment="bottom")
            title = a.text_input(f"Scene {i + 1}", sc.title, max_chars=decks.MAX_TITLE, key=f"ls.deck.t{i}")
            note = b.text_input("Note", sc.note, max_chars=decks.MAX_NOTE, key=f"ls.deck.n{i}")
            scenes[i] = decks.Scene(title, sc.link, note)
            if c.button("↑", key=f"ls.deck.up{i}", disabled=i == 0, help="Move up"):
                scenes[i - 1], scenes[i] = scenes[i], scenes[i - 1]
            if d.button("✕", key=f"ls.deck.rm{i}", help="Remove"):
                scenes.pop(i)
                DECK.set(tuple(scenes))
                st.rerun()
        DECK.set(tuple(scenes))
        deck = decks.Deck("My deck", tuple(scenes))
        st.caption("The deck's link: it opens on any machine, with nothing stored on the server.")
        copy_link(origin + "lesson?deck=" + decks.encode(deck), key="ls.deck_link", label="Link to this deck")
        st.button("Present this deck", key="ls.deck.present", icon=":material/slideshow:", type="primary",
                  on_click=present, args=(decks.encode(deck),))
        st.download_button("Download the deck (.json)", decks.to_json(deck), file_name="deck.json",
                           mime="application/json", key="ls.deck.dl", on_click="ignore")
