"""The Memory Race: RNN, LSTM and GRU trained side by side on a memory task under one shared budget.

Every contestant is a `SequenceModel` (cell + linear readout) with its own optimizer, trained on the
very same batches (one data generator per contestant, all seeded alike). A scheduler always steps the
running contestant that has used the least compute time so far, so all of them get the same wall time
from one shared budget; a contestant that solves the task stops, and the others share what is left.

Two budgets: `time_budget` (seconds in all; wall clock, so the number of steps varies from run to run)
and `max_steps` (per contestant; fully deterministic for a seed — the tests use it). A contestant's
trajectory depends only on its own seed and steps, never on the interleaving.

Reports go through callbacks (`on_progress`, `should_stop`); this module knows nothing of a UI.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Callable

import torch
from torch import nn

from explorer.cells import CELLS, Cell
from explorer.scenes.gradient_lab import ArchCurves, measure
from explorer.model import carry_bias, init_readout
from explorer.optim import Adam
from explorer.data.tasks import TaskSpec, make_batch, task_loss, task_metric, skill

__all__ = ["Contestant", "CONTESTANTS", "RaceConfig", "SequenceModel", "Curve", "Entry", "RaceProgress",
           "RaceResult", "run_race", "gradient_reach", "SweepResult", "sweep_lag"]


@dataclass(frozen=True)
class Contestant:
    key: str
    arch: str  # "rnn", "lstm" or "gru"
    carry: float  # added to the forget (LSTM) / update (GRU) gate bias
    label: str


CONTESTANTS: dict[str, Contestant] = {c.key: c for c in (
    Contestant("rnn", "rnn", 0.0, "RNN"),
    Contestant("lstm", "lstm", 0.0, "LSTM"),
    Contestant("gru", "gru", 0.0, "GRU"),
    Contestant("lstm_f3", "lstm", 3.0, "LSTM, forget bias 3"),
    Contestant("gru_z3", "gru", 3.0, "GRU, update bias 3"),
)}


@dataclass(frozen=True)
class RaceConfig:
    task: TaskSpec = TaskSpec()
    contestants: tuple[str, ...] = tuple(CONTESTANTS)  # keys of CONTESTANTS
    hidden_size: int = 32  # H
    batch_size: int = 32  # B
    lr: float = 3e-3  # Adam; 1e-2 often stalls the forget-bias-3 LSTM on first_symbol
    clip: float = 1.0  # gradient-norm clipping
    seed: int = 0  # weights: seed (readout seed + 1); batches: seed + 1; curve batch: seed + 2; test: seed + 3
    time_budget: float | None = 30.0  # seconds of wall time for the whole race (None: no limit)
    max_steps: int | None = None  # per contestant (None: no limit); at least one budget must be set
    eval_every: int = 10  # steps between two points of the learning curve
    eval_size: int = 256  # sequences in the fixed evaluation batch behind the curve
    test_size: int = 512  # sequences in the final test
    stop_when_solved: bool = True  # a solved contestant stops and leaves its time to the others
    report_every: float = 0.3  # seconds between two on_progress calls

    def __post_init__(self):
        unknown = [c for c in self.contestants if c not in CONTESTANTS]
        if unknown or not self.contestants:
            raise ValueError(f"contestants must be a non-empty subset of {list(CONTESTANTS)}, got {self.contestants}")
        if self.time_budget is None and self.max_steps is None:
            raise ValueError("set time_budget or max_steps (or both)")
        if self.hidden_size < 1 or self.batch_size < 1 or self.eval_every < 1:
            raise ValueError("hidden_size, batch_size and eval_every must be >= 1")


class SequenceModel(nn.Module):
    """x (L, B, I) -> cell -> readout: (B, O) after the last step, or (L, B, O) at every step."""

    def __init__(self, task: TaskSpec, contestant: Contestant, hidden_size: int, seed: int):
        super().__init__()
        self.task, self.contestant = task, contestant
        self.cell: Cell = CELLS[contestant.arch](task.input_size, hidden_size, seed=seed)
        carry_bias(self.cell, contestant.carry)
        self.readout = init_readout(hidden_size, task.output_size, torch.Generator().manual_seed(seed + 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.cell(x)  # (L, B, H)
        return self.readout(out if self.task.per_step else out[-1])


@dataclass(frozen=True)
class Curve:
    """A learning curve: the metric on the fixed evaluation batch every eval_every steps."""

    steps: tuple[int, ...] = ()
    seconds: tuple[float, ...] = ()  # this contestant's own training time (evaluation not counted)
    metric: tuple[float, ...] = ()
    loss: tuple[float, ...] = ()


@dataclass(frozen=True)
class Entry:
    """One contestant's result."""

    contestant: Contestant
    model: SequenceModel
    curve: Curve
    steps: int
    seconds: float
    final_metric: float  # on the test set
    solved_step: int | None  # first evaluation at or past the task's solved_at threshold
    solved_seconds: float | None
    skill: float  # 0 at the baseline, 1 perfect

    @property
    def verdict(self) -> str:
        if self.solved_step is not None:
            return f"solved at step {self.solved_step:,} ({self.solved_seconds:.1f} s)"
        if self.skill < -0.1:  # below what always guessing the same would score: not "at the baseline"
            return f"below the baseline ({self.skill:.0%} of the way from baseline to perfect): learned nothing usable"
        if self.skill < 0.1:
            return "stayed at the baseline"
        return f"partly learned ({self.skill:.0%} of the way from baseline to perfect)"

    @property
    def won(self) -> bool:
        """Solved the task, or got clearly past the baseline: something a 'why it won' can explain."""
        return self.solved_step is not None or self.skill >= 0.5


