"""Parameter and memory counts of a cell actually shown: the note's "GRU uses less memory", measured.

Two different memories, never mixed up:
    state      what is carried from step to step: H numbers per state (h, and c for the LSTM). Analytic.
    autograd   what training keeps for the backward pass over T steps: the tensors autograd saves during
               one forward of the equivalent `torch.nn` module, measured with
               `torch.autograd.graph.saved_tensors_hooks` (each storage counted once, parameters left out).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from explorer.cells import Cell

__all__ = ["CellSize", "cell_size", "saved_for_backward"]


@dataclass(frozen=True)
class CellSize:
    arch: str
    input_size: int  # I
    hidden_size: int  # H
    blocks: int  # G: gate blocks in weight_ih / weight_hh
    parameters: int  # numel() of the torch module's parameters
    state_per_step: int  # numbers carried to the next step: 2H (h, c) for the LSTM, H otherwise
    steps: int  # T for the measurement below
    saved_bytes: int  # bytes autograd saved for backward over `steps` steps, measured

    @property
    def saved_per_step(self) -> float:
        """Numbers autograd keeps per time step, in units of numbers (float32: bytes / 4)."""
        return self.saved_bytes / 4 / self.steps


def saved_for_backward(module: torch.nn.Module, x: torch.Tensor) -> int:
    """Bytes of the tensors autograd saves over one forward of `module` on x, each storage once."""
    params = {p.untyped_storage().data_ptr() for p in module.parameters()}
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor):
        storage = t.untyped_storage()
        ptr = storage.data_ptr()
        if ptr not in params:
            seen[ptr] = max(seen.get(ptr, 0), storage.nbytes())
        return t

    with torch.enable_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        module(x)
    return sum(seen.values())


def cell_size(cell: Cell, steps: int) -> CellSize:
    """Sizes of this cell (its own I and H), with autograd's memory measured over `steps` steps in float32."""
    module = cell.to_torch().float()
    x = torch.randn(steps, 1, cell.input_size, generator=torch.Generator().manual_seed(0))  # (T, 1, I)
    return CellSize(arch=cell.arch, input_size=cell.input_size, hidden_size=cell.hidden_size,
                    blocks=cell.gate_count, parameters=sum(p.numel() for p in module.parameters()),
                    state_per_step=cell.state_size, steps=steps, saved_bytes=saved_for_backward(module, x))
