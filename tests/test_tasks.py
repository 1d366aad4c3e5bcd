"""The memory tasks: targets follow from the inputs, and each baseline is what the trivial strategy scores."""
import math

import pytest
import torch

from explorer.data.tasks import COPY_ALPHABET, COPY_LEN, TASKS, TaskSpec, make_batch, skill, task_loss, task_metric


def batch(kind, lag, B=512, seed=0, **kw):
    spec = TaskSpec(kind, lag, **kw)
    return spec, make_batch(spec, B, torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("kind", list(TASKS))
def test_shapes_and_determinism(kind):
    spec, b = batch(kind, 12, B=8)
    assert b.x.shape == (spec.steps, 8, spec.input_size) and b.x.dtype == torch.float32
    assert b.y.shape == ((spec.steps, 8) if spec.per_step else (8,))
    _, again = batch(kind, 12, B=8)
    assert torch.equal(b.x, again.x) and torch.equal(b.y, again.y)
    _, other = batch(kind, 12, B=8, seed=1)
    assert not torch.equal(b.x, other.x)


def test_first_symbol_target_is_the_first_symbol_and_distractors_are_disjoint():
    spec, b = batch("first_symbol", 30, classes=5, distractors=3)
    tokens = b.x.argmax(-1)  # (T, B)
    assert torch.equal(b.x.sum(-1), torch.ones(30, 512))  # one-hot
    assert torch.equal(tokens[0], b.y)
    assert bool((tokens[1:] >= 5).all()) and bool((tokens[1:] < 8).all())
    assert set(b.y.tolist()) == set(range(5))


def test_first_symbol_baseline_is_chance():
    spec, b = batch("first_symbol", 10, B=20000, classes=4)
    guess = torch.zeros(20000, 4)
    guess[:, 2] = 1.0  # always say class 2
    assert spec.baseline == 0.25
    assert task_metric(spec, guess, b.y) == pytest.approx(0.25, abs=0.01)
    assert float(task_loss(spec, torch.zeros(20000, 4), b.y)) == pytest.approx(spec.baseline_loss)  # uniform: ln K
    assert spec.baseline_loss == pytest.approx(math.log(4))


def test_adding_marks_two_values_one_in_each_half_and_sums_them():
    spec, b = batch("adding", 40)
    u, marks = b.x[..., 0], b.x[..., 1]  # (T, B)
    assert torch.equal(marks.sum(0), torch.full((512,), 2.0))
    assert torch.equal(marks[:20].sum(0), torch.ones(512))  # one marker in each half
    assert bool(((u >= 0) & (u <= 1)).all())
    for j in range(0, 512, 37):
        pos = marks[:, j].nonzero().flatten().tolist()
        assert float(b.y[j]) == pytest.approx(float(u[pos[0], j] + u[pos[1], j]))


def test_adding_baseline_is_one_sixth():
    spec, b = batch("adding", 20, B=200_000)
    assert spec.baseline == pytest.approx(1 / 6)
    always_one = torch.ones(200_000, 1)
    assert task_metric(spec, always_one, b.y) == pytest.approx(1 / 6, abs=0.003)
    assert float(b.y.mean()) == pytest.approx(1.0, abs=0.005)  # 1 is the best constant


def test_copy_targets_repeat_the_symbols_after_the_delimiter():
    spec, b = batch("copy", 15)
    tokens = b.x.argmax(-1)  # (T + 20, B)
    assert spec.steps == 35
    assert torch.equal(b.y[-COPY_LEN:], tokens[:COPY_LEN])
    assert bool((tokens[:COPY_LEN] >= 1).all() and (tokens[:COPY_LEN] <= COPY_ALPHABET).all())
    assert bool((tokens[COPY_LEN:COPY_LEN + 14] == 0).all())  # T - 1 blanks
    assert bool((tokens[COPY_LEN + 14] == COPY_ALPHABET + 1).all())  # the delimiter
    assert bool((b.y[:-COPY_LEN] == 0).all())


@pytest.mark.parametrize("lag", [10, 100])
def test_copy_memoryless_loss_is_10_ln8_over_T_plus_20(lag):
    spec, b = batch("copy", lag, B=64)
    logits = torch.full((spec.steps, 64, COPY_ALPHABET + 1), -1e4)
    logits[:-COPY_LEN, :, 0] = 0.0  # certain blank while the answer cannot be due
    logits[-COPY_LEN:, :, 1:] = 0.0  # uniform over the 8 symbols in the last 10 steps
    expected = 10 * math.log(8) / (lag + 20)
    assert spec.baseline_loss == pytest.approx(expected)
    assert float(task_loss(spec, logits, b.y)) == pytest.approx(expected, rel=1e-5)


def test_brackets_depth_is_the_running_count():
    spec, b = batch("brackets", 60, max_depth=5)
    step = 1 - 2 * b.x.argmax(-1)  # (T, B): '(' +1, ')' -1
    assert torch.equal(b.y, step.cumsum(0))
    assert int(b.y.min()) >= 0 and int(b.y.max()) <= 5
    assert int(b.y.max()) == 5  # the cap is reached, so forcing ')' there is exercised


@pytest.mark.parametrize("lag", [20, 80])
def test_brackets_baseline_equals_the_best_memoryless_guess(lag):
    spec, b = batch("brackets", lag, B=40_000)
    tokens = b.x.argmax(-1)
    hits = sum(int(torch.bincount(b.y[tokens == k], minlength=spec.max_depth + 1).max()) for k in (0, 1))
    assert spec.baseline == pytest.approx(hits / b.y.numel(), abs=0.005)


def test_skill_is_zero_at_baseline_and_one_when_perfect():
    for kind in TASKS:
        spec = TaskSpec(kind, 20)
        assert skill(spec, spec.baseline) == pytest.approx(0.0)
        assert skill(spec, spec.perfect) == pytest.approx(1.0)


def test_bad_specs_are_refused():
    with pytest.raises(ValueError, match="kind"):
        TaskSpec("sorting", 10)
    with pytest.raises(ValueError, match="lag"):
        TaskSpec("adding", 1)
