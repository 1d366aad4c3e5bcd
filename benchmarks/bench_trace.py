"""Trace cost against the fused torch forward alone (issue 2).

    python benchmarks/bench_trace.py

Reference: the fused `torch.nn.LSTM` / `GRU` forward on the same input, in the same process, 2 threads.
Also the per-step Python loop (explorer.reference) for scale. Reports medians and ratios.
"""
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from explorer.cells import GRU, LSTM  # noqa: E402
from explorer.reference import reference_trace  # noqa: E402

T, I, H = 1000, 64, 128


def paired(reference, candidate, repeat=31, warmup=3, gap=0.0):
    """Median ms of each, and the median of per-pair ratios: runs alternate, so a busy machine slows both alike.
    gap: seconds of sleep before each run, so that neither pays for threads the other left spinning."""
    for _ in range(warmup):
        reference(), candidate()
    ref, cand, ratios = [], [], []
    for _ in range(repeat):
        time.sleep(gap)
        t0 = time.perf_counter()
        reference()
        r = time.perf_counter() - t0
        time.sleep(gap)
        t0 = time.perf_counter()
        candidate()
        c = time.perf_counter() - t0
        ref.append(r)
        cand.append(c)
        ratios.append(c / r)
    return statistics.median(ref) * 1e3, statistics.median(cand) * 1e3, statistics.median(ratios)


def main():
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2, help="2 as the issue asks; the app's server uses 1")
    torch.set_num_threads(ap.parse_args().threads)
    x = torch.randn(T, I, generator=torch.Generator().manual_seed(0))
    print(f"T={T} I={I} H={H}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    for cls in (LSTM, GRU):
        cell = cls(I, H, seed=0)
        module = cell.to_torch()
        xb = x.unsqueeze(1)

        def fused():
            with torch.no_grad():
                module(xb)

        f_ms, t_ms, ratio = paired(fused, lambda: cell.trace(x))
        _, l_ms, loop_ratio = paired(fused, lambda: reference_trace(cell, x), repeat=3, warmup=1)
        print(f"{cls.__name__:5} fused nn.{cls.__name__} forward {f_ms:7.2f} ms | trace {t_ms:7.2f} ms = {ratio:.2f}x "
              f"fused | per-step Python loop {l_ms:8.1f} ms = {loop_ratio:.1f}x fused")


if __name__ == "__main__":
    main()
