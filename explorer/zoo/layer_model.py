"""One layer and direction of an uploaded checkpoint, as the pages' character models are read.

The Cell Explorer, the Unit Finder and the Gradient Lab read a model through a small interface:
`vocab.unknown(text)`, `config.hidden_size`, `cell` (a single explorer cell), `readout(h)` and
`trace_text(text) -> TextTrace`. `LayerModel` gives that interface to layer l, direction d of a
`Checkpoint`'s Stack, so every page's machinery (the stepping view, the what-ifs, the unit rankings,
the gradient sweeps) runs on a user's stacked, bidirectional model unchanged:

    lower layers (fused, both directions) -> this layer's input x_l (T, I_l) -> this direction's Cell

The layer's input is computed by the whole stack below it; this direction's cell then reads it
- in reading order (`order="reading"`, the Cell Explorer and the what-ifs): a reverse direction reads
  x_T first, so its step 1 is the text's last character and h_{t-1} is the state it just made;
- or in the input's order (`order="input"`, the Unit Finder): step t is character t whatever the
  direction, so a unit lines up with the text's features.
The readout's predictions are shown only where they read this direction alone: the last layer of a
unidirectional model whose readout is over its vocabulary.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from explorer.cells import CELLS, Cell
from explorer.model import TextTrace
from explorer.text import Vocab, char_label
from explorer.trace import Trace
from explorer.zoo.checkpoint import Checkpoint

__all__ = ["TokenVocab", "LayerConfig", "LayerModel", "Uploaded", "summary", "layer_cell", "unsupported",
           "untrained_twin", "layer_name", "direction_name", "NO_UPLOAD"]


@dataclass(frozen=True)
class TokenVocab(Vocab):
    """A checkpoint's vocabulary: token id i is chars[i], and a character outside it is read as id 0 — whatever
    token 0 is (a user's vocabulary need not start with explorer.text.UNK, nor hold any token at all)."""

    def __post_init__(self):
        if len(set(self.chars)) != len(self.chars):
            raise ValueError("a vocabulary must not repeat tokens")


@dataclass(frozen=True)
class LayerConfig:
    arch: str
    hidden_size: int  # H of this layer


@dataclass(frozen=True)
class Uploaded:
    """What a page needs to offer an uploaded model: its shape, and why it cannot be read there (if so)."""

    arch: str
    num_layers: int
    bidirectional: bool
    hidden_size: int
    problem: str | None  # None: every layer and direction can be stepped through

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1


def summary(ck: Checkpoint, vocab: tuple[str, ...] | None) -> Uploaded:
    s = ck.stack
    return Uploaded(s.arch, s.num_layers, s.bidirectional, s.hidden_size, unsupported(ck, vocab))


def layer_name(layer: int, num_layers: int) -> str:
    """'layer 2 of 2': counted from 1 (PyTorch's parameter names count from 0: weight_ih_l1)."""
    return f"layer {layer + 1} of {num_layers}"


NO_UPLOAD = ("no model is uploaded in this session (an uploaded model stays only in the browser tab that loaded "
             "it: a reload or a new tab starts a new session; load it again, or the example, on Your Model)")


def direction_name(d: int) -> str:
    return ("forward", "reverse")[d]


def unsupported(ck: Checkpoint, vocab: tuple[str, ...] | None) -> str | None:
    """Why the character pages cannot read this checkpoint layer by layer, or None when they can."""
    s = ck.stack
    if s.proj_size:
        return (f"its LSTM projects h to P = {s.proj_size} (proj_size), and the stepping view draws cells whose h "
                "is o ⊙ tanh(c); its layers are shown on the Your Model page")
    if s.arch == "rnn" and s.nonlinearity != "tanh":
        return "it is a relu RNN, and the pages' cells use tanh; its layers are shown on the Your Model page"
    if ck.embedding is None:
        return "it reads numbers (it has no embedding), and these pages read characters: use the Your Model page"
    if vocab is None:
        return "its vocabulary was not loaded, so characters cannot be turned into token ids: load it on Your Model"
    if not all(len(tok) == 1 for tok in vocab):
        return "its vocabulary is not characters (it reads words), and these pages step through characters"
    return None


def layer_cell(ck: Checkpoint, layer: int, direction: int) -> Cell:
    """Layer `layer`, direction `direction` of the checkpoint's stack as a single explorer cell (a copy).

    torch's bias=False is zero biases here. Raises ValueError for a projected LSTM or a relu RNN.
    """
    s = ck.stack
    if s.proj_size or (s.arch == "rnn" and s.nonlinearity != "tanh"):
        raise ValueError("only unprojected LSTM, GRU and tanh-RNN layers are single cells")
    if not (0 <= layer < s.num_layers and 0 <= direction < s.num_directions):
        raise ValueError(f"the model has layers 0..{s.num_layers - 1} and directions 0..{s.num_directions - 1}, "
                         f"got layer {layer}, direction {direction}")
    sfx = f"_l{layer}" + ("_reverse" if direction else "")
    w_ih = getattr(s, "weight_ih" + sfx)  # (G*H, I_l)
    cell = CELLS[s.arch](w_ih.shape[1], s.hidden_size, dtype=w_ih.dtype)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            src = getattr(s, name + sfx, None)
            getattr(cell, name).copy_(src if src is not None else torch.zeros_like(getattr(cell, name)))
    return cell.eval().requires_grad_(False)


class LayerModel:
    """Layer l, direction d of an uploaded checkpoint, read like a character model (see the module docstring).

    Read-only: it holds copies of the checkpoint's weights, and belongs to the session that uploaded them.
    """

    def __init__(self, ck: Checkpoint, vocab: tuple[str, ...], layer: int, direction: int, order: str = "reading"):
        problem = unsupported(ck, vocab)
        if problem:
            raise ValueError(f"This model cannot be read here: {problem}.")
        if order not in ("reading", "input"):
            raise ValueError(f"order must be 'reading' or 'input', got {order!r}")
        self.checkpoint, self.layer, self.direction, self.order = ck, layer, direction, order
        self.vocab = TokenVocab(tuple(vocab))
        self.cell = layer_cell(ck, layer, direction)
        self.config = LayerConfig(ck.stack.arch, ck.stack.hidden_size)
        s = ck.stack
        last_alone = layer == s.num_layers - 1 and not s.bidirectional
        self.predicts = last_alone and ck.readout is not None and ck.readout[0].shape[0] == self.vocab.size
        self.no_predictions = None if self.predicts else (
            "no readout in the file" if ck.readout is None else
            "the readout reads the last layer" if layer != s.num_layers - 1 else
            "the readout reads both directions at once" if s.bidirectional else
            f"the readout's {ck.readout[0].shape[0]:,} outputs are not the vocabulary's {self.vocab.size:,} tokens")

    @property
    def causal(self) -> bool:
        """Whether step t reads characters 1..t only: not when any layer reads the text backwards too."""
        return not self.checkpoint.stack.bidirectional

    @property
    def reversed(self) -> bool:
        """Whether trace_text's step 1 is the text's last character."""
        return self.direction == 1 and self.order == "reading"

    def readout(self, h: torch.Tensor) -> torch.Tensor:
        """h (T, H) -> logits (T, V) when this layer's h is what the readout reads, else (T, 0)."""
        if not self.predicts:
            return h.new_zeros(h.shape[0], 0)
        w, b = self.checkpoint.readout  # (V, H), (V,) or None
        return torch.addmm(b, h.to(w.dtype), w.T) if b is not None else h.to(w.dtype) @ w.T  # (T, V)

    def layer_input(self, text: str) -> torch.Tensor:
        """(T, I_l) what this layer reads at each step of `text`, in the input's order: the embedding for layer 0,
        else the layer below's outputs (both directions, concatenated as torch does)."""
        ids = self.vocab.encode(text)  # (T,)
        x = self.checkpoint.embedding[ids].to(self.checkpoint.stack.dtype)  # (T, I)
        return self.checkpoint.stack.layer_input(x, self.layer)  # (T, I_l)

    def num_parameters(self) -> int:
        return self.cell.num_parameters()

    @torch.no_grad()
    def trace_text(self, text: str) -> TextTrace:
        if not text:
            raise ValueError("the text is empty")
        tokens = self.vocab.encode(text)  # (T,)
        x = self.layer_input(text)  # (T, I_l), input order
        if self.direction == 0:
            tr = self.cell.trace(x)
        else:
            tr = self.cell.trace(x.flip(0))  # the reverse direction reads x_T first
            if self.order == "input":  # back to the text's order: step t is character t
                tr = Trace(arch=tr.arch, x=x, h=tr.h.flip(0), c=None if tr.c is None else tr.c.flip(0),
                           gates={k: v.flip(0) for k, v in tr.gates.items()}, h0=tr.h0, c0=tr.c0)
        shown = text[::-1] if self.reversed else text
        shown_tokens = tokens.flip(0) if self.reversed else tokens
        labels = tuple(char_label(ch) for ch in shown)
        probs = torch.softmax(self.readout(tr.h), dim=-1)  # (T, V), or (T, 0) without predictions
        out_vocab = self.vocab if self.predicts else TokenVocab(())
        return TextTrace(text=shown, tokens=shown_tokens, labels=labels, trace=tr, probs=probs, vocab=out_vocab)


def untrained_twin(ck: Checkpoint, seed: int = 0) -> Checkpoint:
    """The same architecture at PyTorch's default init (seed `seed`), reading through the same embedding:
    the baseline the Unit Finder compares a trained layer with."""
    from explorer.cells.stack import Stack
    s = ck.stack
    fresh = Stack(s.arch, s.input_size, s.hidden_size, s.num_layers, nonlinearity=s.nonlinearity, bias=s.bias,
                  bidirectional=s.bidirectional, proj_size=s.proj_size, seed=seed, dtype=s.dtype)
    fresh.eval().requires_grad_(False)
    return Checkpoint(stack=fresh, prefix=ck.prefix, embedding=ck.embedding, readout=ck.readout)
