"""The Gradient Lab's shipped scene for a new text, against the path before this change, in one process.

    python benchmarks/bench_lab_scene.py            # 3 repeats, one intra-op thread (the app's server)

What the page computes when a text is typed on the shipped source: the exact curves of the three
shipped models (RNN H = 273, LSTM H = 128, GRU H = 150, ~420 one-hot steps of 98 symbols) and the
untrained twins' count of units with mean carry gate > 0.9. Reference: the same numbers the way they
were computed before: every cell one after the other, and the twins' count read from a full gradient
sweep of the twins. Each repeat uses a text nothing has seen (no cache). The curves must be identical.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from anywhere, without installing

from explorer.scenes.gradient_lab import (DEFAULT_TEXT, LabConfig, _measure, _model_inputs,  # noqa: E402
                                          measure, model_carry_units_high)
from explorer.zoo.shipped import DEFAULT_MODELS, load_model, untrained_model  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    loaded = {arch: load_model(name) for arch, name in DEFAULT_MODELS.items()}
    trained = {arch: m for arch, (m, _) in loaded.items()}
    twins = {arch: untrained_model(man) for arch, (_, man) in loaded.items()}
    ratios = []
    for k in range(args.repeats):
        text = DEFAULT_TEXT[k:] + DEFAULT_TEXT[:k]  # the same length, a text no cache has seen
        t = time.perf_counter()
        before = _measure(_model_inputs(trained, text, LabConfig())[1])
        count_before = {a: c.carry_units_high for a, c in _measure(_model_inputs(twins, text, LabConfig())[1]).items()
                        if c.carry_units_high is not None}
        ref = time.perf_counter() - t
        t = time.perf_counter()
        now = measure(_model_inputs(trained, text, LabConfig())[1])
        count_now = model_carry_units_high(twins, text)
        new = time.perf_counter() - t
        assert count_now == count_before
        assert all(torch.equal(now[a].sens.input_log10, before[a].sens.input_log10) for a in now)
        ratios.append(new / ref)
        print(f"path before {ref:.2f} s, now {new:.2f} s: {new / ref:.2f}x", flush=True)
    print(f"median {statistics.median(ratios):.2f}x the path before")


if __name__ == "__main__":
    main()
