"""Your own checkpoint (issue 15): what is inferred from a state dict, and every hostile file refused."""
import io
import os

import pytest
import torch
from torch import nn

from explorer.zoo.checkpoint import inspect, read_state_dict, read_vocab


class Tagger(nn.Module):
    def __init__(self, **kw):
        super().__init__()
        self.emb = nn.Embedding(40, 12)
        self.encoder = nn.LSTM(12, 24, **kw)
        out = 24 if not kw.get("proj_size") else kw["proj_size"]
        self.head = nn.Linear(out * (2 if kw.get("bidirectional") else 1), 7)


def _bytes(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


@pytest.mark.parametrize("kw", [{}, {"num_layers": 2, "bidirectional": True}, {"num_layers": 2, "proj_size": 8},
                                {"bias": False}])
def test_a_state_dict_is_understood_from_its_keys_and_shapes(kw):
    model = Tagger(**kw)
    ck = inspect(read_state_dict(_bytes(model.state_dict()), "tagger.pt"))
    s = ck.stack
    assert (s.arch, s.num_layers, s.bidirectional, s.proj_size, s.bias) == (
        "lstm", kw.get("num_layers", 1), kw.get("bidirectional", False), kw.get("proj_size", 0), kw.get("bias", True))
    assert ck.prefix == "encoder." and ck.embedding.shape == (40, 12) and ck.readout[0].shape[0] == 7
    assert ck.parameters == sum(p.numel() for p in model.parameters())  # counted by torch, not by a formula
    x = torch.randn(9, 12)
    torch.testing.assert_close(s.trace(x).output, model.encoder(x)[0], atol=1e-6, rtol=0)


def test_safetensors_and_a_bare_gru_and_an_ambiguous_rnn():
    from safetensors.torch import save

    gru = nn.GRU(5, 6, num_layers=3)
    ck = inspect(read_state_dict(save(gru.state_dict()), "gru.safetensors"))
    assert ck.stack.arch == "gru" and ck.stack.num_layers == 3 and ck.prefix == "" and ck.embedding is None
    rnn = inspect(read_state_dict(_bytes(nn.RNN(3, 4, nonlinearity="relu").state_dict()), "rnn.pt"))
    assert rnn.undecided == ("nonlinearity",)  # tanh or relu is not in the weights: the page asks
    assert inspect(read_state_dict(_bytes(nn.RNN(3, 4).state_dict()), "rnn.pt"), "relu").stack.nonlinearity == "relu"


class Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/explorer-pwned",))


def test_a_pickle_that_would_run_code_does_not(tmp_path):
    if os.path.exists("/tmp/explorer-pwned"):
        os.remove("/tmp/explorer-pwned")
    with pytest.raises(ValueError, match="refused unread"):
        read_state_dict(_bytes({"weight_ih_l0": Payload()}), "evil.pt")
    assert not os.path.exists("/tmp/explorer-pwned")


@pytest.mark.parametrize("make,match", [
    (lambda: bytes(torch.randint(0, 256, (5000,), generator=torch.Generator().manual_seed(1), dtype=torch.uint8).tolist()), "not a PyTorch checkpoint"),
    (lambda: b"\x80\x02" + bytes(range(200)), "not a PyTorch checkpoint"),  # pickle magic, then garbage
    (lambda: _bytes(nn.LSTM(3, 4)), "refused unread"),  # a whole-model pickle
    (lambda: _bytes(nn.TransformerEncoderLayer(8, 2).state_dict()), "Transformer"),
    (lambda: _bytes({**nn.LSTM(3, 4).state_dict(), "weight_hh_l0": torch.zeros(16, 5)}), "contradict"),
    (lambda: b"\0" * 50_000_001, "over the 50 MB cap"),
    (lambda: _bytes({"weight_ih_l0": torch.full((16, 3), float("nan")), "weight_hh_l0": torch.zeros(16, 4)}), "NaN"),
])
def test_hostile_files_get_a_clear_message(make, match):
    with pytest.raises(ValueError, match=match):
        inspect(read_state_dict(make(), "upload.pt"))


def test_torchscript_is_refused_before_anything_is_read(tmp_path):
    scripted = torch.jit.script(nn.Linear(2, 2))
    path = tmp_path / "m.pt"
    torch.jit.save(scripted, str(path))
    with pytest.raises(ValueError, match="TorchScript"):
        read_state_dict(path.read_bytes(), "m.pt")


def test_vocabularies_in_both_formats_and_a_mismatch():
    assert read_vocab(b'["a", "b", "c"]', 3) == ("a", "b", "c")
    assert read_vocab("a\nb\n\u00e9\n".encode(), 3) == ("a", "b", "é")
    with pytest.raises(ValueError, match="3 tokens but the embedding has 40 rows"):
        read_vocab(b"a\nb\nc\n", 40)


def test_the_your_model_page_loads_the_example_and_steps_through_layer_two():
    from conftest import open_app_page

    at = open_app_page("pages/your-model.py")
    at.button(key="ym.example").click().run()
    assert not at.exception and not at.error
    assert any("LSTM, 2 layers × 1 direction" in s.value for s in at.success)
    at.selectbox(key="ym.layer").set_value(1).run()
    assert not at.exception and len(at.get("plotly_chart")) >= 2
    assert any(m.value.startswith("Unit **") and "of layer 2 of 2" in m.value for m in at.markdown)


def test_hostile_uploads_get_a_message_in_chromium(page, app_url, tmp_path):
    from conftest import assert_no_errors, settle

    script = tmp_path / "script-src.pt"
    torch.jit.save(torch.jit.script(nn.Linear(2, 2)), str(script))
    files = {"random.pt": bytes(range(256)) * 12, "evil.pt": _bytes({"weight_ih_l0": Payload()}),
             "model.pt": _bytes(nn.LSTM(3, 4)), "transformer.pt": _bytes(nn.TransformerEncoderLayer(8, 2).state_dict()),
             "script.pt": script.read_bytes(),
             "shapes.pt": _bytes({**nn.LSTM(3, 4).state_dict(), "weight_hh_l0": torch.zeros(16, 5)}),
             "huge.pt": b"\0" * 50_000_001}  # over the 50 MB cap: Streamlit's uploader refuses it, and says so
    expected = {"random.pt": "not a PyTorch checkpoint", "evil.pt": "refused unread", "model.pt": "refused unread",
                "transformer.pt": "Transformer", "script.pt": "TorchScript", "shapes.pt": "contradict",
                "huge.pt": "File must be 50.0MB or smaller"}
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        page.goto(app_url + "/your-model")  # a fresh session per file: each message is its own
        settle(page)
        page.locator("input[type='file']").first.set_input_files(str(path))
        where = "[data-testid='stFileUploader']" if name == "huge.pt" else "[data-testid='stAlertContentError']"
        page.locator(where, has_text=expected[name]).first.wait_for(timeout=30_000)
        assert_no_errors(page)
    assert not os.path.exists("/tmp/explorer-pwned")
    # a vocabulary that does not match the embedding: both files uploaded, the mismatch said
    weights, vocab = tmp_path / "tagger.pt", tmp_path / "vocab.txt"
    weights.write_bytes(_bytes(Tagger().state_dict()))
    vocab.write_text("a\nb\nc\n")
    page.goto(app_url + "/your-model")
    settle(page)
    page.locator("input[type='file']").nth(1).set_input_files(str(vocab))
    # as a person does: the vocabulary is shown uploaded before the checkpoint is chosen (in about 1 of 100
    # back-to-back tries, Streamlit's uploader drops a file chosen while the other's upload reruns the page)
    page.get_by_test_id("stFileUploader").nth(1).get_by_text("vocab.txt").wait_for(timeout=30_000)
    settle(page)
    page.locator("input[type='file']").nth(0).set_input_files(str(weights))
    page.locator("[data-testid='stAlertContentError']", has_text="the vocabulary has 3 tokens but the embedding has "
                                                                 "40 rows").wait_for(timeout=30_000)
    assert_no_errors(page)


def test_the_example_is_described_then_its_layer_two_steps_in_the_cell_explorer_in_chromium(page, app_url):
    from conftest import assert_no_errors, settle

    page.set_viewport_size({"width": 1440, "height": 1600})
    page.goto(app_url + "/your-model")
    settle(page)
    page.get_by_role("button", name="Try it with the example").click()
    page.get_by_text("LSTM, 2 layers × 1 direction").wait_for(timeout=60_000)
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="layer 2 of 2").click()
    page.get_by_text("of layer 2 of 2 tracks your regex").wait_for(timeout=60_000)
    page.get_by_role("link", name="Step through this layer in the Cell Explorer").click()
    page.locator(".cv-root[data-ready='1']").wait_for(timeout=60_000)
    page.get_by_text("Your LSTM · layer 2 of 2 · H = 64").wait_for(timeout=30_000)
    step = page.get_by_test_id("cv-step")
    assert step.inner_text() == "t = 1"
    page.get_by_role("button", name="Next step").click()
    assert step.inner_text() == "t = 2"
    assert page.locator(".cv-topk .cv-k").count() == 5  # the last layer: its readout's next-character bars
    assert "After reading 'e' (t = 2)" in page.locator(".cv-sub", has_text="After reading").first.inner_text()
    assert_no_errors(page)


