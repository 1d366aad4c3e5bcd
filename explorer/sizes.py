"""Parameter and memory counts: the note's "GRU uses less memory than LSTM", in numbers."""
from __future__ import annotations

from dataclasses import dataclass

from explorer.cells import CELLS

__all__ = ["CellSize", "cell_sizes"]


@dataclass(frozen=True)
class CellSize:
    arch: str
    blocks: int  # G: gate blocks in weight_ih / weight_hh
    parameters: int  # G·H·(I + H) + 2·G·H
    state_per_step: int  # numbers carried to the next step: 2H (h, c) for the LSTM, H otherwise
    activations_per_step: int  # numbers a training step keeps per time step for backprop (gates + states)

    def trace_bytes(self, steps: int, bytes_per_number: int = 4) -> int:
        return steps * self.activations_per_step * bytes_per_number


def cell_sizes(input_size: int, hidden_size: int) -> list[CellSize]:
    """One row per architecture (tests check the counts against the real modules)."""
    out = []
    for arch, cls in CELLS.items():
        G, H, I = cls.gate_count, hidden_size, input_size
        params = G * H * (I + H) + 2 * G * H  # weight_ih + weight_hh + bias_ih + bias_hh
        state = 2 * H if arch == "lstm" else H
        # per step: the G·H gate values plus the carried state (and tanh(c) for the LSTM)
        acts = G * H + state + (H if arch == "lstm" else 0)
        out.append(CellSize(arch=arch, blocks=G, parameters=params, state_per_step=state, activations_per_step=acts))
    return out
