"""both_directions and Stack.trace's threads: the reverse direction's work runs on a second thread, at one
intra-op thread, in the caller's grad mode; errors reach the caller; the caller's thread count is restored
and the numbers do not depend on it."""
import threading

import pytest
import torch

from explorer.cells import Stack
from explorer.cells.directions import both_directions


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_both_directions_runs_reverse_on_a_second_thread_at_one_intra_op_thread(two_threads):
    seen = {}

    def probe(name):
        def run():
            seen[name] = (threading.get_ident(), torch.get_num_threads(), torch.is_grad_enabled())
            return torch.tensor(float(len(name)))
        return run

    with torch.no_grad():
        f, r = both_directions(probe("forward"), probe("reverse!"))
    assert (f.item(), r.item()) == (7.0, 8.0)
    assert seen["forward"][0] == threading.get_ident() != seen["reverse!"][0]
    assert seen["forward"][1:] == seen["reverse!"][1:] == (1, False)  # one intra-op thread each; no grad
    assert torch.get_num_threads() == 2  # the caller's own count is back


@pytest.mark.parametrize("side", ["forward", "reverse"])
def test_both_directions_raises_either_sides_error(two_threads, side):
    def boom():
        raise ValueError(f"{side} failed")

    ok = lambda: torch.zeros(1)  # noqa: E731
    with pytest.raises(ValueError, match=f"{side} failed"):
        both_directions(boom, ok) if side == "forward" else both_directions(ok, boom)
    assert torch.get_num_threads() == 2


@pytest.mark.parametrize("arch", ["lstm", "gru"])
def test_bidirectional_trace_is_the_same_at_any_thread_count(arch):
    stack = Stack(arch, 5, 16, 2, bidirectional=True, seed=3)
    x = torch.randn(40, 5, generator=torch.Generator().manual_seed(1))  # (T, I)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = stack.trace(x)
        torch.set_num_threads(2)
        two = stack.trace(x)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    assert torch.equal(one.output, two.output)
    for l1, l2 in zip(one.layers, two.layers):
        for a, b in zip(l1, l2):
            for k in a.gates:
                assert torch.equal(a.gates[k], b.gates[k]), k
            assert (a.c is None and b.c is None) or torch.equal(a.c, b.c)


def test_the_gradient_lab_measures_cells_side_by_side_as_each_alone():
    """measure() runs its cells in two groups on two threads: every curve equals that cell measured alone
    (no thread disturbs another's numbers), in the caller's order."""
    from explorer.scenes.gradient_lab import LabConfig, lab_cell, lab_input, measure

    config = LabConfig(source="random", length=60, input_size=6, hidden_size=24, rnn_radius=1.4)
    x = lab_input(config).x
    cells = {arch: (lab_cell(config, arch, x.shape[1]), x) for arch in ("gru", "rnn", "lstm")}
    together = measure(cells)
    assert list(together) == ["gru", "rnn", "lstm"]
    for name, pair in cells.items():
        alone = measure({name: pair})[name]
        assert torch.equal(together[name].sens.input_log10, alone.sens.input_log10), name
        assert torch.equal(together[name].sens.state_log10, alone.sens.state_log10), name
        assert together[name].diverges_at == alone.diverges_at
