"""What the Train & Predict page shows of a trained model: its predictions at every position of the text."""
from __future__ import annotations

from dataclasses import dataclass

from explorer.model import CharModel
from explorer.text import char_label
from explorer.training import needs_memory

__all__ = ["WINDOW", "Predictions", "predictions"]

WINDOW = 40  # positions shown at once in the prediction heatmap


@dataclass(frozen=True)
class Predictions:
    arch: str
    k: int
    positions: tuple[int, ...]  # 0-based positions t in the window (the character just read is text[t])
    rows: tuple[int, ...]  # vocabulary ids drawn as heatmap rows: ever in the top k, or the real next one
    z: tuple[tuple[float, ...], ...]  # (rows, positions) probabilities
    read: tuple[str, ...]  # printable label of each character of the text
    truth: tuple[int, ...]  # (T - 1,) id of the real next character
    vocab_labels: tuple[str, ...]
    table: tuple[dict, ...]  # one row per position: what was read, the real next one, the top k, right?


def predictions(model: CharModel, text: str, k: int = 3, start: int = 1) -> Predictions:
    """The model's top-k next characters after each position of `text`, and the heatmap window from `start`."""
    tt = model.trace_text(text)
    top = tt.top_k(k)
    labels = tuple(char_label(c) for c in model.vocab.chars)
    memory = needs_memory(text)
    n_pos = len(text) - 1
    first = min(max(start, 1), max(n_pos - WINDOW + 1, 1)) - 1 if n_pos > WINDOW else 0
    pos = tuple(range(first, min(first + WINDOW, n_pos)))
    truth = tuple(int(tt.tokens[t + 1]) for t in range(n_pos))
    rows = tuple(sorted({int(i) for t in pos for i in top.ids[t]} | {truth[t] for t in pos}))
    z = tuple(tuple(float(tt.probs[t, i]) for t in pos) for i in rows)
    table = tuple({"t": t + 1, "read so far": "".join(tt.labels[max(0, t - 11):t + 1]),
                   "next (real)": tt.labels[t + 1],
                   f"top {k} predicted": " · ".join(f"{labels[int(i)]} {float(p):.0%}"
                                                    for i, p in zip(top.ids[t], top.probs[t])),
                   "right?": "✓" if int(top.ids[t, 0]) == truth[t] else "✗",
                   "needs memory?": "yes" if memory[t] else ""} for t in range(n_pos))
    return Predictions(arch=model.config.arch, k=k, positions=pos, rows=rows, z=z, read=tt.labels, truth=truth,
                       vocab_labels=labels, table=table)