@dataclass(frozen=True)
class RaceProgress:
    elapsed: float  # wall seconds since the start
    fraction: float  # of the budget used, 0..1
    curves: dict[str, Curve]  # by contestant key
    steps: dict[str, int]
    running: tuple[str, ...]  # keys still training
    phase: str = "training"  # then "testing": the final score on fresh sequences


@dataclass(frozen=True)
class RaceResult:
    config: RaceConfig
    entries: tuple[Entry, ...]
    elapsed: float
    interrupted: bool  # True if should_stop ended it before the budget

    def entry(self, key: str) -> Entry:
        return next(e for e in self.entries if e.contestant.key == key)


@dataclass
class _Runner:
    """Mutable training state of one contestant (private to run_race)."""

    contestant: Contestant
    model: SequenceModel
    opt: Adam
    gen: torch.Generator
    steps: int = 0
    seconds: float = 0.0
    curve: dict[str, list] = field(default_factory=lambda: {"steps": [], "seconds": [], "metric": [], "loss": []})
    solved_step: int | None = None
    solved_seconds: float | None = None
    done: bool = False

    def snapshot(self) -> Curve:
        return Curve(**{k: tuple(v) for k, v in self.curve.items()})


def _solved(task: TaskSpec, metric: float) -> bool:
    return metric >= task.solved_at if task.higher_is_better else metric <= task.solved_at


def run_race(config: RaceConfig, on_progress: Callable[[RaceProgress], None] | None = None,
             should_stop: Callable[[], bool] | None = None) -> RaceResult:
    """Train every contestant of `config` on its task; see the module docstring for the budgets."""
    task = config.task
    eval_batch = make_batch(task, config.eval_size, torch.Generator().manual_seed(config.seed + 2))
    runners = []
    for key in config.contestants:
        c = CONTESTANTS[key]
        model = SequenceModel(task, c, config.hidden_size, config.seed)
        runners.append(_Runner(c, model, Adam(model.parameters(), lr=config.lr),
                               torch.Generator().manual_seed(config.seed + 1)))
    _warm_up(runners, eval_batch)
    budget = config.time_budget if config.time_budget is not None else math.inf
    t0 = time.perf_counter()
    last_report = -math.inf
    interrupted = False

    def report(force: bool = False, phase: str = "training") -> None:
        nonlocal last_report
        now = time.perf_counter() - t0
        if on_progress is None or (not force and now - last_report < config.report_every):
            return
        last_report = now
        frac = now / budget if config.time_budget is not None else 0.0
        if config.max_steps is not None:  # a finished contestant counts as all of its steps done
            done = sum(config.max_steps if r.done else r.steps for r in runners)
            frac = max(frac, done / (config.max_steps * len(runners)))
        on_progress(RaceProgress(elapsed=now, fraction=min(frac, 1.0), curves={r.contestant.key: r.snapshot() for r in runners},
                                 steps={r.contestant.key: r.steps for r in runners},
                                 running=tuple(r.contestant.key for r in runners if not r.done), phase=phase))

    while True:
        running = [r for r in runners if not r.done]
        if not running or time.perf_counter() - t0 >= budget:
            break
        if should_stop is not None and should_stop():
            interrupted = True
            break
        r = min(running, key=lambda r: (r.seconds, r.steps))  # fair share: least compute so far goes next
        s0 = time.perf_counter()
        _train_step(r, task, config)
        r.seconds += time.perf_counter() - s0  # training time only: evaluating is the referee's cost
        if r.steps % config.eval_every == 0:
            _evaluate(r, task, eval_batch, config.stop_when_solved)
        if config.max_steps is not None and r.steps >= config.max_steps:
            r.done = True
        report()
    report(force=True, phase="testing")
    elapsed = time.perf_counter() - t0
    test = make_batch(task, config.test_size, torch.Generator().manual_seed(config.seed + 3))
    entries = []
    for r in runners:
        r.model.eval()
        with torch.no_grad():
            final = task_metric(task, r.model(test.x), test.y)
        entries.append(Entry(contestant=r.contestant, model=r.model, curve=r.snapshot(), steps=r.steps,
                             seconds=r.seconds, final_metric=final, solved_step=r.solved_step,
                             solved_seconds=r.solved_seconds, skill=skill(task, final)))
    return RaceResult(config=config, entries=tuple(entries), elapsed=elapsed, interrupted=interrupted)


