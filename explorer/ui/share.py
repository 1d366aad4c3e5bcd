"""Scene tools every page shows in its sidebar: presenter mode and the link that reopens this view.

Presenter mode is a URL parameter like any other control (`presenter=1`), so a prepared link opens a
lecture scene already enlarged.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from explorer.ui.copy_link import copy_link
from explorer.ui.session import FOLD_SIDEBAR
from explorer.ui.state import PageState

__all__ = ["scene_tools", "section", "folded", "plot", "data_button", "glossary", "PRESENTER_CSS"]

# trusted, static CSS (never user text): larger type, stronger contrast, no decorative chrome
PRESENTER_CSS = """
<style>
.stMain .block-container { max-width: 100%; padding-left: 2rem; padding-right: 2rem; }
.stMain p, .stMain li, .stMain label, .stMain [data-testid='stMarkdownContainer'] { font-size: 1.3rem; }
.stMain h1 { font-size: 3.2rem; }
.stMain h2, .stMain h3 { font-size: 2.1rem; }
.stMain [data-testid='stCaptionContainer'] { font-size: 1.15rem; color: inherit; opacity: 0.9; }
.stMain input, .stMain textarea, .stMain [data-baseweb='select'] { font-size: 1.25rem !important; }
.stMain button p { font-size: 1.2rem; }
</style>
"""


def origin_prefix(url_path: str) -> str:
    """scheme://host/base/ of the app as this browser reached it (a reverse proxy's base path included)."""
    try:
        parts = urlsplit(st.context.url or "")
    except Exception:  # no browser context (AppTest): a relative link still works
        return "/"
    path = parts.path or "/"
    if url_path and path.rstrip("/").endswith("/" + url_path):
        path = path.rstrip("/")[: -len(url_path)]
    if not path.endswith("/"):
        path += "/"
    return f"{parts.scheme}://{parts.netloc}{path}" if parts.netloc else path


# trusted, static script (no user text): fold the sidebar as its own « button does. set_page_config's
# initial_sidebar_state folds it only until the reader has opened it by hand once in the tab
FOLD_JS = ("<script>(() => { const s = document.querySelector('[data-testid=\"stSidebar\"]');"
           " const b = document.querySelector('[data-testid=\"stSidebarCollapseButton\"] button');"
           " if (s && b && s.getBoundingClientRect().width > 0) b.click(); })();</script>")


def _presenter_in_link(key: str) -> None:
    """The toggle's callback, run before the page: the link says presenter mode at once, so this very run's
    router folds the sidebar away (or lets it back) with set_page_config, as a presenter link opens; switched
    on, the run also folds it by script (FOLD_JS), which works however often the reader opened it since."""
    if st.session_state.get(key):
        st.query_params["presenter"] = "1"
        FOLD_SIDEBAR.set(True)
    else:
        st.query_params.pop("presenter", None)


def scene_tools(P: PageState, url_path: str) -> bool:
    """Draw the presenter toggle, the link that reopens this scene and 'Reset this page' in the sidebar;
    returns whether presenter mode is on.

    P must declare Param("presenter", False). Call it after P.restore() and before the page's figures.
    """
    with st.sidebar:
        st.toggle("Presenter mode", key=P.key("presenter"), on_change=_presenter_in_link, args=(P.key("presenter"),),
                  help="Large type, fewer controls and the sidebar folded away, for a projector. Kept in the link.")
        if FOLD_SIDEBAR.pop(False):
            st.html(FOLD_JS, unsafe_allow_javascript=True)
        st.caption("Link to this scene (copy it with the button at its right; it reopens exactly this view):")
        slot = st.empty()
        st.button("Reset this page", key=f"{P.page}._reset", on_click=P.reset, icon=":material/restart_alt:",
                  help="Every control of this page back to its default. Other pages keep their state.")
        if not (url_path == "lesson" and P.params.get("deck") and P.get("deck")):  # a deck is not a scene
            st.button("Add this scene to your deck", key=f"{P.page}._deck", icon=":material/playlist_add:",
                      on_click=_add_to_deck, args=(P, url_path),
                      help="Collect scenes from any page; the Lesson page orders them, adds notes and gives the "
                           "deck one link.")
        glossary()

    shown: list[str] = []

    def show_link() -> None:
        # one line with a copy button: long texts make long links, and a wrapped one fills the sidebar.
        # Drawn at once (so it never blanks while the page runs) and again only if the run changed it.
        url = origin_prefix(url_path) + P.link(url_path)
        if shown and shown[-1] == url:
            return
        with slot:
            copy_link(url, key=f"{P.page}._link{len(shown)}")
        shown.append(url)

    show_link()
    P.on_publish = show_link  # the run may settle the URL later (the cursor, for one)
    presenter = bool(P.get("presenter"))
    if presenter:
        st.html(PRESENTER_CSS)
    return presenter


