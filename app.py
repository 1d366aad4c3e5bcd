"""LSTM & GRU Explorer: the router. Every page lives in pages/; explorer/ui/router.py lists them.

`streamlit run app.py` serves `app` below, an st.App whose lifespan (explorer/ui/startup.py) loads the shipped
models before the server listens. Each session's script run executes this file as __main__ and only routes.
"""
import streamlit as st

if __name__ == "__main__":  # a session's script run
    from explorer.ui.router import run_router

    run_router()
else:  # imported by `streamlit run app.py` (or `uvicorn app:app`): the server
    from explorer.ui.startup import lifespan

    app = st.App(__file__, lifespan=lifespan)
