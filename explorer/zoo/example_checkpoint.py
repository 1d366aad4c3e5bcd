"""The "try it" checkpoint of the Your Model page: a real 2-layer LSTM with an embedding and a readout.

    python -m explorer.zoo.example_checkpoint      # rewrites explorer/zoo/examples/ (about a minute, one thread)

A character model (printable ASCII, an nn.Embedding of 16, nn.LSTM(16, 64, num_layers=2), nn.Linear readout)
trained with truncated backpropagation on the shipped Python-source corpus, saved as a plain state dict
in .safetensors with its vocabulary as JSON: what a user's own checkpoint looks like, small enough to ship.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import torch
from torch import nn

from explorer.data.corpus import load_corpus

__all__ = ["CharLSTM", "EXAMPLE_DIR", "EXAMPLE_WEIGHTS", "EXAMPLE_VOCAB", "make"]

EXAMPLE_DIR = Path(__file__).resolve().parent / "examples"
EXAMPLE_WEIGHTS = EXAMPLE_DIR / "python-2layer-lstm.safetensors"
EXAMPLE_VOCAB = EXAMPLE_DIR / "python-2layer-lstm.vocab.json"


class CharLSTM(nn.Module):
    """tokens (T, B) -> embedding (T, B, 16) -> 2-layer LSTM (T, B, 64) -> logits (T, B, V)."""

    def __init__(self, vocab_size: int, embed: int = 16, hidden: int = 64, layers: int = 2):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers)
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, tokens, state=None):
        out, state = self.lstm(self.embed(tokens), state)
        return self.head(out), state


def make(steps: int = 600, seed: int = 0) -> dict:
    # nn.Embedding/LSTM/Linear draw their init from torch's global generator: seed it inside fork_rng, so the
    # caller's random state is as it was afterwards
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return _train(steps, seed)


def _train(steps: int, seed: int) -> dict:
    corpus = load_corpus("stdlib")
    chars = corpus.vocab.chars
    idx = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([idx.get(c, 0) for c in corpus.train[:300_000]])
    model = CharLSTM(len(chars))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    gen = torch.Generator().manual_seed(seed)
    T, B = 100, 32
    for step in range(steps):
        starts = torch.randint(0, len(data) - T - 1, (B,), generator=gen)
        window = torch.stack([data[s: s + T + 1] for s in starts.tolist()], dim=1)  # (T+1, B)
        logits, _ = model(window[:-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, len(chars)), window[1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    from safetensors.torch import save_file

    EXAMPLE_DIR.mkdir(exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(EXAMPLE_WEIGHTS))
    EXAMPLE_VOCAB.write_text(json.dumps(list(chars), ensure_ascii=False), encoding="utf-8")
    return {"loss_bits": loss.item() / math.log(2), "steps": steps}


if __name__ == "__main__":
    torch.set_num_threads(1)
    print(make())
