"""Cell Explorer: type a sequence, step through time, watch every gate and state."""
import streamlit as st

from explorer.ui.router import ensure_router

ensure_router()

from explorer.zoo.export import traces_csv, traces_npz
from explorer.whatif import clamped_text_trace
from explorer.reference import CLAMPABLE, Clamp
from explorer.sizes import cell_size
from explorer.cells import SPECS
from explorer.figures.style import ARCH_LABELS
from explorer.text import MAX_TEXT_CHARS, prepare_text
from explorer.zoo.shipped import DEFAULT_MODELS
from explorer.ui.cache import resolve, view_payload, weight_figure
from explorer.ui.session_models import trained_entries
from explorer.ui.shipped_cache import shipped_names
from explorer.ui.cell_view import cell_view
from explorer.ui.share import plot, scene_tools
from explorer.ui.state import PageState, Param
from explorer.whatif import describe
from explorer.scenes.payload import MAX_VIEW_CELLS

ARCHS = ("lstm", "gru", "rnn")
# scenario: (label, gates pinned)
WHATIFS = {
    "none": ("No clamp", ()),
    "freeze": ("LSTM: f = 1 and i = 0 — freeze the memory", (("f", 1.0), ("i", 0.0))),
    "forget": ("LSTM: f = 0 — forget at every step", (("f", 0.0),)),
    "nowrite": ("LSTM: i = 0 — write nothing new", (("i", 0.0),)),
    "expose": ("LSTM: o = 1 — expose the whole cell", (("o", 1.0),)),
    "gru_keep": ("GRU: z = 1 — keep the old state", (("z", 1.0),)),
    "gru_overwrite": ("GRU: z = 0 — overwrite with the candidate", (("z", 0.0),)),
    "custom": ("Custom: one gate to a value", ()),
}
P = PageState("ce", [
    Param("text", "hello", max_len=MAX_TEXT_CHARS),
    Param("cells", ("lstm",), choices=ARCHS),
    Param("src", "shipped", choices=("shipped", "untrained", "session")),
    Param("hidden", 16, lo=1, hi=256),
    Param("seed", 0, lo=0, hi=1_000_000),
    Param("t", 1, lo=1, hi=MAX_TEXT_CHARS),
    Param("unit", 0, lo=0, hi=255),
    Param("start", 1, lo=1, hi=MAX_TEXT_CHARS),
    Param("whatif", "none", choices=tuple(WHATIFS)),
    Param("cgate", "f", choices=("f", "i", "o", "g", "z", "r")),
    Param("cval", 1.0, lo=0.0, hi=1.0),
    Param("cfrom", 1, lo=1, hi=MAX_TEXT_CHARS),
    Param("cunits", "all", max_len=200),
    Param("presenter", False),
])
P.restore()

presenter = scene_tools(P, "cell-explorer")
st.title("Cell Explorer")
st.caption("Type a sequence and step through it: every gate and state of the cell as it reads each character.")
P.show_notices()

controls = st.expander("Text, cells and weights", expanded=False) if presenter else st.container()
left, right = controls.columns([3, 2])
with left:
    st.text_area("Text the cell reads", key=P.key("text"), height=90,
                 help=f"Up to {MAX_TEXT_CHARS:,} characters. Untrained models read printable ASCII; anything else "
                      "is shown as ⟨unk⟩.")
with right:
    st.segmented_control("Cells (one cursor for all)", ARCHS, selection_mode="multi", key=P.key("cells"),
                         format_func=ARCH_LABELS.get)
    st.radio("Weights", ("shipped", "untrained", "session"), key=P.key("src"), horizontal=True,
             format_func={"shipped": "trained on Python source", "untrained": "untrained (random init)",
                          "session": "trained on your text"}.get,
             help="Shipped models learned from Python's standard library; untrained ones are PyTorch's default "
                  "init; 'your text' uses the models you trained on the Train & Predict page in this session.")
    untrained = P.get("src") == "untrained"
    c1, c2 = st.columns(2)
    c1.number_input("Hidden size H", 1, 256, step=1, key=P.key("hidden"), disabled=not untrained,
                    help="Units per cell (1 to 256), for untrained models; trained ones keep their own size.")
    c2.number_input("Seed", 0, 1_000_000, step=1, key=P.key("seed"), disabled=not untrained,
                    help="The same seed and sizes give the same weights and the same pictures.")

chosen = tuple(a for a in ARCHS if a in (P.get("cells") or []))
if not chosen:
    st.info("Choose at least one cell to show.")
    P.publish()
    st.stop()

try:
    prepared = prepare_text(st.session_state[P.key("text")])
except ValueError as err:
    st.error(str(err))
    P.publish()
    st.stop()
if prepared.notice:
    st.warning(prepared.notice, icon="✂️")
