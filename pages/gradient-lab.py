"""Gradient Lab: how far back can each cell carry a gradient? Widgets and layout only; the maths is in
explorer.gradients / explorer.scenes.gradient_lab, the pictures in explorer.gradient_figures."""
import streamlit as st

from explorer.ui.router import ensure_router

ensure_router()

from explorer.figures.gradients import QUANTITIES, decay_figure, saliency_figure
from explorer.scenes.gradient_lab import ARCH_ORDER, DEFAULT_TEXT, MAX_LAB_STEPS, LabConfig
from explorer.figures.style import ARCH_LABELS
from explorer.text import MAX_TEXT_CHARS
from explorer.ui.gradient_cache import race_scene, scene, shipped_scene, trained_scene
from explorer.ui.session_models import trained_models

RACE_KEY = "trained_cells"  # what the Memory Race page leaves in session_state: name -> (cell, one task input)
from explorer.ui.share import plot, scene_tools, section
from explorer.ui.state import PageState, Param

CELL_SOURCES = ("shipped", "untrained", "trained", "race")
P = PageState("gl", [
    Param("cells", "shipped", choices=CELL_SOURCES),
    Param("src", "text", choices=("text", "random")),
    Param("text", DEFAULT_TEXT, max_len=MAX_TEXT_CHARS),
    Param("T", 400, lo=2, hi=MAX_LAB_STEPS),
    Param("H", 64, choices=(8, 16, 32, 64, 128)),
    Param("rescale", False),
    Param("radius", 0.9, lo=0.1, hi=3.0),
    Param("fbias", 0.0, lo=-3.0, hi=6.0),
    Param("zbias", 0.0, lo=-3.0, hi=6.0),
    Param("seed", 0, lo=0, hi=9999),
    Param("show", "input", choices=tuple(QUANTITIES)),
    Param("overlays", True),
    Param("strip", "lstm", choices=ARCH_ORDER),
    Param("presenter", False),
])
P.restore()

PRESETS = {  # label -> the knobs it sets (everything else stays as it is); knobs act on untrained cells
    "Trained on Python": dict(cells="shipped"),
    "Default init": dict(cells="untrained", fbias=0.0, zbias=0.0, rescale=False),
    "Forget/update bias 3": dict(cells="untrained", fbias=3.0, zbias=3.0),
    "RNN radius 0.9": dict(cells="untrained", rescale=True, radius=0.9),
    "RNN radius 3 (explodes)": dict(cells="untrained", rescale=True, radius=3.0),
}
PRESET_HELP = {
    "Trained on Python": "the shipped models: training pushed many LSTM forget gates towards 1",
    "Default init": "PyTorch's init: f and z near 0.5, every cell forgets within ~30 steps",
    "Forget/update bias 3": "f, z ≈ σ(3) ≈ 0.95: the LSTM and GRU carry the gradient for hundreds of steps",
    "RNN radius 0.9": "W_hh rescaled to spectral radius 0.9: the RNN reaches about twice as far",
    "RNN radius 3 (explodes)": "W_hh rescaled to spectral radius 3: the RNN's gradient explodes",
}


def _apply_preset(values: dict) -> None:
    for name, value in values.items():
        st.session_state[P.key(name)] = value


scene_tools(P, "gradient-lab")
st.title("Gradient Lab")
st.markdown("How far back can each cell carry a gradient? For every step t we measure how strongly the last "
            "hidden state depends on the input there, ‖∂h_T/∂x_t‖, exactly and in float64, and plot it against "
            "the distance T − t, for a vanilla RNN, an LSTM and a GRU on the same input.")
st.info("**Gating helps only when the carry gate is near 1.** At PyTorch's default init the LSTM's forget gate f "
        "and the GRU's update gate z sit near 0.5, so all three cells forget within about 30 steps. Push them "
        "towards 1 (forget & update bias 3 gives f, z ≈ 0.95) and the LSTM and GRU reach hundreds of steps; "
        "the RNN can only be rescaled, and past spectral radius 1 its gradient explodes instead. The page opens "
        "on the models trained on Python source; the presets switch to untrained cells and turn the knobs.",
        icon=":material/lightbulb:")

PRESET_KEYS = dict(zip(PRESETS, ("shipped", "default", "bias3", "radius09", "explode")))  # stable widget keys
cols = st.columns(len(PRESETS))
for col, (label, values) in zip(cols, PRESETS.items()):
    col.button(label, key=f"gl.preset.{PRESET_KEYS[label]}", on_click=_apply_preset, args=(values,),
               width="stretch", help=PRESET_HELP[label])

