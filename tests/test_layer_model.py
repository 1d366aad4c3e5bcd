"""One layer and direction of an uploaded checkpoint, read as the pages read a model: against torch.nn."""
import re

import pytest
import torch
from torch import nn

from explorer.reference import Clamp
from explorer.whatif import clamped_text_trace
from explorer.zoo.checkpoint import inspect
from explorer.zoo.layer_model import LayerModel, unsupported, untrained_twin

VOCAB = tuple("\ufffd abcdefgh()\n")
TEXT = "a(b c)\nd(e)f gh"


class Net(nn.Module):
    def __init__(self, rnn: nn.Module, out: int):
        super().__init__()
        self.embed = nn.Embedding(len(VOCAB), rnn.input_size)
        self.rnn = rnn
        self.head = nn.Linear(rnn.hidden_size * (2 if rnn.bidirectional else 1), out)


def make(kind: str, bidirectional: bool, out: int = len(VOCAB), seed: int = 0, dtype=torch.float32) -> Net:
    torch.manual_seed(seed)
    return Net(getattr(nn, kind)(6, 5, num_layers=2, bidirectional=bidirectional), out).to(dtype).eval()


def torch_layers(net: Net, text: str) -> list[torch.Tensor]:
    """Each layer's output (T, D*H), computed by torch.nn layer by layer from the same weights."""
    ids = torch.tensor([VOCAB.index(ch) for ch in text])
    x, outs = net.embed(ids), []
    for layer in range(net.rnn.num_layers):
        one = type(net.rnn)(x.shape[1], net.rnn.hidden_size, bidirectional=net.rnn.bidirectional).to(x.dtype)
        for d in range(2 if net.rnn.bidirectional else 1):
            sfx = "_reverse" if d else ""
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(one, f"{name}_l0{sfx}").data.copy_(getattr(net.rnn, f"{name}_l{layer}{sfx}"))
        x = one(x)[0]
        outs.append(x)
    with torch.no_grad():
        assert torch.allclose(outs[-1], net.rnn(net.embed(ids))[0], atol=1e-6)
    return outs


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_every_layer_and_direction_matches_torch_in_both_orders(kind, bidirectional):
    net = make(kind, bidirectional)
    ck = inspect(net.state_dict())
    outs = [o.detach() for o in torch_layers(net, TEXT)]
    H = 5
    for layer in range(2):
        for d in range(2 if bidirectional else 1):
            want = outs[layer][:, d * H:(d + 1) * H]  # (T, H) in the input's order
            m_in = LayerModel(ck, VOCAB, layer, d, order="input")
            got = m_in.trace_text(TEXT)
            assert torch.allclose(got.trace.h, want, atol=1e-5)
            assert got.labels[0] == "a"
            m_read = LayerModel(ck, VOCAB, layer, d, order="reading")
            read = m_read.trace_text(TEXT)
            assert torch.allclose(read.trace.h, want.flip(0) if d else want, atol=1e-5)
            assert read.text == (TEXT[::-1] if d else TEXT)
            # in reading order the previous state is the one the cell just made: the reference equations agree
            ref = clamped_text_trace(m_read, TEXT, ())
            assert torch.allclose(ref.trace.h, read.trace.h, atol=1e-5)


def test_predictions_are_torch_readout_of_the_last_layer_only_where_it_reads_this_direction_alone():
    net = make("LSTM", False)
    ck = inspect(net.state_dict())
    ids = torch.tensor([VOCAB.index(ch) for ch in TEXT])
    with torch.no_grad():
        want = torch.softmax(net.head(net.rnn(net.embed(ids))[0]), dim=-1)  # (T, V)
    top = LayerModel(ck, VOCAB, 1, 0)
    assert top.predicts and torch.allclose(top.trace_text(TEXT).probs, want, atol=1e-6)
    lower = LayerModel(ck, VOCAB, 0, 0)
    assert not lower.predicts and lower.trace_text(TEXT).probs.shape == (len(TEXT), 0)
    assert "last layer" in lower.no_predictions
    bi = LayerModel(inspect(make("GRU", True).state_dict()), VOCAB, 1, 1)
    assert not bi.predicts and "both directions" in bi.no_predictions
    other = LayerModel(inspect(make("GRU", False, out=3).state_dict()), VOCAB, 1, 0)
    assert not other.predicts and "3 outputs" in other.no_predictions


