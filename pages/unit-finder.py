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
from explorer.ui.shipped_cache import analysis, shipped_model, shipped_names
from explorer.ui.state import PageState, Param
from explorer.ui.unit_finder import (controls, found_banner, match_sample_once, rankings, saturation, selection,
                                     span_and_units, text_box, unit_view)
from explorer.zoo.shipped import DEFAULT_MODELS

NAMES = shipped_names()
P = PageState("uf", [
    Param("model", DEFAULT_MODELS["lstm"], choices=NAMES),
    Param("text", PYTHON_SAMPLE, max_len=MAX_TEXT_CHARS),
    Param("signal", "c", choices=("c", "h", "f", "i", "o", "g", "z", "r", "n")),
    Param("feature", "bracket_depth", choices=FEATURES + ("regex",)),
    Param("auto", True),
    Param("unit", 0, lo=0, hi=511),
    Param("t", 319, lo=0, hi=MAX_TEXT_CHARS - 1),
    Param("start", DEFAULT_SPAN[0], lo=0, hi=MAX_TEXT_CHARS - 1),
    Param("end", DEFAULT_SPAN[1], lo=1, hi=MAX_TEXT_CHARS),
    Param("thr", 0.3, lo=-1.0, hi=1.0),
    Param("regex", r"self\.\w+", max_len=MAX_PATTERN_LEN),
    Param("gate", "f", choices=("f", "i", "o", "z", "r")),
    Param("presenter", False),
])
P.restore()
match_sample_once(P)
st.title("Unit Finder")
st.caption("Models shipped with the app, trained on Python's standard-library source or on a toy language (a "
           "seeded text of brackets, strings and comments whose ground truth is known exactly). Which of their "
           "units learned to count brackets, notice strings and comments, or know where the line ends? Every "
           "number is compared with the same model before training.")
P.show_notices()
name = P.get("model")
model, man = shipped_model(name)
controls(P, NAMES, man.arch)
presenter = scene_tools(P, "unit-finder")
st.caption(f"**{name}**: {man.parameters:,} parameters (H = {man.hidden_size}), "
           f"{man.heldout_bits_per_char:.2f} bits per character on held-out text (the average surprise of each "
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
A = analysis(name, prepared.text, P.get("signal"), P.get("regex").strip())
if A.regex_error and P.get("regex").strip():
    st.warning(f"Your regex is not used: {A.regex_error}")
feature = P.get("feature")
if feature not in A.features.names:  # "regex" chosen but no usable pattern
    st.info("The feature 'your regex' needs a valid pattern; showing bracket depth instead.")
    feature = "bracket_depth"
found_banner(A)
span, units_on, matches = span_and_units(P, A)
unit_view(P, A, feature, man.hidden_size, span, matches, presenter)
rankings(A, feature, man.arch, presenter)
selection(P, A, name, man.corpus, span, units_on, matches, presenter)
saturation(P, name, man.arch, man.corpus, A.signal, presenter)
P.publish()
