"""The Unit Finder's widgets and sections; the page composes them around one TextAnalysis."""
from __future__ import annotations

import streamlit as st

from explorer.data.corpus import sample_text
from explorer.data.features import FEATURE_LABELS, FEATURES
from explorer.figures.style import ARCH_LABELS
from explorer.figures.tables import markdown_table
from explorer.figures.units import (ranking_bars, saturation_scatter, text_colored, text_csv, topk_bars, unit_over_time,
                                    value_scale)
from explorer.limits import MAX_PATTERN_LEN, MAX_TEXT_CHARS
from explorer.scenes.unit_finder import Span, clamp_span, feature_warning, found_headline, threshold_hint
from explorer.text import char_label, signed
from explorer.ui.session import UF_SAMPLE_MATCHED
from explorer.ui.share import data_button, folded, plot, section
from explorer.ui.state import PageState
from explorer.ui.uploaded import layer_controls
from explorer.zoo.layer_model import Uploaded
from explorer.units import CARRY_GATE, HeldOut, SIGNAL_LABELS, SIGNALS, TextAnalysis, find_matches, select_units

__all__ = ["SAT_GATES", "match_sample_once", "controls", "text_box", "found_banner", "unit_view", "rankings",
           "selection", "saturation"]

SAT_GATES = {"lstm": ("f", "i", "o"), "gru": ("z", "r")}
NO_BAR = {"displayModeBar": False}
AROUND = 12  # characters shown on each side of a span match


def _fit_choice(P: PageState, name: str, options: tuple) -> None:
    """A value valid for another model (e.g. signal 'c' after switching to a GRU) falls back to the first."""
    if P.get(name) not in options:
        P.set(name, options[0])


def _load_sample(P: PageState, corpus: str) -> None:
    P.set("text", sample_text(corpus))


def _match_sample(P: PageState) -> None:
    """Show a model its own kind of text: swap one built-in sample for the other (typed text stays)."""
    corpus = P.get("model").split("-")[0]
    if P.get("text") in (sample_text("stdlib"), sample_text("synthetic")):
        _load_sample(P, corpus)


def match_sample_once(P: PageState) -> None:
    if not UF_SAMPLE_MATCHED.get():  # a link to a toy-language model opens on toy text
        UF_SAMPLE_MATCHED.set(True)
        _match_sample(P)


MODEL_SOURCES = {"shipped": "shipped with the app", "yours": "your model (uploaded)"}


def controls(P: PageState, names: tuple[str, ...], arch: str, mine: Uploaded | None, yours: bool) -> None:
    """Model, activation and feature; `yours`: the uploaded model is shown (layer and direction instead of a name)."""
    _fit_choice(P, "signal", SIGNALS[arch])
    if arch in SAT_GATES:
        _fit_choice(P, "gate", SAT_GATES[arch])
    if mine is not None or P.get("src") == "yours":
        st.radio("Models", tuple(MODEL_SOURCES), key=P.key("src"), horizontal=True, format_func=MODEL_SOURCES.get,
                 help="Your model: the checkpoint loaded on the Your Model page, one layer and direction at a time, "
                      "compared with the same architecture at PyTorch's default init reading the same embedding.")
    c1, c2, c3 = st.columns(3)
    if yours:
        with c1:
            layer_controls(P, mine)
    else:
        c1.selectbox("Model", names, key=P.key("model"), on_change=_match_sample, args=(P,),
                     format_func=lambda n: f"{ARCH_LABELS[n.split('-')[1]]} · "
                                           f"{'Python source' if n.startswith('stdlib') else 'toy language'}",
                     help="Python source: the standard library's own files. Toy language: a seeded text of nested "
                          "brackets, strings and comments whose ground truth is known exactly.")
    c2.selectbox("Unit activation", SIGNALS[arch], key=P.key("signal"), format_func=SIGNAL_LABELS.get)
    c3.selectbox("Feature", FEATURES + ("regex",), key=P.key("feature"), format_func=FEATURE_LABELS.get)


