"""The app's pages, and the one guard that keeps deep links on them.

Streamlit decides once per server, at the first session, whether the app uses the legacy `pages/`
folder mode: it does whenever a folder named `pages` sits beside app.py, until app.py's
`st.navigation` runs. In that mode a first visit to a deep link such as /cell-explorer executes
pages/cell-explorer.py *directly* — no page config, the sidebar listing raw file names — and a URL
that matches no file name shows a "Page not found" dialog. File names therefore equal URL paths
(no dialog), and every page starts with `ensure_router()`, which runs the real router when the page
was started by legacy mode. tests/test_browser_app.py opens each deep link on a fresh server.
"""
from __future__ import annotations

import ctypes
import functools
from pathlib import Path

import streamlit as st

FAVICON = str(Path(__file__).with_name("favicon.png"))  # served by the app itself: a material icon would be
# fetched from fonts.gstatic.com, which a lecture-hall machine without internet cannot reach

PAGES = [
    # (file, title, icon, url path)
    ("pages/home.py", "Home", ":material/home:", ""),
    ("pages/lesson.py", "Lesson", ":material/school:", "lesson"),
    ("pages/cell-explorer.py", "Cell Explorer", ":material/biotech:", "cell-explorer"),
    ("pages/gradient-lab.py", "Gradient Lab", ":material/trending_down:", "gradient-lab"),
    ("pages/train.py", "Train & Predict", ":material/model_training:", "train"),
    ("pages/memory-race.py", "Memory Race", ":material/sports_score:", "memory-race"),
    ("pages/unit-finder.py", "Unit Finder", ":material/travel_explore:", "unit-finder"),
    ("pages/your-model.py", "Your Model", ":material/upload_file:", "your-model"),
]

# trusted, static CSS (never user text) for every page: a wide table scrolls inside its own box on a phone
# instead of pushing the whole page sideways; on a narrow touch screen plotly's toolbar (shown on a tap) is
# hidden, as it sat on the chart's title there (pinch zoom and the "Data (.csv)" button remain); a container
# keyed "narrow_only" shows only where the sidebar starts folded (Streamlit folds it below 768 px). The figures
# of text (explorer/figures/text_html.py) keep a readable width and scroll inside their own box.
PAGE_CSS = ("<style>.stMain [data-testid='stMarkdownContainer'] table { display: block; max-width: 100%; "
            "overflow-x: auto; } @media (hover: none) and (max-width: 640px) { .stMain .modebar-container "
            "{ display: none !important; } }"
            " @media (min-width: 768px) { .stMain .st-key-narrow_only { display: none; } }"
            # the Lesson's PageUp / PageDown buttons exist for a presenter's clicker (their shortcuts work unseen);
            # drawn, they read as two greyed-out buttons beside Back and Next
            " .stMain .st-key-ls-pgup, .stMain .st-key-ls-pgdn { display: none; }</style>")


def run_router() -> None:
    # a presenter link opens with the sidebar folded away: the projector shows the page, not its controls
    from explorer.ui.session import ACTIVE_PAGE, PAGE_CHANGED
    from explorer.ui.state import presenting

    from explorer.ui.startup import warm

    warm()  # done in the lifespan under `streamlit run app.py`; a script run without one (AppTest) pays it here
    st.set_page_config(page_title="LSTM & GRU Explorer", page_icon=FAVICON, layout="wide",
                       initial_sidebar_state="collapsed" if presenting() else "auto")
    st.html(PAGE_CSS)  # style only: Streamlit puts it out of the page's flow
    pages = [st.Page(path, title=title, icon=icon, url_path=url, default=(url == ""))
             for path, title, icon, url in PAGES]
    page = st.navigation(pages)
    from explorer.ui import deck_show

    deck_show.follow()  # a presented deck moving to another scene switches the page here
    # explorer.ui.state reads the URL only when a run arrives from another page (or cold): see there
    PAGE_CHANGED.set(ACTIVE_PAGE.get() != page.url_path)
    ACTIVE_PAGE.set(page.url_path)
    deck_show.bar()
    try:
        page.run()
    finally:  # also after st.stop() and an interrupted run
        _return_freed_memory()


@functools.cache
def _malloc_trim():
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc
    except (AttributeError, OSError):
        return None  # another C library: nothing to do


def _return_freed_memory() -> None:
    """Give the memory a run freed back to the system (glibc's malloc_trim, about 4 ms here).

    A long trace's tensors are freed when the run ends, but glibc keeps their pages for later allocations:
    the Unit Finder's held-out pass alone left about 50 MiB resident in every process that served it
    once (measured in one process: 349 MiB after it, 300 MiB after a trim).
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def ensure_router() -> None:
    """Call first in every page: if legacy pages/ mode started this page, route through app.py's pages."""
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager, "uses_pages_directory", False):
        run_router()  # st.navigation switches the server to the router for good, then runs this page again
        st.stop()  # end the legacy run; the routed run above has drawn the page