def test_a_what_if_on_a_reverse_layer_pins_from_the_step_it_reads_and_agrees_before_it():
    ck = inspect(make("LSTM", True).state_dict())
    m = LayerModel(ck, VOCAB, 1, 1)
    base = m.trace_text(TEXT)
    pinned = clamped_text_trace(m, TEXT, (Clamp("f", 1.0, 4), Clamp("i", 0.0, 4)))
    assert torch.allclose(pinned.trace.h[:3], base.trace.h[:3], atol=1e-5)
    assert torch.allclose(pinned.trace.c[3:], pinned.trace.c[2].expand(len(TEXT) - 3, -1))  # frozen memory


def test_what_the_pages_cannot_read_is_said_not_guessed():
    proj = inspect(Net(nn.LSTM(6, 5, num_layers=2, proj_size=3), len(VOCAB)).state_dict())
    assert "proj_size" in unsupported(proj, VOCAB)
    relu = inspect(nn.RNN(6, 5, nonlinearity="relu").state_dict(), "relu")
    assert "relu" in unsupported(relu, None)
    ck = inspect(make("GRU", False).state_dict())
    assert "vocabulary" in unsupported(ck, None)
    assert "words" in unsupported(ck, ("the", "cat") + VOCAB[2:])
    with pytest.raises(ValueError, match="cannot be read here"):
        LayerModel(proj, VOCAB, 0, 0)


def test_the_untrained_twin_has_the_same_shapes_and_fresh_weights():
    ck = inspect(make("GRU", True).state_dict())
    twin = untrained_twin(ck)
    assert {k: v.shape for k, v in twin.stack.state_dict().items()} == \
        {k: v.shape for k, v in ck.stack.state_dict().items()}
    assert not torch.equal(twin.stack.weight_hh_l1, ck.stack.weight_hh_l1)
    assert twin.embedding is ck.embedding


def test_the_example_checkpoint_is_a_weights_source_of_the_cell_explorer_in_the_same_session():
    from conftest import open_app_page

    at = open_app_page("pages/your-model.py")
    at.button(key="ym.example").click().run()
    at.query_params.clear()
    at.switch_page("pages/cell-explorer.py").run()
    assert "your model (uploaded)" in at.radio(key="ce.src").options
    at.radio(key="ce.src").set_value("yours").run()
    assert not at.exception and not at.error
    at.selectbox(key="ce.layer").set_value(1).run()
    assert not at.exception and not at.error
    view = cell_view_data(at)
    assert [r["title"] for r in view["runs"]] == ["Your LSTM · layer 2 of 2 · H = 64"]
    assert len(view["runs"][0]["topk"]["chars"][0]) == 5  # the last layer of a one-way model: its readout's bars
    assert view["T"] == len(at.text_area(key="ce.text").value)
    # the lower layer shows no bars, and says why
    at.selectbox(key="ce.layer").set_value(0).run()
    run = cell_view_data(at)["runs"][0]
    assert run["topk"]["chars"][0] == [] and "last layer" in run["topk"]["none"]


def cell_view_data(at) -> dict:
    """The stepping view's data, as the browser receives it (bytes: explorer/scenes/payload.py's pack)."""
    from explorer.scenes.payload import unpack

    def walk(n):
        yield n
        for c in getattr(n, "children", {}).values():
            yield from walk(c)
    views = [unpack(n.proto.bytes) for n in walk(at._tree)
             if getattr(getattr(n, "proto", None), "component_name", None) == "explorer.cell_view"]
    assert len(views) == 1
    return views[0]