def text_box(P: PageState) -> None:
    """The text (folded away: it is long) and the regex feature, in sight when it is the feature chosen."""
    regex_chosen = P.get("feature") == "regex"
    if regex_chosen:  # the pattern drives everything below: never behind a fold
        _regex_box(P)
    with st.expander("Text the model reads", expanded=False):
        st.text_area("Text", key=P.key("text"), height=220, label_visibility="collapsed")
        b1, b2, _ = st.columns([1, 1, 2])
        b1.button("Python sample", on_click=_load_sample, args=(P, "stdlib"), key="uf.sample_py")
        b2.button("Toy-language sample", on_click=_load_sample, args=(P, "synthetic"), key="uf.sample_syn")
        if not regex_chosen:
            _regex_box(P)


def _regex_box(P: PageState) -> None:
    st.text_input(f"Your feature: a regular expression (at most {MAX_PATTERN_LEN} characters)",
                  key=P.key("regex"), help="Characters inside a match count as 1, others as 0. Runs with a "
                                           "time limit.")


def found_banner(A: TextAnalysis, feature: str) -> None:
    """The headline for the chosen feature (nothing when it says nothing here: unit_view says why)."""
    headline = found_headline(A, feature, SIGNAL_LABELS[A.signal])
    if headline:
        strong, text = headline
        (st.success if strong else st.info)(text)


def unit_view(P: PageState, A: TextAnalysis, feature: str, hidden: int, span: Span, matches, presenter: bool,
              no_predictions: str | None = None) -> int:
    """The coloured text, the top-k bars at the cursor and the unit against the ground truth; returns the unit."""
    T, labels, sig = len(A.text), A.trained.labels, A.signal
    problem = feature_warning(A, feature)
    if problem:
        st.warning(problem)
    best_unit, _ = A.ranking.best(feature)
    u1, u2, u3 = st.columns([2, 2, 3])
    u1.toggle("Auto: best unit", key=P.key("auto"), help="Pick the unit with the largest |r| for the feature.")
    if P.get("auto"):  # the greyed-out box shows the unit the page picked, not a stale number
        P.set("unit", best_unit)
        P.derived("unit")  # picked again wherever the link opens
    else:  # a link's unit past this model's last one: said, not silently moved
        P.beyond("unit", min(int(P.get("unit")), hidden - 1), "the model's last unit")
    u2.number_input("Unit", min_value=0, max_value=hidden - 1, key=P.key("unit"), disabled=P.get("auto"))
    unit = best_unit if P.get("auto") else min(P.get("unit"), hidden - 1)
    if P.get("t") > T - 1:
        P.set("t", T - 1)  # the box shows the cursor that is used
    u3.number_input("Cursor t (top-k next characters)", min_value=0, max_value=max(T - 1, 0), key=P.key("t"))
    cursor = min(P.get("t"), T - 1)
    r_unit = float(A.ranking.r[A.features.names.index(feature), unit])
    top = A.trained.top_k(3)  # k = 0 for a layer whose h the readout does not read alone
    chars = [char_label(ch) for ch in A.trained.vocab.chars]
    next_chars = ["next: " + " · ".join(f"'{chars[i]}' {p:.0%}" for i, p in zip(ids, probs)) if ids else ""
                  for ids, probs in zip(top.ids.tolist(), top.probs.tolist())]  # (T,): Python numbers, not tensors
    kind = "gate" if sig in ("f", "i", "o", "z", "r") else "tanh" if sig in ("h", "g", "n") else "unbounded"
    left, right = st.columns([4, 1])
    with left:
        st.container(key="uf_text").html(text_colored(
            labels, A.acts[:, unit], title=f"The text coloured by unit {unit} of the {SIGNAL_LABELS[sig]}", kind=kind,
            value_name=sig, unit=unit, next_chars=next_chars, cursor=cursor, selection=(span.start, span.end),
            matches=matches[:3], presenter=presenter))
        data_button(st, lambda: text_csv(labels, A.acts[:, unit], value_name=sig, unit=unit), key="uf.text_fig")
        vs = value_scale(kind, A.acts[:, unit])  # the colours the text is drawn in, named
        direction = (f"where it is high the text is {vs.high}" if r_unit >= 0
                     else f"where it is high the text is {vs.low}, since r < 0")
        st.caption(f"Each character is coloured by unit {unit}'s {SIGNAL_LABELS[sig]} after reading it (r = "
                   f"{signed(r_unit)} with {FEATURE_LABELS[feature]}: {direction}). Point at a character for its "
                   "value and the next-character guess; black box: cursor; orange: your selection; dotted green: the "
                   f"top 3 other places where the units on there (h ≥ {float(P.get('thr')):g}) are on together.")
    with right:
        k = A.trained.top_k(5)
        if not k.ids.shape[1]:
            st.caption(f"No next-character bars for this layer: {no_predictions or 'the model has no readout'}.")
        else:
                plot(st, topk_bars([char_label(A.trained.vocab.chars[int(i)]) for i in k.ids[cursor]],
                               [float(p) for p in k.probs[cursor]], after=f"'{labels[cursor]}'", presenter=presenter),
                 key="uf.topk_fig", config=NO_BAR)
    with section("The unit against the ground truth, step by step", presenter, heading=False):
        plot(st, unit_over_time(A.acts[:, unit], A.features[feature], unit=unit, value_name=sig, feature_name=feature,
                                r=r_unit, presenter=presenter), key="uf.time_fig", config=NO_BAR)
        st.caption("The line is the unit; the grey steps are the ground truth. A counter rises and falls with the "
                   "steps.")
    return unit


