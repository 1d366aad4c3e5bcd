"""Stack against torch.nn: outputs, and every layer's gates, c and h against an independent step-by-step run.

The reference (`reference_run`) steps torch.nn.LSTMCell / GRUCell / RNNCell built from each layer's
weights (the projected LSTM by hand with torch ops), one step at a time, and computes the gates from
their textbook formulas with nn.functional.linear. input_sensitivity is checked against
torch.autograd.functional.jacobian.
"""
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from explorer.cells import GRU, LSTM, RNN, Stack
from explorer.gradients import input_sensitivity

MODULES = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN, "relu": nn.RNN}
TOL = {torch.float32: 1e-5, torch.float64: 1e-10}


def make(arch, I, H, num_layers=1, *, seed=0, dtype=torch.float32, **kw):
    """A torch module with random weights, without disturbing the global RNG of other tests."""
    if arch == "relu":
        kw["nonlinearity"] = "relu"
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return MODULES[arch](I, H, num_layers=num_layers, dtype=dtype, **kw)


def empty_cell(cls, *args, **kw):
    return cls(*args, device="meta", **kw).to_empty(device="cpu")


def time_major(module, x):
    return x.unsqueeze(1) if x.dim() == 2 else (x.transpose(0, 1) if module.batch_first else x)  # (T, B, I)


@torch.no_grad()
def reference_run(module, x):
    """layers[l][d]: dict of (T, B, ·) tensors (gates, c, h, x) in the input's time order, stepped one t at a time."""
    xs = time_major(module, x)
    T, B = xs.shape[:2]
    H, P, dt = module.hidden_size, module.proj_size or module.hidden_size, xs.dtype
    layers, inp = [], xs
    for layer in range(module.num_layers):
        dirs = []
        for d in range(2 if module.bidirectional else 1):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
            w = {k: getattr(module, k + sfx, None) for k in names}
            kw = {"bias": module.bias, "dtype": dt}
            if module.mode == "LSTM":
                cell = None if module.proj_size else empty_cell(nn.LSTMCell, inp.shape[-1], H, **kw)
            elif module.mode == "GRU":
                cell = empty_cell(nn.GRUCell, inp.shape[-1], H, **kw)
            else:
                cell = empty_cell(nn.RNNCell, inp.shape[-1], H, nonlinearity=module.nonlinearity, **kw)
            if cell is not None:  # the projected LSTM is stepped by hand below
                cell.load_state_dict({k: v for k, v in w.items() if v is not None})
            h, c = torch.zeros(B, P, dtype=dt), torch.zeros(B, H, dtype=dt)
            rec = {}
            for t in (range(T) if d == 0 else range(T - 1, -1, -1)):
                x_t, vals = inp[t], {}
                gi, gh = F.linear(x_t, w["weight_ih"], w["bias_ih"]), F.linear(h, w["weight_hh"], w["bias_hh"])
                if module.mode == "LSTM":
                    a_i, a_f, a_g, a_o = (gi + gh).chunk(4, dim=-1)
                    vals = {"i": torch.sigmoid(a_i), "f": torch.sigmoid(a_f), "g": torch.tanh(a_g),
                            "o": torch.sigmoid(a_o)}
                    if module.proj_size:
                        c = vals["f"] * c + vals["i"] * vals["g"]
                        h = F.linear(vals["o"] * torch.tanh(c), w["weight_hr"])
                    else:
                        h, c = cell(x_t, (h, c))
                    vals["c"] = c
                elif module.mode == "GRU":
                    r = torch.sigmoid(gi[:, :H] + gh[:, :H])
                    z = torch.sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
                    vals = {"r": r, "z": z, "n": torch.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])}
                    h = cell(x_t, h)
                else:
                    h = cell(x_t, h)
                vals["h"] = h
                for k, v in vals.items():
                    rec.setdefault(k, [None] * T)[t] = v
            dirs.append({k: torch.stack(v) for k, v in rec.items()} | {"x": inp})
        layers.append(dirs)
        inp = torch.cat([dd["h"] for dd in dirs], dim=-1)  # (T, B, D*P)
    return layers, inp


