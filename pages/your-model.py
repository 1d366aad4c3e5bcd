"""Your Model: upload a torch checkpoint of any RNN, LSTM or GRU (stacked, bidirectional) and explore it."""
import streamlit as st

from explorer.ui.router import ensure_router

ensure_router()

from explorer.scenes.your_model import MODES
from explorer.ui.preload import preload_charts
from explorer.ui.share import scene_tools
from explorer.ui.state import PageState, Param
from explorer.ui.your_model import explore, load_checkpoint

P = PageState("ym", [
    Param("mode", "characters", choices=tuple(MODES)),
    Param("text", "def f(x):\n    return (x + 1) * (x - 1)\n", max_len=2000),
    Param("layer", 0, lo=0, hi=63),
    Param("direction", 0, lo=0, hi=1),
    Param("signal", "c", choices=("h", "c", "i", "f", "g", "o", "r", "z", "n")),
    Param("regex", r"\(.*?\)", max_len=200),
    Param("nonlinearity", "tanh", choices=("tanh", "relu")),
    Param("presenter", False),
])
P.restore()
presenter = scene_tools(P, "your-model")
st.title("Your Model")
st.caption("Upload the weights of your own recurrent network — any torch nn.RNN, nn.LSTM or nn.GRU, stacked or "
           "bidirectional, with its embedding and readout — and watch every gate of every layer read your input. "
           "The model stays in your session: it is never shared and is dropped when you leave.")
P.show_notices()
ck, vocab = load_checkpoint(P)
if ck is not None:
    explore(P, ck, vocab, presenter)
else:
    preload_charts()  # the model's charts are the page's first: their library loads while the upload is chosen
P.publish()