def rankings(A: TextAnalysis, feature: str, arch: str, presenter: bool) -> None:
    with section("Units ranked by |correlation|, trained against untrained", presenter):
        g1, g2 = st.columns([1, 1])
        with g1:
            plot(st, ranking_bars(A.ranking, A.ranking_untrained, arch=arch, presenter=presenter), key="uf.rank_fig",
                 config=NO_BAR)
            st.caption("For each feature, the best |Pearson r| of any unit over this text (1: the unit follows the "
                       "feature exactly, 0: unrelated). Some features correlate ~0.5 with untrained units (they "
                       "echo the input); only the gap to grey is learning.")
        with g2:
            rows = [{"rank": i + 1, "unit": a[0], "r": signed(a[1]), "untrained unit": b[0],
                     "untrained r": signed(b[1])}
                    for i, (a, b) in enumerate(zip(A.ranking.top(feature, 8), A.ranking_untrained.top(feature, 8)))]
            st.markdown(f"**Top units for {FEATURE_LABELS[feature]}**")
            # a Markdown table, not a data grid: the page loads no 1.2 MB grid bundle before its first figure
            st.markdown(markdown_table(rows, align={"r": "right", "untrained r": "right"}))


def span_and_units(P: PageState, A: TextAnalysis):
    """The selection actually used (the boxes are set to it) and the units on over it, with their matches."""
    T = len(A.text)
    span = clamp_span(T, P.get("start"), P.get("end"))
    if span.changed:
        P.set("start", span.start)
        P.set("end", span.end)
    thr = float(P.get("thr"))
    h = A.trained.trace.h.double().numpy()  # (T, H): LSTMVis selects on h, whose range is -1..1
    units_on = select_units(h, span.start, span.end, thr)
    matches = find_matches(h, units_on, thr, exclude=(span.start, span.end), limit=8)
    return span, units_on, matches