def gradient_reach(result: RaceResult, x: torch.Tensor) -> dict[str, ArchCurves]:
    """How far back each trained contestant's gradient ‖∂h_T/∂x_t‖ reaches on one task input x (L, I),
    measured as in the Gradient Lab (float64): the reason a winner could learn what the others could not."""
    return measure({e.contestant.key: (e.model.cell, x) for e in result.entries})


def _warm_up(runners: list[_Runner], batch) -> None:
    """One untimed forward and backward per architecture on a throwaway copy: the first call of a
    fused kernel in a process costs ~0.1 s of one-off set-up, which must not eat one contestant's share."""
    seen = set()
    for r in runners:
        if r.contestant.arch not in seen:
            seen.add(r.contestant.arch)
            cell = CELLS[r.contestant.arch](batch.x.shape[-1], r.model.cell.hidden_size)
            cell(batch.x[:, :2])[0].sum().backward()


def _train_step(r: _Runner, task: TaskSpec, config: RaceConfig) -> None:
    batch = make_batch(task, config.batch_size, r.gen)
    loss = task_loss(task, r.model(batch.x), batch.y)
    r.opt.zero_grad(set_to_none=True)
    loss.backward()
    nn.utils.clip_grad_norm_(r.model.parameters(), config.clip)
    r.opt.step()
    r.steps += 1


@torch.no_grad()
def _evaluate(r: _Runner, task: TaskSpec, batch, stop_when_solved: bool) -> None:
    out = r.model(batch.x)
    metric = task_metric(task, out, batch.y)
    for name, v in (("steps", r.steps), ("seconds", r.seconds), ("metric", metric),
                    ("loss", float(task_loss(task, out, batch.y)))):
        r.curve[name].append(v)
    if r.solved_step is None and _solved(task, metric):
        r.solved_step, r.solved_seconds = r.steps, r.seconds
        if stop_when_solved:
            r.done = True


@dataclass(frozen=True)
class SweepResult:
    """Final test metric of every contestant at every lag."""

    lags: tuple[int, ...]
    metric: dict[str, tuple[float, ...]]  # by contestant key, one value per lag
    baseline: tuple[float, ...]  # the trivial strategy's metric at each lag
    races: tuple[RaceResult, ...]


def sweep_lag(config: RaceConfig, lags: tuple[int, ...],
              on_progress: Callable[[int, RaceProgress], None] | None = None,
              should_stop: Callable[[], bool] | None = None) -> SweepResult:
    """One race per lag, each with config's budget (so the sweep costs len(lags) races)."""
    races = []
    for i, lag in enumerate(lags):
        cfg = replace(config, task=replace(config.task, lag=lag))
        cb = None if on_progress is None else (lambda p, i=i: on_progress(i, p))
        races.append(run_race(cfg, cb, should_stop))
        if races[-1].interrupted:
            break
    return SweepResult(lags=tuple(lags[:len(races)]),
                       metric={k: tuple(r.entry(k).final_metric for r in races) for k in config.contestants},
                       baseline=tuple(r.config.task.baseline for r in races), races=tuple(races))
