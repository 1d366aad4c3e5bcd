"""Clamped what-if runs through the reference equations."""
import pytest
import torch

from explorer.cells import GRU, LSTM, RNN
from explorer.model import CharModel, ModelConfig
from explorer.reference import Clamp, reference_trace
from explorer.text import Vocab
from explorer.whatif import clamped_text_trace, describe, trace_runs


def test_forget_one_input_zero_freezes_the_memory_from_the_clamp_step():
    cell = LSTM(4, 6, seed=1)
    x = torch.randn(12, 4, generator=torch.Generator().manual_seed(0))
    base = reference_trace(cell, x)
    k = 5
    tr = reference_trace(cell, x, [Clamp("f", 1.0, k), Clamp("i", 0.0, k)])
    # c_t = 1 * c_{t-1} + 0 * g_t: constant from step k on (step k is row k-1, equal to c_{k-1})
    for t in range(k, 13):
        torch.testing.assert_close(tr.c[t - 1], base.c[k - 2], atol=0, rtol=0)
    # before the clamp step the runs are identical
    torch.testing.assert_close(tr.h[: k - 1], base.h[: k - 1], atol=0, rtol=0)
    torch.testing.assert_close(tr.c[: k - 1], base.c[: k - 1], atol=0, rtol=0)
    assert not torch.equal(tr.h[k - 1:], base.h[k - 1:])  # the output gate still moves h


def test_forget_zero_erases_and_clamped_units_only():
    cell = LSTM(3, 5, seed=2)
    x = torch.randn(8, 3, generator=torch.Generator().manual_seed(1))
    tr = reference_trace(cell, x, [Clamp("f", 0.0, 1, units=(1, 3))])
    torch.testing.assert_close(tr.c[:, 1], tr.gates["i"][:, 1] * tr.gates["g"][:, 1])
    assert torch.all(tr.gates["f"][:, [1, 3]] == 0)
    assert torch.all(tr.gates["f"][:, [0, 2, 4]] > 0)


def test_gru_update_gate_one_keeps_the_state():
    cell = GRU(3, 4, seed=0)
    x = torch.randn(9, 3, generator=torch.Generator().manual_seed(2))
    base = reference_trace(cell, x)
    tr = reference_trace(cell, x, [Clamp("z", 1.0, 4)])
    for t in range(4, 10):
        torch.testing.assert_close(tr.h[t - 1], base.h[2])
    torch.testing.assert_close(tr.h[:3], base.h[:3], atol=0, rtol=0)


def test_unclamped_reference_equals_the_fast_trace():
    for cls in (LSTM, GRU, RNN):
        cell = cls(5, 7, seed=4)
        x = torch.randn(20, 5)
        torch.testing.assert_close(reference_trace(cell, x).h, cell.trace(x).h, atol=1e-6, rtol=0)


def test_bad_clamps_are_refused_with_a_message():
    with pytest.raises(ValueError, match="no gate 'f'"):
        reference_trace(GRU(2, 3), torch.zeros(2, 2), [Clamp("f", 1.0)])
    with pytest.raises(ValueError, match="0..2"):
        reference_trace(LSTM(2, 3), torch.zeros(2, 2), [Clamp("f", 1.0, units=(5,))])


def test_clamped_text_trace_changes_predictions_only_after_the_clamp():
    model = CharModel(Vocab.from_text("hello"), ModelConfig("lstm", 8, seed=0))
    base = model.trace_text("hellohello")
    tt = clamped_text_trace(model, "hellohello", (Clamp("f", 0.0, 4),))
    torch.testing.assert_close(tt.probs[:3], base.probs[:3], atol=1e-6, rtol=0)
    assert not torch.allclose(tt.probs[3:], base.probs[3:])
    assert describe((Clamp("f", 1.0, 3), Clamp("i", 0.0, 3))) == "f = 1, i = 0 from t = 3 (all units)"


