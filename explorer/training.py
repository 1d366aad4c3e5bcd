"""Train a CharModel on a text in seconds: Adam, gradient-norm clipping, early stop at 100 % accuracy.

The note's "hello" example: after training on `hello` the model continues h -> e, he -> l, hel -> l,
hell -> o. The last two need memory: after "l" the answer depends on how many l's came before, which
only the recurrent state can know.

    model, history = train_char_model("hello", arch="lstm", seed=0)
    model.predict_next("hell")   # -> "o"

Short texts (at most `window + 1` characters) are trained as one sequence, so every step sees every
next-character pair and the reported accuracy is exactly the accuracy on the training text. Longer texts
are trained on a batch of random windows per step (sampled from the seed's own generator); the per-step
accuracy is then the batch's, and an early stop is only taken after the whole text checks out at 100 %.

Progress goes out through `callback(Progress)` after every step and nothing here knows about a UI.
Training stops when the callback returns True or `should_stop()` does; the model keeps what it has
learned so far and the History says it was interrupted.
"""
from __future__ import annotations

import dataclasses

import time
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from explorer.model import CharModel, ModelConfig
from explorer.optim import Adam
from explorer.text import Vocab, prepare_text
from explorer.limits import MAX_TRAIN_CHARS, MAX_TRAIN_HIDDEN, MAX_TRAIN_STEPS

__all__ = ["MAX_TRAIN_CHARS", "MAX_TRAIN_HIDDEN", "MAX_TRAIN_STEPS", "TrainConfig", "Progress", "History",
           "check_training_text", "needs_memory", "train_char_model"]



@dataclass(frozen=True)
class TrainConfig:
    hidden_size: int = 32  # H
    steps: int = 300  # at most this many optimiser steps
    lr: float = 0.01  # Adam's learning rate
    clip: float = 1.0  # max global gradient norm (torch.nn.utils.clip_grad_norm_)
    window: int = 64  # T of one training window (texts up to window + 1 chars are one sequence)
    batch_size: int = 16  # B windows per step for longer texts
    forget_bias: float = 0.0  # ModelConfig.forget_bias: carry-gate bias of the LSTM / GRU

    def __post_init__(self):
        if not 1 <= self.hidden_size <= MAX_TRAIN_HIDDEN:
            raise ValueError(f"hidden_size must be in 1..{MAX_TRAIN_HIDDEN}, got {self.hidden_size}")
        if not 1 <= self.steps <= MAX_TRAIN_STEPS:
            raise ValueError(f"steps must be in 1..{MAX_TRAIN_STEPS}, got {self.steps}")
        if not (self.lr > 0 and self.clip > 0):
            raise ValueError(f"lr and clip must be > 0, got lr={self.lr}, clip={self.clip}")
        if self.window < 1 or self.batch_size < 1:
            raise ValueError(f"window and batch_size must be >= 1, got {self.window} and {self.batch_size}")


@dataclass(frozen=True)
class Progress:
    """What the callback hears after each optimiser step."""

    step: int  # steps done so far (1-based)
    total: int  # the step budget
    loss: float  # mean cross-entropy of this step's batch, in nats
    accuracy: float  # fraction of this step's next-character targets predicted right (argmax)


@dataclass(frozen=True)
class History:
    """How a training run went; the i-th entry of `losses` / `accuracies` belongs to step i + 1."""

    arch: str
    losses: tuple[float, ...]  # mean cross-entropy per step (nats)
    accuracies: tuple[float, ...]  # next-character accuracy per step, before that step's update
    steps: int  # optimiser steps taken (== len(losses), or len(losses) - 1 after an early stop)
    max_steps: int  # the budget
    seconds: float  # wall time of the loop, callbacks included
    stopped_early: bool  # True: the text was predicted 100 % right and training stopped
    interrupted: bool  # True: the callback or should_stop asked to stop; the model is partly trained
    text_length: int  # characters trained on (after the cap)
    notice: str | None = None  # what was done to the text (cut to the cap), for the page to say

    @property
    def seconds_per_step(self) -> float:
        return self.seconds / max(len(self.losses), 1)

    @property
    def final_loss(self) -> float:
        return self.losses[-1] if self.losses else float("nan")

    @property
    def final_accuracy(self) -> float:
        return self.accuracies[-1] if self.accuracies else float("nan")


def check_training_text(text: str | None, cap: int = MAX_TRAIN_CHARS):
    """Validate a training text; returns a PreparedText. ValueError with a readable message if unusable."""
    prepared = prepare_text(text, cap=cap)  # empty -> ValueError; longer than cap -> cut, with a notice
    if len(prepared.text) < 2:
        raise ValueError("The text needs at least two characters: the model learns which character follows which.")
    if prepared.text.isspace():
        raise ValueError("The text is only whitespace: type some letters, e.g. 'hello'.")
    return prepared


