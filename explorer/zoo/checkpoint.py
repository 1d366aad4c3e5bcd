"""Your own model: read a checkpoint safely and work out what it holds.

A checkpoint is a state dict saved with `torch.save(model.state_dict(), path)` (read with
`torch.load(..., weights_only=True)` only, which refuses to run code) or a `.safetensors` file (plain
tensors by design). It must hold one `nn.RNN` / `nn.LSTM` / `nn.GRU` under any prefix (`rnn.`, `lstm.`,
`encoder.`, none), optionally one `nn.Embedding` before it and one `nn.Linear` readout after it. From the
keys and shapes alone this module finds the architecture, layers, directions, sizes and proj_size, and
says what it could not decide (a plain RNN's nonlinearity is not in its weights). Every problem is a
ValueError whose message a person can act on; nothing in a file can run code.
"""
from __future__ import annotations

import io
import json
import pickle
import re
import zipfile
from dataclasses import dataclass, field

import torch

from explorer.cells.stack import Stack
from explorer.limits import MAX_CHECKPOINT_BYTES, MAX_VOCAB_BYTES

__all__ = ["Checkpoint", "read_state_dict", "inspect", "read_vocab"]

_RNN_KEY = re.compile(r"^(?P<prefix>(?:.*\.)?)weight_ih_l(?P<layer>\d+)(?P<rev>_reverse)?$")
_GATES = {4: "lstm", 3: "gru", 1: "rnn"}


@dataclass(frozen=True)
class Checkpoint:
    stack: Stack  # the recurrent module, with its weights
    prefix: str  # where it sat in the state dict, e.g. "encoder."
    embedding: torch.Tensor | None = None  # (V, I): token id -> input vector
    readout: tuple[torch.Tensor, torch.Tensor | None] | None = None  # (O, D*P) weight and (O,) bias
    undecided: tuple[str, ...] = ()  # what the weights do not say (e.g. "nonlinearity" of a plain RNN)
    ignored: tuple[str, ...] = field(default_factory=tuple)  # keys that belong to none of the three parts

    @property
    def parameters(self) -> int:
        n = sum(p.numel() for p in self.stack.parameters())
        n += 0 if self.embedding is None else self.embedding.numel()
        if self.readout is not None:
            n += self.readout[0].numel() + (0 if self.readout[1] is None else self.readout[1].numel())
        return n

    def describe(self) -> list[str]:
        s = self.stack
        layers = f"{s.num_layers} layer{'s' if s.num_layers > 1 else ''} × {2 if s.bidirectional else 1} direction" \
                 f"{'s' if s.bidirectional else ''}"
        sizes = f"input size I = {s.input_size}, hidden size H = {s.hidden_size}" + \
                (f", projection P = {s.proj_size}" if s.proj_size else "")
        lines = [f"{s.arch.upper()}{' (' + s.nonlinearity + ')' if s.arch == 'rnn' else ''}, {layers}; {sizes}; "
                 f"{'with' if s.bias else 'no'} biases; under the prefix '{self.prefix or '(none)'}'",
                 f"{self.parameters:,} parameters in all"]
        lines.append(f"reads: an embedding of {self.embedding.shape[0]:,} tokens into {self.embedding.shape[1]} numbers"
                     if self.embedding is not None else
                     f"reads: vectors of {s.input_size} numbers per step (no embedding in the file)")
        lines.append(f"predicts: {self.readout[0].shape[0]:,} outputs per step (a linear readout)"
                     if self.readout is not None else "predicts: nothing (no readout in the file)")
        return lines