def test_a_broken_json_vocabulary_and_words_on_a_character_model_are_said_plainly():
    from explorer.scenes.your_model import encode_input

    with pytest.raises(ValueError, match="looks like JSON but is not valid JSON"):
        read_vocab(b'["a", "b", {', None)
    with pytest.raises(ValueError, match="has 1 token but the embedding has 40 rows"):
        read_vocab(b"a\n", 40)
    model = Tagger()
    ck = inspect(model.state_dict())
    with pytest.raises(ValueError, match="vocabulary is single characters: choose characters"):
        encode_input(ck, tuple(chr(65 + k) for k in range(40)), "words", "the cat")


def test_a_model_with_an_embedding_reads_token_ids_without_its_vocabulary():
    """No vocabulary: the numbers mode types token ids, and the layer reads torch's own nn.Embedding rows."""
    from explorer.scenes.your_model import encode_input, mode_label

    torch.manual_seed(0)
    model = Tagger(num_layers=2)
    ck = inspect(model.state_dict())
    with pytest.raises(ValueError, match="choose numbers and type the ids themselves"):
        encode_input(ck, None, "characters", "hello")
    inp = encode_input(ck, None, "numbers", "3, 17 0\n39")
    ids = torch.tensor([3, 17, 0, 39])
    with torch.no_grad():
        assert torch.equal(inp.x, model.emb(ids))
        assert torch.allclose(ck.stack.trace(inp.x).output, model.encoder(model.emb(ids))[0], atol=1e-6)
    assert inp.labels == ("3", "17", "0", "39")
    for bad in ("3, 40", "2.5", "-1", "x", "²", "9" * 30):
        with pytest.raises(ValueError, match=r"token ids 0\.\.39 \(whole numbers\)"):
            encode_input(ck, None, "numbers", bad)
    assert mode_label(ck, "numbers").startswith("token ids")