def _scene_title(page_title: str, P: PageState) -> str:
    """A deck scene's first title: the page and what makes this scene differ from the page's defaults."""
    from explorer.scenes.deck import MAX_TITLE

    parts = []
    for name, value in P.query().items():
        if name in ("presenter", "knob") or P.params[name].view_only:  # how it is shown, not what: not a title
            continue
        param = P.params[name]
        label = param.label or name
        if isinstance(param.default, bool):  # a switch: its name, or its name switched off
            parts.append(label if P.get(name) else f"no {label}")
            continue
        if param.words and P.get(name) in param.words:  # the page's own words for the value: never quoted
            parts.append(f"{label} {param.words[P.get(name)]}")
            continue
        shown = " ".join(value.split())
        if len(shown) > 24:
            shown = shown[:24] + "…"
        parts.append(f"{label} “{shown}”" if " " in shown or len(shown) > 12 else f"{label} {shown}")
    return (f"{page_title}: {', '.join(parts)}" if parts else f"{page_title} (as it opens)")[:MAX_TITLE]


def _add_to_deck(P: PageState, url_path: str) -> None:
    from explorer.scenes.deck import MAX_SCENES, Scene
    from explorer.ui.router import PAGES
    from explorer.ui.session import DECK

    scenes = list(DECK.get(()))
    title = next((t for _, t, _, u in PAGES if u == url_path), url_path)
    if len(scenes) < MAX_SCENES:
        scenes.append(Scene(_scene_title(title, P), P.link(url_path)))
        DECK.set(tuple(scenes))
        n = len(scenes)
        # short: a toast longer than two lines is cut ("view more"), and the warning is the part that matters
        st.toast(f"Added to your deck ({n} scene{'s' if n != 1 else ''}). It lasts until this tab is reloaded: "
                 "save it on the Lesson page.")
    else:
        st.toast(f"Your deck already has {MAX_SCENES} scenes, the most a deck holds.")


def glossary() -> None:
    """A sidebar button on every page that opens every term a student may not know (explorer/glossary.py).

    A dialog, not a plain expander: an expander's content is sent and drawn with the page even while it is
    folded, so every page's first load parsed the glossary's ~4,700 characters of markdown. The dialog draws
    them when asked for, large enough to read, with a search box.
    """
    if st.button("Glossary: every term used here", key="glossary", icon=":material/menu_book:", type="tertiary"):
        _glossary_dialog()


@st.dialog("Glossary", width="large")
def _glossary_dialog() -> None:
    from explorer.glossary import GLOSSARY, matching

    query = st.text_input("Find a term", placeholder="e.g. carry gate, reach, Jacobian")
    found = matching(query)
    if not found:
        st.caption("No term or definition contains that; try a shorter word.")  # the query is never echoed
    st.markdown("\n".join(f"- **{term}**: {GLOSSARY[term]}" for term in found))


def section(title: str, presenter: bool, *, heading: bool = True):
    """A secondary part of a page. Presenter mode folds it into a closed expander, so the projector shows
    one figure at a time; otherwise it is a plain container, under a subheader when `heading`."""
    if presenter:
        return st.expander(title, expanded=False)
    box = st.container()
    if heading:
        box.subheader(title)
    return box


def folded(title: str, *, key: str, icon: str | None = None):
    """A secondary part of a page in an expander whose content is drawn only once it is opened (a rerun):
    the expander if open, else None. A folded plain expander is still sent and drawn with the page's first
    load; this one costs nothing until asked for. `key`: a page value's widget key (a view_only Param), so
    the link and a trip to another page keep it open."""
    box = st.expander(title, key=key, on_change="rerun", icon=icon)
    return box if box.open else None


def plot(container, fig, *, key: str, **kwargs) -> None:
    """st.plotly_chart with the figure's data as a CSV download beneath it (built only when clicked).

    The PNG is the plotly toolbar's camera button.
    """
    from explorer.figures.data import figure_csv
    from explorer.figures.style import readable

    container.plotly_chart(readable(fig), key=key, **kwargs)
    data_button(container, lambda: figure_csv(fig), key=key)


def data_button(container, csv, *, key: str) -> None:
    """The 'Data (.csv)' download beneath a view keyed `key`; `csv()` builds the file only when clicked."""
    container.download_button("Data (.csv)", csv, file_name=f"{key.replace('.', '-')}.csv", mime="text/csv",
                              on_click="ignore", key=f"{key}.csv", type="tertiary", icon=":material/download:")
