"""The Lesson: the note, step by step, each step a live scene whose sentences quote numbers it computes.

Every step is built from real models: the three cells trained on the note's "hello" (deterministic, seed
0) and untrained cells measured as in the Gradient Lab. A step's `numbers` are the values its sentences
quote, so the tests compare the text with the trace it came from. The note's sections are retold in the
app's own words; where the note is imprecise a step says so and shows the truth on numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import plotly.graph_objects as go

from explorer.cells import SPECS
from explorer.figures.gradients import decay_figure
from explorer.figures.heatmaps import heatmap, weight_blocks
from explorer.figures.style import ARCH_COLORS, base_layout, plot_text
from explorer.figures.tables import md_escape
from explorer.model import CharModel
from explorer.scenes.gradient_lab import LabConfig, lab_curves
from explorer.text import signed

__all__ = ["HELLO", "Control", "StepScene", "LessonStep", "STEPS", "step_index", "build_step"]

HELLO = "hello"
Models = Callable[[str], CharModel]  # arch -> the model trained on "hello"
Curves = Callable[[LabConfig, str], object]  # (config, arch) -> ArchCurves, cached by the page


@dataclass(frozen=True)
class Control:
    """The step's one "try this": a knob the reader turns, kept in the URL as `knob`."""

    kind: str  # "slider", "toggle" or "text"
    label: str
    default: float | bool | str
    lo: float = 0.0
    hi: float = 1.0
    step: float = 0.5


@dataclass(frozen=True)
class StepScene:
    sentences: tuple[str, ...]  # markdown; every number in them is in `numbers`
    figure: go.Figure | None
    numbers: dict[str, float] = field(default_factory=dict)
    open_page: tuple[str, dict] | None = None  # the full page that shows this scene, and its link parameters
    notes: str = ""  # speaker notes for the instructor


@dataclass(frozen=True)
class LessonStep:
    slug: str
    title: str
    note_says: str  # the note's claim, in the app's words
    build: Callable[..., StepScene]
    control: Control | None = None
    imprecise: bool = False  # a step where the note is imprecise or wrong


def _n(v: float) -> str:
    """A number as the page prints it: two decimals, a true minus sign, in parentheses when negative."""
    return f"({signed(v, '.2f')})" if v < 0 else f"{v:.2f}"


def _m(v: float) -> str:
    """Two decimals with a true minus sign (a result, or inside brackets already)."""
    return signed(v, ".2f")


def _pct(v: float) -> str:
    return f"{100 * v:.0f} %"


def _lstm_at(models: Models, t: int) -> tuple[int, dict[str, float]]:
    """The unit whose cell state moves most at step t of "hello", and every term of its update there."""
    tt = models("lstm").trace_text(HELLO)
    tr, k = tt.trace, t - 1
    u = int((tr.c[k] - tr.c_prev[k]).abs().argmax())
    g = {name: float(v[k, u]) for name, v in tr.gates.items()}
    return u, {**g, "c_prev": float(tr.c_prev[k, u]), "c": float(tr.c[k, u]), "h": float(tr.h[k, u])}


# ------------------------------------------------------------------------------------------------ steps
def _rnn(models: Models, knob=None, presenter=False) -> StepScene:
    tr = models("rnn").trace_text(HELLO).trace
    change = float((tr.h[3] - tr.h[2]).abs().mean())  # t = 3 -> 4: the two l's
    H = tr.hidden_size
    return StepScene(
        (f"A plain RNN keeps one vector, **h**, of H = {H} numbers. Each step mixes the new character with the "
         "old h through two weight matrices and squashes the result into −1..1: hₜ = tanh(Wᵢₕ xₜ + Wₕₕ hₜ₋₁ + b).",
         f"Nothing is kept aside: between the two l's of “hello” (t = 3 and 4) the {H} numbers change by "
         f"{change:.2f} on average. Every step rewrites the whole memory."),
        heatmap(tr, "h", list(HELLO), step=4, presenter=presenter),
        {"H": H, "mean_change": change}, ("pages/cell-explorer.py", {"text": HELLO, "src": "hello", "cells": "rnn"}),
        "Point at one row (a unit) and follow it across the five steps.")


