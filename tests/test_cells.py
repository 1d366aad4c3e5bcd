"""The fast trace against torch.nn (the reference) and against the equation-by-equation cells."""
import pytest
import torch

from explorer.cells import CELLS, GRU, LSTM, RNN, linear_scan
from explorer.reference import reference_trace

TORCH = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}
TORCH_CELL = {"lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell, "rnn": torch.nn.RNNCell}
SHAPES = [(1, 1, 1), (1, 3, 5), (7, 1, 1), (5, 4, 1), (13, 3, 8), (64, 16, 32), (200, 8, 17)]  # (T, I, H)


def _torch_run(arch, module, x):
    out, state = module(x.unsqueeze(1))  # (T, 1, H)
    c_n = state[1][0, 0] if arch == "lstm" else None
    return out[:, 0], c_n


@pytest.mark.parametrize("arch", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("T,I,H", SHAPES)
def test_trace_matches_torch_nn_and_reference(arch, T, I, H):
    g = torch.Generator().manual_seed(T * 1000 + I * 10 + H)
    torch.manual_seed(T + I + H)
    module = TORCH[arch](I, H)
    with torch.no_grad():  # random weights well away from init, biases included; scaled by 1/sqrt(H) so the
        for p in module.parameters():  # dynamics stay non-chaotic and float32 rounding cannot grow step by step
            p.copy_(torch.randn(p.shape, generator=g) * 1.5 / max(H, I) ** 0.5)
    cell = CELLS[arch].from_torch(module)
    x = torch.randn(T, I, generator=g)
    tr = cell.trace(x)
    with torch.no_grad():
        h_ref, c_n = _torch_run(arch, module, x)
    assert tr.h.shape == (T, H)
    torch.testing.assert_close(tr.h, h_ref, atol=1e-5, rtol=0)
    if arch == "lstm":
        torch.testing.assert_close(tr.c[-1], c_n, atol=1e-5, rtol=0)
        assert set(tr.gates) == {"i", "f", "g", "o"}
    else:
        assert tr.c is None
    assert set(tr.gates) == {"lstm": {"i", "f", "g", "o"}, "gru": {"r", "z", "n"}, "rnn": set()}[arch]
    ref = reference_trace(cell, x)
    torch.testing.assert_close(tr.h, ref.h, atol=1e-5, rtol=0)
    for k in tr.gates:
        torch.testing.assert_close(tr.gates[k], ref.gates[k], atol=1e-5, rtol=0)
    if arch == "lstm":
        torch.testing.assert_close(tr.c, ref.c, atol=1e-5, rtol=0)


@pytest.mark.parametrize("arch", ["lstm", "gru", "rnn"])
def test_float64_trace_matches_torch_to_1e12(arch):
    module = TORCH[arch](6, 9).double()
    cell = CELLS[arch].from_torch(module)
    assert cell.weight_ih.dtype == torch.float64
    x = torch.randn(40, 6, dtype=torch.float64)
    with torch.no_grad():
        h_ref, c_n = _torch_run(arch, module, x)
    tr = cell.trace(x)
    torch.testing.assert_close(tr.h, h_ref, atol=1e-12, rtol=0)
    torch.testing.assert_close(reference_trace(cell, x).h, h_ref, atol=1e-12, rtol=0)


def test_lstm_gate_order_is_pinned_to_torch_chunks():
    """Pin the chunk order i, f, g, o: make only the forget block's bias huge and see f saturate."""
    H = 4
    module = torch.nn.LSTM(3, H)
    with torch.no_grad():
        for p in module.parameters():
            p.zero_()
        module.bias_hh_l0[H:2 * H] = 20.0  # chunk 1 = forget gate in PyTorch
        module.bias_hh_l0[2 * H:3 * H] = 20.0  # chunk 2 = candidate g -> tanh(20) = 1
    tr = LSTM.from_torch(module).trace(torch.zeros(2, 3))
    assert torch.allclose(tr.gates["f"], torch.ones(2, H), atol=1e-6)
    assert torch.allclose(tr.gates["g"], torch.ones(2, H), atol=1e-6)
    assert torch.allclose(tr.gates["i"], torch.full((2, H), 0.5))
    assert torch.allclose(tr.gates["o"], torch.full((2, H), 0.5))


def test_gru_gate_order_is_pinned_to_torch_chunks():
    H = 3
    module = torch.nn.GRU(2, H)
    with torch.no_grad():
        for p in module.parameters():
            p.zero_()
        module.bias_ih_l0[H:2 * H] = 20.0  # chunk 1 = update gate z
    tr = GRU.from_torch(module).trace(torch.zeros(2, 2))
    assert torch.allclose(tr.gates["z"], torch.ones(2, H), atol=1e-6)
    assert torch.allclose(tr.gates["r"], torch.full((2, H), 0.5))


@pytest.mark.parametrize("arch", ["lstm", "gru", "rnn"])
def test_from_torch_cell_and_to_torch_round_trip(arch):
    torch_cell = TORCH_CELL[arch](5, 7)
    cell = CELLS[arch].from_torch(torch_cell)
    x = torch.randn(4, 5)
    h = torch.zeros(7)
    c = torch.zeros(7)
    with torch.no_grad():
        for t in range(4):  # the torch *Cell stepped by hand is the reference here
            if arch == "lstm":
                h, c = torch_cell(x[t], (h, c))
            else:
                h = torch_cell(x[t], h)
    torch.testing.assert_close(cell.trace(x).h[-1], h, atol=1e-6, rtol=0)
    back = cell.to_torch()
    assert isinstance(back, TORCH[arch]) and back.num_layers == 1
    with torch.no_grad():
        torch.testing.assert_close(back(x)[0], cell.trace(x).h, atol=1e-6, rtol=0)
    assert sum(p.numel() for p in back.parameters()) == cell.num_parameters()


def test_from_torch_rejects_what_it_cannot_represent():
    with pytest.raises(ValueError, match="num_layers=1"):
        LSTM.from_torch(torch.nn.LSTM(3, 4, num_layers=2))
    with pytest.raises(ValueError, match="bidirectional"):
        GRU.from_torch(torch.nn.GRU(3, 4, bidirectional=True))
    with pytest.raises(ValueError, match="tanh"):
        RNN.from_torch(torch.nn.RNN(3, 4, nonlinearity="relu"))
    with pytest.raises(TypeError, match="torch.nn.LSTM"):
        LSTM.from_torch(torch.nn.GRU(3, 4))


def test_bias_false_means_zero_biases():
    m = torch.nn.GRU(3, 4, bias=False)
    cell = GRU.from_torch(m)
    x = torch.randn(6, 3)
    with torch.no_grad():
        torch.testing.assert_close(cell.trace(x).h, m(x)[0], atol=1e-6, rtol=0)


def test_bad_input_gets_a_clear_message():
    cell = LSTM(3, 4)
    with pytest.raises(ValueError, match=r"Expected x of shape \(T, 3\)"):
        cell.trace(torch.zeros(5, 2))
    with pytest.raises(ValueError, match="T >= 1"):
        cell.trace(torch.zeros(0, 3))
    with pytest.raises(TypeError, match="dtype"):
        cell.trace(torch.zeros(5, 3, dtype=torch.float64))


def test_same_seed_same_weights_and_global_rng_untouched():
    state = torch.random.get_rng_state()
    a, b = LSTM(5, 6, seed=3), LSTM(5, 6, seed=3)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.weight_hh, LSTM(5, 6, seed=4).weight_hh)
    k = 1 / 6 ** 0.5  # PyTorch's init range
    assert a.weight_hh.abs().max() <= k


@pytest.mark.parametrize("T", [1, 2, 7, 8, 9, 17, 300, 999, 1000])
def test_linear_scan_matches_the_loop_including_underflow(T):
    """Every length: the odd-even levels meet odd and even lengths, and the doubling base case."""
    g = torch.Generator().manual_seed(T)
    H = 5
    a = torch.rand(T, H, generator=g) * 0.1  # products underflow to 0 quickly
    a[:, 0] = 1.0  # a pure accumulator
    b = torch.randn(T, H, generator=g)
    c0 = torch.randn(H, generator=g)
    c, ref = c0.clone(), []
    for t in range(T):
        c = a[t] * c + b[t]
        ref.append(c)
    a_before, b_before = a.clone(), b.clone()
    torch.testing.assert_close(linear_scan(a, b, c0), torch.stack(ref), atol=1e-4, rtol=1e-5)
    assert torch.equal(a, a_before) and torch.equal(b, b_before)  # the trace's gates are not overwritten
    c64 = linear_scan(a.double(), b.double(), c0.double())
    ref64, c = [], c0.double()
    for t in range(T):
        c = a[t].double() * c + b[t].double()
        ref64.append(c)
    torch.testing.assert_close(c64, torch.stack(ref64), atol=1e-12, rtol=1e-12)


def test_stacked_weight_is_the_notes_single_matrix():
    cell = LSTM(3, 5)
    W = cell.stacked_weight()
    assert W.shape == (20, 8)  # (4H, H + I)
    h, x = torch.randn(5), torch.randn(3)
    torch.testing.assert_close(W @ torch.cat([h, x]), cell.weight_hh @ h + cell.weight_ih @ x)


def _independent_run(arch, module, x, h0, c0):
    """Step torch.nn's *Cell over x from (h0, c0), and compute every gate by hand from the module's weights.

    Nothing here uses explorer: h and c come from torch.nn.LSTMCell / GRUCell / RNNCell, the gates from
    torch.nn.functional.linear on the same [x_t, h_{t-1}] (PyTorch's documented equations).
    """
    H = module.hidden_size
    step = TORCH_CELL[arch](module.input_size, H).to(x.dtype)
    step.load_state_dict({k[:-3]: v for k, v in module.state_dict().items()})  # weight_ih_l0 -> weight_ih
    W_ih, W_hh, b_ih, b_hh = step.weight_ih, step.weight_hh, step.bias_ih, step.bias_hh
    h, c = h0.unsqueeze(0), c0.unsqueeze(0)
    out = {k: [] for k in ("h", "c", "i", "f", "g", "o", "r", "z", "n")}
    with torch.no_grad():
        for t in range(x.shape[0]):
            xt = x[t:t + 1]
            gi = torch.nn.functional.linear(xt, W_ih, b_ih)[0]
            gh = torch.nn.functional.linear(h, W_hh, b_hh)[0]
            if arch == "lstm":
                a = gi + gh
                for k, block in zip("ifgo", a.chunk(4)):
                    out[k].append(torch.tanh(block) if k == "g" else torch.sigmoid(block))
                h, c = step(xt, (h, c))
                out["c"].append(c[0])
            elif arch == "gru":
                (ir, iz, in_), (hr, hz, hn) = gi.chunk(3), gh.chunk(3)
                r = torch.sigmoid(ir + hr)
                out["r"].append(r)
                out["z"].append(torch.sigmoid(iz + hz))
                out["n"].append(torch.tanh(in_ + r * hn))
                h = step(xt, h)
            else:
                h = step(xt, h)
            out["h"].append(h[0])
    return {k: torch.stack(v) for k, v in out.items() if v}


@pytest.mark.parametrize("dtype,tol", [(torch.float32, 2e-5), (torch.float64, 1e-12)])
@pytest.mark.parametrize("arch", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("T,I,H", [(1, 2, 3), (9, 4, 5), (300, 8, 16)])
def test_every_recovered_gate_and_state_against_torch_cells_from_a_nonzero_state(arch, T, I, H, dtype, tol):
    """Issue 13: tr.h *is* the fused kernel's output; the recovered gates and c are what must be checked,
    in float32 and float64, and from non-zero initial states (trace and reference both)."""
    g = torch.Generator().manual_seed(T + 7 * H)
    module = TORCH[arch](I, H).to(dtype)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=dtype) * 1.2 / max(H, I) ** 0.5)
    x = torch.randn(T, I, generator=g, dtype=dtype)
    h0 = torch.rand(H, generator=g, dtype=dtype) * 2 - 1
    c0 = torch.randn(H, generator=g, dtype=dtype) * 2
    want = _independent_run(arch, module, x, h0, c0 if arch == "lstm" else torch.zeros(H, dtype=dtype))
    cell = CELLS[arch].from_torch(module)
    for tr in (cell.trace(x, h0=h0, c0=c0), reference_trace(cell, x, h0=h0, c0=c0)):
        got = {**tr.gates, "h": tr.h, **({"c": tr.c} if tr.c is not None else {})}
        assert set(got) == set(want)
        for k in want:
            torch.testing.assert_close(got[k], want[k], atol=tol, rtol=0, msg=f"{arch} {k}")
