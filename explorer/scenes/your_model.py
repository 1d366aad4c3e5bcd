"""The Your Model page's scene: a user's checkpoint reading a user's input, one layer and direction at a time.

Input modes: characters or whitespace-separated words (through the checkpoint's embedding and its
vocabulary), or numbers: token ids for a model with an embedding (any model can be read without its
vocabulary), one step per line of I comma-separated values for a model without one.
Everything here is the same machinery as the other pages: `Stack.trace` for every gate of every layer,
`input_sensitivity` for the gradient's reach, Pearson r against a regex feature for the units.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import torch

from explorer.data.features import regex_feature
from explorer.figures.gradients import decade_step
from explorer.figures.style import base_layout
from explorer.figures.tables import md_escape
from explorer.gradients import input_sensitivity, reach
from explorer.limits import MAX_TEXT_CHARS
from explorer.text import char_label
from explorer.trace import Trace
from explorer.units import pearson
from explorer.zoo.checkpoint import Checkpoint

__all__ = ["MODES", "mode_label", "ModelInput", "encode_input", "layer_trace", "reach_figure", "unit_search"]

MODES = {"characters": "characters (one step per character)", "words": "words (split on spaces)",
         "numbers": "numbers (one step per line, comma-separated)"}
IDS_LABEL = "token ids (numbers, e.g. 3, 17, 0)"  # the numbers mode of a model with an embedding
MAX_STEPS = 400  # steps of a user's input this page traces (the gradient is exact autograd: kept small)


def mode_label(ck: Checkpoint, mode: str) -> str:
    """How the input mode reads for this model: numbers are token ids when it has an embedding."""
    return IDS_LABEL if mode == "numbers" and ck.embedding is not None else MODES[mode]


@dataclass(frozen=True)
class ModelInput:
    x: torch.Tensor  # (T, I) what the recurrent module reads (embedded tokens, or the numbers)
    labels: tuple[str, ...]  # (T,) one printable label per step
    tokens: tuple[str, ...]  # the raw steps (characters, words or lines)
    unknown: int = 0  # steps whose token is not in the vocabulary (read as id 0)
    notice: str | None = None


def encode_input(ck: Checkpoint, vocab: tuple[str, ...] | None, mode: str, text: str) -> ModelInput:
    """The input as the module reads it; ValueError says what the model can read when it cannot read this."""
    I = ck.stack.input_size
    if mode == "numbers" and ck.embedding is not None:
        return _token_ids(ck, text)
    if mode == "numbers":
        rows = [line for line in text.strip().splitlines() if line.strip()]
        try:
            values = [[float(v) for v in line.split(",")] for line in rows]
        except ValueError:
            raise ValueError("Numbers: one step per line, the values separated by commas (e.g. 0.1, -2, 3.5).") \
                from None
        bad = [k + 1 for k, v in enumerate(values) if len(v) != I]
        if not values or bad:
            raise ValueError(f"This model reads {I} number{'s' if I > 1 else ''} per step; line "
                             f"{bad[0] if bad else 1} has a different count.")
        values, notice = _capped(values)
        x = torch.tensor(values, dtype=torch.float32)  # (T, I)
        return ModelInput(x, tuple(str(k + 1) for k in range(len(values))), tuple(rows[:len(values)]), 0, notice)
    if ck.embedding is None:
        raise ValueError(f"This model has no embedding: it reads {I} numbers per step. Choose numbers.")
    if vocab is None:
        raise ValueError(f"This model reads token ids 0..{ck.embedding.shape[0] - 1} through its embedding. To type "
                         "text, load its vocabulary (a JSON list or one token per line, in the embedding's order); "
                         "without one, choose numbers and type the ids themselves (e.g. 3, 17, 0, 5).")
    if mode == "words" and all(len(tok) == 1 for tok in vocab):
        raise ValueError("This model's vocabulary is single characters: choose characters, or every word would be "
                         "read as the unknown token.")
    steps = list(text[:MAX_TEXT_CHARS]) if mode == "characters" else text.split()
    if not steps:
        raise ValueError("The input is empty: type at least one step.")
    steps, notice = _capped(steps, len(text) if mode == "characters" else len(steps))
    index = {tok: i for i, tok in enumerate(vocab)}
    ids = [index.get(tok, 0) for tok in steps]
    unknown = sum(tok not in index for tok in steps)
    x = ck.embedding[torch.tensor(ids)]  # (T, I)
    labels = tuple(char_label(tok) if mode == "characters" else tok[:12] for tok in steps)
    return ModelInput(x, labels, tuple(steps), unknown, notice)


def _token_ids(ck: Checkpoint, text: str) -> ModelInput:
    """Token ids typed as numbers (commas, spaces or lines between them), each one step through the embedding."""
    V = ck.embedding.shape[0]
    steps = text.replace(",", " ").split()
    if not steps:
        raise ValueError("The input is empty: type at least one token id.")
    bad = next((tok for tok in steps if not (tok.isascii() and tok.isdigit()) or int(tok[:12]) >= V), None)
    if bad is not None:
        raise ValueError(f"This model reads token ids 0..{V - 1} (whole numbers) through its embedding; "
                         f"'{bad[:20]}' is not one.")
    steps, notice = _capped(steps)
    x = ck.embedding[torch.tensor([int(tok) for tok in steps])]  # (T, I)
    return ModelInput(x, tuple(steps), tuple(steps), 0, notice)


def unknown_note(count: int, vocab: tuple[str, ...] | None) -> str:
    """What the page says about `count` steps outside the vocabulary: they are read as token 0, named as typed."""
    token = vocab[0] if vocab else "0"  # a character, or a word of a word-level vocabulary
    first = md_escape((char_label(token) if len(token) == 1 else token)[:20])  # the uploaded file's text
    are = "s are" if count != 1 else " is"
    return (f"{count:,} step{are} not in the vocabulary and {'are' if count != 1 else 'is'} read as token 0 "
            f"(“{first}”, the vocabulary's first entry): the model never saw {'them' if count != 1 else 'it'} in "
            "training, so what it does there says little.")


def _capped(steps: list, total: int | None = None) -> tuple[list, str | None]:
    """The first MAX_STEPS steps, and the notice that says so when there were more (`total`: how many the
    input had, when `steps` was already cut to the text cap)."""
    if len(steps) <= MAX_STEPS:
        return steps, None
    return steps[:MAX_STEPS], (f"Your input has {total or len(steps):,} steps; only the first {MAX_STEPS:,} are traced "
                               "(every layer's gates are kept for each step).")


def layer_trace(ck: Checkpoint, inp: ModelInput, layer: int, direction: int) -> Trace:
    with torch.no_grad():
        return ck.stack.trace(inp.x.to(ck.stack.dtype)).layers[layer][direction]


def reach_figure(ck: Checkpoint, inp: ModelInput, presenter: bool = False) -> tuple[go.Figure, tuple]:
    """‖∂y_T/∂x_t‖ relative to the last step, against the distance, for the whole stack (all directions)."""
    s = input_sensitivity(ck.stack, inp.x)  # (T,) float64, exact autograd
    log10 = torch.log10(s.clamp_min(1e-300))
    rel = (log10.flip(0) - log10[-1]).tolist()  # by distance d = 0..T-1
    fig = go.Figure(go.Scatter(x=list(range(len(rel))), y=[10 ** v for v in rel], mode="lines",
                               line=dict(width=3, color="#1f77b4"), name="your model"))
    base_layout(fig, title="‖∂y<sub>T</sub>/∂xₜ‖ against distance d", height=380,
                presenter=presenter)
    decades = max(rel) - min(rel) if rel else 0.0
    fig.update_yaxes(type="log", exponentformat="power", dtick=decade_step(decades, most=8),  # labels never touch
                     title_text="relative to d = 0 (log)")
    fig.update_xaxes(title_text="distance d = T − t")
    return fig, reach(log10).distances


def unit_search(tr: Trace, inp: ModelInput, pattern: str, signal: str = "h") -> tuple[int, float, str | None]:
    """The unit of `signal` (h, c or a gate) that best tracks 'inside a match of pattern'; (unit, r, problem)."""
    text = "".join(inp.tokens) if all(len(t) == 1 for t in inp.tokens) else None
    if text is None:
        return 0, 0.0, "The regex feature needs character input (one step per character)."
    feature = regex_feature(text, pattern)  # (T,) 0/1, ValueError for a bad pattern
    if np.unique(feature).size < 2:
        return 0, 0.0, ("Your regex matches nothing in this text" if feature.max() == 0 else
                        "Your regex matches the whole text") + ": a constant has no correlation with any unit."
    acts = tr.states()[signal].detach().double().numpy()  # (T, H)
    r = pearson(acts, feature[None, :])[0]  # (H,)
    unit = int(np.abs(r).argmax())
    return unit, float(r[unit]), None if not math.isnan(r[unit]) else "no unit varies on this text"
