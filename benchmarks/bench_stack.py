"""Stack trace cost against the fused torch forward alone.

    python benchmarks/bench_stack.py

A 2-layer bidirectional nn.LSTM, T=1000 I=64 H=128, float32, at 1 intra-op thread (as the app's server
runs, explorer/ui/__init__.py) and at 2 (a notebook's default here). Reference: the fused module's
forward on the same input, in the same process; runs alternate (paired medians) and each starts after
a 50 ms pause, so that neither pays for OpenMP threads the other left spinning (libgomp's idle threads
spin ~10 ms after a parallel region; explorer/cells/directions.py). Target: trace <= 1.5x fused.
"""
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.bench_trace import paired  # noqa: E402
from explorer.cells import Stack  # noqa: E402

T, I, H, L = 1000, 64, 128, 2
TARGET = 1.5


def main():
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="intra-op thread counts to measure")
    ap.add_argument("--repeat", type=int, default=31)
    ap.add_argument("--gap-ms", type=float, default=50.0, help="pause before each run")
    args = ap.parse_args()
    x = torch.randn(T, I, generator=torch.Generator().manual_seed(0))  # (T, I)
    stack = Stack("lstm", I, H, L, bidirectional=True, seed=0)
    module = stack.to_torch()
    with torch.no_grad():
        assert torch.allclose(stack.trace(x).output, module(x)[0], rtol=1e-5, atol=1e-6)

    def fused():
        with torch.no_grad():
            module(x)

    print(f"T={T} I={I} H={H} L={L} bidirectional LSTM, float32, torch {torch.__version__}, "
          f"median of {args.repeat} paired runs, {args.gap_ms:g} ms apart")
    for threads in args.threads:
        torch.set_num_threads(threads)
        f_ms, t_ms, ratio = paired(fused, lambda: stack.trace(x), repeat=args.repeat, gap=args.gap_ms / 1e3)
        print(f"{threads} thread{'s' if threads > 1 else ' '}: fused nn.LSTM forward {f_ms:7.2f} ms | "
              f"Stack.trace {t_ms:7.2f} ms = {ratio:.2f}x fused (target <= {TARGET}x: "
              f"{'met' if ratio <= TARGET else 'NOT met'})")


if __name__ == "__main__":
    main()
