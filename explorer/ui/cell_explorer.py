"""The Cell Explorer's widgets and secondary sections; the page composes them around its scene."""
from __future__ import annotations

import streamlit as st

from explorer.cells import ARCHS, SPECS
from explorer.limits import MAX_TEXT_CHARS
from explorer.scenes.cell_explorer import CLAMP_GATES, SOURCES, WHATIFS, CellExplorerScene, clamp_start
from explorer.figures.style import sub_html
from explorer.figures.tables import markdown_table
from explorer.sizes import cell_size
from explorer.ui.cache import SESSION_KINDS, resolve, weight_figure
from explorer.ui.session import CE_SIZES, Key, memo
from explorer.ui.share import folded
from explorer.ui.state import PageState
from explorer.ui.uploaded import layer_controls, uploaded
from explorer.whatif import trace_runs
from explorer.zoo.export import traces_csv, traces_npz

__all__ = ["controls", "whatif_controls", "show_messages", "downloads", "note_section", "sizes_table"]


def controls(P: PageState, presenter: bool) -> None:
    """Text, cells and weights; in presenter mode folded into one closed expander."""
    box = st.expander("Text, cells and weights", expanded=False) if presenter else st.container()
    left, right = box.columns([3, 2])
    with left:
        st.text_area("Text the cell reads", key=P.key("text"), height=90,
                     help=f"Up to {MAX_TEXT_CHARS:,} characters. Untrained models read printable ASCII; anything "
                          "else is shown as ⟨unk⟩.")
    mine = uploaded()
    with right:
        yours = P.get("src") == "yours" and mine is not None and mine.problem is None
        if not yours:
            st.segmented_control("Cells (one cursor for all)", ARCHS, selection_mode="multi", key=P.key("cells"),
                                 format_func=lambda a: SPECS[a].label)
        sources = tuple(s for s in SOURCES if s != "yours" or mine is not None or P.get("src") == "yours")
        st.radio("Weights", sources, key=P.key("src"), horizontal=True, format_func=SOURCES.get,
                 help="Shipped models learned from Python's standard library; untrained ones are PyTorch's "
                      "default init; 'your text' uses the models you trained on the Train & Predict page; 'your "
                      "model' the checkpoint you loaded on the Your Model page, one layer and direction at a time.")
        if yours:
            layer_controls(P, mine)
        if "lstm" in (P.get("cells") or []) or (yours and mine.arch == "lstm"):
            st.radio("Cell-state colours", ("max", "robust"), key=P.key("crange"), horizontal=True,
                     format_func={"max": "full range (max |c|)", "robust": "robust (99th percentile)"}.get,
                     help="One large unit can wash out the cₜ heatmap; the robust range clips at the 99th "
                          "percentile of |c| and says how many values lie beyond it.")
        if P.get("src") == "untrained":  # trained models keep their own sizes: the knobs would not apply
            c1, c2 = st.columns(2)
            c1.number_input("Hidden size H (1–256)", 1, 256, step=1, key=P.key("hidden"),
                            help="Units per cell (1 to 256).")
            c2.number_input("Seed", 0, 1_000_000, step=1, key=P.key("seed"),
                            help="The same seed and sizes give the same weights and the same pictures.")