def test_a_long_input_to_the_example_gets_a_readable_reach_chart_and_says_how_long_it_was():
    """The shipped example on 5,000 characters: the input is cut with its length said, and the reach chart's
    log axis labels at most 8 decades however far its gradient falls (23 labels stacked into one another)."""
    from explorer.scenes.your_model import MAX_STEPS, encode_input, reach_figure
    from explorer.zoo.example_checkpoint import EXAMPLE_VOCAB, EXAMPLE_WEIGHTS
    ck = inspect(read_state_dict(EXAMPLE_WEIGHTS.read_bytes(), EXAMPLE_WEIGHTS.name))
    vocab = read_vocab(EXAMPLE_VOCAB.read_bytes(), ck.embedding.shape[0])
    inp = encode_input(ck, vocab, "characters", "def f(x):\n    return x\n" * 220)
    assert inp.notice.startswith(f"Your input has {len('def f(x):' + chr(10) + '    return x' + chr(10)) * 220:,} "
                                 f"steps; only the first {MAX_STEPS:,} are traced")
    fig, _ = reach_figure(ck, inp)
    ys = [y for y in fig.data[0].y if y > 0]
    import math
    decades = math.log10(max(ys)) - math.log10(min(ys))
    assert decades / fig.layout.yaxis.dtick <= 8


def test_unknown_steps_name_the_token_they_are_read_as_for_words_and_characters():
    """Steps not in the vocabulary are read as token 0: the sentence names it, shown as typed, for a word-level
    vocabulary (multi-character tokens) as for a character one, and counts in the singular or plural."""
    from explorer.scenes.your_model import encode_input, unknown_note
    ck = inspect(read_state_dict(_bytes(Tagger().state_dict()), "tagger.pt"))
    words = tuple(["<unk>*"] + [f"w{i}" for i in range(39)])
    inp = encode_input(ck, words, "words", "w1 zebra w2 yak")
    assert inp.unknown == 2
    assert unknown_note(inp.unknown, words).startswith("2 steps are not in the vocabulary and are read as token 0 "
                                                       "(“\\<unk\\>\\*”")
    chars = tuple(" abcdefghijklmnopqrstuvwxyz0123456789.,\n")
    one = encode_input(ck, chars, "characters", "ab$")
    assert one.unknown == 1 and unknown_note(1, chars).startswith("1 step is not in the vocabulary and is read as "
                                                                   "token 0 (“␣”")