def _fading(models: Models, knob=None, presenter=False, curves: Curves = lab_curves) -> StepScene:
    c = curves(LabConfig(), "rnn")
    d3 = c.input_reach.distances[0]
    return StepScene(
        ("Learning needs the gradient: how much the last hidden state moves when an earlier input changes. In a "
         "plain RNN it is multiplied by one Jacobian per step, and those products shrink geometrically.",
         f"Here an untrained RNN (H = 64, PyTorch's init) on a {c.sens.steps}-character text: the effect of an input falls "
         f"below 1/1000 of the last input's after **{d3} steps**. Anything further back is out of reach."),
        decay_figure({"rnn": c}, presenter=presenter), {"reach_1e3": d3},
        ("pages/gradient-lab.py", {"cells": "untrained"}),
        "The log axis makes the geometric decay a straight line; its slope is the per-step shrink factor.")


def _two_states(models: Models, knob=None, presenter=False) -> StepScene:
    tr = models("lstm").trace_text(HELLO).trace
    cmax, hmax = float(tr.c.abs().max()), float(tr.h.abs().max())
    return StepScene(
        ("The LSTM keeps two vectors. The **cell state c** is the long memory: it is only ever scaled and added "
         "to, never squashed. The **hidden state h** is what the cell shows the world at this step.",
         f"On “hello” the largest |c| is {cmax:.2f}, while h stays within ±1 (largest |h| = {hmax:.2f}): "
         "h = o ⊙ tanh(c) is a filtered, bounded view of c."),
        heatmap(tr, "c", list(HELLO), step=4, presenter=presenter), {"c_max": cmax, "h_max": hmax},
        ("pages/cell-explorer.py", {"text": HELLO, "src": "hello"}))


def _one_matrix(models: Models, knob=None, presenter=False) -> StepScene:
    cell = models("lstm").cell
    H, I = cell.hidden_size, cell.input_size
    return StepScene(
        ("All four gates come from one matrix product: W times the stacked vector [hₜ₋₁; xₜ], then split into "
         "four blocks of H rows — input gate i, forget gate f, candidate g, output gate o.",
         f"Here W has {4 * H} rows and {H + I} columns: (4H, H + I) with H = {H} and I = {I} input characters. "
         f"The note writes (4h, 2h), which holds only when the input is as wide as the hidden state; PyTorch "
         "stores the two halves apart as weight_hh and weight_ih."),
        weight_blocks(cell.weight_ih.detach().numpy(), cell.weight_hh.detach().numpy(), cell.spec.gates),
        {"rows": 4 * H, "cols": H + I, "H": H, "I": I}, ("pages/cell-explorer.py", {"text": HELLO, "src": "hello"}))


def _forget(models: Models, knob=None, presenter=False) -> StepScene:
    u, v = _lstm_at(models, 4)
    return StepScene(
        ("The **forget gate** f is a sigmoid, so each of its H numbers lies between 0 and 1. It multiplies the "
         "old cell state unit by unit: 1 keeps a unit's memory, 0 erases it.",
         f"At the second l (t = 4), unit {u} has f = {v['f']:.2f}: it keeps {_pct(v['f'])} of its old value "
         f"c = {_m(v['c_prev'])}."),
        heatmap(models("lstm").trace_text(HELLO).trace, "f", list(HELLO), step=4, presenter=presenter),
        {"unit": u, "f": v["f"], "c_prev": v["c_prev"]},
        ("pages/cell-explorer.py", {"text": HELLO, "src": "hello", "t": 4, "unit": u}))