def check_against_reference(stack, module, x):
    tol = TOL[x.dtype]
    st = stack.trace(x)
    with torch.no_grad():
        expected = module(x)[0]
    assert st.output.shape == expected.shape
    torch.testing.assert_close(st.output, expected, rtol=tol, atol=tol)
    torch.testing.assert_close(stack(x)[0], expected, rtol=tol, atol=tol)
    ref, ref_out = reference_run(module, x)
    torch.testing.assert_close(ref_out, time_major(module, expected), rtol=tol, atol=tol)  # the reference itself
    assert len(st.layers) == module.num_layers
    gate_names = {"LSTM": {"i", "f", "g", "o"}, "GRU": {"r", "z", "n"}}.get(module.mode, set())
    B = ref_out.shape[1]
    for layer, dirs in enumerate(ref):
        assert len(st.layers[layer]) == len(dirs)
        for d, want in enumerate(dirs):
            tr = st.layers[layer][d]
            to_tbx = (lambda a: a.unsqueeze(1)) if x.dim() == 2 else (lambda a: a.transpose(0, 1))  # -> (T, B, ·)
            assert tr.arch == stack.arch and set(tr.gates) == gate_names
            for k in gate_names | {"h", "x"}:
                got = tr.gates.get(k, getattr(tr, k, None))
                assert got.shape == (want[k].squeeze(1).shape if x.dim() == 2 else want[k].transpose(0, 1).shape)
                torch.testing.assert_close(to_tbx(got), want[k], rtol=tol, atol=tol, msg=f"l{layer} d{d} {k}")
            if module.mode == "LSTM":
                torch.testing.assert_close(to_tbx(tr.c), want["c"], rtol=tol, atol=tol, msg=f"l{layer} d{d} c")
                assert not tr.c0.any() and tr.c0.shape == ((B,) if x.dim() == 3 else ()) + (module.hidden_size,)
            else:
                assert tr.c is None and tr.c0 is None
            assert not tr.h0.any() and tr.h0.shape == tr.h.shape[:-2] + tr.h.shape[-1:]


# (arch, I, H, L, bidirectional, batch_first, bias, proj_size, dtype, T, B (None: unbatched))
CASES = [
    ("lstm", 3, 4, 1, False, False, True, 0, torch.float32, 5, None),
    ("lstm", 3, 4, 2, True, True, True, 0, torch.float64, 13, 3),
    ("lstm", 2, 5, 3, True, False, False, 2, torch.float32, 20, None),
    ("lstm", 4, 3, 2, False, False, True, 1, torch.float64, 11, 2),
    ("lstm", 2, 1, 1, True, True, True, 0, torch.float32, 1, 1),
    ("lstm", 3, 4, 3, False, True, False, 0, torch.float64, 9, 1),
    ("lstm", 3, 6, 2, True, True, False, 3, torch.float64, 17, 2),
    ("lstm", 2, 3, 1, True, False, True, 2, torch.float32, 1, 4),
    ("gru", 3, 4, 1, False, False, True, 0, torch.float64, 12, None),
    ("gru", 2, 3, 2, True, True, False, 0, torch.float32, 10, 3),
    ("gru", 3, 2, 3, False, False, True, 0, torch.float64, 1, 1),
    ("gru", 2, 1, 1, True, False, True, 0, torch.float32, 6, None),
    ("rnn", 3, 4, 2, True, False, False, 0, torch.float32, 9, None),
    ("rnn", 2, 3, 3, False, True, True, 0, torch.float64, 7, 2),
    ("relu", 3, 4, 1, True, False, True, 0, torch.float64, 1, 4),
    ("relu", 2, 1, 2, False, False, True, 0, torch.float32, 8, None),
    ("relu", 3, 3, 2, True, True, False, 0, torch.float32, 10, 2),
]


@pytest.mark.parametrize("arch,I,H,L,bidir,bf,bias,proj,dtype,T,B", CASES,
                         ids=[f"{c[0]}-L{c[3]}{'-bi' if c[4] else ''}{'-bf' if c[5] else ''}{'' if c[6] else '-nobias'}"
                              f"{f'-proj{c[7]}' if c[7] else ''}-{str(c[8])[-7:]}-T{c[9]}-B{c[10]}" for c in CASES])
def test_parity_with_torch_step_by_step(arch, I, H, L, bidir, bf, bias, proj, dtype, T, B):
    kw = {"proj_size": proj} if proj else {}
    module = make(arch, I, H, L, dtype=dtype, bidirectional=bidir, batch_first=bf, bias=bias, **kw)
    shape = (T, I) if B is None else ((B, T, I) if bf else (T, B, I))
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(1), dtype=dtype)
    stack = Stack.from_torch(module)
    assert (stack.arch, stack.nonlinearity) == ("rnn" if arch == "relu" else arch, "relu" if arch == "relu" else "tanh")
    assert (stack.input_size, stack.hidden_size, stack.num_layers, stack.bidirectional, stack.batch_first,
            stack.bias, stack.proj_size, stack.num_directions) == (I, H, L, bidir, bf, bias, proj, 2 if bidir else 1)
    check_against_reference(stack, module, x)


@pytest.mark.parametrize("arch,kw", [
    ("lstm", {"num_layers": 3, "bidirectional": True, "proj_size": 2, "batch_first": True}),
    ("lstm", {"bias": False}),
    ("gru", {"num_layers": 2, "bidirectional": True, "bias": False, "dtype": torch.float64}),
    ("rnn", {"num_layers": 2}),
    ("relu", {"bidirectional": True, "batch_first": True, "dropout": 0.25, "num_layers": 2}),
])
def test_to_torch_round_trip(arch, kw):
    module = make(arch, 3, 4, **kw)
    back = Stack.from_torch(module).to_torch()
    assert type(back) is type(module)
    want, got = module.state_dict(), back.state_dict()
    assert list(got) == list(want)
    for k in want:
        assert got[k].dtype == want[k].dtype and torch.equal(got[k], want[k]), k
    for attr in ("mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "bidirectional",
                 "proj_size", "dropout"):
        assert getattr(back, attr) == getattr(module, attr), attr
    x = torch.randn(2, 6, 3, generator=torch.Generator().manual_seed(2), dtype=want["weight_ih_l0"].dtype)
    with torch.no_grad():
        assert torch.equal(back(x)[0], module.eval()(x)[0])


