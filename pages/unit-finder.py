"""Unit Finder: which units of a trained model count brackets, track strings, comments, line position?"""
import streamlit as st

from explorer.ui.router import ensure_router

ensure_router()

from explorer.data.corpus import PYTHON_SAMPLE, sample_text
from explorer.data.features import FEATURE_LABELS, FEATURES, MAX_PATTERN_LEN
from explorer.zoo.shipped import DEFAULT_MODELS
from explorer.figures.style import ARCH_LABELS
from explorer.text import MAX_TEXT_CHARS, char_label, prepare_text
from explorer.figures.units import ranking_bars, saturation_scatter, text_colored, topk_bars, unit_over_time
from explorer.units import CARRY_GATE, SIGNAL_LABELS, SIGNALS, find_matches, gate_saturation, select_units
from explorer.ui.shipped_cache import analysis, heldout_text, shipped_model, shipped_names
from explorer.ui.share import plot, scene_tools, section
from explorer.ui.state import PageState, Param

NAMES = shipped_names()
ALL_SIGNALS = ("c", "h", "f", "i", "o", "g", "z", "r", "n")
SAT_GATES = {"lstm": ("f", "i", "o"), "gru": ("z", "r")}
P = PageState("uf", [
    Param("model", DEFAULT_MODELS["lstm"], choices=NAMES),
    Param("text", PYTHON_SAMPLE, max_len=MAX_TEXT_CHARS),
    Param("signal", "c", choices=ALL_SIGNALS),
    Param("feature", "bracket_depth", choices=FEATURES + ("regex",)),
    Param("auto", True),
    Param("unit", 0, lo=0, hi=511),
    Param("t", 319, lo=0, hi=MAX_TEXT_CHARS - 1),
    Param("start", 305, lo=0, hi=MAX_TEXT_CHARS - 1),
    Param("end", 320, lo=1, hi=MAX_TEXT_CHARS),
    Param("thr", 0.3, lo=-1.0, hi=1.0),
    Param("regex", r"self\.\w+", max_len=MAX_PATTERN_LEN),
    Param("gate", "f", choices=("f", "i", "o", "z", "r")),
    Param("presenter", False),
])
P.restore()


def fit_choice(name: str, options: tuple) -> None:
    """A value valid for another model (e.g. signal 'c' after switching to a GRU) falls back to the first."""
    if st.session_state.get(P.key(name)) not in options:
        st.session_state[P.key(name)] = options[0]


def load_sample(corpus: str) -> None:
    st.session_state[P.key("text")] = sample_text(corpus)


def match_sample() -> None:
    """Show a model its own kind of text: swap one built-in sample for the other (typed text stays)."""
    corpus = st.session_state[P.key("model")].split("-")[0]
    if st.session_state[P.key("text")] in (sample_text("stdlib"), sample_text("synthetic")):
        load_sample(corpus)


if not st.session_state.get("uf._sample_matched"):  # a link to a toy-language model opens on toy text
    st.session_state["uf._sample_matched"] = True
    match_sample()


st.title("Unit Finder")
st.caption("Models shipped with the app, trained on Python's standard-library source or on a toy language with "
           "exact ground truth. Which of their units learned to count brackets, notice strings and comments, or "
           "know where the line ends? Every number is compared with the same model before training.")
P.show_notices()

# ------------------------------------------------------------------------------------------- controls
name = st.session_state[P.key("model")]
model, man = shipped_model(name)
arch = man.arch
fit_choice("signal", SIGNALS[arch])
if arch in SAT_GATES:
    fit_choice("gate", SAT_GATES[arch])

c1, c2, c3 = st.columns(3)
c1.selectbox("Model", NAMES, key=P.key("model"), on_change=match_sample,
             format_func=lambda n: f"{ARCH_LABELS[n.split('-')[1]]} · {n.split('-')[0]} corpus")
c2.selectbox("Unit activation", SIGNALS[arch], key=P.key("signal"), format_func=SIGNAL_LABELS.get)
c3.selectbox("Feature", FEATURES + ("regex",), key=P.key("feature"), format_func=FEATURE_LABELS.get)
presenter = scene_tools(P, "unit-finder")

st.caption(f"**{name}**: {man.parameters:,} parameters (H = {man.hidden_size}), "
           f"{man.heldout_bits_per_char:.2f} bits per character on held-out text "
           f"(untrained: {man.heldout_bits_per_char_init:.2f}), trained "
           f"{man.as_dict()['training']['seconds']:.0f} s on one CPU thread.")