def _write(models: Models, knob=None, presenter=False) -> StepScene:
    u, v = _lstm_at(models, 4)
    return StepScene(
        ("What is written comes in two parts. The **candidate** g (tanh, −1..1; the note's “gate gate”) proposes "
         "new content; the **input gate** i (0..1) says how much of it to let in.",
         f"Why both: g sets the sign and size, i decides whether to write at all, so a unit can ignore an input "
         f"without its candidate having to be zero. At t = 4, unit {u}: i = {_m(v['i'])}, g = {_m(v['g'])}, so "
         f"it writes i · g = {_m(v['i'] * v['g'])}."),
        heatmap(models("lstm").trace_text(HELLO).trace, "i", list(HELLO), step=4, presenter=presenter),
        {"unit": u, "i": v["i"], "g": v["g"], "ig": v["i"] * v["g"]},
        ("pages/cell-explorer.py", {"text": HELLO, "src": "hello", "t": 4, "unit": u}))


def _update(models: Models, knob=None, presenter=False) -> StepScene:
    u, v = _lstm_at(models, 4)
    frozen = bool(knob)
    text = [f"The cell update adds the two: cₜ = f ⊙ cₜ₋₁ + i ⊙ g. At t = 4, unit {u}: "
            f"c = {_n(v['f'])} × {_n(v['c_prev'])} + {_n(v['i'])} × {_n(v['g'])} = **{_m(v['c'])}**."]
    fig_trace = models("lstm").trace_text(HELLO).trace
    numbers = {"unit": u, **{k: v[k] for k in ("f", "c_prev", "i", "g", "c")}}
    if frozen:
        from explorer.reference import Clamp
        from explorer.whatif import clamped_text_trace
        pinned = clamped_text_trace(models("lstm"), HELLO, (Clamp("f", 1.0, 3), Clamp("i", 0.0, 3))).trace
        c_frozen = float(pinned.c[3, u])
        text.append(f"With f pinned to 1 and i to 0 from t = 3, nothing is forgotten and nothing written: c stays "
                    f"at its t = 2 value, {_m(c_frozen)}, at every later step.")
        numbers["c_frozen"] = c_frozen
        fig_trace = pinned
    return StepScene(tuple(text), heatmap(fig_trace, "c", list(HELLO), step=4, presenter=presenter), numbers,
                     ("pages/cell-explorer.py", {"text": HELLO, "src": "hello", "t": 4, "unit": u,
                                                 **({"whatif": "freeze", "cfrom": 3} if frozen else {})}))


def _output(models: Models, knob=None, presenter=False) -> StepScene:
    u, v = _lstm_at(models, 4)
    return StepScene(
        ("Last, the **output gate** o (0..1) decides how much of the squashed memory to show: hₜ = o ⊙ tanh(cₜ). "
         "This h is what the readout turns into a prediction, and what the next step reads.",
         f"At t = 4, unit {u}: h = {_n(v['o'])} × tanh({_m(v['c'])}) = **{_m(v['h'])}**."),
        heatmap(models("lstm").trace_text(HELLO).trace, "o", list(HELLO), step=4, presenter=presenter),
        {"unit": u, "o": v["o"], "c": v["c"], "h": v["h"]},
        ("pages/cell-explorer.py", {"text": HELLO, "src": "hello", "t": 4, "unit": u}))


def _tail(read: str, keep: int = 3) -> str:
    """What was read, as a bar's label: its last `keep` characters after an ellipsis when longer."""
    return read if len(read) <= keep + 1 else "…" + read[-keep:]