def whatif_controls(P: PageState, text_length: int) -> None:
    """The clamp's scenario, step and units: folded and drawn only once opened (open state "whatifbox"), opened by
    a link with a what-if on (folding it again keeps the what-if; 'Scenario: none' ends it)."""
    if P.from_link and P.get("whatif") != "none":
        P.set("whatifbox", True)
    box = folded("What if… a gate is clamped?", key=P.key("whatifbox"))
    if box is None:
        P.not_drawn("whatif", "cgate", "cval", "cfrom", "cunits")
        return
    with box:
        def chosen():  # a scenario that holds the state starts where there is something to hold, unless the step
            # was set by hand: a step some scenario would choose by itself follows the new scenario (901 chosen for
            # a freeze stayed for 'f = 0', whose own start is 1)
            automatic = {P.params["cfrom"].default} | {clamp_start(w, text_length) for w in WHATIFS}
            if P.get("cfrom") in automatic:
                P.set("cfrom", clamp_start(P.get("whatif"), text_length))

        st.selectbox("Scenario", tuple(WHATIFS), key=P.key("whatif"), format_func=lambda k: WHATIFS[k][0],
                     on_change=chosen,
                     help="The clamped run is computed by the reference equations and shown beside the original.")
        w1, w2, w3, w4 = st.columns(4)
        if P.get("whatif") == "custom":
            w1.selectbox("Gate", CLAMP_GATES, key=P.key("cgate"),
                         help="LSTM: f (forget), i (input), o (output), g (candidate). GRU: z (update: share of h "
                              "kept), r (reset), n (candidate).")
            w2.select_slider("Value", [0.0, 0.25, 0.5, 0.75, 1.0], key=P.key("cval"))
        if P.get("whatif") != "custom":  # no gate or value to choose: the step and the units come first
            w3, w4 = w1, w2
        if P.get("cfrom") > max(text_length, 1):  # a link's step past the text: its last step, as the scene reads it
            P.set("cfrom", max(text_length, 1))
        w3.number_input("From step t", 1, max(text_length, 1), key=P.key("cfrom"))
        w4.text_input("Units", key=P.key("cunits"), help="'all', or unit numbers separated by commas, e.g. 0, 3, 7")
        st.caption("f = 1 with i = 0 freezes the LSTM's memory: cₜ stays constant while hₜ still follows the "
                   "output gate. f = 0 makes it forget at every step. For the GRU, z = 1 keeps hₜ₋₁ unchanged. "
                   "Original and what-if share one colour scale; pinned values are marked ⊣ pinned.")


def show_messages(scene: CellExplorerScene) -> None:
    for m in scene.messages:
        getattr(st, m.level)(m.text, icon=m.icon)


def downloads(scene: CellExplorerScene) -> None:
    # built on click, from models resolved here (the callable runs off the script thread)
    resolved = [(r.id, resolve(r.ref), r.clamps) for r in scene.runs]
    text, start, stop = scene.text, scene.offset, scene.offset + len(scene.view_text)

    def traces():
        return trace_runs(resolved, text, start, stop)

    # named by what they hold: the runs and the steps (a walk's repeated downloads were all trace.csv)
    name = f"trace-{'-'.join(r.id for r in scene.runs)}-t{start + 1}-{stop}"
    d1, d2, _ = st.columns([1, 1, 2])
    d1.download_button("Trace (.npz)", lambda: traces_npz(traces()), file_name=f"{name}.npz",
                       icon=":material/download:",
                       mime="application/octet-stream", on_click="ignore", key="ce.dl_npz",
                       help="Every gate, state and next-character distribution of every run shown, as arrays.")
    d2.download_button("Heatmaps (.csv)", lambda: traces_csv(traces()), file_name=f"{name}.csv",
                       icon=":material/download:",
                       mime="text/csv", on_click="ignore", key="ce.dl_csv",
                       help="One row per run, quantity, step and unit; characters as code points.")


@st.cache_data(max_entries=64, show_spinner=False)
def _shared_size(ref: tuple, steps: int):
    return cell_size(resolve(ref).cell, steps)


def sizes_table(scene: CellExplorerScene) -> list[dict]:
    """One row per model shown, each with its own sizes; autograd's memory measured on this text's length."""
    rows = []
    for arch, ref in scene.refs.items():
        if ref[0] in SESSION_KINDS:  # this user's model: memoised in the session, so a cursor rerun never re-measures
            model = resolve(ref)
            key = Key(f"{CE_SIZES.name}.{arch}", CE_SIZES.doc)  # one per shown cell, so rows do not evict each other
            s = memo(key, (ref, id(model), len(scene.text)), lambda: cell_size(model.cell, len(scene.text)))
        else:
            s = _shared_size(ref, len(scene.text))
        rows.append({"cell": SPECS[arch].label, "gate blocks G": s.blocks,
                     "weight_ih": f"({s.blocks * s.hidden_size}, {s.input_size})",
                     "weight_hh": f"({s.blocks * s.hidden_size}, {s.hidden_size})", "parameters": s.parameters,
                     "state carried per step (numbers)": s.state_per_step,
                     "kept for backprop (measured)": f"{s.saved_bytes / 1024:,.1f} KiB"})
    return rows