def read_state_dict(data: bytes, filename: str) -> dict[str, torch.Tensor]:
    """The tensors of an uploaded checkpoint; ValueError with a readable message for anything else."""
    if len(data) > MAX_CHECKPOINT_BYTES:
        raise ValueError(f"{filename}: {len(data):,} bytes, over the {MAX_CHECKPOINT_BYTES // 1_000_000} MB cap")
    if filename.lower().endswith(".safetensors"):
        from safetensors import SafetensorError
        from safetensors.torch import load as load_safetensors
        try:
            sd = load_safetensors(data)
        except (SafetensorError, ValueError, OSError) as err:
            raise ValueError(f"{filename}: not a readable .safetensors file ({str(err)[:120]})") from None
    else:
        if zipfile.is_zipfile(io.BytesIO(data)):
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
            if any(n.endswith("constants.pkl") or "/code/" in n for n in names):
                raise ValueError(f"{filename}: a TorchScript archive (torch.jit.save), which holds code; save the "
                                 "weights instead: torch.save(model.state_dict(), path)")
        elif not data.startswith(b"\x80"):  # neither torch.save's zip format nor its legacy pickle format
            raise ValueError(f"{filename}: not a PyTorch checkpoint (its bytes are not a saved state dict)")
        try:
            sd = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as err:
            what = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(err))
            if what is None and "GLOBAL" not in str(err):  # a damaged stream, not a refused object
                raise ValueError(f"{filename}: not a PyTorch checkpoint (its bytes are not a saved state dict)") \
                    from None
            raise ValueError(f"{filename}: holds Python objects, not only tensors"
                             f"{' (' + what.group(1) + ')' if what else ''}, and was refused unread (loading it could "
                             "run code). Save the weights instead: torch.save(model.state_dict(), path)") from None
        except (RuntimeError, EOFError, OSError, ValueError, AttributeError, IndexError, KeyError) as err:
            raise ValueError(f"{filename}: not a PyTorch checkpoint ({str(err).splitlines()[0][:120] or 'unreadable'})") \
                from None
    if isinstance(sd, dict) and isinstance(sd.get("state_dict"), dict):
        sd = sd["state_dict"]  # a training checkpoint that wraps the state dict
    if not isinstance(sd, dict) or not sd or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                                    for k, v in sd.items()):
        raise ValueError(f"{filename}: expected a state dict (names -> tensors), got {type(sd).__name__}")
    bad = [k for k, v in sd.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise ValueError(f"{filename}: {bad[0]} contains NaN or infinite values")
    return sd


def inspect(sd: dict[str, torch.Tensor], nonlinearity: str | None = None) -> Checkpoint:
    """Find the one recurrent module (and an embedding and readout around it) in a state dict."""
    found: dict[str, list[tuple[int, bool]]] = {}
    for key in sd:
        m = _RNN_KEY.match(key)
        if m:
            found.setdefault(m.group("prefix"), []).append((int(m.group("layer")), bool(m.group("rev"))))
    if not found:
        sample = ", ".join(list(sd)[:4])
        hint = " (these look like a Transformer's)" if any("attn" in k or "attention" in k for k in sd) else ""
        raise ValueError(f"no nn.RNN, nn.LSTM or nn.GRU weights in this file (no 'weight_ih_l0'); its keys begin "
                         f"{sample}{hint}")
    if len(found) > 1:
        raise ValueError(f"this file holds {len(found)} recurrent modules ({', '.join(p or '(none)' for p in found)}); "
                         "this page explores one: save the state dict of the one you want")
    prefix, entries = next(iter(found.items()))
    layers = max(layer for layer, _ in entries) + 1
    bidirectional = any(rev for _, rev in entries)
    w_ih, w_hh = sd[f"{prefix}weight_ih_l0"], sd.get(f"{prefix}weight_hh_l0")
    if w_hh is None or w_ih.dim() != 2 or w_hh.dim() != 2:
        raise ValueError(f"'{prefix}weight_hh_l0' is missing or not a matrix: the checkpoint is incomplete")
    w_hr = sd.get(f"{prefix}weight_hr_l0")
    hidden = w_hr.shape[1] if w_hr is not None else w_hh.shape[1]
    gates = w_ih.shape[0] // hidden if hidden else 0
    if gates not in _GATES or gates * hidden != w_ih.shape[0]:
        raise ValueError(f"the shapes contradict each other: weight_ih_l0 has {w_ih.shape[0]} rows, which is not "
                         f"4, 3 or 1 times the hidden size {hidden}")
    arch = _GATES[gates]
    undecided = ()
    if arch == "rnn" and nonlinearity is None:
        undecided, nonlinearity = ("nonlinearity",), "tanh"
    stack = Stack(arch, w_ih.shape[1], hidden, layers, nonlinearity=nonlinearity or "tanh",
                  bias=f"{prefix}bias_ih_l0" in sd, bidirectional=bidirectional,
                  proj_size=w_hr.shape[0] if w_hr is not None else 0)
    want = {k: v.shape for k, v in stack.state_dict().items()}
    have = {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix) and k[len(prefix):] in want}
    missing = sorted(set(want) - set(have))
    if missing:
        raise ValueError(f"the checkpoint is incomplete for a {layers}-layer{' bidirectional' if bidirectional else ''} "
                         f"{arch.upper()}: missing {', '.join(missing[:4])}")
    wrong = [f"{k} is {tuple(v.shape)}, expected {tuple(want[k])}" for k, v in have.items() if v.shape != want[k]]
    if wrong:
        raise ValueError("the shapes contradict each other: " + "; ".join(wrong[:3]))
    with torch.no_grad():
        stack.load_state_dict({k: v.to(stack.dtype) for k, v in have.items()})
    stack.eval().requires_grad_(False)
    used = {prefix + k for k in have}
    rest = {k: v for k, v in sd.items() if k not in used}
    embedding = _one(rest, lambda k, v: v.dim() == 2 and v.shape[1] == stack.input_size and k.endswith("weight")
                     and not k.endswith(("bias",)) and ("emb" in k.lower() or "encoder" in k.lower() or len(rest) <= 3))
    readout_w = _one(rest, lambda k, v: v.dim() == 2 and v.shape[1] == stack.out_size * (2 if bidirectional else 1)
                     and k.endswith("weight") and k != (embedding[0] if embedding else None))
    readout = None
    if readout_w is not None:
        bias = rest.get(readout_w[0][: -len("weight")] + "bias")
        readout = (readout_w[1].float(), None if bias is None else bias.float())
    taken = {name for name in (embedding and embedding[0], readout_w and readout_w[0]) if name}
    if readout_w is not None and readout[1] is not None:
        taken.add(readout_w[0][: -len("weight")] + "bias")
    return Checkpoint(stack=stack, prefix=prefix, embedding=None if embedding is None else embedding[1].float(),
                      readout=readout, undecided=undecided, ignored=tuple(sorted(set(rest) - taken)))