with st.expander("Text the model reads", expanded=False):
    st.text_area("Text", key=P.key("text"), height=220, label_visibility="collapsed")
    b1, b2, _ = st.columns([1, 1, 3])
    b1.button("Python sample", on_click=load_sample, args=("stdlib",), key="uf.sample_py")
    b2.button("Toy-language sample", on_click=load_sample, args=("synthetic",), key="uf.sample_syn")
    st.text_input(f"Your feature: a regular expression (at most {MAX_PATTERN_LEN} characters)", key=P.key("regex"),
                  help="Characters inside a match count as 1, others as 0. Runs with a time limit.")

try:
    prepared = prepare_text(st.session_state[P.key("text")])
except ValueError as e:
    st.warning(str(e))
    st.stop()
if prepared.notice:
    st.info(prepared.notice)
text = prepared.text
T = len(text)
A = analysis(name, text, st.session_state[P.key("signal")], st.session_state[P.key("regex")].strip())
if A.regex_error and st.session_state[P.key("regex")].strip():
    st.warning(f"Your regex is not used: {A.regex_error}")
feature = st.session_state[P.key("feature")]
if feature not in A.features.names:  # "regex" chosen but no usable pattern
    st.info("The feature 'your regex' needs a valid pattern; showing bracket depth instead.")
    feature = "bracket_depth"
sig = A.signal
sig_label = SIGNAL_LABELS[sig]
labels = A.trained.labels

# ------------------------------------------------------------------------------- found automatically
bu, br = A.ranking.best("bracket_depth")
_, bru = A.ranking_untrained.best("bracket_depth")
if A.features["bracket_depth"].min() == A.features["bracket_depth"].max():
    st.info("This text has no brackets outside strings and comments, so no unit can be found that counts them.")
else:
    st.success(f"Found automatically: unit **{bu}** of the {sig_label} tracks bracket depth, r = **{br:+.2f}** on "
               f"this text. The best unit of the untrained model reaches only |r| = {abs(bru):.2f}.")

# ---------------------------------------------------------------------------------- coloured text
best_unit, best_r = A.ranking.best(feature)
u1, u2, u3 = st.columns([2, 2, 3])
u1.toggle("Auto: best unit", key=P.key("auto"), help="Pick the unit with the largest |r| for the feature.")
if st.session_state[P.key("auto")]:  # the greyed-out box shows the unit the page picked, not a stale number
    st.session_state[P.key("unit")] = best_unit
u2.number_input("Unit", min_value=0, max_value=man.hidden_size - 1, key=P.key("unit"),
                disabled=st.session_state[P.key("auto")])
unit = best_unit if st.session_state[P.key("auto")] else min(st.session_state[P.key("unit")], man.hidden_size - 1)
u3.number_input("Cursor t (top-k next characters)", min_value=0, max_value=MAX_TEXT_CHARS - 1, key=P.key("t"))
cursor = min(st.session_state[P.key("t")], T - 1)
r_unit = float(A.ranking.r[A.features.names.index(feature), unit])

top = A.trained.top_k(3)
next_chars = ["next: " + " · ".join(f"'{char_label(A.trained.vocab.chars[int(i)])}' {float(p):.0%}"
                                    for i, p in zip(top.ids[t], top.probs[t])) for t in range(T)]
start = min(st.session_state[P.key("start")], T - 1)
end = max(min(st.session_state[P.key("end")], T), start + 1)
thr = float(st.session_state[P.key("thr")])
h_acts = A.trained.trace.h.double().numpy()  # (T, H): LSTMVis selects on h, whose range is -1..1
units_on = select_units(h_acts, start, end, thr)
matches = find_matches(h_acts, units_on, thr, exclude=(start, end), limit=8)

kind = "gate" if sig in ("f", "i", "o", "z", "r") else "tanh" if sig in ("h", "g", "n") else "unbounded"
left, right = st.columns([4, 1])
with left:
    plot(st, text_colored(labels, A.acts[:, unit], title=f"The text coloured by unit {unit} ({sig_label})",
                                 kind=kind, value_name=sig, unit=unit, next_chars=next_chars, cursor=cursor,
                                 selection=(start, end), matches=matches[:3], presenter=presenter),
                    key="uf.text_fig", config={"displayModeBar": False})
    direction = "red where it is high" if r_unit >= 0 else "blue where it is high, since r < 0"
    st.caption(f"Each character is coloured by unit {unit}'s {sig_label} after reading it (r = {r_unit:+.2f} with "
               f"{FEATURE_LABELS[feature]}: {direction}). Hover for values and the next-character guess; black box: cursor; "
               f"orange: your selection; dotted green: the top 3 other places where the units on there (h ≥ {thr:g}) "
               f"are on together.")