text = prepared.text
if text.strip() == "":
    st.info("The text is only whitespace: the cell still reads it (␣ is a space, ↵ a newline).")
hidden, seed = int(P.get("hidden")), int(P.get("seed"))

# --- which model each chosen cell is
source = P.get("src")
refs: dict[str, tuple] = {}
missing = []
for arch in chosen:
    if source == "shipped" and DEFAULT_MODELS.get(arch) in shipped_names():
        refs[arch] = ("shipped", DEFAULT_MODELS[arch])
    elif source == "session" and arch in trained_entries():
        refs[arch] = ("session", arch)
    else:
        if source != "untrained":
            missing.append(ARCH_LABELS[arch])
        refs[arch] = ("untrained", arch, hidden, seed, 0.0)
if missing:
    where = ("no shipped model" if source == "shipped" else
             "no model trained in this session (train one on the Train & Predict page)")
    st.info(f"{', '.join(missing)}: {where}, so an untrained one (H = {hidden}, seed {seed}) is shown instead.")
vocabs = {resolve(r).vocab for r in refs.values()}
unknown = sorted({ch for v in vocabs for ch in v.unknown(text)})
if unknown:
    st.info(f"{len(unknown)} distinct character(s) are outside the models' vocabulary and are read as the "
            "unknown token ⟨unk⟩.")

# --- what-if: clamp gates
with st.expander("What if… a gate is clamped?", expanded=P.get("whatif") != "none"):
    st.selectbox("Scenario", tuple(WHATIFS), key=P.key("whatif"), format_func=lambda k: WHATIFS[k][0],
                 help="The clamped run is computed by the reference equations and shown beside the original.")
    w1, w2, w3, w4 = st.columns(4)
    if P.get("whatif") == "custom":
        w1.selectbox("Gate", ("f", "i", "o", "g", "z", "r"), key=P.key("cgate"),
                     help="LSTM: f (forget), i (input), o (output), g (candidate). GRU: z (update: share of h kept), r (reset).")
        w2.select_slider("Value", [0.0, 0.25, 0.5, 0.75, 1.0], key=P.key("cval"))
    w3.number_input("From step t", 1, len(text), key=P.key("cfrom"))
    w4.text_input("Units", key=P.key("cunits"), help="'all', or unit numbers separated by commas, e.g. 0, 3, 7")
    st.caption("f = 1 with i = 0 freezes the LSTM's memory: c_t stays constant while h_t still follows the output "
               "gate. f = 0 makes it forget at every step. For the GRU, z = 1 keeps h_{t−1} unchanged.")

clamps: tuple[Clamp, ...] = ()
whatif = P.get("whatif")
unit_count = min(resolve(r).config.hidden_size for r in refs.values())
if whatif != "none":
    raw_units = str(P.get("cunits")).strip().lower()
    units = None
    try:
        if raw_units not in ("", "all"):
            units = tuple(sorted({int(u) for u in raw_units.replace(" ", "").split(",") if u}))
            if any(u < 0 or u >= unit_count for u in units):
                raise ValueError
    except ValueError:
        st.error(f"Units must be 'all' or numbers from 0 to {unit_count - 1} separated by commas; clamping all units.")
        units = None
    pins = WHATIFS[whatif][1] if whatif != "custom" else ((P.get("cgate"), float(P.get("cval"))),)
    start_step = int(min(P.get("cfrom"), len(text)))
    clamps = tuple(Clamp(g, v, start_step, units) for g, v in pins)

# --- runs, and a window if the text is long
runs = []
for arch in chosen:
    key = refs[arch]
    model = resolve(key)
    H = model.config.hidden_size
    title = f"{ARCH_LABELS[arch]} · H = {H} · {model.cell.num_parameters():,} cell parameters"
    about = {"untrained": f"untrained (PyTorch's default init), seed {seed}",
             "shipped": "trained on Python's standard-library source (shipped with the app)",
             "session": "trained on your text in this session"}[key[0]]
    runs.append((arch, title, about, key, ()))
    mine = tuple(c for c in clamps if c.gate in CLAMPABLE[arch])
    if mine and len(mine) == len(clamps):
        runs.append((arch + "-whatif", f"{ARCH_LABELS[arch]} what-if: {describe(mine)}",
                     "the same weights, run through the reference equations with these gates pinned", key, mine))
if clamps and not any(r[0].endswith("-whatif") for r in runs):
    st.info(f"The scenario pins {', '.join(c.gate for c in clamps)}, which none of the chosen cells has: "
            "choose an LSTM (f, i, o, g) or a GRU (z, r).")

