"""Stack trace cost against the fused torch forward alone.

    python benchmarks/bench_stack.py

A 2-layer bidirectional nn.LSTM, T=1000 I=64 H=128, float32, 2 threads (as bench_trace.py). Reference:
the fused module's forward on the same input, in the same process; runs alternate (paired medians).
Target: trace <= 1.5x fused.
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
    ap.add_argument("--threads", type=int, default=2, help="2 as bench_trace.py; the app's server uses 1")
    ap.add_argument("--repeat", type=int, default=31)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    x = torch.randn(T, I, generator=torch.Generator().manual_seed(0))  # (T, I)
    stack = Stack("lstm", I, H, L, bidirectional=True, seed=0)
    module = stack.to_torch()
    with torch.no_grad():
        assert torch.equal(stack.trace(x).output, module(x)[0])

    def fused():
        with torch.no_grad():
            module(x)

    f_ms, t_ms, ratio = paired(fused, lambda: stack.trace(x), repeat=args.repeat)
    print(f"T={T} I={I} H={H} L={L} bidirectional LSTM, float32, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, median of {args.repeat} paired runs")
    print(f"fused nn.LSTM forward {f_ms:7.2f} ms | Stack.trace {t_ms:7.2f} ms = {ratio:.2f}x fused "
          f"(target <= {TARGET}x: {'met' if ratio <= TARGET else 'NOT met'})")


if __name__ == "__main__":
    main()
