"""`streamlit run app.py` with the start-up paid at start-up: the hosted replicas' launcher.

    python -m explorer.ui.serve --server.port 8501 [any other `streamlit run` option]

A plain `streamlit run app.py` imports torch, plotly and the explorer, and loads the shipped models, in
the first session's script run: the first student's deep link waits about 2.5 s longer than the next
one. Here that work is done before the server listens, so its health check answers only once it is
ready (deploy/serve.sh sends nginx's traffic to a replica only then); the first run finds the modules
imported and the models in st.cache_resource (shared, read-only: they are only read).
Everything else is Streamlit's own CLI, unchanged. deploy/serve.sh and the Dockerfile start replicas
this way; benchmarks/bench_pages.py measures the first deep link both ways.
"""
from __future__ import annotations

import functools
import gc
import os
import sys
import threading
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"

__all__ = ["warm", "warm_gradient_lab", "warm_gradient_lab_soon", "main"]


@functools.cache  # once per process: here before the server listens, or in the first run (explorer.ui.router)
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
    waited otherwise: here before a replica listens, or in the background from a plain `streamlit run`'s first
    run (warm_gradient_lab_soon)."""
    from explorer.scenes.gradient_lab import DEFAULT_TEXT
    from explorer.ui.gradient_cache import shipped_scene, untrained_twin_high

    shipped_scene(DEFAULT_TEXT)
    untrained_twin_high(DEFAULT_TEXT)


@functools.cache  # one thread per process
def warm_gradient_lab_soon() -> None:
    """warm_gradient_lab on a background thread at the lowest priority: a plain `streamlit run`'s first page does
    not wait for it nor share the CPU with it, and a visitor who opens the Gradient Lab meanwhile waits on
    st.cache_data's lock for the same value, not for a second computation. After the launcher's own call (main)
    the thread finds it done."""
    def run() -> None:
        try:  # Linux: a thread is a task with a nice value of its own; elsewhere it runs at normal priority
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except (AttributeError, OSError):
            pass
        warm_gradient_lab()

    threading.Thread(target=run, name="warm-gradient-lab", daemon=True).start()


def main(argv: list[str]) -> int:
    from streamlit.web import cli

    warm()  # before the server listens: off every request's path
    warm_gradient_lab()
    gc.freeze()  # what the Gradient Lab's scene left alive, too
    sys.argv = ["streamlit", "run", str(APP), *argv]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
