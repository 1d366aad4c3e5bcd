"""Memory tasks with known answers, and the score of the trivial strategy each model must beat.

Four tasks, each a seeded generator of batches (inputs one-hot or real, targets exact):

    first_symbol  a class c in 0..K-1 at t = 1, then T - 1 distractors from a disjoint set of D symbols;
                  say c at the end. Chance: 1/K.                         (Hochreiter & Schmidhuber 1997)
    adding        channel 0 holds values in U[0, 1], channel 1 marks exactly two of them (one in each
                  half); predict their sum. Always saying 1 gives MSE Var(u1 + u2) = 2/12 = 1/6.
    copy          10 symbols from 8, a lag of T - 1 blanks, a delimiter, 10 blanks; reproduce the
                  10 symbols in the last 10 steps. Blanks, then uniform guesses in the last 10 steps
                  cost 10 ln 8 / (T + 20) nats per step.                 (Arjovsky et al. 2016)
    brackets      a random Dyck-1 walk of T brackets; after each bracket say the nesting depth.
                  A memoryless guess sees only the current bracket.  (Weiss et al. 2018; Suzgun et al. 2019)

Shapes: L steps of input (T, or T + 20 for copy), B batch, I input size, O outputs per scored step.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch.nn import functional as F

__all__ = ["TASKS", "TaskSpec", "Batch", "make_batch", "task_loss", "task_metric", "skill", "bracket_baseline"]

TASKS: dict[str, str] = {  # kind -> label shown in the app
    "first_symbol": "Remember the first symbol",
    "adding": "Adding problem",
    "copy": "Copy task",
    "brackets": "Balanced brackets (depth)",
}
COPY_LEN = 10  # symbols to copy
COPY_ALPHABET = 8  # they are drawn from 1..8; 0 is the blank and 9 the delimiter


@dataclass(frozen=True)
class TaskSpec:
    """One task at one lag. All numbers the race and the page need are derived from these fields."""

    kind: str = "first_symbol"  # a key of TASKS
    lag: int = 50  # T: the distance the memory must bridge
    classes: int = 4  # K, first_symbol: classes to remember
    distractors: int = 4  # D, first_symbol: distractor symbols (disjoint from the classes)
    max_depth: int = 8  # brackets: the walk is kept within 0..max_depth

    def __post_init__(self):
        if self.kind not in TASKS:
            raise ValueError(f"kind must be one of {sorted(TASKS)}, got {self.kind!r}")
        if self.lag < 2:
            raise ValueError(f"lag must be >= 2, got {self.lag}")
        if self.classes < 2 or self.distractors < 1 or self.max_depth < 1:
            raise ValueError(f"need classes >= 2, distractors >= 1, max_depth >= 1, got "
                             f"{self.classes}, {self.distractors}, {self.max_depth}")

    @property
    def label(self) -> str:
        return TASKS[self.kind]

    @property
    def steps(self) -> int:
        """L: input steps per sequence."""
        return self.lag + 2 * COPY_LEN if self.kind == "copy" else self.lag

    @property
    def input_size(self) -> int:
        return {"first_symbol": self.classes + self.distractors, "adding": 2, "copy": COPY_ALPHABET + 2,
                "brackets": 2}[self.kind]

    @property
    def output_size(self) -> int:
        return {"first_symbol": self.classes, "adding": 1, "copy": COPY_ALPHABET + 1,
                "brackets": self.max_depth + 1}[self.kind]

    @property
    def per_step(self) -> bool:
        """True if the readout answers at every step, False if only after the last one."""
        return self.kind in ("copy", "brackets")

    @property
    def metric(self) -> str:
        return "MSE" if self.kind == "adding" else "accuracy"

    @property
    def higher_is_better(self) -> bool:
        return self.metric == "accuracy"

    @property
    def perfect(self) -> float:
        return 0.0 if self.kind == "adding" else 1.0

    @property
    def solved_at(self) -> float:
        """The metric value counted as 'solved'."""
        return 0.01 if self.kind == "adding" else 0.95

    @property
    def baseline(self) -> float:
        """The metric of the trivial strategy (exact)."""
        if self.kind == "first_symbol":
            return 1.0 / self.classes
        if self.kind == "adding":
            return 1.0 / 6.0
        if self.kind == "copy":
            return 1.0 / COPY_ALPHABET  # accuracy on the 10 copied symbols when guessing
        return bracket_baseline(self.lag, self.max_depth)

    @property
    def baseline_loss(self) -> float:
        """The training loss of the trivial strategy (cross-entropy in nats, or MSE)."""
        if self.kind == "first_symbol":
            return math.log(self.classes)
        if self.kind == "adding":
            return 1.0 / 6.0
        if self.kind == "copy":
            return COPY_LEN * math.log(COPY_ALPHABET) / (self.lag + 2 * COPY_LEN)
        return float("nan")  # not a closed form; the page shows the accuracy baseline for brackets

    @property
    def baseline_note(self) -> str:
        """One line: what the trivial strategy is and what it scores."""
        return {
            "first_symbol": f"Guessing one of the {self.classes} classes is right 1/{self.classes} = "
                            f"{self.baseline:.0%} of the time: anything above needs a memory of {self.lag} steps.",
            "adding": "Always answering 1 (the mean of the sum) gives MSE = Var(u₁ + u₂) = 2/12 = 1/6 ≈ 0.167.",
            "copy": f"Blanks, then a uniform guess over the 8 symbols: accuracy 1/8 on the copied symbols, "
                    f"loss 10·ln 8/(T + 20) = {self.baseline_loss:.3f} nats per step.",
            "brackets": f"A memoryless guess (the most common depth after '(' and after ')') is right "
                        f"{self.baseline:.0%} of the time; beating it takes keeping count of the brackets so far.",
        }[self.kind]


@dataclass(frozen=True)
class Batch:
    """x: (L, B, I) float32 inputs. y: targets — (B,) class ids (first_symbol), (B,) sums (adding),
    (L, B) class ids at every step (copy, brackets)."""

    x: torch.Tensor
    y: torch.Tensor


def make_batch(spec: TaskSpec, batch_size: int, gen: torch.Generator) -> Batch:
    """A batch of B fresh sequences drawn from `gen` (the same generator state gives the same batch)."""
    B, T = batch_size, spec.lag
    if B < 1:
        raise ValueError(f"batch_size must be >= 1, got {B}")
    if spec.kind == "first_symbol":
        K, D = spec.classes, spec.distractors
        c = torch.randint(0, K, (B,), generator=gen)  # (B,) the class to remember
        rest = torch.randint(K, K + D, (T - 1, B), generator=gen)  # (T-1, B) distractors
        tokens = torch.cat([c.unsqueeze(0), rest], dim=0)  # (T, B)
        return Batch(x=F.one_hot(tokens, K + D).float(), y=c)
    if spec.kind == "adding":
        u = torch.rand(T, B, generator=gen)  # (T, B) values
        first = torch.randint(0, T // 2, (B,), generator=gen)  # one marker in each half
        second = torch.randint(T // 2, T, (B,), generator=gen)
        marks = torch.zeros(T, B)
        cols = torch.arange(B)
        marks[first, cols] = 1.0
        marks[second, cols] = 1.0
        return Batch(x=torch.stack([u, marks], dim=2), y=(u * marks).sum(0))  # x (T, B, 2), y (B,)
    if spec.kind == "copy":
        sym = torch.randint(1, COPY_ALPHABET + 1, (COPY_LEN, B), generator=gen)  # (10, B)
        blank = torch.zeros(T - 1, B, dtype=torch.long)
        delim = torch.full((1, B), COPY_ALPHABET + 1)
        tokens = torch.cat([sym, blank, delim, torch.zeros(COPY_LEN, B, dtype=torch.long)])  # (T+20, B)
        y = torch.cat([torch.zeros(T + COPY_LEN, B, dtype=torch.long), sym])  # (T+20, B)
        return Batch(x=F.one_hot(tokens, COPY_ALPHABET + 2).float(), y=y)
    # brackets: a lazy random walk on 0..max_depth; '(' is forced at depth 0 and ')' at max_depth
    coins = torch.rand(T, B, generator=gen) < 0.5  # (T, B) True: open
    depth = torch.zeros(B, dtype=torch.long)
    opens, depths = [], []
    for t in range(T):  # a loop over time: the depth depends on the previous one
        o = torch.where(depth == 0, True, torch.where(depth == spec.max_depth, False, coins[t]))
        depth = depth + torch.where(o, 1, -1)
        opens.append(o)
        depths.append(depth)
    tokens = (~torch.stack(opens)).long()  # (T, B): 0 '(' and 1 ')'
    return Batch(x=F.one_hot(tokens, 2).float(), y=torch.stack(depths))


def bracket_baseline(lag: int, max_depth: int) -> float:
    """Exact accuracy of the best memoryless guess on `brackets`: one depth per bracket type.

    Propagates the walk's depth distribution p_t(d) (exact Markov chain, float64) and sums the joint
    probability of (bracket, depth) over t; the guess for each bracket is its most probable depth.
    """
    p = torch.zeros(max_depth + 1, dtype=torch.float64)
    p[0] = 1.0  # depth before the first bracket
    joint = torch.zeros(2, max_depth + 1, dtype=torch.float64)  # [bracket, depth after it]
    for _ in range(lag):
        up = p * 0.5
        up[0], up[max_depth] = p[0], 0.0  # forced '(' at 0, forced ')' at max_depth
        down = p - up
        opened = torch.zeros_like(p)
        opened[1:] = up[:-1]  # '(' moves d -> d + 1
        closed = torch.zeros_like(p)
        closed[:-1] = down[1:]  # ')' moves d -> d - 1
        joint[0] += opened
        joint[1] += closed
        p = opened + closed
    return float(joint.max(dim=1).values.sum() / lag)


def task_loss(spec: TaskSpec, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The training loss. out: (B, O) after the last step, or (L, B, O) at every step (per_step tasks).

    Cross-entropy in nats (copy: averaged over all L steps, as in Arjovsky et al.), MSE for adding.
    """
    if spec.kind == "adding":
        return F.mse_loss(out.squeeze(-1), y)
    if spec.per_step:
        return F.cross_entropy(out.flatten(0, 1), y.flatten())  # (L*B, O) vs (L*B,)
    return F.cross_entropy(out, y)


@torch.no_grad()
def task_metric(spec: TaskSpec, out: torch.Tensor, y: torch.Tensor) -> float:
    """Accuracy (copy: on the 10 copied symbols only; brackets: every step), or MSE for adding."""
    if spec.kind == "adding":
        return float(F.mse_loss(out.squeeze(-1), y))
    if spec.kind == "copy":
        out, y = out[-COPY_LEN:], y[-COPY_LEN:]  # (10, B, O), (10, B)
    return float((out.argmax(-1) == y).float().mean())


def skill(spec: TaskSpec, metric: float) -> float:
    """Where a metric sits between the baseline (0) and perfect (1); negative if worse than the baseline."""
    return (metric - spec.baseline) / (spec.perfect - spec.baseline)