def test_a_reverse_layer_of_a_bidirectional_model_is_stepped_in_its_reading_order():
    from explorer.scenes.cell_explorer import CellExplorerConfig, cell_explorer_scene
    from explorer.scenes.payload import Run, payload
    from explorer.zoo.layer_model import summary

    ck = inspect(make("GRU", True).state_dict())
    resolve = lambda ref: LayerModel(ck, VOCAB, ref[1], ref[2], ref[3])  # noqa: E731
    config = CellExplorerConfig(text=TEXT, src="yours", layer=1, direction=1, whatif="gru_keep", cfrom=3)
    scene = cell_explorer_scene(config, resolve, shipped=set(), session=set(), uploaded=summary(ck, VOCAB))
    assert [r.id for r in scene.runs] == ["gru", "gru-whatif"]
    assert "layer 2 of 2, reverse" in scene.runs[0].title
    assert "step 1 is the last character" in scene.runs[0].note
    from explorer.whatif import clamped_text_trace
    runs = [Run(r.id, r.title, resolve(r.ref), clamped_text_trace(resolve(r.ref), scene.view_text, r.clamps)
                if r.clamps else resolve(r.ref).trace_text(scene.view_text), r.note, r.clamps) for r in scene.runs]
    data = payload(runs)
    assert data["labels"] == [{" ": "␣", "\n": "↵"}.get(ch, ch) for ch in TEXT[::-1]]
    # no deep link can ask for a layer or direction the model lacks; without an upload the shipped model is shown
    wild = cell_explorer_scene(CellExplorerConfig(text=TEXT, src="yours", layer=9, direction=1), resolve,
                               shipped=set(), session=set(), uploaded=summary(ck, VOCAB))
    assert "layer 2 of 2" in wild.runs[0].title
    from explorer.model import CharModel, ModelConfig
    from explorer.text import Vocab
    untrained = lambda ref: CharModel(Vocab.printable(), ModelConfig(ref[1], ref[2], ref[3]))  # noqa: E731
    gone = cell_explorer_scene(CellExplorerConfig(text=TEXT, src="yours"), untrained, shipped=set(), session=set(),
                               uploaded=None)
    assert any("no model is uploaded in this session" in m.text for m in gone.messages)
    assert all(r.ref[0] == "untrained" for r in gone.runs)


def test_the_gradient_lab_measures_each_layer_and_the_whole_stack_as_torch_autograd_does():
    from torch.autograd.functional import jacobian

    from explorer.gradients import reach
    from explorer.scenes.gradient_lab import layers_scene

    net = make("LSTM", True, dtype=torch.float64)
    ck = inspect(net.state_dict())
    layers = {f"layer {l + 1} {d}": LayerModel(ck, VOCAB, l, d) for l in range(2) for d in range(2)}
    sc = layers_scene(layers, TEXT, ck)
    assert set(sc.curves) == set(layers) and sc.reversed == ("layer 1 1", "layer 2 1")
    ids = torch.tensor([VOCAB.index(ch) for ch in TEXT])
    emb = net.embed(ids).detach()  # (T, I)
    H, T = 5, len(TEXT)
    # layer 2, reverse: its last state is torch's reverse half at t = 1, a function of layer 2's input (T, 2H)
    x2 = torch_layers(net, TEXT)[0].detach()
    top = nn.LSTM(2 * H, H, bidirectional=True).double()
    top.load_state_dict({k.replace("_l1", "_l0"): v for k, v in net.rnn.state_dict().items() if "_l1" in k})
    jac = jacobian(lambda x: top(x)[0][0, H:], x2)  # (H, T, 2H)
    want = jac.square().sum(dim=(0, 2)).sqrt()  # (T,) by character t
    got = 10 ** sc.curves["layer 2 1"].sens.input_log10  # (T,) by reading step: t = T first
    assert torch.allclose(got.flip(0), want, rtol=1e-6, atol=1e-12)
    # the whole stack: ‖∂y_T/∂x_t‖ of torch's own module output at the last step
    jac = jacobian(lambda x: net.rnn(x)[0][-1], emb)  # (2H, T, I)
    whole = jac.square().sum(dim=(0, 2)).sqrt()
    assert sc.whole_stack == reach(torch.log10(whole))
    assert sc.whole_stack.steps == T


