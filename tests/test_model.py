import torch

from explorer.model import CharModel, ModelConfig, carry_bias
from explorer.text import Vocab


def test_trace_text_gives_trace_and_next_character_probabilities():
    m = CharModel(Vocab.from_text("hello world"), ModelConfig("gru", 12, seed=1))
    tt = m.trace_text("hello")
    assert tt.trace.h.shape == (5, 12) and tt.probs.shape == (5, m.vocab.size)
    torch.testing.assert_close(tt.probs.sum(1), torch.ones(5))
    logits, _ = m(m.vocab.encode("hello"))  # the fused path agrees with the trace
    torch.testing.assert_close(torch.softmax(logits, -1), tt.probs, atol=1e-6, rtol=0)
    top = tt.top_k(3)
    assert top.ids.shape == (5, 3) and torch.all(top.probs[:, 0] >= top.probs[:, 1])


def test_unknown_characters_are_labelled():
    m = CharModel(Vocab.from_text("abc"), ModelConfig("rnn", 4))
    assert m.trace_text("a😀c").labels == ("a", "⟨unk⟩", "c")


def test_same_seed_same_model_same_pictures():
    a = CharModel(Vocab.printable(), ModelConfig("lstm", 8, seed=5))
    b = CharModel(Vocab.printable(), ModelConfig("lstm", 8, seed=5))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    torch.testing.assert_close(a.trace_text("hi there").probs, b.trace_text("hi there").probs, atol=0, rtol=0)
    assert a.generate("h", 20, temperature=1.0, seed=3) == b.generate("h", 20, temperature=1.0, seed=3)


def test_carry_bias_moves_the_forget_and_update_gates():
    m = CharModel(Vocab.printable(), ModelConfig("lstm", 16, seed=0, forget_bias=3.0))
    f = m.trace_text("some text here").trace.gates["f"]
    assert f.mean() > 0.9
    g = CharModel(Vocab.printable(), ModelConfig("gru", 16, seed=0))
    before = g.cell.bias_hh.clone()
    carry_bias(g.cell, 3.0)
    assert torch.allclose(g.cell.bias_hh[16:32] - before[16:32], torch.full((16,), 3.0))
    assert torch.equal(g.cell.bias_hh[:16], before[:16])


def test_a_window_of_a_trace_carries_the_state_in_as_torch_computes_it():
    """A window of a long run starts from the state reached before it: torch.nn's LSTM and GRU, started from the
    window's h0 (and c0) on the window's inputs alone, give the window's states."""
    import pytest

    text = "the cat sat on the mat, and then the cat sat on the hat. " * 3
    for arch, module in (("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)):
        model = CharModel(Vocab.from_text(text), ModelConfig(arch, 12, seed=4))
        whole = model.trace_text(text)
        win = whole.window(40, 90)
        assert win.text == text[40:90] and win.trace.steps == 50 and win.labels == whole.labels[40:90]
        ref = module(win.trace.x.shape[1], 12)
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(ref, f"{name}_l0").copy_(getattr(model.cell, name))
            start = (win.trace.h0[None, None], win.trace.c0[None, None]) if arch == "lstm" else win.trace.h0[None, None]
            out, _ = ref(win.trace.x[:, None], start)
        torch.testing.assert_close(out[:, 0], win.trace.h, atol=1e-5, rtol=0)
        assert float(win.trace.h0.abs().max()) > 0.01  # the memory carried in is not the zero state
        torch.testing.assert_close(win.probs, whole.probs[40:90], atol=0, rtol=0)
    with pytest.raises(ValueError, match="outside"):
        whole.trace.window(10, 10_000)