def _one(tensors: dict[str, torch.Tensor], fits) -> tuple[str, torch.Tensor] | None:
    hits = [(k, v) for k, v in tensors.items() if fits(k, v)]
    return hits[0] if len(hits) == 1 else None


def read_vocab(data: bytes, size: int | None) -> tuple[str, ...]:
    """Tokens from a JSON list or one token per line; checked against the embedding's size when there is one."""
    if len(data) > MAX_VOCAB_BYTES:
        raise ValueError(f"the vocabulary file is {len(data):,} bytes, over the {MAX_VOCAB_BYTES:,} allowed")
    text = data.decode("utf-8", errors="replace")
    try:
        tokens = json.loads(text)
        if not (isinstance(tokens, list) and all(isinstance(t, str) for t in tokens)):
            raise ValueError("a JSON vocabulary must be a list of strings")
    except json.JSONDecodeError as err:
        if text.lstrip().startswith("["):  # meant as JSON: say where it breaks, not "1 token"
            raise ValueError(f"the vocabulary looks like JSON but is not valid JSON ({err.msg} at line {err.lineno}, "
                             f"column {err.colno}); write a list of strings, or one token per line") from None
        tokens = text.split("\n")
        if tokens and tokens[-1] == "":
            tokens = tokens[:-1]
    if size is not None and len(tokens) != size:
        raise ValueError(f"the vocabulary has {len(tokens):,} token{'s' if len(tokens) != 1 else ''} but the "
                         f"embedding has {size:,} rows: it must list one token per row, in the embedding's order")
    return tuple(tokens)