def test_clamped_lstm_against_a_recurrence_written_here():
    """Issue 13: the clamped run against an independent hand-written LSTM with the same pins (torch ops only)."""
    module = torch.nn.LSTM(3, 4).double()
    x = torch.randn(10, 3, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    cell = LSTM.from_torch(module)
    clamps = [Clamp("f", 1.0, 4, units=(0, 2)), Clamp("o", 0.25, 6)]
    tr = reference_trace(cell, x, clamps)
    W_ih, W_hh = module.weight_ih_l0.detach(), module.weight_hh_l0.detach()
    b = (module.bias_ih_l0 + module.bias_hh_l0).detach()
    h = c = torch.zeros(4, dtype=torch.float64)
    for t in range(1, 11):
        i, f, g, o = (W_ih @ x[t - 1] + W_hh @ h + b).chunk(4)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        if t >= 4:
            f = f.clone()
            f[[0, 2]] = 1.0
        if t >= 6:
            o = torch.full_like(o, 0.25)
        c = f * c + i * g
        h = o * torch.tanh(c)
        torch.testing.assert_close(tr.h[t - 1], h, atol=1e-12, rtol=0)
        torch.testing.assert_close(tr.c[t - 1], c, atol=1e-12, rtol=0)


def test_before_the_clamp_the_what_if_is_the_models_own_run_and_after_it_a_reference_run_to_rounding():
    """What the what-if docstring says, measured: the steps before the first pin are the fast trace shown beside
    the what-if, exactly; the pinned steps equal a reference run from step 1 with the same pins to rounding."""
    for arch, clamps in (("lstm", (Clamp("f", 0.0, 6),)), ("gru", (Clamp("z", 1.0, 4, units=(1, 5)),)),
                         ("lstm", (Clamp("f", 1.0, 9), Clamp("i", 0.0, 7)))):
        model = CharModel(Vocab.from_text("hello world"), ModelConfig(arch, 16, seed=3))
        base = model.trace_text("hello world")
        tt = clamped_text_trace(model, "hello world", clamps)
        k = min(c.from_step for c in clamps) - 1
        torch.testing.assert_close(tt.trace.h[:k], base.trace.h[:k], atol=0, rtol=0)
        for g in base.trace.gates:
            torch.testing.assert_close(tt.trace.gates[g][:k], base.trace.gates[g][:k], atol=0, rtol=0)
        whole = reference_trace(model.cell, base.trace.x, clamps)  # the loop from step 1, pins and all
        torch.testing.assert_close(tt.trace.h, whole.h, atol=1e-5, rtol=0)
        for g in whole.gates:
            torch.testing.assert_close(tt.trace.gates[g], whole.gates[g], atol=1e-5, rtol=0)
        if whole.c is not None:
            torch.testing.assert_close(tt.trace.c, whole.c, atol=1e-5, rtol=0)
        assert not torch.allclose(tt.trace.h[k:], base.trace.h[k:], atol=1e-3)  # the pins changed something


def test_runs_of_one_model_trace_it_once_and_its_what_if_is_the_clamped_run():
    model = CharModel(Vocab.from_text("hello world"), ModelConfig("lstm", 8, seed=2))
    other = CharModel(Vocab.from_text("hello world"), ModelConfig("gru", 8, seed=2))
    calls = []
    for m in (model, other):
        m.trace_text = (lambda f: lambda text: calls.append(text) or f(text))(m.trace_text)
    clamps = (Clamp("f", 1.0, 3), Clamp("i", 0.0, 3))
    got = trace_runs([("lstm", model, ()), ("gru", other, ()), ("freeze", model, clamps)], "hello world")
    assert len(calls) == 2  # one trace per model: the what-if reuses its model's
    fresh = clamped_text_trace(model, "hello world", clamps)
    torch.testing.assert_close(got["freeze"].trace.h, fresh.trace.h, atol=0, rtol=0)
    torch.testing.assert_close(got["freeze"].probs, fresh.probs, atol=0, rtol=0)
    # the what-if holds c from step 3 on, the plain run does not
    assert torch.equal(got["freeze"].trace.c[2:], got["freeze"].trace.c[1:2].expand(9, 8))
    assert not torch.equal(got["lstm"].trace.c[2:], got["lstm"].trace.c[1:2].expand(9, 8))


def test_a_pin_after_the_last_step_leaves_the_models_own_run():
    model = CharModel(Vocab.from_text("hello"), ModelConfig("lstm", 8, seed=1))
    base = model.trace_text("hello")
    tt = clamped_text_trace(model, "hello", (Clamp("f", 0.0, 9),))
    torch.testing.assert_close(tt.trace.h, base.trace.h, atol=0, rtol=0)
    with pytest.raises(ValueError, match="0..7"):  # still checked, though no step is pinned
        clamped_text_trace(model, "hello", (Clamp("f", 0.0, 9, units=(8,)),))


def test_a_window_is_the_same_whether_the_text_goes_on_after_it_or_not():
    """A causal model is traced only up to the window's end; the window equals the one cut from the whole run."""
    text = "the cat sat on the mat. " * 8
    model = CharModel(Vocab.from_text(text), ModelConfig("lstm", 8, seed=2))
    clamps = (Clamp("f", 1.0, 60), Clamp("i", 0.0, 60))
    cut = trace_runs([("lstm", model, ()), ("w", model, clamps)], text, 50, 90)
    whole = {rid: tt.window(50, 90) for rid, tt in
             trace_runs([("lstm", model, ()), ("w", model, clamps)], text).items()}
    for rid in ("lstm", "w"):
        assert cut[rid].trace.steps == 40 and cut[rid].labels == whole[rid].labels
        torch.testing.assert_close(cut[rid].trace.h, whole[rid].trace.h, atol=1e-6, rtol=0)
        torch.testing.assert_close(cut[rid].trace.h0, whole[rid].trace.h0, atol=1e-6, rtol=0)
