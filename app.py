"""LSTM & GRU Explorer: the router. Every page lives in pages/; explorer/ui/router.py lists them."""
from explorer.ui.router import run_router

run_router()
