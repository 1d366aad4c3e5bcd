"""What a server does before it listens: `streamlit run app.py` serves app.py's st.App, whose lifespan is here.

Importing torch, plotly and the explorer, loading the shipped models and measuring the Gradient Lab's opening
scene take a few seconds. Done in the lifespan, they are paid before the server accepts a connection: its
health check answers only once it is ready (deploy/serve.sh sends nginx's traffic to a replica only then), and
the first student's deep link finds the modules imported, the models in st.cache_resource (shared, read-only)
and the scene in st.cache_data. benchmarks/bench_pages.py --cold measures that first deep link.
"""
from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import AsyncIterator

__all__ = ["warm", "warm_gradient_lab", "lifespan"]


@functools.cache  # once per process: in the lifespan, or in the first run of a script run without one (AppTest)
def warm() -> None:
    """Import every page's modules and load the shipped models and their untrained twins into the shared cache,
    then freeze them out of the garbage collector's sight."""
    import explorer.ui.cache  # noqa: F401  (torch, plotly and the core come with these)
    import explorer.ui.cell_explorer  # noqa: F401
    import explorer.ui.gradient_cache  # noqa: F401
    import explorer.ui.unit_finder  # noqa: F401
    import explorer.ui.your_model  # noqa: F401
    from explorer.ui.shipped_cache import shipped_model, shipped_names, shipped_untrained

    for name in shipped_names():
        shipped_model(name)
        shipped_untrained(name)
    # Everything alive now lives as long as the server: modules, torch, plotly, the shared models. Frozen, the
    # collector never walks it again, so the full collection Streamlit runs after every script run (to free
    # what a session left in cycles) costs what the sessions hold, ~10 ms, instead of 190-250 ms here.
    gc.freeze()


@functools.cache  # once per process
def warm_gradient_lab() -> None:
    """The Gradient Lab's opening scene: the shipped models on the default text, measured exactly (T Jacobians of
    up to 273 × 371 in float64 each), and their untrained twins' carry-gate counts (a forward pass each), into the
    shared st.cache_data. About 1.7 s (the cells measured two at a time), which the first visitor of the page
    waited otherwise: here in the lifespan, before the server listens."""
    from explorer.scenes.gradient_lab import DEFAULT_TEXT
    from explorer.ui.gradient_cache import shipped_scene, untrained_twin_high

    shipped_scene(DEFAULT_TEXT)
    untrained_twin_high(DEFAULT_TEXT)


@contextlib.asynccontextmanager
async def lifespan(_app: object) -> AsyncIterator[None]:
    """st.App's start-up (app.py): the shared models and the Gradient Lab's opening scene, before the server
    listens; Streamlit's runtime has started by then, so they land in the same caches every session reads."""
    warm()
    warm_gradient_lab()
    gc.freeze()  # what the Gradient Lab's scene left alive, too
    yield