panels_per_run = {"lstm": 6, "gru": 6, "rnn": 2}
cells_per_step = sum(panels_per_run[r[0].split("-")[0]] * resolve(r[3]).config.hidden_size for r in runs)
window = max(1, MAX_VIEW_CELLS // cells_per_step)
offset = 0
if len(text) > window:
    st.info(f"The view holds {window:,} steps at a time at this size (T × H × panels ≤ {MAX_VIEW_CELLS:,} keeps "
            f"stepping instant); choose which part of the {len(text):,} characters to show.")
    start = st.slider("Window starts at character", 1, len(text) - window + 1, key=P.key("start"))
    offset = start - 1
view_text = text[offset: offset + window]

data = view_payload(tuple(runs), view_text, offset, presenter)
data = dict(data, t=min(max(int(P.get("t")) - offset, 1), len(view_text)), unit=min(int(P.get("unit")), data["H"] - 1))
cursor = cell_view(data, data_key=repr((runs, view_text, offset, presenter)), key="ce.view")
if cursor:
    st.session_state[P.key("t")] = int(cursor["t"]) + offset
    st.session_state[P.key("unit")] = int(cursor["unit"])
# downloads are built on click, from models resolved here (the callable runs off the script thread)
resolved = [(rid, resolve(ref), cl) for rid, _, _, ref, cl in runs]


def _named_traces():
    return {rid: clamped_text_trace(m, view_text, cl) if cl else m.trace_text(view_text) for rid, m, cl in resolved}


d1, d2, _ = st.columns([1, 1, 3])
d1.download_button("Download the trace (.npz)", lambda: traces_npz(_named_traces()), file_name="trace.npz",
                   mime="application/octet-stream", on_click="ignore", key="ce.dl_npz",
                   help="Every gate, state and next-character distribution of every run shown, as arrays.")
d2.download_button("Download the heatmap data (.csv)", lambda: traces_csv(_named_traces()), file_name="trace.csv",
                   mime="text/csv", on_click="ignore", key="ce.dl_csv",
                   help="One row per run, quantity, step and unit; characters as code points.")
st.caption("Step with the buttons, the slider or the keyboard (← → Home End, P to play); click any heatmap cell "
           "to select that step and unit. Gates use a fixed 0..1 scale, h and candidates −1..1, "
           "c a symmetric scale whose range is printed.")

# --- what the note says, shown (folded away in presenter mode: one figure at a time)
note = st.expander("What the note says, in numbers", expanded=False) if presenter else st.container()
note.header("What the note says, in numbers")
shown = {arch: resolve(refs[arch]) for arch in chosen}
sizes = [cell_size(m.cell, len(text)) for m in shown.values()]  # each row: the model shown, its own sizes
note.subheader("Parameters and memory")
note.dataframe(
    [{"cell": ARCH_LABELS[s.arch], "gate blocks G": s.blocks, "weight_ih": f"({s.blocks * s.hidden_size}, {s.input_size})",
      "weight_hh": f"({s.blocks * s.hidden_size}, {s.hidden_size})", "parameters": s.parameters,
      "state carried per step (numbers)": s.state_per_step,
      f"autograd keeps for backprop over {len(text)} steps (float32, measured)": f"{s.saved_bytes / 1024:,.1f} KiB"}
     for s in sizes],
    hide_index=True, width="stretch")
note.caption("Each row is the model shown above, with its own sizes. 'State carried' counts what passes from one "
             "step to the next (h, and c for the LSTM); 'autograd keeps' is measured: the tensors torch.nn saves "
             "for the backward pass during one forward over this text. The GRU has 3 gate blocks to the LSTM's 4 "
             "and one state instead of two: the note's 'GRU uses less memory'.")

note.subheader("One matrix or two: W = [W_hh | W_ih]")
arch_w = chosen[0]
cell = resolve(refs[arch_w]).cell
plot(note, weight_figure(refs[arch_w]), key="ce.weights")
note.caption(f"The note writes one W of shape ({cell.gate_count}H, H + I) acting on [h_{{t−1}}; x_t]; PyTorch stores "
           "the same numbers as weight_hh (left of the dashed line) and weight_ih (right). Rows come in gate "
           "blocks in PyTorch's order.")

note.subheader("The equations")
eq_cols = note.columns(len(chosen))
for col, arch in zip(eq_cols, chosen):
    with col:
        st.markdown(f"**{ARCH_LABELS[arch]}**")
        st.latex(SPECS[arch].latex)
if "gru" in chosen:
    note.info("GRU conventions: in PyTorch (and here) z is the share of the old state **kept**: "
            "h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}. The lecture note and Cho et al. (2014) write it the other way round "
            "(their z is our 1 − z). PyTorch also applies r *after* the matrix product, r ⊙ (W_hn h + b_hn), "
            "where Cho applies it before: W_hn (r ⊙ h).", icon="ℹ️")

P.publish()