def note_section(scene: CellExplorerScene, P: PageState) -> None:
    """The note's claims in numbers: sizes, the single matrix W, the equations, in a folded section.

    Drawn only once opened: below the stepping view nobody sees it on arrival, and drawn it cost every first
    load of the page its table, picture and equations in the browser (bench_pages.py).
    """
    # its open state is the page's "note" value: kept in the link and across a trip to another page
    note = folded("What the note says, in numbers: sizes, the one matrix W, the equations", key=P.key("note"),
                  icon=":material/menu_book:")
    if note is None:
        return
    note.caption("“The note” is the lecture note this app grew from (LSTM and GRU, 2021): each of its claims is "
                 "shown here on the models above.")
    note.subheader("Parameters and memory")
    note.markdown(markdown_table(sizes_table(scene)))  # a table, not a data grid: no 1.2 MB grid bundle to load
    per_layer = (" A layer of your uploaded model counts that layer alone (its own Wᵢₕ, Wₕₕ and biases); the "
                 "whole model's count, embedding and readout included, is on Your Model."
                 if any(ref[0] == "yours" for ref in scene.refs.values()) else "")
    note.caption(f"Each row is the model shown above, with its own sizes.{per_layer} 'State carried' counts what "
                 "passes from one step to the next (h, and c for the LSTM); 'kept for backprop' is measured: the "
                 "tensors torch.nn saves for the backward pass (autograd) during one forward over these "
                 f"{len(scene.text)} steps, in float32 (KiB: 1,024 bytes). The GRU has 3 gate blocks to the "
                 "LSTM's 4 and one state instead of two: the note's 'GRU uses less memory'.")
    note.subheader("One matrix or two: W = [Wₕₕ | Wᵢₕ]")
    arch, ref = next(iter(scene.refs.items()))
    picture = weight_figure(ref)
    note.image(picture.png, width="stretch", output_format="PNG",  # as encoded: "auto" would re-encode to JPEG
               caption=f"Colour: blue −{picture.vmax:.2f} … white 0 … red +{picture.vmax:.2f} (99 % of the weights lie "
                       f"within; the largest |w|, {picture.largest:.2f}, and the rest beyond take the end colours). "
                       "Rows: the gate blocks; columns: left of the dashed line Wₕₕ, right of it Wᵢₕ.")
    note.caption(f"The note writes one W of shape ({SPECS[arch].gate_count}H, H + I) acting on [hₜ₋₁; xₜ] — "
                 "(4h, 2h) only when the input and hidden sizes agree; PyTorch stores the same numbers as weight_hh "
                 "(left of the dashed line) and weight_ih (right). Rows come in gate blocks in PyTorch's order.")
    note.subheader("The equations")
    for col, arch in zip(note.columns(len(scene.refs)), scene.refs):
        with col:
            # the spec's own equations as HTML (nothing typed by a user): no math library to fetch before the view
            st.markdown(f"**{SPECS[arch].label}**<br>" + "<br>".join(sub_html(line) for line in SPECS[arch].equations),
                        unsafe_allow_html=True)
    if "gru" in scene.refs:
        note.info("GRU conventions: in PyTorch (and here) z is the share of the old state **kept**: "
                  "hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁. The lecture note and Cho et al. (2014) write it the other way "
                  "round (their z is our 1 − z). PyTorch also applies r *after* the matrix product, "
                  "r ⊙ (Wₕₙ h + bₕₙ), where Cho applies it before: Wₕₙ (r ⊙ h).", icon="ℹ️")