def test_the_example_is_a_weights_source_of_the_gradient_lab_and_its_unit_finder_in_the_same_session():
    from conftest import open_app_page

    at = open_app_page("pages/your-model.py")
    at.button(key="ym.example").click().run()
    at.query_params.clear()
    at.switch_page("pages/gradient-lab.py").run()
    at.radio(key="gl.cells").set_value("yours").run()
    assert not at.exception and not at.error
    assert any("Your uploaded model, every layer and direction" in c.value for c in at.info)
    assert any("Through the whole stack" in c.value for c in at.caption)
    assert at.radio(key="gl.strip_named").options == ["layer 1", "layer 2"]
    table = " ".join(m.value for m in at.markdown)
    assert "**layer 1**" in table and "**layer 2**" in table
    # the Unit Finder: a layer of the example, your regex as the feature, against the untrained twin
    at.query_params.clear()
    at.switch_page("pages/unit-finder.py").run()
    at.radio(key="uf.src").set_value("yours").run()
    at.selectbox(key="uf.layer").set_value(1).run()
    assert not at.exception and not at.error
    assert any("Your LSTM, layer 2 of 2" in c.value for c in at.caption)
    at.selectbox(key="uf.feature").set_value("regex").run()
    assert not at.exception and not at.error
    at.selectbox(key="uf.layer").set_value(0).run()  # no readout on layer 1: said, not drawn
    assert not at.exception and any("No next-character bars for this layer" in c.value for c in at.caption)


def test_the_unit_finder_ranks_a_reverse_layer_by_torch_s_own_outputs():
    import numpy as np

    from explorer.units import analyse_text

    net = make("GRU", True)
    ck = inspect(net.state_dict())
    text = TEXT * 3
    A = analyse_text(LayerModel(ck, VOCAB, 1, 1, "input"), LayerModel(untrained_twin(ck), VOCAB, 1, 1, "input"),
                     text, "h", r"\(.*?\)")
    h = torch_layers(net, text)[1][:, 5:].detach().numpy()  # (T, H) torch's reverse half of layer 2, text order
    spans = [(m.start(), m.end()) for m in re.finditer(r"\(.*?\)", text)]
    feat = np.array([float(any(s <= t < e for s, e in spans)) for t in range(len(text))])
    r = np.array([np.corrcoef(h[:, u], feat)[0, 1] for u in range(5)])
    unit, best = A.ranking.best("regex")
    assert unit == int(np.abs(r).argmax()) and abs(best - r[unit]) < 1e-5


def test_the_cell_explorer_downloads_hold_a_layer_s_trace():
    import io

    import numpy as np

    from explorer.zoo.export import traces_csv, traces_npz

    ck = inspect(make("LSTM", True).state_dict())
    traces = {"lstm": LayerModel(ck, VOCAB, 1, 1).trace_text(TEXT)}
    arrays = np.load(io.BytesIO(traces_npz(traces)))
    assert np.allclose(arrays["lstm/h"], traces["lstm"].trace.h.numpy())
    assert arrays["lstm/next_char_probs"].shape == (len(TEXT), 0)
    assert traces_csv(traces).count("\n") > len(TEXT)


def test_a_layer_s_input_is_torch_s_output_of_the_layers_below():
    net = make("LSTM", True)
    ck = inspect(net.state_dict())
    ids = torch.tensor([VOCAB.index(ch) for ch in TEXT])
    x = net.embed(ids).detach()
    assert torch.equal(ck.stack.layer_input(x, 0), x)
    assert torch.allclose(ck.stack.layer_input(x, 1), torch_layers(net, TEXT)[0].detach(), atol=1e-6)
    with pytest.raises(ValueError, match="layer must be in 0..1"):
        ck.stack.layer_input(x, 2)
