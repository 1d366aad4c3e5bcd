"""explorer.training: the note's "hello" example, determinism, early stop and stopping from a callback."""
import pytest
import torch

from explorer.training import History, Progress, check_training_text, train_char_model

HELLO = {"h": "e", "he": "l", "hel": "l", "hell": "o"}


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models gain nothing from a second thread, and on a shared, busy 2-core machine two OpenMP
    threads make them ~100x slower (spinning on a contended core). Restored afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("arch", ["lstm", "gru", "rnn"])
def test_hello_continues_h_e_l_l_o(arch):
    model, history = train_char_model("hello", arch=arch, seed=0)
    assert {p: model.predict_next(p) for p in HELLO} == HELLO
    assert history.stopped_early and not history.interrupted
    assert history.accuracies[-1] == 1.0 and history.seconds < 10
    assert model.generate("h", 4, temperature=0) == "ello"


@pytest.mark.parametrize("arch", ["lstm", "gru", "rnn"])
def test_same_seed_gives_identical_weights_and_history(arch):
    text = "the cat sat on the mat. " * 6  # longer than one window: exercises the random windows too
    runs = [train_char_model(text, arch=arch, seed=3, hidden_size=16, steps=15, window=16, batch_size=4)
            for _ in range(2)]
    (m1, h1), (m2, h2) = runs
    for (n1, p1), (n2, p2) in zip(m1.state_dict().items(), m2.state_dict().items()):
        assert n1 == n2 and torch.equal(p1, p2), n1
    assert h1.losses == h2.losses and h1.accuracies == h2.accuracies and h1.steps == h2.steps
    m3, h3 = train_char_model(text, arch=arch, seed=4, hidden_size=16, steps=15, window=16, batch_size=4)
    assert h3.losses != h1.losses


def test_training_does_not_touch_the_global_rng():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    train_char_model("abcabcabd" * 10, seed=0, hidden_size=8, steps=5, window=8, batch_size=2)
    assert torch.equal(torch.rand(3), expected)


def test_early_stop_returns_the_weights_that_scored_100_percent():
    model, history = train_char_model("abab", arch="gru", seed=1, steps=500)
    assert history.stopped_early and history.steps < 500
    assert len(history.losses) == history.steps + 1  # the last entry is the check that stopped it
    tokens = model.vocab.encode("abab")
    with torch.no_grad():
        logits, _ = model(tokens[:-1])
    assert torch.equal(logits.argmax(-1), tokens[1:])


def test_no_early_stop_trains_the_whole_budget_and_gets_surer():
    _, quick = train_char_model("hello", seed=0)
    model, full = train_char_model("hello", seed=0, steps=120, early_stop=False)
    assert full.steps == 120 and not full.stopped_early and len(full.losses) == 120
    assert full.final_loss < quick.final_loss / 3


def test_callback_sees_every_step_and_can_stop_keeping_the_partial_model():
    seen: list[Progress] = []

    def callback(p: Progress) -> bool:
        seen.append(p)
        return p.step == 7

    text = "the quick brown fox jumps over the lazy dog " * 3
    model, history = train_char_model(text, seed=0, steps=200, early_stop=False, callback=callback)
    assert [p.step for p in seen] == list(range(1, 8)) and all(p.total == 200 for p in seen)
    assert history.interrupted and not history.stopped_early and history.steps == 7
    assert [p.loss for p in seen] == list(history.losses)
    # the partial model holds exactly the weights after 7 steps: the same as a 7-step budget
    ref, ref_history = train_char_model(text, seed=0, steps=7, early_stop=False)
    assert not ref_history.interrupted
    for p1, p2 in zip(model.parameters(), ref.parameters()):
        assert torch.equal(p1, p2)


def test_should_stop_interrupts():
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) >= 3

    _, history = train_char_model("hello world " * 4, seed=0, early_stop=False, should_stop=should_stop)
    assert history.interrupted and history.steps == 3


def test_history_is_frozen_and_typed():
    _, history = train_char_model("hello", seed=0)
    assert isinstance(history, History)
    with pytest.raises(AttributeError):
        history.steps = 3  # frozen
    assert history.seconds_per_step > 0 and history.text_length == 5 and history.notice is None


@pytest.mark.parametrize("text, match", [("", "empty"), ("   \n ", "whitespace"), ("a", "two characters")])
def test_unusable_text_gives_a_readable_message(text, match):
    with pytest.raises(ValueError, match=match):
        train_char_model(text)


def test_long_and_odd_text_is_capped_with_a_notice():
    text = "<script>alert(1)</script> 😀🙂 \u202e\n" * 8000  # ~290k characters
    prepared = check_training_text(text)
    assert len(prepared.text) == 2000 and "2,000" in prepared.notice
    model, history = train_char_model(text, hidden_size=8, steps=2, early_stop=False)
    assert history.text_length == 2000 and history.notice and history.steps == 2
    assert "😀" in model.vocab.chars


