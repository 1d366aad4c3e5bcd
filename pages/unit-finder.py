"""Unit Finder: which units of a trained model count brackets, track strings, comments, line position?"""
import streamlit as st

from explorer.ui.router import ensure_router

ensure_router()

from explorer.data.corpus import PYTHON_SAMPLE
from explorer.data.features import FEATURES
from explorer.limits import MAX_PATTERN_LEN, MAX_TEXT_CHARS
from explorer.scenes.unit_finder import DEFAULT_SPAN
from explorer.text import prepare_text
from explorer.ui.share import scene_tools
from explorer.figures.style import ARCH_LABELS
from explorer.ui.shipped_cache import analysis, heldout, shipped_model, shipped_names
from explorer.ui.uploaded import layer_analysis, layer_model, uploaded
from explorer.zoo.layer_model import NO_UPLOAD, direction_name, layer_name
from explorer.ui.state import PageState, Param
from explorer.ui.unit_finder import (controls, found_banner, match_sample_once, rankings, saturation, selection,
                                     span_and_units, text_box, unit_view)
from explorer.zoo.shipped import DEFAULT_MODELS

NAMES = shipped_names()
P = PageState("uf", [
    Param("src", "shipped", choices=("shipped", "yours")),
    Param("model", DEFAULT_MODELS["lstm"], choices=NAMES),
    Param("layer", 0, lo=0, hi=63),
    Param("direction", 0, lo=0, hi=1),
    Param("text", PYTHON_SAMPLE, max_len=MAX_TEXT_CHARS),
    Param("signal", "c", choices=("c", "h", "f", "i", "o", "g", "z", "r", "n")),
    Param("feature", "bracket_depth", choices=FEATURES + ("regex",)),
    Param("auto", True, label="best unit picked"),
    Param("unit", 0, lo=0, hi=511),
    Param("t", 319, lo=0, hi=MAX_TEXT_CHARS - 1, label="step"),
    Param("start", DEFAULT_SPAN[0], lo=0, hi=MAX_TEXT_CHARS - 1, label="span start"),
    Param("end", DEFAULT_SPAN[1], lo=1, hi=MAX_TEXT_CHARS, label="span end"),
    Param("thr", 0.3, lo=-1.0, hi=1.0, label="threshold"),
    Param("regex", r"self\.\w+", max_len=MAX_PATTERN_LEN),
    Param("gate", "f", choices=("f", "i", "o", "z", "r")),
    Param("spanbox", False, view_only=True),  # the folded span section is open
    Param("satbox", False, view_only=True),  # the folded gate-saturation section is open
    Param("presenter", False),
])
P.restore()
if P.from_link and "unit" in st.query_params and "auto" not in st.query_params:
    P.set("auto", False)  # a link that names a unit shows that unit (with Auto on, a link never names one)
match_sample_once(P)
st.title("Unit Finder")
st.caption("Models shipped with the app, trained on Python's standard-library source or on a toy language (a "
           "seeded text of brackets, strings and comments whose ground truth is known exactly). Which of their "
           "units learned to count brackets, notice strings and comments, or know where the line ends? Every "
           "number is compared with the same model before training. Your own model, loaded on Your Model, can be "
           "searched here too.")
P.show_notices()
mine = uploaded()
yours = P.get("src") == "yours" and mine is not None and mine.problem is None
if P.get("src") == "yours" and not yours:
    why = mine.problem if mine else NO_UPLOAD
    st.info(f"Your model: {why}. A shipped model is shown instead.")
name = P.get("model")
model, man = shipped_model(name)
arch, hidden = (mine.arch, mine.hidden_size) if yours else (man.arch, man.hidden_size)
controls(P, NAMES, arch, mine, yours)
presenter = scene_tools(P, "unit-finder")
if yours:
    layer, direction = min(P.get("layer"), mine.num_layers - 1), min(P.get("direction"), mine.directions - 1)
    where = layer_name(layer, mine.num_layers) + (f", {direction_name(direction)}" if mine.bidirectional else "")
    st.caption(f"**Your {ARCH_LABELS[arch]}, {where}** (H = {hidden}), shown in the text's order"
               + (" (a reverse direction's unit at t has read t and everything after it)" if mine.bidirectional else "")
               + ". Every number is compared with the same architecture at PyTorch's default init (seed 0) reading "
               "the same embedding: “trained” below means your weights.")
else:
    st.caption(f"**{name}**: {man.parameters:,} parameters (H = {man.hidden_size}), "
               f"{man.heldout_bits_per_char:.2f} bits per character on held-out text (text kept aside, never trained on; "
               "bits per character: the average surprise of each "
               f"next character: lower is better; untrained: {man.heldout_bits_per_char_init:.2f}), trained "
               f"{man.as_dict()['training']['seconds']:.0f} s on one CPU thread.")
text_box(P)
try:
    prepared = prepare_text(P.get("text"))
except ValueError as e:
    st.warning(str(e))
    st.stop()
if prepared.notice:
    st.info(prepared.notice)
pattern = P.get("regex").strip()
A, own = layer_analysis(layer, direction, prepared.text, P.get("signal"), pattern) if yours else \
    (analysis(name, prepared.text, P.get("signal"), pattern), None)
if A.regex_error and P.get("regex").strip():
    st.warning(f"Your regex is not used: {A.regex_error}")
feature = P.get("feature")
if feature not in A.features.names:  # "regex" chosen but no usable pattern
    st.info("The feature 'your regex' needs a valid pattern; showing bracket depth instead.")
    feature = "bracket_depth"
found_banner(A, feature)
span, units_on, matches = span_and_units(P, A)
unit_view(P, A, feature, hidden, span, matches, presenter,
          no_predictions=layer_model(layer, direction, "input").no_predictions if yours else None)
rankings(A, feature, arch, presenter)
held = None if yours else heldout(name)
selection(P, A, held, span, units_on, matches)
saturation(P, held or own, arch, presenter,
           over="characters of this text" if yours else None)
P.publish()
