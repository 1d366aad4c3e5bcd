"""What the Gradient Lab says in words and tables, computed from the scene it describes.

Presets are whole scenes (every knob set, so the result never depends on click order); the page shows
which one is active and when a knob has left it. Growth is reported apart from reach: an exploding
gradient is not memory, and a chaotic RNN's far digits are flagged as not reproducible.
"""
from __future__ import annotations

from dataclasses import dataclass

from explorer.cells import SPECS
from explorer.figures.gradients import Y_CEIL
from explorer.gradients import REACH_LEVELS
from explorer.scenes.gradient_lab import LabScene
from explorer.text import power_of_ten

__all__ = ["KNOBS", "PRESETS", "PRESET_HELP", "preset_values", "active_preset", "ReachRow", "reach_rows",
           "carry_lines", "growth_messages", "label"]

# the knobs a preset sets, with their defaults (the page's Param defaults are the same values)
KNOBS = {"cells": "shipped", "fbias": 0.0, "zbias": 0.0, "rescale": False, "radius": 0.9, "H": 64, "seed": 0}
PRESETS: dict[str, dict] = {  # label -> the whole scene's knobs (KNOBS with these changed)
    "Trained on Python": {},
    "Default init": {"cells": "untrained"},
    "Forget/update bias 3": {"cells": "untrained", "fbias": 3.0, "zbias": 3.0},
    "RNN radius 0.9": {"cells": "untrained", "rescale": True, "radius": 0.9},
    "RNN radius 3 (explodes)": {"cells": "untrained", "rescale": True, "radius": 3.0},
}
PRESET_HELP = {
    "Trained on Python": "the models shipped with the app, trained on Python's standard library",
    "Default init": "PyTorch's init: the LSTM's f and the GRU's z sit near 0.5",
    "Forget/update bias 3": "f, z ≈ σ(3) ≈ 0.95: the carry gates near 1",
    "RNN radius 0.9": "the RNN's Wₕₕ rescaled to spectral radius 0.9 (largest |eigenvalue|)",
    "RNN radius 3 (explodes)": "the RNN's Wₕₕ rescaled to spectral radius 3: its gradient grows instead",
}


def preset_values(name: str) -> dict:
    return {**KNOBS, **PRESETS[name]}


def active_preset(values: dict) -> str | None:
    """The preset whose whole scene `values` matches (the radius counts only when rescaling), else None."""
    def norm(v: dict) -> dict:
        v = {k: v[k] for k in KNOBS}
        if not v["rescale"]:
            v["radius"] = None
        if v["cells"] != "untrained":  # trained cells ignore the knobs
            v = {"cells": v["cells"]}
        return v
    return next((name for name in PRESETS if norm(preset_values(name)) == norm(values)), None)


def label(arch: str) -> str:
    return SPECS[arch].label if arch in SPECS else arch


@dataclass(frozen=True)
class ReachRow:
    cell: str
    reach: tuple[str, ...]  # one entry per REACH_LEVELS: a distance, "> T−1", or "grows" (never a reach)
    note: str  # growth and reproducibility, in words


def reach_rows(scene: LabScene, quantity: str = "input") -> list[ReachRow]:
    rows = []
    for arch, c in scene.curves.items():
        r = c.input_reach if quantity == "input" else c.state_reach
        if c.explodes:
            rows.append(ReachRow(label(arch), ("grows",) * len(REACH_LEVELS),
                                 f"grows to {power_of_ten(c.peak_log10)} × its start, largest at d = {c.peak_distance}"))
            continue
        far = tuple(str(d) if d is not None else f"> {r.steps - 1}" for d in r.distances)
        rows.append(ReachRow(label(arch), far, ""))
    return rows


def carry_lines(scene: LabScene, knob: bool = False, quantity: str = "input") -> list[str]:
    """The carry gate of each cell, and for the RNN both matrix numbers, each named for what it is; `knob`: the
    RNN's radius is the one the page's knob set (an untrained, rescaled RNN), else what its weights have.
    quantity: the sensitivity the page shows ("input" or "state"), whose reach a line may quote."""
    out = []
    for arch, c in scene.curves.items():
        if c.carry_mean is not None:
            gate = SPECS[c.arch].carry_gate
            out.append(f"{label(arch)}: mean {gate} = **{c.carry_mean:.2f}**; {c.carry_units_high} of "
                       f"{c.hidden_size} units have mean {gate} > 0.9")
        elif c.spectral_radius is not None:
            knob_sets = ", what the knob sets" if knob else ""
            out.append(f"{label(arch)}: spectral radius of Wₕₕ (largest |eigenvalue|{knob_sets}) = "
                       f"**{c.spectral_radius:.2f}**; σₘₐₓ (largest singular value, which bounds the gradient) = "
                       f"**{c.sigma_max:.2f}**")
            reach = c.input_reach if quantity == "input" else c.state_reach
            d = reach.distances[0]
            if c.spectral_radius > 1 and not c.explodes and d:  # a radius above 1 read as "must explode"
                level = reach.levels[0]
                out.append(f"{label(arch)}: its radius is above 1, yet its {quantity} sensitivity falls below "
                           f"1/{1 / level:,.0f} of its start in {d} steps (about ×{level ** (1 / d):.2f} a step). "
                           "Each step multiplies the gradient by diag(1 − hₜ²) Wₕₕ, not by Wₕₕ alone, so the "
                           "radius does not decide by itself.")
    return out


def growth_messages(scene: LabScene) -> list[str]:
    out = []
    for arch, c in scene.curves.items():
        if not c.explodes:
            continue
        msg = (f"Exploding gradient: the {label(arch)}'s sensitivity *grows* with distance, to about "
               f"{power_of_ten(c.peak_log10)} times its start, because the recurrent Jacobians stretch more than "
               "tanh squashes. Growth is not memory, so it is reported apart from reach. Curves are clipped at "
               f"{power_of_ten(Y_CEIL)} so the plot stays readable.")
        if c.reproducible_distance is not None:
            msg += (f" The cell is chaotic here: two valid float64 evaluations of its states (the fused kernel and "
                    f"torch.nn.RNNCell step by step) part at step {c.diverges_at}, so the values farther back than "
                    f"d = {c.reproducible_distance} are not reproducible digits, only their order of magnitude.")
        out.append(msg)
    return out


def shipped_explanation(scene: LabScene, untrained_high: dict[str, int]) -> str:
    """Why the trained models' first view may not show the gating advantage, in this scene's numbers."""
    lstm, rnn = scene.curves.get("lstm"), scene.curves.get("rnn")
    if lstm is None or rnn is None:
        return ""
    fmt = lambda d: f"at d = {d}" if d is not None else f"nowhere within d = {scene.steps - 1}"  # noqa: E731
    gru = scene.curves.get("gru")
    reaches = [f"the trained LSTM's input sensitivity falls below 1/1,000 {fmt(lstm.input_reach.distances[0])}"]
    if gru is not None:
        reaches.append(f"the GRU's {fmt(gru.input_reach.distances[0])}")
    reaches.append(f"the RNN's {fmt(rnn.input_reach.distances[0])}")
    return (f"On this text {', '.join(reaches)}. "
            f"Training gave {lstm.carry_units_high} of the LSTM's {lstm.hidden_size} units a mean forget gate above "
            f"0.9 (the same model before training: {untrained_high.get('lstm', 0)} of {lstm.hidden_size}): those units keep "
            "their memory, but "
            "the norm over all units is dominated by the ones that forget fast. Press **Forget/update bias 3** to "
            "put every unit's carry gate near 1 and see the gating advantage itself.")