with st.sidebar:
    st.header("Gradient Lab")
    st.radio("Cells", CELL_SOURCES, key=P.key("cells"),
             format_func={"untrained": "untrained (the knobs below)",
                          "shipped": "shipped, trained on Python source",
                          "trained": "trained in this session (Train & Predict)",
                          "race": "Memory Race contestants (this session)"}.get)
    knobs_off = P.get("cells") != "untrained"  # the knobs build untrained cells; trained ones keep their weights
    st.radio("Input sequence", ("text", "random"), key=P.key("src"), horizontal=True,
             format_func=lambda s: {"text": "typed text (one-hot)", "random": "random N(0, 1)"}[s],
             disabled=knobs_off, help="Trained models read text in their own vocabulary.")
    if P.get("src") == "text" or knobs_off:
        st.text_area(f"Text (up to {MAX_LAB_STEPS:,} characters are traced)", key=P.key("text"), height=150)
    else:
        st.slider("Length T", 2, MAX_LAB_STEPS, key=P.key("T"), step=1)
    st.caption("The knobs below build the **untrained** cells; pick *untrained* above (or a preset) to use them."
               if knobs_off else "The knobs below build the untrained cells.")
    st.select_slider("Hidden size H", options=(8, 16, 32, 64, 128), key=P.key("H"), disabled=knobs_off)
    st.slider("LSTM forget-gate bias (added to b_hf)", -3.0, 6.0, key=P.key("fbias"), step=0.5, disabled=knobs_off)
    st.slider("GRU update-gate bias (added to b_hz)", -3.0, 6.0, key=P.key("zbias"), step=0.5, disabled=knobs_off)
    st.checkbox("Rescale the RNN's W_hh", key=P.key("rescale"), disabled=knobs_off)
    if P.get("rescale"):
        st.slider("RNN spectral radius of W_hh", 0.1, 3.0, key=P.key("radius"), step=0.05, disabled=knobs_off)
    st.number_input("Seed (weights and random inputs)", min_value=0, max_value=9999, step=1, key=P.key("seed"),
                    disabled=knobs_off)
    st.divider()
    st.radio("Sensitivity to", tuple(QUANTITIES), key=P.key("show"), format_func=QUANTITIES.get)
    st.checkbox("Theory overlays (∏ f, ∏ z, σ_max^d)", key=P.key("overlays"))
P.publish()
P.show_notices()

config = LabConfig(source=P.get("src"), text=P.get("text"), length=P.get("T"), hidden_size=P.get("H"),
                   rnn_radius=P.get("radius") if P.get("rescale") else None, forget_bias=P.get("fbias"),
                   update_bias=P.get("zbias"), seed=P.get("seed"))
source = P.get("cells")
models = trained_models() if source == "trained" else {}
racers = st.session_state.get(RACE_KEY, {}) if source == "race" else {}
if source == "trained" and not models:
    st.info("No trained models in this session yet: train some on the **Train & Predict** page, then come back. "
            "Showing the untrained cells meanwhile.", icon=":material/model_training:")
if source == "race" and not racers:
    st.info("No Memory Race has been run in this session yet: race on the **Memory Race** page, then come back. "
            "Showing the untrained cells meanwhile.", icon=":material/sports_score:")
try:
    if models:
        st.caption("Trained models, each reading the typed text one-hot in its own vocabulary (unknown characters "
                   "become ⟨unk⟩). The knobs for bias, radius, size and seed apply to untrained cells only.")
        sc = trained_scene(models, P.get("text"))
    elif source == "shipped":
        st.caption("The models shipped with the app, trained on Python's standard library, reading the typed text. "
                   "Training pushes many forget gates towards 1: compare with the untrained cells. The knobs for "
                   "bias, radius, size and seed apply to untrained cells only.")
        sc = shipped_scene(P.get("text"))
    elif racers:
        st.caption("The contestants of this session's last Memory Race, each reading one input of its task: why "
                   "the winner won. The text and the knobs do not apply to them.")
        sc = race_scene(racers)
    else:
        sc = scene(config)
except ValueError as err:  # unusable text: say so, never a traceback
    st.error(str(err), icon=":material/edit_note:")
    st.stop()
if sc.notice:
    st.warning(sc.notice)

