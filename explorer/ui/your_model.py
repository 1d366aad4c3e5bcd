"""The Your Model page's parts: the upload (or the shipped example), its description, and the views."""
from __future__ import annotations

import streamlit as st

from explorer.figures.heatmaps import heatmap
from explorer.limits import MAX_CHECKPOINT_BYTES
from explorer.scenes.your_model import (MODES, encode_input, mode_label, layer_trace, reach_figure, unit_search,
                                        unknown_note)
from explorer.ui.session import YM_MODEL as MODEL
from explorer.ui.share import plot, section
from explorer.ui.state import PageState
from explorer.zoo.checkpoint import Checkpoint, inspect, read_state_dict, read_vocab
from explorer.units import SIGNAL_LABELS
from explorer.zoo.layer_model import direction_name, layer_name, unsupported
from explorer.zoo.example_checkpoint import EXAMPLE_VOCAB, EXAMPLE_WEIGHTS
from explorer.text import signed

__all__ = ["load_checkpoint", "explore"]



def load_checkpoint(P: PageState) -> tuple[Checkpoint | None, tuple[str, ...] | None]:
    """The upload widgets; the checkpoint of this session (uploaded, or the example) and its vocabulary."""
    c1, c2 = st.columns(2)
    weights = c1.file_uploader(f"Checkpoint: a state dict (.pt, .pth, .bin) or .safetensors, at most "
                               f"{MAX_CHECKPOINT_BYTES // 1_000_000} MB", type=["pt", "pth", "bin", "safetensors"],
                               key="ym.weights", help="Saved with torch.save(model.state_dict(), path). Loaded with "
                                                      "weights_only=True: nothing in the file can run code.")
    vocab_file = c2.file_uploader("Vocabulary: a JSON list, or one token per line (to type text into a model with an "
                                  "embedding; without it, type token ids)", type=["json", "txt"], key="ym.vocab")
    example = st.button("Try it with the example: a 2-layer LSTM trained on Python source", key="ym.example",
                        icon=":material/science:")
    if example:
        MODEL.pop()
        data, name, vocab_bytes = EXAMPLE_WEIGHTS.read_bytes(), EXAMPLE_WEIGHTS.name, EXAMPLE_VOCAB.read_bytes()
        _load(P, ("example",), data, name, vocab_bytes)
    elif weights is not None:
        vocab_bytes = vocab_file.getvalue() if vocab_file is not None else None
        _load(P, (weights.file_id, vocab_file.file_id if vocab_file else None, P.get("nonlinearity")),
              weights.getvalue(), weights.name, vocab_bytes)
    held = MODEL.get()
    if vocab_file is not None and weights is None and held is not None and held[0] == ("example",):
        st.info("That vocabulary is not used: a vocabulary goes with a checkpoint you upload beside it, and the "
                "example brings its own.", icon=":material/info:")
    if held is None:
        st.info("No model yet: upload a checkpoint, or try the example.")
        return None, None
    _, ck, vocab = held
    if "nonlinearity" in ck.undecided:
        st.radio("This RNN's nonlinearity is not in its weights: which did you train with?", ("tanh", "relu"),
                 key=P.key("nonlinearity"), horizontal=True)
    st.success("Loaded: " + " · ".join(ck.describe()))
    if ck.ignored:
        st.caption(f"Not used ({len(ck.ignored)}): {', '.join(ck.ignored[:8])}{' …' if len(ck.ignored) > 8 else ''}")
    return ck, vocab


def _load(P: PageState, file_key: tuple, data: bytes, name: str, vocab_bytes: bytes | None) -> None:
    held = MODEL.get()
    if held is not None and held[0] == file_key:
        return
    try:
        ck = inspect(read_state_dict(data, name), P.get("nonlinearity"))
        vocab = None
        if vocab_bytes is not None:
            vocab = read_vocab(vocab_bytes, None if ck.embedding is None else ck.embedding.shape[0])
    except ValueError as err:
        st.error(f"That file was not loaded: {err}", icon=":material/block:")
        return
    MODEL.set((file_key, ck, vocab))


