"""The Memory Race reproductions: longer races than the tests can afford, with the numbers printed.

    python benchmarks/bench_race.py                 # all three races, 1 torch thread (as the page)
    python benchmarks/bench_race.py --threads 1 --only first50

Races (wall-clock budgets shared by the five contestants, as on the page; a solved contestant stops):
    first50   remember the first symbol, T = 50, 40 s
    first200  remember the first symbol, T = 200, 60 s
    adding50  adding problem, T = 50, 60 s: look for the plateau at MSE ≈ 1/6 and the sudden drop
Wall-clock budgets make the step counts vary from run to run (and with the load on the machine);
the per-step trajectories themselves are deterministic for the seed.

One thread by default, as the page races: on the 2 shared, busy cores a second OpenMP thread made
each step 20-200x slower (measured 2026-11-25, seed 0: 160-1900 ms per step on 2 threads, 4-55 ms on 1).
On 1 thread, seed 0, under load:
    first50   LSTM forget bias 3 solved at step 170 (1.2 s; 140 on a machine with other float32 kernels), GRU update bias 3 at step 150 (2.5 s);
              RNN, LSTM, GRU at chance after 11 s each (1,476 / 1,545 / 590 steps; 28%, 29%, 24%)
    first200  LSTM forget bias 3 solved at step 50 (1.2 s); the other four at chance after 13.4 s each
    adding50  MSE sits at ≈ 0.167 for hundreds of steps, then drops: LSTM below 0.1 at step 1,190 (4.3 s),
              GRU 430, LSTM f+3 820, GRU z+3 440; the RNN only at step 5,350 (24.6 s), ending at 0.136
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere, without installing

from explorer.race import RaceConfig, RaceResult, run_race
from explorer.data.tasks import TaskSpec

RACES = {
    "first50": (TaskSpec("first_symbol", 50), 40.0),
    "first200": (TaskSpec("first_symbol", 200), 60.0),
    "adding50": (TaskSpec("adding", 50), 60.0),
}


def plateau(result: RaceResult, key: str) -> str:
    """For the adding problem: how long the MSE sat near 1/6, and where it dropped below 0.1."""
    c = result.entry(key).curve
    near = [s for s, m in zip(c.steps, c.metric) if 0.15 <= m <= 0.18]
    drop = next(((s, t) for s, t, m in zip(c.steps, c.seconds, c.metric) if m < 0.1), None)
    where = f"dropped below 0.1 at step {drop[0]:,} ({drop[1]:.1f} s)" if drop else "never dropped below 0.1"
    return f"on the plateau (0.15..0.18) for {len(near) * result.config.eval_every:,} steps; {where}"


def report(name: str, result: RaceResult) -> None:
    task = result.config.task
    print(f"\n== {name}: {task.label}, T = {task.lag}, {result.config.time_budget:.0f} s shared, "
          f"{torch.get_num_threads()} thread(s); wall {result.elapsed:.1f} s; baseline {task.metric} {task.baseline:.3f}")
    print(f"{'contestant':22s} {'steps':>6s} {'train s':>8s} {'ms/step':>8s} {task.metric:>9s}  verdict")
    for e in result.entries:
        print(f"{e.contestant.label:22s} {e.steps:6,d} {e.seconds:8.1f} {1000 * e.seconds / max(e.steps, 1):8.1f} "
              f"{e.final_metric:9.3f}  {e.verdict}")
        if task.kind == "adding":
            print(f"{'':22s} {plateau(result, e.contestant.key)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the page races on 1)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", choices=list(RACES), action="append")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    for name in args.only or list(RACES):
        task, budget = RACES[name]
        report(name, run_race(RaceConfig(task=task, time_budget=budget, seed=args.seed)))
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