with right:
    k = A.trained.top_k(5)
    plot(st, topk_bars([char_label(A.trained.vocab.chars[int(i)]) for i in k.ids[cursor]],
                              [float(p) for p in k.probs[cursor]], after=f"'{labels[cursor]}'",
                              presenter=presenter), key="uf.topk_fig", config={"displayModeBar": False})

with section("The unit against the ground truth, step by step", presenter, heading=False):
    plot(st, unit_over_time(A.acts[:, unit], A.features[feature], unit=unit, value_name=sig, feature_name=feature,
                            r=r_unit, presenter=presenter), key="uf.time_fig", config={"displayModeBar": False})
    st.caption("The line is the unit; the grey steps are the ground truth. A counter rises and falls with the steps.")

# -------------------------------------------------------------------------------------- rankings
with section("Units ranked by |correlation|, trained against untrained", presenter):
    g1, g2 = st.columns([3, 2])
    with g1:
        plot(st, ranking_bars(A.ranking, A.ranking_untrained, arch=arch, presenter=presenter), key="uf.rank_fig",
             config={"displayModeBar": False})
        st.caption("For each feature, the best |Pearson r| of any unit over this text. Some features correlate ~0.5 "
                   "with untrained units (they echo the input); only the gap to grey is learning.")
    with g2:
        rows = [{"rank": i + 1, "trained unit": a[0], "trained r": round(a[1], 3), "untrained unit": b[0],
                 "untrained r": round(b[1], 3)}
                for i, (a, b) in enumerate(zip(A.ranking.top(feature, 8), A.ranking_untrained.top(feature, 8)))]
        st.markdown(f"**Top units for {FEATURE_LABELS[feature]}**")
        st.dataframe(rows, hide_index=True, width="stretch")

# --------------------------------------------------------------------------------- LSTMVis selection
with section("Select a span: which units are on there, and where else together?", presenter):
    s1, s2, s3 = st.columns(3)
    s1.number_input("Selection start", min_value=0, max_value=MAX_TEXT_CHARS - 1, key=P.key("start"))
    s2.number_input("Selection end (exclusive)", min_value=1, max_value=MAX_TEXT_CHARS, key=P.key("end"))
    s3.number_input("Threshold on h", min_value=-1.0, max_value=1.0, step=0.05, key=P.key("thr"))
    span = "".join(labels[start:end])
    if not units_on:
        st.info(f"No unit's h stays ≥ {thr:g} over all of t = {start}..{end - 1}. Lower the threshold or "
                f"shorten the span.")
    else:
        st.markdown(f"**{len(units_on)} units** keep h ≥ {thr:g} over t = {start}..{end - 1}: "
                    f"{', '.join(map(str, units_on[:40]))}{' …' if len(units_on) > 40 else ''}")
        st.code(span, language=None)
        held = heldout_text(man.corpus)
        H = analysis(name, held, sig, "")
        found = [("this text", m, labels) for m in matches] + \
            [("held-out corpus", m, H.trained.labels)
             for m in find_matches(H.trained.trace.h.double().numpy(), units_on, thr, limit=8)]
        if found:
            st.dataframe([{"where": w, "t": m.start, "length": m.end - m.start,
                           "units on": f"{m.agreement:.0%}",
                           "text (match in the middle)": "".join(lab[max(m.start - 12, 0):m.start]) + " ⟦"
                           + "".join(lab[m.start:m.end]) + "⟧ " + "".join(lab[m.end:m.end + 12])}
                          for w, m, lab in found], hide_index=True, width="stretch")
        else:
            st.info("These units are never all on together anywhere else, in this text or in the held-out corpus.")

# -------------------------------------------------------------------------------------- saturation
if arch in SAT_GATES:
    with section("Gate saturation", presenter):
        gate = st.radio("Gate", SAT_GATES[arch], key=P.key("gate"), horizontal=True, format_func=SIGNAL_LABELS.get)
        held = heldout_text(man.corpus)
        H = analysis(name, held, sig, "")
        st_tr, st_un = gate_saturation(H.trained.trace, gate), gate_saturation(H.untrained.trace, gate)
        plot(st, saturation_scatter(st_tr, st_un, arch=arch, presenter=presenter), key="uf.sat_fig",
             config={"displayModeBar": False})
        carry = " (the carry gate: near 1 means the unit keeps its memory)" if gate == CARRY_GATE.get(arch) else ""
        st.caption(f"Over {len(held):,} held-out characters: each unit's share of steps with {gate} below 0.1 (x) and "
                   f"above 0.9 (y){carry}. Untrained gates sit in the middle; training pushes many to the corners.")

P.publish()
