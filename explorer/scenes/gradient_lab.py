"""The Gradient Lab's scene: the input, the three cells built from the knobs, and every curve the page draws.

Importable from a notebook: `lab_scene(LabConfig(...))` gives the same numbers the page shows.
`measure(...)` takes any cells (trained or not), which is the hook for trained models.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Mapping

import torch

from explorer.cells import CELLS, Cell
from explorer.cells.base import fresh_module
from explorer.cells.directions import at_once
from explorer.gradients import (Reach, Sensitivities, gate_product, reach, rnn_bound, sensitivities,
                                spectral_radius, with_spectral_radius)
from explorer.model import CharModel, carry_bias
from explorer.text import Vocab, char_label, prepare_text
from explorer.limits import MAX_LAB_STEPS

if TYPE_CHECKING:
    from explorer.zoo.checkpoint import Checkpoint
    from explorer.zoo.layer_model import LayerModel

__all__ = ["LabConfig", "LabInput", "ArchCurves", "LabScene", "MAX_LAB_STEPS", "DEFAULT_TEXT", "ARCH_ORDER",
           "lab_input", "lab_cell", "relevant", "carry_gate", "units_above", "measure", "lab_curves", "lab_scene",
           "model_scene", "model_carry_units_high", "layers_scene"]

ARCH_ORDER = ("rnn", "lstm", "gru")
DEFAULT_TEXT = (
    "The cell state carries all prior information; the hidden state exposes only what matters now. "
    "The forget gate decides what to keep, and the input gate times the gate gate decides what to write. "
    "Because the cell update is additive, the gradient can flow back along the cell state for many steps, "
    "but only when the forget gate stays close to one. At the default init it sits near one half, "
    "and then the gradient fades almost as fast as in a plain RNN."
)  # ~420 characters: T ≈ 400, the size the page must update within a second at


@dataclass(frozen=True)
class LabConfig:
    """Every knob of the lab; the same config gives the same numbers and pictures."""

    source: str = "text"  # "text": one-hot characters of `text`; "random": N(0, 1) inputs of size input_size
    text: str = DEFAULT_TEXT
    length: int = 400  # T for random inputs (text uses its own length, capped at MAX_LAB_STEPS)
    input_size: int = 16  # I for random inputs
    hidden_size: int = 64  # H of all three cells
    rnn_radius: float | None = None  # None: PyTorch's default init; else W_hh rescaled to this spectral radius
    forget_bias: float = 0.0  # added to the LSTM forget-gate bias (b_hf)
    update_bias: float = 0.0  # added to the GRU update-gate bias (b_hz)
    seed: int = 0  # weights of all three cells, and the random inputs


@dataclass(frozen=True)
class LabInput:
    x: torch.Tensor  # (T, I) float64
    labels: tuple[str, ...]  # (T,) printable label of each step's character ("" for random inputs)
    notice: str | None = None  # what was done to the text, for the page to say


@dataclass(frozen=True)
class ArchCurves:
    """One cell's measurements. Curves by distance are log10 and divided by their d = 0 value."""

    arch: str
    sens: Sensitivities  # by step t = 1..T
    input_reach: Reach
    state_reach: Reach
    carry: torch.Tensor | None  # (T,) log10 RMS ∏ f (LSTM) / ∏ z (GRU) by distance; None for the RNN
    bound: torch.Tensor | None  # (T,) log10 σ_max(W_hh)^d (RNN); None otherwise
    carry_mean: float | None  # mean of f (LSTM) / z (GRU) over steps and units: the carry gate's level
    sigma_max: float | None  # σ_max(W_hh) (RNN): the largest singular value, which bounds the gradient
    carry_units_high: int | None = None  # units whose mean carry gate is above 0.9 (LSTM / GRU)
    hidden_size: int = 0  # H
    spectral_radius: float | None = None  # max |eigenvalue| of W_hh (RNN): what the radius knob sets
    diverges_at: int | None = None  # RNN: first step at which two valid float64 evaluations part (chaos)

    @property
    def peak_log10(self) -> float:
        """The largest input sensitivity relative to its d = 0 value, log10: > 0 means the gradient grows."""
        return float((self.sens.input_log10 - self.sens.input_log10[-1]).max())

    @property
    def explodes(self) -> bool:
        """The sensitivity grows more than tenfold somewhere: growth, not memory (never ranked as reach)."""
        return self.peak_log10 > 1

    @property
    def peak_distance(self) -> int:
        """The distance d = T - t at which the input sensitivity is largest relative to d = 0."""
        rel = (self.sens.input_log10 - self.sens.input_log10[-1]).flip(0)  # by distance
        return int(rel.argmax())

    @property
    def reproducible_distance(self) -> int | None:
        """For a chaotic RNN: distances beyond this one are not reproducible digits (None: all are)."""
        return None if self.diverges_at is None else self.sens.steps - self.diverges_at

    @property
    def overflows(self) -> bool:
        """Some plain float64 value of this cell's sensitivities is past float64's range (+inf)."""
        return bool(self.sens.overflow.any())


