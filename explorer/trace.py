"""The Trace: every per-step value of one run of a cell over one input.

A Trace is computed once per (model, input); every view reads it and moving the time cursor never
recomputes it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

@dataclass(frozen=True)
class Trace:
    """All values of one run, step by step (step t = 1..T is row t - 1).

    Attributes:
        arch:  "lstm", "gru" or "rnn".
        x:     (T, I) the inputs x_1..x_T.
        h:     (T, H) hidden states h_1..h_T.
        c:     (T, H) cell states c_1..c_T for the LSTM, None otherwise.
        gates: gate values after activation, each (T, H): LSTM {'i','f','g','o'}, GRU {'r','z','n'}, RNN {}.
        h0:    (H,) the initial hidden state.
        c0:    (H,) the initial cell state (LSTM), None otherwise.
    """

    arch: str
    x: torch.Tensor
    h: torch.Tensor
    c: torch.Tensor | None
    gates: dict[str, torch.Tensor] = field(default_factory=dict)
    h0: torch.Tensor | None = None
    c0: torch.Tensor | None = None

    @property
    def steps(self) -> int:
        return self.h.shape[0]

    @property
    def hidden_size(self) -> int:
        return self.h.shape[1]

    @property
    def h_prev(self) -> torch.Tensor:
        """(T, H) h_0..h_{T-1}: the hidden state each step reads."""
        return torch.cat([self.h0.unsqueeze(0), self.h[:-1]], dim=0)

    @property
    def c_prev(self) -> torch.Tensor | None:
        """(T, H) c_0..c_{T-1} (LSTM only)."""
        if self.c is None:
            return None
        return torch.cat([self.c0.unsqueeze(0), self.c[:-1]], dim=0)

    def window(self, start: int, stop: int) -> "Trace":
        """Steps start+1..stop (0-based slice [start, stop)) as a Trace of their own, whose initial state is the
        state the run had reached before them: a window of a long run, its memory carried in."""
        if not 0 <= start < stop <= self.steps:
            raise ValueError(f"window [{start}, {stop}) outside the trace's {self.steps} steps")
        return Trace(arch=self.arch, x=self.x[start:stop], h=self.h[start:stop],
                     c=None if self.c is None else self.c[start:stop],
                     gates={k: v[start:stop] for k, v in self.gates.items()},
                     h0=self.h0 if start == 0 else self.h[start - 1],
                     c0=self.c0 if start == 0 or self.c is None else self.c[start - 1])

    def states(self) -> dict[str, torch.Tensor]:
        """Every (T, H) quantity of the trace by name: gates first, then c (LSTM) and h."""
        out = dict(self.gates)
        if self.c is not None:
            out["c"] = self.c
        out["h"] = self.h
        return out
