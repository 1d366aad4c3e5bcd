"""ArchSpec: everything the app says about one architecture, written once, in that architecture's file.

Pages, figures, the stepping component's payload and its JavaScript all read these: the gate names in
PyTorch's chunk order, which gate carries the memory, what each heatmap shows and how it is coloured,
the equations (as text, as LaTeX, and as live templates the browser fills with numbers) and every wire
of the cell diagram with the formula that computes it.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Quantity", "Wire", "ArchSpec", "KINDS"]

# how a quantity is coloured: 'gate' on 0..1, 'tanh' on -1..1, 'unbounded' symmetric with its range printed
KINDS = ("gate", "tanh", "unbounded")


@dataclass(frozen=True)
class Quantity:
    """A (T, H) array of a trace, drawn as a heatmap panel."""

    name: str  # key in Trace.states(): 'i', 'f', ..., 'c', 'h'
    title: str  # e.g. "forget gate f_t"
    caption: str  # how to read it, one line
    kind: str  # one of KINDS


@dataclass(frozen=True)
class Wire:
    """One wire of the cell diagram at step t for one unit.

    formula: ("at", q) reads quantity or aux array q at step t; ("prev", q) reads it at step t - 1 (the
    initial state at t = 1); ("mul", a, b), ("one_minus", a), ("tanh", a) combine wires defined earlier.
    Python (`explorer.diagram.wire_values`) and the browser (cell_view.js) evaluate the same tuples.
    """

    name: str
    label: str  # shown on the diagram, subscripts as _{...}
    kind: str  # colour: 'gate', 'tanh' or 'wide' (the cell state's printed range)
    formula: tuple


@dataclass(frozen=True)
class ArchSpec:
    arch: str  # "lstm", "gru", "rnn"
    label: str  # "LSTM"
    color: str  # one colour per architecture in every comparison plot
    gates: tuple[str, ...]  # in PyTorch's chunk order of weight_ih / weight_hh
    carry_gate: str | None  # the gate whose value near 1 keeps the old state (LSTM f, GRU z)
    quantities: tuple[Quantity, ...]  # gates, then states, in the order of the equations
    equations: tuple[str, ...]  # plain text, one per line
    latex: str  # the same equations for st.latex
    live_equations: tuple[tuple, ...]  # lines of static strings and {"w": wire, "p": 1 (parenthesise)}
    wires: tuple[Wire, ...]
    aux: tuple[str, ...] = ()  # pre-activation terms the diagram needs beyond the Trace (Cell.aux_arrays)

    @property
    def gate_count(self) -> int:
        """G: blocks of H rows in weight_ih / weight_hh (1 for the RNN, whose one block is no gate)."""
        return max(len(self.gates), 1)

    @property
    def carry_block(self) -> int | None:
        """Chunk index of the carry gate in weight_hh / bias_hh."""
        return None if self.carry_gate is None else self.gates.index(self.carry_gate)

    @property
    def states(self) -> tuple[str, ...]:
        """What is carried from one step to the next."""
        return tuple(q.name for q in self.quantities if q.name in ("c", "h"))

    @property
    def clampable(self) -> tuple[str, ...]:
        """Gates a what-if may pin: every gate."""
        return self.gates

    def quantity(self, name: str) -> Quantity:
        for q in self.quantities:
            if q.name == name:
                return q
        raise KeyError(f"{self.label} has no quantity {name!r}; expected one of {[q.name for q in self.quantities]}")

    def to_json(self) -> dict:
        """What the stepping component needs: wire labels, kinds and formulas, and the live equations."""
        return {"arch": self.arch, "label": self.label,
                "wires": [{"name": w.name, "label": w.label, "kind": w.kind, "formula": list(w.formula)}
                          for w in self.wires],
                "equations": [list(line) for line in self.live_equations]}