@dataclass(frozen=True)
class LabScene:
    config: LabConfig
    labels: tuple[str, ...]
    curves: dict[str, ArchCurves] = field(default_factory=dict)  # by arch, in ARCH_ORDER
    notice: str | None = None
    reversed: tuple[str, ...] = ()  # curves whose cell read the text from its end (a reverse direction)
    whole_stack: Reach | None = None  # an uploaded stack: ‖∂y_T/∂xₜ‖ through every layer and direction

    @property
    def steps(self) -> int:
        return len(self.labels)


def lab_input(config: LabConfig) -> LabInput:
    """The inputs x (T, I). Raises ValueError with a readable message for unusable text."""
    if config.source == "random":
        T = int(min(max(config.length, 2), MAX_LAB_STEPS))
        gen = torch.Generator().manual_seed(config.seed + 1_000_003)  # its own stream, not the weights'
        x = torch.randn(T, config.input_size, generator=gen, dtype=torch.float64)  # (T, I) ~ N(0, 1)
        return LabInput(x=x, labels=("",) * T)
    if config.source != "text":
        raise ValueError(f"source must be 'text' or 'random', got {config.source!r}")
    prepared = prepare_text(config.text, cap=MAX_LAB_STEPS)
    text = prepared.text
    if len(text) < 2:
        raise ValueError("The text has one character: type at least two, so there is a distance to measure.")
    vocab = Vocab.from_text(text)
    x = torch.nn.functional.one_hot(vocab.encode(text), vocab.size).to(torch.float64)  # (T, V): I = V
    return LabInput(x=x, labels=tuple(char_label(ch) for ch in text), notice=prepared.notice)


def lab_cell(config: LabConfig, arch: str, input_size: int) -> Cell:
    """One untrained cell, float64, seeded, with its knob applied (a fresh module)."""
    cell = CELLS[arch](input_size, config.hidden_size, seed=config.seed, dtype=torch.float64)
    if arch == "lstm":
        carry_bias(cell, config.forget_bias)
    elif arch == "gru":
        carry_bias(cell, config.update_bias)
    elif config.rnn_radius is not None:
        cell = with_spectral_radius(cell, config.rnn_radius)
    return cell


def relevant(config: LabConfig, arch: str) -> LabConfig:
    """`config` with the knobs that do not touch `arch` set to their defaults: a cache key per cell, so
    moving the forget-bias slider recomputes the LSTM alone."""
    return replace(config, forget_bias=config.forget_bias if arch == "lstm" else 0.0,
                   update_bias=config.update_bias if arch == "gru" else 0.0,
                   rnn_radius=config.rnn_radius if arch == "rnn" else None)


