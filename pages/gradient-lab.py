"""Gradient Lab: how far back can each cell carry a gradient? Widgets and layout only; the maths is in
explorer.gradients and explorer.scenes.gradient_lab, the words in explorer.scenes.gradient_summary."""
import streamlit as st

from explorer.ui.router import ensure_router

ensure_router()

from explorer.figures.gradients import QUANTITIES, decay_figure
from explorer.figures.saliency import saliency, saliency_csv, saliency_html
from explorer.limits import MAX_TEXT_CHARS, MAX_LAB_STEPS
from explorer.scenes.gradient_lab import ARCH_ORDER, DEFAULT_TEXT, LabConfig
from explorer.scenes.gradient_summary import carry_lines, growth_messages, label, reach_rows, shipped_explanation
from explorer.ui.gradient_cache import lab_scene_for, untrained_twin_high
from explorer.ui.gradient_lab import CELL_SOURCES, preset_bar, sidebar
from explorer.ui.preload import LAB_CLICK, preload
from explorer.ui.share import data_button, folded, plot, scene_tools, section
from explorer.ui.state import PageState, Param

P = PageState("gl", [
    Param("cells", "shipped", choices=tuple(CELL_SOURCES)),
    Param("src", "text", choices=("text", "random"), label="input"),
    Param("text", DEFAULT_TEXT, max_len=MAX_TEXT_CHARS),
    Param("T", 400, lo=2, hi=MAX_LAB_STEPS, label="steps"),
    Param("H", 64, choices=(8, 16, 32, 64, 128)),
    Param("rescale", False, label="RNN rescaled"),
    Param("radius", 0.9, lo=0.1, hi=3.0, label="to radius"),
    Param("fbias", 0.0, lo=-3.0, hi=6.0, label="forget bias"),
    Param("zbias", 0.0, lo=-3.0, hi=6.0, label="update bias"),
    Param("seed", 0, lo=0, hi=9999),
    Param("show", "input", choices=tuple(QUANTITIES), label="showing"),
    Param("overlays", True, label="overlays"),
    Param("strip", "lstm", choices=ARCH_ORDER, label="strip"),
    Param("presenter", False),
    Param("measured", False, view_only=True),  # the folded "What exactly is measured" section is open
])
P.restore()
presenter = scene_tools(P, "gradient-lab")
st.title("Gradient Lab")
st.markdown("How far back can each cell carry a gradient? For every step t we measure how strongly the last "
            "hidden state depends on the input there, $\\lVert\\partial h_T/\\partial x_t\\rVert$, exactly and in "
            "double precision (float64), and plot "
            "it against the distance T − t, for a vanilla RNN, an LSTM and a GRU on the same input.")
st.info("**Gating helps only when the carry gate is near 1.** The carry gate is the one that decides how much of "
        "the old state is kept: the LSTM's forget gate f, the GRU's update gate z. At PyTorch's default init both "
        "sit near 0.5 and all three cells forget quickly; push them towards 1 and the LSTM and GRU reach much "
        "further. The RNN has no gate: only the size of Wₕₕ decides, and an untrained RNN rescaled to spectral "
        "radius 3 (a preset) sees its gradient explode instead of vanish.",
        icon=":material/lightbulb:")
preset_bar(P)
with st.container(key="narrow_only"):  # hidden on a wide screen (PAGE_CSS in explorer/ui/router.py)
    st.caption("The text, the cells and every knob are in the sidebar: open it with » at the top left.")
sidebar(P)
P.publish()
P.show_notices()

config = LabConfig(source=P.get("src"), text=P.get("text"), length=P.get("T"), hidden_size=P.get("H"),
                   rnn_radius=P.get("radius") if P.get("rescale") else None, forget_bias=P.get("fbias"),
                   update_bias=P.get("zbias"), seed=P.get("seed"))
try:
    with st.spinner("Measuring how far back each cell's gradient reaches, for every step of the text…"):
        sc, source_note = lab_scene_for(P.get("cells"), config, P.get("text"))
except ValueError as err:  # unusable text: say so, never a traceback
    st.error(str(err), icon=":material/edit_note:")
    st.stop()
if source_note:
    getattr(st, source_note[0])(source_note[1])
if sc.whole_stack is not None:
    d3 = sc.whole_stack.distances[0]
    st.caption("Through the whole stack, every layer and direction at once (torch.autograd, float64): the output's "
               "sensitivity to each input, ‖∂y/∂xₜ‖ at the last step, falls below 1/1,000 of its start "
               + (f"at d = {d3}." if d3 is not None else f"nowhere within d = {sc.steps - 1}."))
if P.get("cells") == "shipped":
    st.caption(shipped_explanation(sc, untrained_twin_high(P.get("text"))))