def selection(P: PageState, A: TextAnalysis, held: HeldOut | None, span: Span, units_on, matches) -> None:
    """The span's units and where else they are on together: in this text, and in `held` (the held-out corpus of
    a shipped model; None for a model that has none). Folded, and drawn only once opened; its open state is the
    page's "spanbox" value (in the link), and a link that sets the span or the threshold opens it."""
    labels, thr = A.trained.labels, float(P.get("thr"))
    if P.from_link and any(P.get(n) != P.params[n].default for n in ("start", "end", "thr")):
        P.set("spanbox", True)  # a link that sets the span shows it
    box = folded("Select a span: which units are on there, and where else together?", key=P.key("spanbox"))
    if box is None:
        P.not_drawn("start", "end", "thr")
        return
    with box:
        s1, s2, s3 = st.columns(3)
        s1.number_input("Selection start", min_value=0, max_value=MAX_TEXT_CHARS - 1, key=P.key("start"))
        s2.number_input("Selection end (exclusive)", min_value=1, max_value=MAX_TEXT_CHARS, key=P.key("end"))
        s3.number_input("Threshold on h", min_value=-1.0, max_value=1.0, step=0.05, key=P.key("thr"))
        if span.changed:
            st.info(f"The selection now covers t = {span.start}..{span.end - 1}: {span.why}.")
        st.text("".join(labels[span.start:span.end]))  # plain text: no code highlighter to fetch before the page draws
        if not units_on:
            best, unit, usable = threshold_hint(A.trained.trace.h.double().numpy(), span)
            st.info(f"No unit's h stays ≥ {thr:g} over all of t = {span.start}..{span.end - 1}. The highest threshold "
                    f"any unit holds over this span is {best:.3f} (unit {unit}): lower the threshold to "
                    f"{usable:.2f}, or shorten the span.")
            st.button(f"Use threshold {usable:.2f}", key="uf.use_thr", on_click=lambda: P.set("thr", usable))
            return
        st.markdown(f"**{len(units_on)} unit{'s' if len(units_on) != 1 else ''}** keep{'s' if len(units_on) == 1 else ''} h ≥ {thr:g} over t = {span.start}..{span.end - 1}: "
                    f"{', '.join(map(str, units_on[:40]))}{' …' if len(units_on) > 40 else ''}")
        found = [("this text", m, labels) for m in matches] + ([] if held is None else
            [("held-out corpus", m, held.labels) for m in find_matches(held.h, units_on, thr, limit=8)])
        if not found:
            st.info("These units are never all on together anywhere else in this text"
                    + (" or in the held-out corpus." if held is not None else "."))
            return
        # the text is the user's: markdown_table escapes every character Markdown (or math) would read
        st.markdown(markdown_table([{"where": w, "t": m.start, "length": m.end - m.start,
                                     "units on": f"{m.agreement:.0%}",
                                     "text (match in the middle)": "".join(lab[max(m.start - AROUND, 0):m.start]) + " ⟦"
                                     + "".join(lab[m.start:m.end]) + "⟧ " + "".join(lab[m.end:m.end + AROUND])}
                                    for w, m, lab in found], align={"units on": "right"}))
        st.caption(f"⟦ ⟧ mark where the units are all on together, with {AROUND} characters on each side; "
                   f"{char_label(' ')} is a space and {char_label(chr(10))} a line break. “units on”: the share of the "
                   "chosen units that are on, averaged over the match.")


def saturation(P: PageState, held: HeldOut, arch: str, presenter: bool, over: str | None = None) -> None:
    """Each unit's share of saturated gate values over `held` (the held-out corpus; `over` names other text).
    Folded, and drawn only once opened; open state "satbox" (in the link), opened by a link that chooses the gate."""
    if arch not in SAT_GATES:
        return
    if P.from_link and P.get("gate") != P.params["gate"].default:
        P.set("satbox", True)  # a link that chooses the gate shows it
    box = folded("Gate saturation: how often each gate sits near 0 or near 1", key=P.key("satbox"))
    if box is None:
        P.not_drawn("gate")
        return
    with box:
        gate = st.radio("Gate", SAT_GATES[arch], key=P.key("gate"), horizontal=True, format_func=SIGNAL_LABELS.get)
        held_text = held.text
        trained, untrained = held.saturation[gate]
        plot(st, saturation_scatter(trained, untrained, arch=arch, presenter=presenter), key="uf.sat_fig",
             config=NO_BAR)
        carry = (" (the carry gate: the one that keeps the old state; near 1 means the unit keeps its memory)"
                 if gate == CARRY_GATE.get(arch) else "")
        lo, hi = trained.lo, trained.hi
        untrained_most = float((untrained.low + untrained.high).max())  # a unit's share of steps past lo or hi
        moved = int(((trained.low + trained.high) > 0.5).sum())
        untrained_says = ("never leaves that range, so all its dots sit at 0 %, 0 %" if untrained_most == 0 else
                          f"leaves it on at most {untrained_most:.1%} of the steps in any unit"
                          + (", so its dots sit near 0 %, 0 %" if untrained_most < 0.1 else ""))
        st.caption(f"Over {len(held_text):,} {over or 'held-out characters (text no model trained on)'}: one dot per "
                   f"unit, its share of steps with {gate} below {lo:g} (x) and above {hi:g} (y){carry}. The untrained "
                   f"model's {gate} stays between {lo:g} and {hi:g}: it {untrained_says}. Training moves units out "
                   f"along the axes: {moved} of the trained model's {len(trained.low)} units are below {lo:g} or "
                   f"above {hi:g} on more than half of the steps.")