def needs_memory(text: str) -> tuple[bool, ...]:
    """For each position t < len(text) - 1: is text[t + 1] NOT determined by text[t] alone?

    True where the same character is followed by different characters elsewhere in the text (in
    "hello": after the first "l" comes "l", after the second "o"), so only the recurrent state can tell.
    """
    followers: dict[str, set[str]] = {}
    for ch, nxt in zip(text, text[1:]):
        followers.setdefault(ch, set()).add(nxt)
    return tuple(len(followers[ch]) > 1 for ch in text[:-1])


def _windows(tokens: torch.Tensor, window: int, batch_size: int, gen: torch.Generator):
    """(inputs, targets), each (T, B): B random windows of T next-character pairs from tokens (N,)."""
    N = tokens.shape[0]
    starts = torch.randint(0, N - window, (batch_size,), generator=gen)  # (B,)
    offsets = torch.arange(window + 1)  # (T+1,)
    chunk = tokens[starts.unsqueeze(0) + offsets.unsqueeze(1)]  # (T+1, B)
    return chunk[:-1], chunk[1:]


@torch.no_grad()
def _text_accuracy(model: CharModel, tokens: torch.Tensor) -> float:
    logits, _ = model(tokens[:-1])  # (N-1, V)
    return float((logits.argmax(-1) == tokens[1:]).float().mean())


def train_char_model(
    text: str,
    arch: str = "lstm",
    seed: int = 0,
    config: TrainConfig = TrainConfig(),
    *,
    early_stop: bool = True,
    callback: Callable[[Progress], bool | None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_start: Callable[[CharModel], None] | None = None,
    **overrides,
) -> tuple[CharModel, History]:
    """Train a next-character model on `text`; returns (model, history).

    Settings come from `config`, with any field overridden by keyword (`hidden_size=64, steps=500`).

    Deterministic for a seed: initial weights come from ModelConfig(seed=seed), windows from a private
    torch.Generator; the global random state is neither read nor changed.
    callback(Progress) runs after every step; returning True stops training (as does should_stop()
    returning True), keeping the weights learned so far and setting History.interrupted.
    on_start(model) runs once before the first step, so a caller whose own run can be cut short (a UI
    rerun) holds the model being trained and can keep it, partly trained, if its user asked to stop.
    Training also stops, before the update, as soon as every next character of the text is predicted
    right (History.stopped_early); early_stop=False trains the whole budget (surer predictions).
    """
    unknown = set(overrides) - {f.name for f in dataclasses.fields(TrainConfig)}
    if unknown:
        raise TypeError(f"train_char_model got unknown settings {sorted(unknown)}; "
                        f"TrainConfig has {[f.name for f in dataclasses.fields(TrainConfig)]}")
    cfg = dataclasses.replace(config, **overrides)  # e.g. hidden_size=64: one field changed, the rest as given
    prepared = check_training_text(text)
    vocab = Vocab.from_text(prepared.text)
    model = CharModel(vocab, ModelConfig(arch=arch, hidden_size=cfg.hidden_size, seed=seed,
                                         forget_bias=cfg.forget_bias))
    tokens = vocab.encode(prepared.text)  # (N,)
    whole = tokens.shape[0] <= cfg.window + 1  # short text: one sequence holds every pair
    gen = torch.Generator().manual_seed(seed + 2)  # +0 and +1 initialise the cell and readout
    opt = Adam(model.parameters(), lr=cfg.lr)  # torch.optim.Adam's update, without importing torch._dynamo
    loss_fn = nn.CrossEntropyLoss()
    losses: list[float] = []
    accuracies: list[float] = []
    stopped_early = interrupted = False
    done = 0

    if on_start is not None:
        on_start(model)
    t0 = time.perf_counter()
    for step in range(1, cfg.steps + 1):
        if whole:
            inputs, targets = tokens[:-1].unsqueeze(1), tokens[1:].unsqueeze(1)  # (T, 1) each
        else:
            inputs, targets = _windows(tokens, cfg.window, cfg.batch_size, gen)  # (T, B) each
        logits, _ = model(inputs)  # (T, B, V)
        loss = loss_fn(logits.reshape(-1, vocab.size), targets.reshape(-1))
        # accuracy of the weights *before* this update, from the logits we have anyway
        accuracy = float((logits.detach().argmax(-1) == targets).float().mean())
        losses.append(float(loss.detach()))
        accuracies.append(accuracy)
        if early_stop and accuracy == 1.0 and (whole or _text_accuracy(model, tokens) == 1.0):
            stopped_early = True  # the returned weights are exactly those that scored 100 %
            break
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
        opt.step()
        done = step
        if callback is not None and callback(Progress(step, cfg.steps, losses[-1], accuracy)):
            interrupted = True
            break
        if should_stop is not None and should_stop():
            interrupted = True
            break
    seconds = time.perf_counter() - t0

    model.eval()
    history = History(arch=arch, losses=tuple(losses), accuracies=tuple(accuracies), steps=done,
                      max_steps=cfg.steps, seconds=seconds, stopped_early=stopped_early,
                      interrupted=interrupted, text_length=len(prepared.text), notice=prepared.notice)
    return model, history