@pytest.mark.parametrize("cls", [LSTM, GRU, RNN])
def test_from_explorer_cells(cls):
    cell = cls(3, 4, seed=5)
    stack = Stack.from_torch(cell)
    module = cell.to_torch()
    assert stack.to_torch().state_dict().keys() == module.state_dict().keys()
    for k, v in module.state_dict().items():
        assert torch.equal(stack.to_torch().state_dict()[k], v)
    check_against_reference(stack, module, torch.randn(11, 3, generator=torch.Generator().manual_seed(3)))


@pytest.mark.parametrize("cell_cls,kw", [(nn.LSTMCell, {}), (nn.GRUCell, {"bias": False}),
                                         (nn.RNNCell, {"nonlinearity": "relu"})])
def test_from_torch_cells(cell_cls, kw):
    with torch.random.fork_rng():
        torch.manual_seed(4)
        cell = cell_cls(3, 4, dtype=torch.float64, **kw)
    x = torch.randn(10, 3, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    tr = Stack.from_torch(cell).trace(x).layers[0][0]
    h, c = torch.zeros(4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64)
    with torch.no_grad():
        for t in range(10):
            if cell_cls is nn.LSTMCell:
                h, c = cell(x[t], (h, c))
                torch.testing.assert_close(tr.c[t], c, rtol=1e-10, atol=1e-10)
            else:
                h = cell(x[t], h)
            torch.testing.assert_close(tr.h[t], h, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("arch,kw", [
    ("lstm", {"num_layers": 2, "bidirectional": True}),
    ("lstm", {"num_layers": 2, "bidirectional": True, "proj_size": 2, "batch_first": True}),
    ("gru", {"num_layers": 2}),
    ("relu", {"bidirectional": True}),
])
def test_input_sensitivity_matches_autograd_jacobian(arch, kw):
    module = make(arch, 3, 4, seed=6, **kw)  # float32: the float64 copy is the Stack's job
    x = torch.randn(9, 3, generator=torch.Generator().manual_seed(6))
    s = input_sensitivity(Stack.from_torch(module), x)
    assert s.dtype == torch.float64 and s.shape == (9,)
    m64 = make(arch, 3, 4, seed=6, **kw).double()
    jac = torch.autograd.functional.jacobian(lambda x: m64(x)[0][-1], x.double())  # (D*P, T, I)
    torch.testing.assert_close(s, jac.square().sum(dim=(0, 2)).sqrt(), rtol=1e-8, atol=0)


def test_errors():
    with pytest.raises(TypeError, match="Linear"):
        Stack.from_torch(nn.Linear(3, 4, device="meta"))
    with pytest.raises(TypeError, match="Transformer"):
        Stack.from_torch(nn.Transformer(8, 2, 1, 1, 8, batch_first=True, device="meta"))
    stack = Stack("lstm", 3, 4, 2, bidirectional=True)
    with pytest.raises(ValueError, match=r"input size 3, got 5"):
        stack.trace(torch.zeros(6, 5))
    with pytest.raises(ValueError, match=r"input size 3, got 5"):
        input_sensitivity(stack, torch.zeros(6, 5))
    with pytest.raises(ValueError, match=r"\(T, I\).*got \(2, 6, 1, 3\)"):
        stack.trace(torch.zeros(2, 6, 1, 3))
    with pytest.raises(ValueError, match="one sequence"):
        input_sensitivity(stack, torch.zeros(6, 2, 3))
    with pytest.raises(TypeError, match="float32, got torch.float64"):
        stack.trace(torch.zeros(6, 3, dtype=torch.float64))
    with pytest.raises(TypeError, match="Tensor, got list"):
        stack.trace([[0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="proj_size"):
        Stack("gru", 3, 4, proj_size=2)


def test_global_rng_untouched_and_no_dropout():
    module = make("lstm", 3, 4, 3, dropout=0.5, bidirectional=True)  # training mode, dropout between layers
    x = torch.randn(7, 3, generator=torch.Generator().manual_seed(7))
    state = torch.get_rng_state()
    stack = Stack.from_torch(module)
    back = stack.to_torch()
    st = stack.trace(x)
    input_sensitivity(stack, x)
    Stack("gru", 3, 4, 2)
    assert torch.equal(torch.get_rng_state(), state)
    assert not back.training
    with torch.no_grad():
        torch.testing.assert_close(st.output, module.eval()(x)[0], rtol=1e-5, atol=1e-5)
