"""A character model: one-hot characters -> recurrent cell -> linear readout over the vocabulary.

This is the note's "hello" model: feed "h", read the next-character distribution from h_t W_y^T + b_y,
feed the chosen character back in.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from explorer.cells import CELLS, Cell
from explorer.cells.base import fresh_module
from explorer.text import Vocab, char_label
from explorer.trace import Trace

__all__ = ["ModelConfig", "CharModel", "TextTrace", "TopK", "init_readout", "carry_bias"]


@dataclass(frozen=True)
class ModelConfig:
    arch: str = "lstm"  # "lstm", "gru" or "rnn"
    hidden_size: int = 32  # H
    seed: int = 0  # all initial weights come from this seed
    forget_bias: float = 0.0  # added to the LSTM forget-gate bias (b_hf) / GRU update-gate bias (b_hz)

    def __post_init__(self):
        if self.arch not in CELLS:
            raise ValueError(f"arch must be one of {sorted(CELLS)}, got {self.arch!r}")
        if self.hidden_size < 1:
            raise ValueError(f"hidden_size must be >= 1, got {self.hidden_size}")


@dataclass(frozen=True)
class TopK:
    """The k most likely next characters after each step: (T, k) ids and probabilities."""

    ids: torch.Tensor
    probs: torch.Tensor


@dataclass(frozen=True)
class TextTrace:
    """A traced text: the cell's Trace plus what the readout predicts after every step."""

    text: str
    tokens: torch.Tensor  # (T,) ids
    labels: tuple[str, ...]  # (T,) printable label of each input character (UNK shown as ⟨unk⟩)
    trace: Trace
    probs: torch.Tensor  # (T, V) next-character distribution after reading step t
    vocab: Vocab

    def window(self, start: int, stop: int) -> "TextTrace":
        """Steps [start, stop) of the traced text, with the state carried in from the steps before (Trace.window)."""
        return TextTrace(text=self.text[start:stop], tokens=self.tokens[start:stop], labels=self.labels[start:stop],
                         trace=self.trace.window(start, stop), probs=self.probs[start:stop], vocab=self.vocab)

    def top_k(self, k: int = 5) -> TopK:
        k = min(k, self.vocab.size)
        p, i = self.probs.topk(k, dim=1)
        return TopK(ids=i, probs=p)


def carry_bias(cell: Cell, amount: float) -> None:
    """Add `amount` to the bias of the carry gate: the LSTM's forget gate f or the GRU's update gate z.

    Both sit near 0.5 at PyTorch's default init; +3 puts them near σ(3) ≈ 0.95, the regime in which
    gradients survive long distances. No-op for the RNN.
    """
    H = cell.hidden_size
    block = cell.spec.carry_block  # f is chunk 1 of (i, f, g, o); z is chunk 1 of (r, z, n)
    if block is None or amount == 0:
        return
    with torch.no_grad():
        cell.bias_hh[block * H:(block + 1) * H] += amount


def init_readout(in_features: int, out_features: int, generator: torch.Generator) -> nn.Linear:
    """nn.Linear with its default init, U(-1/sqrt(in), 1/sqrt(in)), drawn from `generator`.

    nn.Linear's own init never changes torch's global random state (fresh_module).
    """
    k = 1.0 / math.sqrt(in_features)
    layer = fresh_module(nn.Linear, in_features, out_features)
    with torch.no_grad():
        layer.weight.copy_(torch.rand(out_features, in_features, generator=generator) * 2 * k - k)  # (out, in)
        layer.bias.copy_(torch.rand(out_features, generator=generator) * 2 * k - k)  # (out,)
    return layer


class CharModel(nn.Module):
    """One-hot input of size V -> cell of size H -> logits over V."""

    causal = True  # step t reads characters 1..t only: a text's first steps are traced from its first characters
    reversed = False  # step 1 is the text's first character (a reverse layer of an upload reads it from its end)

    def __init__(self, vocab: Vocab, config: ModelConfig = ModelConfig()):
        super().__init__()
        self.vocab = vocab
        self.config = config
        V, H = vocab.size, config.hidden_size
        self.cell = CELLS[config.arch](V, H, seed=config.seed)
        carry_bias(self.cell, config.forget_bias)
        self.readout = init_readout(H, V, torch.Generator().manual_seed(config.seed + 1))  # (V, H) weight

    def one_hot(self, tokens: torch.Tensor) -> torch.Tensor:
        return nn.functional.one_hot(tokens, self.vocab.size).to(self.cell.weight_ih.dtype)

    def forward(self, tokens: torch.Tensor, state=None):
        """tokens: (T,) or (T, B) ids -> logits (T, V) or (T, B, V), and the final state."""
        out, state = self.cell(self.one_hot(tokens), state)
        return self.readout(out), state

    @torch.no_grad()
    def trace_text(self, text: str) -> TextTrace:
        tokens = self.vocab.encode(text)  # (T,)
        tr = self.cell.trace(self.one_hot(tokens))
        probs = torch.softmax(self.readout(tr.h), dim=-1)  # (T, V)
        labels = tuple(char_label(self.vocab.chars[int(t)]) if int(t) == 0 else char_label(ch)
                       for t, ch in zip(tokens, text))
        return TextTrace(text=text, tokens=tokens, labels=labels, trace=tr, probs=probs, vocab=self.vocab)

    @torch.no_grad()
    def predict_next(self, prefix: str) -> str:
        """The most likely character after reading `prefix`."""
        if not prefix:
            raise ValueError("predict_next needs at least one character of prefix")
        logits, _ = self(self.vocab.encode(prefix))
        return self.vocab.chars[int(logits[-1].argmax())]

    @torch.no_grad()
    def generate(self, prompt: str, n: int = 50, temperature: float = 1.0, seed: int = 0) -> str:
        """Continue `prompt` by n characters, sampling at `temperature` (0: always the most likely)."""
        if not prompt:
            raise ValueError("generate needs a prompt of at least one character")
        gen = torch.Generator().manual_seed(seed)
        logits, state = self(self.vocab.encode(prompt))
        last = logits[-1]
        out = []
        for _ in range(n):
            if temperature <= 0:
                nxt = int(last.argmax())
            else:
                probs = torch.softmax(last / temperature, dim=-1)
                nxt = int(torch.multinomial(probs, 1, generator=gen))
            out.append(self.vocab.chars[nxt])
            logits, state = self(torch.tensor([nxt]), state)
            last = logits[-1]
        return "".join(out)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