def explore(P: PageState, ck: Checkpoint, vocab, presenter: bool) -> None:
    s = ck.stack
    c1, c2, c3, c4 = st.columns([2, 1.2, 1, 1.2])
    c1.radio("Input", tuple(MODES), key=P.key("mode"), format_func=lambda m: mode_label(ck, m), horizontal=True)
    if P.get("layer") >= s.num_layers:
        P.set("layer", s.num_layers - 1)
    c2.selectbox("Layer", tuple(range(s.num_layers)), key=P.key("layer"),
                 format_func=lambda layer: layer_name(layer, s.num_layers),
                 help="Layer 1 reads the input; each layer above reads the one below; the last feeds the readout.")
    if s.bidirectional:
        c3.radio("Direction", (0, 1), key=P.key("direction"), format_func=direction_name)
    else:
        P.set("direction", 0)
    signals = ("h", "c", "i", "f", "g", "o") if s.arch == "lstm" else ("h", "r", "z", "n") if s.arch == "gru" else ("h",)
    if P.get("signal") not in signals:
        P.set("signal", signals[0])
    c4.selectbox("Show", signals, key=P.key("signal"), format_func=SIGNAL_LABELS.get,
                 help="h: the hidden state; c: the LSTM's cell state; the others are its gates and candidate.")
    st.text_area("Your input", key=P.key("text"), height=100)
    try:
        inp = encode_input(ck, vocab, P.get("mode"), P.get("text"))
    except ValueError as err:
        st.warning(str(err))
        return
    if inp.notice:
        st.info(inp.notice)
    if inp.unknown:
        st.info(unknown_note(inp.unknown, vocab), icon=":material/info:")
    _open_elsewhere(ck, vocab, P)
    tr = layer_trace(ck, inp, P.get("layer"), P.get("direction"))
    where = layer_name(P.get("layer"), s.num_layers) + (f", {direction_name(P.get('direction'))}" if s.bidirectional
                                                        else "")
    plot(st, heatmap(tr, P.get("signal"), list(inp.labels), presenter=presenter), key="ym.heat")
    st.caption(f"{where}: time on x, unit on y; gates on 0..1, h and candidates on −1..1, c on a symmetric range.")
    with section("How far back does the gradient reach?", presenter):
        fig, distances = reach_figure(ck, inp, presenter)
        plot(st, fig, key="ym.reach")
        d3 = distances[0]
        st.caption("Exact, by autograd over the whole stack (every layer and direction). It falls below 1/1,000 of its "
                   "start " + (f"at d = {d3}." if d3 is not None else
                               f"nowhere within these {len(inp.labels)} steps (d ≤ {len(inp.labels) - 1})."))
    with section("Find a unit: your regex as the feature", presenter):
        st.text_input("A regular expression over your input (characters inside a match count as 1)",
                      key=P.key("regex"))
        try:
            unit, r, problem = unit_search(tr, inp, P.get("regex"), P.get("signal"))
        except ValueError as err:
            st.warning(str(err))
            return
        if problem:
            st.info(problem)
        else:
            st.markdown(f"Unit **{unit}** of {where} tracks your regex most closely: Pearson r = **{signed(r)}** on "
                        f"this input: it is {'higher' if r > 0 else 'lower'} inside a match (r = +1 would follow the regex "
                        "exactly, −1 mirror it, 0 means no linear relation).")


def _open_elsewhere(ck: Checkpoint, vocab, P: PageState) -> None:
    """Links that open this layer on the pages that step, measure and search (they read the same session model)."""
    problem = unsupported(ck, vocab)
    if problem:
        st.caption(f"The Cell Explorer, Gradient Lab and Unit Finder cannot read this model: {problem}.")
        return
    where = {"layer": P.get("layer"), "direction": P.get("direction")}
    text = P.get("text")[:200] if P.get("mode") == "characters" else "hello"
    st.page_link("pages/cell-explorer.py", query_params={"src": "yours", "text": text, **where},
                 icon=":material/biotech:", label="Step through this layer in the Cell Explorer")
    st.page_link("pages/gradient-lab.py", query_params={"cells": "yours", "text": text}, icon=":material/trending_down:",
                 label="Every layer's gradient reach in the Gradient Lab")
    st.page_link("pages/unit-finder.py", query_params={"src": "yours", "text": text, **where}, icon=":material/search:",
                 label="Search this layer's units in the Unit Finder")