def _hello(models: Models, knob=None, presenter=False, train: Callable[[str, str], CharModel] | None = None):
    word = str(knob or HELLO)
    fetch = models if word == HELLO or train is None else (lambda arch: train(word, arch))
    fig, numbers = go.Figure(), {}
    for arch in ("lstm", "gru", "rnn"):
        tt = fetch(arch).trace_text(word)
        right = [float(tt.probs[t, int(tt.tokens[t + 1])]) for t in range(len(word) - 1)]
        numbers.update({f"{arch}_p{t + 1}": p for t, p in enumerate(right)})
        # what was read, and below it what comes next: on one line 'hel → l' ran into 'hell → o' on a phone
        # a long word shows the last three characters read ('…ssi'): eleven whole prefixes overlapped on a phone
        fig.add_bar(x=[f"{plot_text(_tail(word[:t + 1]))}<br>→ {plot_text(word[t + 1])}" for t in range(len(word) - 1)],
                    y=right, name=SPECS[arch].label, marker_color=ARCH_COLORS[arch])
    base_layout(fig, title="How sure each cell is of the next character",  # the word is on every bar's label
                height=360, presenter=presenter)
    fig.update_yaxes(range=[0, 1.05], title="p(right next character)")
    # the legend in a row under the title, not in a column beside the bars (it took a third of a phone's width)
    fig.update_layout(legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"), margin_t=84 if presenter else 76)
    lstm = fetch("lstm").trace_text(word)
    preds = [lstm.vocab.chars[int(lstm.probs[t].argmax())] for t in range(len(word) - 1)]
    q = lambda s: f"“{md_escape(s)}”"  # noqa: E731  the user's characters, shown as typed (never Markdown or math)
    said = ", ".join(f"after {q(word[:t + 1])}: {q(p)}" for t, p in enumerate(preds))
    trained = ("The note's example. Each cell was trained on “hello”" if word == HELLO else
               f"Your word instead of the note's “hello”: each cell was trained on {q(word)}")
    return StepScene(
        (f"{trained} for about a second; feed it one character and it predicts the next, which is fed back in.",
         f"The LSTM says {said}. After “hel” and after “hell” the input is the same letter; only the memory in "
         "the state can tell the two l's apart." if word == HELLO else f"The LSTM says {said}."),
        fig, numbers, ("pages/train.py", {"text": word}))


def _gradient(models: Models, knob=None, presenter=False, curves: Curves = lab_curves) -> StepScene:
    bias = float(knob if knob is not None else 3.0)
    base = curves(LabConfig(), "lstm")
    pushed = curves(LabConfig(forget_bias=bias), "lstm")
    d0, d1 = base.input_reach.distances[0], pushed.input_reach.distances[0]
    steps = base.sens.steps
    far = lambda d: str(d) if d is not None else f"more than {steps - 1}"  # noqa: E731
    return StepScene(
        ("Backwards through the cell state there is no squashing: ∂cₜ/∂cₜ₋₁ = diag(fₜ), so along c the gradient "
         "is multiplied by the forget gates and nothing else.",
         f"With PyTorch's init (mean f = {base.carry_mean:.2f}) an untrained LSTM's input sensitivity falls below "
         f"1/1000 after {far(d0)} steps; with forget bias {bias:g} (mean f = {pushed.carry_mean:.2f}) after "
         f"{far(d1)}."),
        decay_figure({"lstm": base, f"LSTM, forget bias {bias:g}": pushed}, overlays=False, presenter=presenter),
        {"reach_default": d0 if d0 is not None else steps, "reach_biased": d1 if d1 is not None else steps,
         "f_default": base.carry_mean, "f_biased": pushed.carry_mean},
        ("pages/gradient-lab.py", {"cells": "untrained", "fbias": bias, "zbias": bias}))


def _imprecise(models: Models, knob=None, presenter=False, curves: Curves = lab_curves) -> StepScene:
    rnn, lstm = curves(LabConfig(), "rnn"), curves(LabConfig(), "lstm")
    a, b = rnn.input_reach.distances[0], lstm.input_reach.distances[0]
    return StepScene(
        ("The note says the additive update means gradients do not vanish on long sequences. That is true only "
         "when the forget gates stay near 1.",
         f"At PyTorch's init they sit near one half (mean f = {lstm.carry_mean:.2f}), and the untrained LSTM loses "
         f"its gradient almost as fast as a plain RNN: below 1/1000 after {b} steps against the RNN's {a}. "
         "Training, or a forget-gate bias, has to push f towards 1 first."),
        decay_figure({"rnn": rnn, "lstm": lstm}, overlays=True, presenter=presenter),
        {"reach_rnn": a, "reach_lstm": b, "f_mean": lstm.carry_mean},
        ("pages/gradient-lab.py", {"cells": "untrained"}),
        "Ask the room to predict the LSTM's curve before you show it.")


def _gru(models: Models, knob=None, presenter=False) -> StepScene:
    from explorer.sizes import cell_size

    gru, lstm = models("gru"), models("lstm")
    z = gru.trace_text(HELLO).trace.gates["z"]
    p_gru, p_lstm = cell_size(gru.cell, 5).parameters, cell_size(lstm.cell, 5).parameters
    return StepScene(
        ("The GRU merges the two states into one, h, and the forget and input gates into one update gate z. "
         "In PyTorch (and here) hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁: z is the share of the old state **kept**. The note "
         "and Cho et al. write it the other way round, with z the share of the new content.",
         f"Three gate blocks instead of four: at the same sizes the GRU has {p_gru:,} parameters to the LSTM's "
         f"{p_lstm:,} ({p_gru / p_lstm:.0%}), and carries H numbers from step to step instead of 2H. On “hello” "
         f"its mean z is {float(z.mean()):.2f}."),
        heatmap(gru.trace_text(HELLO).trace, "z", list(HELLO), step=4, presenter=presenter),
        {"params_gru": p_gru, "params_lstm": p_lstm, "ratio": p_gru / p_lstm, "z_mean": float(z.mean())},
        ("pages/cell-explorer.py", {"text": HELLO, "src": "hello", "cells": "lstm,gru"}))


STEPS: tuple[LessonStep, ...] = (
    LessonStep("rnn", "A plain RNN: one state, rewritten at every step", "hₜ = f(xₜ, hₜ₋₁), one function with weights W",
               _rnn),
    LessonStep("fading", "Why long dependencies fade", "an RNN struggles to carry information from far back",
               _fading),
    LessonStep("two-states", "The LSTM's two states", "c carries all prior information; h exposes what matters now",
               _two_states),
    LessonStep("one-matrix", "One matrix for all four gates", "W is (4h, 2h) on [hₜ₋₁; xₜ]", _one_matrix,
               imprecise=True),
    LessonStep("forget", "The forget gate", "f decides how much of the old memory to keep", _forget),
    LessonStep("write", "The candidate and the input gate", "i × g decides what to write, and why both",
               _write),
    LessonStep("update", "The cell update", "cₜ = f ⊙ cₜ₋₁ + i ⊙ g", _update,
               Control("toggle", "Freeze the memory (f = 1, i = 0 from t = 3)", False)),
    LessonStep("output", "The output gate and hₜ", "h is c, filtered for the current step", _output),
    LessonStep("hello", "“hello”: feed h, get e", "the prediction is fed back in", _hello,
               Control("text", "Type your own word (2–12 letters); each cell trains on it for about a second",
                       HELLO)),
    LessonStep("backprop", "Backpropagation through the additive update", "addition keeps the gradient alive",
               _gradient, Control("slider", "Forget-gate bias", 3.0, -1.0, 5.0, 0.5)),
    LessonStep("not-always", "Where the note is imprecise: only when f is near 1",
               "gradients do not vanish even on long sequences", _imprecise, imprecise=True),
    LessonStep("gru", "The GRU: z and 1 − z, one state, fewer parameters",
               "z plays forget and input; one state; less memory", _gru, imprecise=True),
)


def step_index(slug_or_number: str | int) -> int:
    """0-based index of a step given as its 1-based number or its slug; ValueError names the valid ones."""
    if isinstance(slug_or_number, int) or str(slug_or_number).isdigit():
        k = int(slug_or_number) - 1
        if 0 <= k < len(STEPS):
            return k
    else:
        for k, s in enumerate(STEPS):
            if s.slug == slug_or_number:
                return k
    raise ValueError(f"no lesson step {slug_or_number!r}: the steps are 1..{len(STEPS)}")


def build_step(k: int, models: Models, *, knob=None, presenter: bool = False, curves: Curves = lab_curves,
               train: Callable[[str, str], CharModel] | None = None) -> StepScene:
    step = STEPS[k]
    kwargs = {"knob": knob, "presenter": presenter}
    if step.build in (_fading, _gradient, _imprecise):
        kwargs["curves"] = curves
    if step.build is _hello:
        kwargs["train"] = train
    return step.build(models, **kwargs)