@torch.no_grad()
def divergence_step(cell: Cell, x: torch.Tensor, tol: float = 1e-6) -> int | None:
    """First step t at which the fused kernel and a step-by-step torch.nn.RNNCell run, both valid float64
    evaluations, differ by more than `tol` relative: in a chaotic regime rounding is amplified step by
    step and the far digits are not reproducible. None when they agree throughout."""
    cell = cell.double() if cell.weight_ih.dtype != torch.float64 else cell
    x = x.to(torch.float64)
    fused = cell.trace(x).h  # (T, H)
    step = fresh_module(torch.nn.RNNCell, cell.input_size, cell.hidden_size, dtype=torch.float64)
    step.load_state_dict(cell.state_dict())
    h = torch.zeros(1, cell.hidden_size, dtype=torch.float64)
    for t in range(x.shape[0]):
        h = step(x[t:t + 1], h)  # (1, H)
        if float((h[0] - fused[t]).abs().max()) > tol * max(1.0, float(fused[t].abs().max())):
            return t + 1
    return None


@torch.no_grad()
def carry_gate(cell: Cell, x: torch.Tensor) -> torch.Tensor | None:
    """(T, H): the carry gate (f for the LSTM, z for the GRU) at every step of x, in the cell's dtype; None
    for a cell without one."""
    if cell.spec.carry_gate is None:
        return None
    return cell.trace(x.to(cell.weight_ih.dtype)).gates[cell.spec.carry_gate]


def units_above(gate: torch.Tensor, level: float = 0.9) -> int:
    """How many units' mean gate over the steps of `gate` (T, H) is above `level`."""
    return int((gate.mean(dim=0) > level).sum())


def measure(cells: Mapping[str, tuple[Cell, torch.Tensor]]) -> dict[str, ArchCurves]:
    """Every curve for each (cell, x) pair: any Cell, trained or untrained, each with its own (T, I) input.

    The cells are independent, so they are measured in two groups of about equal work at the same time
    (explorer.cells.directions.at_once; 0.58-0.72x the time of one after the other for the shipped RNN, LSTM
    and GRU on the default text, numbers identical; benchmarks/bench_lab_scene.py). A sweep costs about
    T·H²·(H + I) multiply-adds."""
    if len(cells) < 2:
        return _measure(cells)
    cost = {name: x.shape[0] * cell.hidden_size ** 2 * (cell.hidden_size + x.shape[1])
            for name, (cell, x) in cells.items()}
    groups, load = ([], []), [0, 0]
    for name in sorted(cells, key=cost.get, reverse=True):  # the largest first, each to the lighter group
        k = int(load[1] < load[0])
        groups[k].append(name)
        load[k] += cost[name]
    first, second = at_once(*(lambda g=g: _measure({name: cells[name] for name in g}) for g in groups))
    done = {**first, **second}
    return {name: done[name] for name in cells}  # the caller's order


@torch.no_grad()
def _measure(cells: Mapping[str, tuple[Cell, torch.Tensor]]) -> dict[str, ArchCurves]:
    out: dict[str, ArchCurves] = {}
    for name, (cell, x) in cells.items():
        s = sensitivities(cell, x)
        carry, carry_mean, bound, sigma, high, radius, diverges = None, None, None, None, None, None, None
        gate = carry_gate(cell, x)  # (T, H), or None for the RNN
        if gate is not None:
            carry, carry_mean, high = gate_product(gate), float(gate.mean()), units_above(gate)
        else:
            bound = rnn_bound(cell, x.shape[0])
            sigma = float(10 ** bound[1]) if x.shape[0] > 1 else None
            radius = spectral_radius(cell)
            if float((s.input_log10 - s.input_log10[-1]).max()) > 1:  # growing: check the digits are real
                diverges = divergence_step(cell, x)
        out[name] = ArchCurves(arch=cell.arch, sens=s, input_reach=reach(s.input_log10),
                               state_reach=reach(s.state_log10), carry=carry, bound=bound,
                               carry_mean=carry_mean, sigma_max=sigma, carry_units_high=high,
                               hidden_size=cell.hidden_size, spectral_radius=radius, diverges_at=diverges)
    return out


