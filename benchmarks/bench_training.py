"""Steps per second of the app's training loop against a plain torch loop: same model, same batches.

    python benchmarks/bench_training.py            # target: ratio (plain speed / app speed) <= 1.2

The app's loop is `train_char_model` with a callback doing what the Train page's does between redraws
(append loss and accuracy to lists, check the clock). The plain loop is the textbook one: forward,
cross-entropy, backward, clip, Adam step, on the very same windows. Not a test: timings depend on the
machine and its load, so runs alternate and the median is reported.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere, without installing

from explorer.model import CharModel, ModelConfig
from explorer.text import Vocab
from explorer.training import TrainConfig, _windows, check_training_text, train_char_model

ROOT = Path(__file__).resolve().parents[1]
SEED_TEXT = Path("/work/shared/seed/lstm-gru-notes.txt")


CLOCK = {"wall": time.perf_counter, "cpu": time.process_time}
clock = time.perf_counter  # set from --clock in main()


def app_loop(text: str, arch: str, steps: int, **kw) -> float:
    """Seconds per step of train_char_model with a page-like callback (model construction included)."""
    t0 = clock()
    losses, accs, last = [], [], [0.0]

    def callback(p):
        losses.append(p.loss)
        accs.append(p.accuracy)
        now = time.perf_counter()
        if now - last[0] >= 0.25:
            last[0] = now
    _, history = train_char_model(text, arch=arch, seed=0, steps=steps, early_stop=False, callback=callback, **kw)
    assert history.steps == steps
    return (clock() - t0) / steps


def plain_loop(text: str, arch: str, steps: int, hidden_size: int = TrainConfig.hidden_size,
               lr: float = TrainConfig.lr, clip: float = TrainConfig.clip) -> float:
    """Seconds per step of a plain torch loop on the same model and the same batches (construction included)."""
    t0 = clock()
    cfg = TrainConfig(hidden_size=hidden_size, steps=steps)
    prepared = check_training_text(text)
    vocab = Vocab.from_text(prepared.text)
    model = CharModel(vocab, ModelConfig(arch=arch, hidden_size=hidden_size, seed=0))
    tokens = vocab.encode(prepared.text)  # (N,)
    gen = torch.Generator().manual_seed(2)
    whole = tokens.shape[0] <= cfg.window + 1
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(steps):
        if whole:
            inputs, targets = tokens[:-1].unsqueeze(1), tokens[1:].unsqueeze(1)  # (T, 1)
        else:
            inputs, targets = _windows(tokens, cfg.window, cfg.batch_size, gen)  # (T, B)
        logits, _ = model(inputs)  # (T, B, V)
        loss = loss_fn(logits.reshape(-1, vocab.size), targets.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
    return (clock() - t0) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--clock", choices=sorted(CLOCK), default="wall",
                        help="wall: perf_counter; cpu: process_time (steadier on a machine others are loading)")
    args = parser.parse_args()
    global clock
    clock = CLOCK[args.clock]
    torch.set_num_threads(args.threads)
    long_text = SEED_TEXT.read_text() if SEED_TEXT.exists() else (ROOT / "README.md").read_text()
    cases = [("hello", "hello", dict(), 100), ("notes, H=32", long_text, dict(hidden_size=32), 60),
             ("notes, H=128", long_text, dict(hidden_size=128), 40)]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.clock} clock; median of {args.repeats} alternating runs\n")
    print(f"{'case':<14}{'arch':<6}{'plain ms/step':>14}{'app ms/step':>13}{'app/plain':>11}")
    worst = 0.0
    for name, text, kw, steps in cases:
        for arch in ("lstm", "gru", "rnn"):
            app_loop(text, arch, 5, **kw), plain_loop(text, arch, 5, **kw)  # warm up
            plain, app = [], []
            for _ in range(args.repeats):
                plain.append(plain_loop(text, arch, steps, **kw))
                app.append(app_loop(text, arch, steps, **kw))
            p, a = statistics.median(plain), statistics.median(app)
            worst = max(worst, a / p)
            print(f"{name:<14}{arch:<6}{p * 1e3:>14.3f}{a * 1e3:>13.3f}{a / p:>10.2f}x")
    print(f"\nworst ratio {worst:.2f}x (target <= 1.2x)")


if __name__ == "__main__":
    main()