if sc.notice:
    st.warning(sc.notice)
for msg in growth_messages(sc):
    st.warning(msg, icon=":material/trending_up:")

left, right = st.columns([3, 1])
with left:
    plot(st, decay_figure(sc.curves, quantity=P.get("show"), overlays=P.get("overlays"), presenter=presenter),
         width="stretch", key="gl.fig.decay")
    st.caption("Each line starts at 1 at distance 0 (the last input) and shows how much of that influence is left "
               "d steps back. Dotted grey lines: 1/1,000 and 1/1,000,000. Dashed lines: the product of the carry "
               "gate along the path (∏ f on the LSTM's cell path, ∏ z for the GRU), as a root mean square over the "
               "units: the few units whose gate stays near 1 hold it up however low the mean gate is; dotted red: "
               "the RNN's upper bound σₘₐₓ(Wₕₕ)^d (σₘₐₓ: the largest singular value, never below the spectral "
               "radius, the largest |eigenvalue|, often well above it), which says nothing once σₘₐₓ > 1. Where two "
               "cells' lines coincide, the one beneath is drawn wider and shows as a border.")
with right:
    st.subheader("Reach")
    st.caption(f"Distance at which the curve first falls below 1/1,000 (10⁻³) and 1/1,000,000 (10⁻⁶) of its start (T = {sc.steps}). "
               "A growing curve is not memory: it is marked 'grows'.")
    rows = ["| cell | 10⁻³ | 10⁻⁶ |", "|:--|--:|--:|"]  # narrow: the column is a quarter of the page
    rows += [f"| **{r.cell}** | {' | '.join(r.reach)} |" for r in reach_rows(sc, P.get("show"))]
    st.markdown("\n".join(rows))
    for r in reach_rows(sc, P.get("show")):
        if r.note:
            st.caption(f"{r.cell}: {r.note}")
    knob = P.get("cells") == "untrained" and bool(P.get("rescale"))  # else the radius is what the weights have
    st.markdown("**The carry gates**  \n" + "  \n".join(carry_lines(sc, knob, P.get("show"))))

with section("Saliency strip: the distance, read on the text", presenter, heading=False):
    if all(name in ARCH_ORDER for name in sc.curves):
        st.radio("Saliency strip for", ARCH_ORDER, key=P.key("strip"), horizontal=True, format_func=label)
        strip = P.get("strip") if P.get("strip") in sc.curves else next(iter(sc.curves))  # a trained set may lack one
    else:  # curves named by contestant or layer
        strip = st.radio("Saliency strip for", tuple(sc.curves), key="gl.strip_named", horizontal=True)
    chars = saliency(sc.labels, sc.curves[strip], reverse=strip in sc.reversed,
                     name=None if strip in ARCH_ORDER else strip)
    st.container(key="gl_strip").html(saliency_html(chars, presenter=presenter))
    data_button(st, lambda: saliency_csv(chars), key="gl.fig.strip")
    st.caption("Read the distance on the text itself: bright characters still move the last hidden state, dark "
               "ones have been forgotten (the colour is $\\lVert\\partial h_T/\\partial x_t\\rVert$ relative to the last "
               "character, on a log scale). Point at a character for its step, distance and value.")

measured = folded("What exactly is measured", key=P.key("measured"))  # drawn once opened: five formulas
if measured is not None:
    measured.markdown(
        "- **Input sensitivity** $\\lVert\\partial h_T/\\partial x_t\\rVert_F$: how much the last hidden state $h_T$ "
        "moves per unit change of input $x_t$.\n"
        "- **State sensitivity**: $\\lVert\\partial h_T/\\partial h_t\\rVert$ for the RNN and GRU. The LSTM carries "
        "two states, so it has two "
        "parts: *via hₜ only* (cₜ held fixed: the path through the gates) and *via cₜ only* (hₜ held fixed: "
        "the additive cell path cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ). The thick line is the full state (hₜ, cₜ).\n"
        "- All T values come from one backward sweep of closed-form step Jacobians (RNN: diag(1 − hₜ²) Wₕₕ), "
        "checked against `torch.autograd` in the tests; float64 with an exact power-of-ten exponent kept aside.\n"
        "- **Spectral radius**: the largest |eigenvalue| of Wₕₕ; **σₘₐₓ**: its largest singular value.\n"
        "- GRU: PyTorch's z is the fraction of hₜ₋₁ *kept* (hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁), so z near 1 "
        "means a long memory; the lecture note and Cho et al. (2014) write z the other way round.")
if P.get("cells") != "untrained":
    preload(LAB_CLICK, key="gl.preload")  # a preset's knobs draw at once (explorer/ui/preload.py)