def lab_curves(config: LabConfig, arch: str) -> ArchCurves:
    """The curves of one of the three cells of `config`."""
    x = lab_input(config).x
    return measure({arch: (lab_cell(config, arch, x.shape[1]), x)})[arch]


def model_scene(models: Mapping[str, CharModel], text: str, config: LabConfig = LabConfig()) -> LabScene:
    """The curves of character models (e.g. trained ones), each reading `text` one-hot in its own vocabulary.

    Characters a model does not know become its UNK token. Raises ValueError for unusable text.
    """
    inp, cells = _model_inputs(models, text, config)
    return LabScene(config=config, labels=inp.labels, curves=measure(cells), notice=inp.notice)


def model_carry_units_high(models: Mapping[str, CharModel], text: str) -> dict[str, int]:
    """For each gated model, the units whose mean carry gate on `text` is above 0.9: the count `model_scene`
    reports as carry_units_high, from the forward pass alone (no gradient sweep). Models without a carry
    gate (the RNN) are left out. Raises ValueError for unusable text."""
    _, cells = _model_inputs(models, text, LabConfig())
    out = {}
    for name, (cell, x) in cells.items():
        gate = carry_gate(cell, x)
        if gate is not None:
            out[name] = units_above(gate)
    return out


def _model_inputs(models: Mapping[str, CharModel], text: str,
                  config: LabConfig) -> tuple[LabInput, dict[str, tuple[Cell, torch.Tensor]]]:
    """The validated input and each model's (cell, one-hot x (T, V)) in the page's order of architectures."""
    inp = lab_input(replace(config, source="text", text=text))  # validation, cap and labels
    text = text[:inp.x.shape[0]]
    cells = {arch: (m.cell, m.one_hot(m.vocab.encode(text))) for arch, m in models.items()}  # x: (T, V)
    order = [a for a in ARCH_ORDER if a in cells] + [a for a in cells if a not in ARCH_ORDER]
    return inp, {a: cells[a] for a in order}


def layers_scene(layers: Mapping[str, "LayerModel"], text: str, checkpoint: "Checkpoint | None" = None) -> LabScene:
    """The curves of an uploaded model's layers (explorer.zoo.layer_model.LayerModel, in reading order), each
    cell reading its own layer's input (the stack below's outputs); with `stack` (a Checkpoint), the whole
    stack's ‖∂y_T/∂xₜ‖ from torch.autograd too. Raises ValueError for unusable text."""
    from explorer.gradients import input_sensitivity

    inp = lab_input(LabConfig(source="text", text=text))  # validation, cap and labels
    text = text[:inp.x.shape[0]]
    cells = {}
    for name, m in layers.items():
        x = m.layer_input(text)  # (T, I_l) input order
        cells[name] = (m.cell, x.flip(0) if m.direction else x)  # what the cell reads, in its reading order
    whole = None
    if checkpoint is not None:
        x = checkpoint.embedding[next(iter(layers.values())).vocab.encode(text)]  # (T, I)
        whole = reach(torch.log10(input_sensitivity(checkpoint.stack, x).clamp_min(1e-300)))
    return LabScene(config=LabConfig(text=text), labels=inp.labels, curves=measure(cells), notice=inp.notice,
                    reversed=tuple(name for name, m in layers.items() if m.direction), whole_stack=whole)


def lab_scene(config: LabConfig) -> LabScene:
    """Build the input and the three cells from `config` and measure them all."""
    inp = lab_input(config)
    curves = measure({arch: (lab_cell(config, arch, inp.x.shape[1]), inp.x) for arch in ARCH_ORDER})
    return LabScene(config=config, labels=inp.labels, curves=curves, notice=inp.notice)