@pytest.mark.parametrize("kw", [dict(hidden_size=0), dict(hidden_size=10_000), dict(steps=0), dict(steps=10 ** 6),
                                dict(lr=0.0), dict(arch="transformer")])
def test_out_of_range_settings_are_refused_with_a_message(kw):
    with pytest.raises(ValueError, match="must"):
        train_char_model("hello", **kw)


def test_adam_matches_torch_optim_adam_bit_for_bit():
    """explorer.optim.Adam against torch.optim.Adam: an LSTM and a readout, 150 clipped steps, one
    parameter left without a gradient on odd steps (torch skips it and does not count the step)."""
    import copy

    from torch import nn

    from explorer.optim import Adam

    torch.manual_seed(0)
    lstm, head, spare = nn.LSTM(5, 16, 2), nn.Linear(16, 7), nn.Parameter(torch.randn(3))
    ours = (copy.deepcopy(lstm), copy.deepcopy(head), copy.deepcopy(spare))
    theirs = (lstm, head, spare)
    params = lambda m: [*m[0].parameters(), *m[1].parameters(), m[2]]  # noqa: E731
    opt_ours, opt_theirs = Adam(params(ours), lr=0.01), torch.optim.Adam(params(theirs), lr=0.01)
    gen = torch.Generator().manual_seed(1)
    for step in range(150):
        x, y = torch.randn(12, 3, 5, generator=gen), torch.randint(0, 7, (12, 3), generator=gen)
        for (rnn, lin, extra), opt in ((ours, opt_ours), (theirs, opt_theirs)):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(lin(rnn(x)[0]).reshape(-1, 7), y.reshape(-1))
            if step % 2 == 0:
                loss = loss + extra.square().sum()
            loss.backward()
            nn.utils.clip_grad_norm_([*rnn.parameters(), *lin.parameters()], 1.0)
            opt.step()
    assert all(torch.equal(a, b) for a, b in zip(params(ours), params(theirs)))


def test_training_and_the_servers_warm_start_never_import_the_compiler():
    """torch.optim imports torch._dynamo and sympy (72 MiB a server process); the app trains without them."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, logging; logging.disable(logging.WARNING)\n"
            "from explorer.ui.startup import warm; warm()\n"
            "from explorer.training import train_char_model; train_char_model('hello', arch='gru', seed=0)\n"
            "from explorer.cells import Stack; Stack('lstm', 3, 4, 2, bidirectional=True).to_torch()\n"
            "print(sorted(m for m in ('torch._dynamo', 'sympy') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_on_a_cpu_torch_trains_the_lstm_with_one_fused_kernel_each_way_and_the_gru_step_by_step():
    """What the Train page's speed note says (scenes.train.speed_note), checked on the installed torch: the LSTM's
    forward and backward are one oneDNN op each, the GRU's are many small ones. If torch changes, so must the note."""
    from torch.profiler import ProfilerActivity, profile

    from explorer.model import CharModel, ModelConfig
    from explorer.text import Vocab
    text = "hello there hello"
    ops = {}
    for arch in ("lstm", "gru"):
        model = CharModel(Vocab.from_text(text), ModelConfig(arch, 32, seed=0))
        tokens = model.vocab.encode(text)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            logits, _ = model(tokens[:-1])
            torch.nn.functional.cross_entropy(logits, tokens[1:]).backward()
        ops[arch] = {e.key: e.count for e in prof.key_averages()}
    assert ops["lstm"].get("aten::mkldnn_rnn_layer") == 1 and ops["lstm"].get("aten::mkldnn_rnn_layer_backward") == 1
    assert not any("mkldnn_rnn" in k for k in ops["gru"])
    assert sum(ops["gru"].values()) > 5 * sum(ops["lstm"].values())


def test_the_speed_note_speaks_only_when_the_gru_was_slower_and_quotes_the_runs():
    from explorer.scenes.train import speed_note

    def run(arch, seconds, steps=20):
        return History(arch=arch, losses=(1.0,) * steps, accuracies=(0.5,) * steps, steps=steps, max_steps=300,
                       seconds=seconds, stopped_early=False, interrupted=False, text_length=5)
    note = speed_note((run("lstm", 0.02), 5157), (run("gru", 0.05), 3909))
    assert "fewer parameters than the LSTM (3,909 against 5,157)" in note and "took 2.5× as long" in note
    assert speed_note((run("lstm", 0.02), 5157), (run("gru", 0.021), 3909)) is None  # about as fast: nothing to explain
    assert speed_note(None, (run("gru", 0.05), 3909)) is None
    assert speed_note((run("lstm", 0.02), 5157), (run("gru", 0.0, steps=0), 3909)) is None  # loaded from a file