presenter = P.get("presenter")
exploding = [ARCH_LABELS[c.arch] for c in sc.curves.values() if c.peak_log10 > 1]  # 10× its start
if exploding:
    over = [ARCH_LABELS[c.arch] for c in sc.curves.values() if c.overflows]
    past = f", even where the plain float64 value overflows to +inf ({', '.join(over)}: shaded region)" if over else ""
    st.warning(f"Exploding gradient: for the {', '.join(exploding)} the sensitivity *grows* with distance, because the "
               "recurrent Jacobians stretch more than tanh squashes. Curves are clipped at 1e30 so the plot stays "
               f"readable; the page tracks the exact power of ten{past}.", icon=":material/trending_up:")

left, right = st.columns([3, 1])
with left:
    plot(st, decay_figure(sc.curves, quantity=P.get("show"), overlays=P.get("overlays"), presenter=presenter),
                    width="stretch", key="gl.fig.decay")
    st.caption("Each line starts at 1 at distance 0 (the last input) and shows how much of that influence is left "
               "d steps back. Dotted grey lines: 1e-3 and 1e-6. Dashed lines: the product of the carry gate "
               "(∏ f along the LSTM's cell highway, ∏ z for the GRU); dotted red: the RNN's upper bound σ_max(W_hh)^d, "
               "which says nothing once σ_max > 1 (it is loose: tanh' < 1 and W_hh is not normal).")
with right:
    st.subheader("Reach")
    st.caption(f"Distance at which the curve first falls below 1e-3 / 1e-6 of its start (T = {sc.steps}).")
    rows = ["| cell | 1e‑3 | 1e‑6 |", "|:--|--:|--:|"]  # non-breaking hyphens
    gates = []
    for arch, c in sc.curves.items():
        r = c.input_reach if P.get("show") == "input" else c.state_reach
        far = [f"{d}" if d is not None else f">\u00a0{r.steps - 1}" for d in r.distances]  # never reached
        rows.append(f"| **{ARCH_LABELS[arch] if arch in ARCH_LABELS else arch}** | {far[0]} | {far[1]} |")
        if c.carry_mean is not None:
            name = ARCH_LABELS[arch] if arch in ARCH_LABELS else arch
            gates.append(f"{name}: mean {'f' if c.arch == 'lstm' else 'z'} = **{c.carry_mean:.2f}**")
        else:
            name = ARCH_LABELS[arch] if arch in ARCH_LABELS else arch
            gates.append(f"{name}: σ_max(W_hh) = **{c.sigma_max:.2f}**" if c.sigma_max is not None else name)
    st.markdown("\n".join(rows))
    st.markdown("The carry gates  \n" + "  \n".join(gates))

with section("Saliency strip: the distance, read on the text", presenter, heading=False):
    strip = P.get("strip")
    st.radio("Saliency strip for", ARCH_ORDER, key=P.key("strip"), horizontal=True, format_func=ARCH_LABELS.get)
    shown = sc.curves.get(strip) or next(iter(sc.curves.values()))  # a trained set may lack an architecture
    plot(st, saliency_figure(sc.labels, shown, presenter=presenter), width="stretch", key="gl.fig.strip")
    st.caption("Read the distance on the text itself: bright characters still move the last hidden state, dark "
               "ones have been forgotten (the colour is ‖∂h_T/∂x_t‖ relative to the last character, on a log "
               "scale).")

with st.expander("What exactly is measured"):
    st.markdown(
        "- **Input sensitivity** ‖∂h_T/∂x_t‖_F: how much the last hidden state h_T moves per unit change of input x_t.\n"
        "- **State sensitivity**: ‖∂h_T/∂h_t‖ for the RNN and GRU. The LSTM carries two states, so it has two "
        "parts: *via h_t only* (autograd with respect to h_t holds c_t fixed: the path through the gates) and *via "
        "c_t only* (h_t held fixed: the additive cell highway c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t). The thick line is "
        "the full state (h_t, c_t). The long memory runs through c_t.\n"
        "- All T values come from one backward sweep of closed-form step Jacobians (RNN: diag(1 − h_t²) W_hh), "
        "checked against `torch.autograd` in the tests. In float32 they would underflow to exactly 0 after ~100 "
        "steps; here they are float64 with an exact power-of-ten exponent kept aside.\n"
        "- GRU: PyTorch's z is the fraction of h_{t−1} *kept* (h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}), so z near 1 "
        "means a long memory; the lecture note and Cho et al. (2014) write z the other way round.")
