import numpy as np
import torch
import pytest

from explorer.cells import CELLS
from explorer.figures.heatmaps import heatmap, panels, weight_blocks
from explorer.model import CharModel, ModelConfig
from explorer.scenes.payload import Run, payload
from explorer.sizes import cell_size
from explorer.text import Vocab


@pytest.mark.parametrize("I,H", [(1, 1), (98, 16), (7, 128)])
def test_parameter_counts_equal_the_real_modules(I, H):
    torch_modules = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}
    sizes = {a: cell_size(CELLS[a](I, H), steps=5) for a in CELLS}
    for arch, s in sizes.items():
        assert s.parameters == sum(p.numel() for p in torch_modules[arch](I, H).parameters())
    assert sizes["lstm"].state_per_step == 2 * H and sizes["gru"].state_per_step == H
    assert sizes["gru"].parameters < sizes["lstm"].parameters


def test_saved_for_backward_is_what_autograd_keeps():
    """Measured, not counted: the backward pass must find every saved tensor; a freed one fails it."""
    cell = CELLS["lstm"](8, 16)
    sizes = [cell_size(cell, steps=T).saved_bytes for T in (50, 100, 200)]
    assert sizes[0] < sizes[1] < sizes[2]  # it grows with T (the fused kernel's workspace is padded)
    assert (sizes[2] - sizes[1]) / 100 >= 4 * (2 * 16)  # at least h_t and c_t of every step, in float32
    rnn = cell_size(CELLS["rnn"](8, 16), steps=100)
    assert rnn.saved_bytes < cell_size(cell, steps=100).saved_bytes  # the LSTM keeps far more per step
    # the hook sees the same tensors the backward consumes: dropping them (pack to None) breaks backward
    module = cell.to_torch()
    x = torch.randn(10, 1, 8)
    with torch.autograd.graph.saved_tensors_hooks(lambda t: None, lambda t: t):
        out, _ = module(x)
    with pytest.raises(Exception):
        out.sum().backward()


def test_panels_use_fixed_scales_and_hover_names_the_step():
    m = CharModel(Vocab.printable(), ModelConfig("lstm", 4))
    tt = m.trace_text("a<b>")
    ps = {p.name: p for p in panels(tt.trace)}
    assert (ps["f"].zmin, ps["f"].zmax) == (0.0, 1.0) and (ps["h"].zmin, ps["h"].zmax) == (-1.0, 1.0)
    assert ps["c"].zmin == -ps["c"].zmax and "range ±" in ps["c"].title
    fig = heatmap(tt.trace, "f", tt.labels, step=2)
    assert "t=%{x}" in fig.data[0].hovertemplate and "unit %{y}" in fig.data[0].hovertemplate
    assert "&lt;" in fig.layout.xaxis.ticktext[1]  # user text is escaped for plotly's HTML-ish labels
    with pytest.raises(ValueError, match="no quantity"):
        heatmap(tt.trace, "z", tt.labels)


def test_weight_blocks_shape_is_the_notes_W():
    cell = CELLS["lstm"](5, 3)
    fig = weight_blocks(cell.weight_ih.detach().numpy(), cell.weight_hh.detach().numpy(), ("i", "f", "g", "o"))
    assert np.asarray(fig.data[0].z).shape == (12, 8)
    np.testing.assert_allclose(np.asarray(fig.data[0].z)[:, :3], cell.weight_hh.detach().numpy())


def test_payload_round_trips_the_trace_exactly():
    """The bytes the component receives, read with struct and json alone (the wire format documented in
    payload.py), hold the hidden state of a torch.nn.GRU run on the same weights, and every array bit for bit."""
    import json
    import struct
    from explorer.scenes.payload import pack, unpack
    m = CharModel(Vocab.printable(), ModelConfig("gru", 5, seed=2))
    tt = m.trace_text("hello")
    p = payload([Run("gru", "GRU", m, tt)], t=99, unit=-3)
    assert p["t"] == 5 and p["unit"] == 0 and p["T"] == 5 and p["labels"] == ["h", "e", "l", "l", "o"]
    assert set(p["runs"][0]["aux"]) == {"a_n", "b_n"}
    raw = pack(dict(p, extra=float("nan"), key="k"))
    (n,) = struct.unpack_from("<I", raw)
    assert (4 + n) % 4 == 0  # the values start 4-byte aligned
    head = json.loads(raw[4:4 + n])  # plain JSON: no NaN, which JavaScript's JSON.parse refuses
    values = np.frombuffer(raw, dtype="<f4", offset=4 + n)
    assert head["extra"] is None and head["key"] == "k" and head["labels"] == p["labels"]

    def array(ref):
        first, count = ref["__f32"]
        return values[first:first + count]

    run = head["runs"][0]
    assert values.size == sum(array(q["values"]).size for q in run["panels"]) + sum(
        array(v).size for v in run["aux"].values())  # nothing sent twice, nothing left over
    h = array(next(q for q in run["panels"] if q["name"] == "h")["values"]).reshape(5, 5)  # (H, T)
    gru = torch.nn.GRU(m.cell.input_size, 5)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(gru, f"{name}_l0").copy_(getattr(m.cell, name))
        ref, _ = gru(m.one_hot(m.vocab.encode("hello")).unsqueeze(1))
    np.testing.assert_allclose(h.T, ref[:, 0].numpy(), atol=1e-6)
    back = unpack(raw)
    for q, q2 in zip(p["runs"][0]["panels"], back["runs"][0]["panels"]):
        np.testing.assert_array_equal(q2["values"].reshape(5, 5), q["values"])


def test_readable_writes_the_figure_font_into_axes_and_legend_but_keeps_chosen_sizes():
    """Streamlit's chart theme shrinks axis and legend text the figure leaves unset: on a projector
    every axis must carry the figure's own (presenter) size."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from explorer.figures.style import base_layout, readable

    fig = make_subplots(rows=1, cols=2)
    fig.add_scatter(x=[0, 1], y=[1, 2], row=1, col=1)
    fig.add_scatter(x=[0, 1], y=[2, 1], row=1, col=2)
    base_layout(fig, title="t", presenter=True)
    fig.update_layout(xaxis_title="time")  # set after the layout: this replaces the axis title's font
    fig.update_yaxes(tickfont=dict(size=9), row=1, col=2)  # a size a figure chose itself
    readable(fig)
    assert fig.layout.xaxis.tickfont.size == 19 and fig.layout.xaxis2.tickfont.size == 19
    assert fig.layout.xaxis.title.font.size == 20 and fig.layout.legend.font.size == 19
    assert fig.layout.yaxis2.tickfont.size == 9
    plain = readable(base_layout(go.Figure(go.Scatter(y=[1])), title="t"))
    assert plain.layout.xaxis.tickfont.size == 13


def test_a_what_if_and_its_original_share_one_colour_scale_and_mark_pinned_gates():
    """Issue 11: the frozen memory looked *more* intense on its own, narrower scale."""
    from explorer.reference import Clamp
    from explorer.whatif import clamped_text_trace

    m = CharModel(Vocab.printable(), ModelConfig("lstm", 8, seed=1))
    text = "hello, world, hello"
    clamps = (Clamp("f", 1.0, 4), Clamp("i", 0.0, 4))
    runs = [Run("lstm", "LSTM", m, m.trace_text(text)),
            Run("lstm-whatif", "what-if", m, clamped_text_trace(m, text, clamps), clamps=clamps)]
    data = payload(runs)
    c = [next(p for p in r["panels"] if p["name"] == "c") for r in data["runs"]]
    assert c[0]["zmax"] == c[1]["zmax"] and "shared" in c[0]["title"]
    true_max = max(float(r.traced.trace.c.abs().max()) for r in runs)
    assert c[0]["zmax"] == pytest.approx(true_max)
    assert data["runs"][0]["pinned"] == [] and {p["gate"] for p in data["runs"][1]["pinned"]} == {"f", "i"}
    robust = payload(runs, robust=True)
    rc = next(p for p in robust["runs"][0]["panels"] if p["name"] == "c")
    allc = np.concatenate([r.traced.trace.c.abs().flatten().numpy() for r in runs])
    assert rc["zmax"] == pytest.approx(float(np.quantile(allc, 0.99))) and "beyond it" in rc["title"]


def test_the_weight_picture_puts_each_torch_weight_in_its_block():
    """The Cell Explorer's W picture: the largest weight of an nn.LSTM is drawn at its row and column, in
    the scale's extreme colour (beyond the scale's 99th percentile: clipped to it); the dashed line sits after H
    of the H + I columns."""
    import plotly.colors
    from explorer.figures.weights import MARGIN_LEFT, MARGIN_TOP, weight_picture

    torch.manual_seed(0)
    m = torch.nn.LSTM(6, 4)
    with torch.no_grad():
        m.weight_hh_l0[9, 2] = 5.0  # the forget block (rows 4..7 are f; 9 is g's second row), column 2 of W_hh
    pic = weight_picture(m.weight_ih_l0.detach().numpy(), m.weight_hh_l0.detach().numpy(), ("i", "f", "g", "o"),
                         width=MARGIN_LEFT + 10 + 400, height=MARGIN_TOP + 60 + 320)
    assert pic.shape == (16, 10) and pic.hidden == 4 and pic.largest == 5.0
    W = np.concatenate([m.weight_hh_l0.detach().numpy(), m.weight_ih_l0.detach().numpy()], axis=1)
    assert pic.vmax == pytest.approx(np.quantile(np.abs(W), 0.99)) and pic.vmax < 5.0  # one outlier is not the scale
    # W's row 9, column 2: each of the 16 rows is 20 px, each of the 10 columns 40 px
    y, x = MARGIN_TOP + 9 * 20 + 10, MARGIN_LEFT + 2 * 40 + 20
    top = plotly.colors.sample_colorscale(plotly.colors.get_colorscale("RdBu_r"), [1.0], colortype="rgb")[0]
    assert tuple(pic.image[y, x]) == tuple(int(v) for v in top[4:-1].split(","))
    column = pic.image[MARGIN_TOP:MARGIN_TOP + 320, MARGIN_LEFT + 4 * 40 - 1:MARGIN_LEFT + 4 * 40 + 2]
    assert (column.max(axis=2) < 40).any()  # the dashed black line after W_hh's 4 columns


def test_the_weight_picture_sends_what_it_describes_in_a_palette_png():
    """The bytes the page sends decode to exactly the picture the other test reads, one byte a pixel (a palette
    PNG, a third of the RGB one's size for an nn.LSTM(96, 128)), with every weight cell in its scale colour."""
    import io

    from PIL import Image
    from explorer.figures.weights import MARGIN_LEFT, MARGIN_TOP, _lut, weight_picture

    torch.manual_seed(0)
    m = torch.nn.LSTM(96, 128)
    pic = weight_picture(m.weight_ih_l0.detach().numpy(), m.weight_hh_l0.detach().numpy(), ("i", "f", "g", "o"))
    sent = Image.open(io.BytesIO(pic.png))
    assert sent.mode == "P" and np.array_equal(np.asarray(sent.convert("RGB")), pic.image)
    rgb = io.BytesIO()
    Image.fromarray(pic.image).save(rgb, format="PNG", compress_level=1)  # what was sent before
    assert len(pic.png) < 0.5 * len(rgb.getvalue())
    area = pic.image[MARGIN_TOP:MARGIN_TOP + 100, MARGIN_LEFT + 5:MARGIN_LEFT + 100].reshape(-1, 3)
    assert {tuple(c) for c in area} <= {tuple(c) for c in _lut()}  # no cell took a grey or a neighbour's colour


def test_a_long_heatmap_labels_at_most_forty_characters_and_says_so():
    """400 characters under one plot merged into a grey band: every k-th is labelled, in place, and the axis
    title says which; a short text keeps every label."""
    import math
    from explorer.figures.heatmaps import MAX_X_LABELS
    m = CharModel(Vocab.printable(), ModelConfig("lstm", 4, seed=0))
    text = "abcdefghij" * 40
    fig = heatmap(m.trace_text(text).trace, "h", list(text))
    every = math.ceil(len(text) / MAX_X_LABELS)
    ticks = list(fig.layout.xaxis.tickvals)
    assert len(ticks) <= MAX_X_LABELS and ticks == list(range(1, len(text) + 1, every))
    assert list(fig.layout.xaxis.ticktext) == [f"{t} {text[t - 1]}" for t in ticks]  # each names its own step
    assert f"every {every}th" in fig.layout.xaxis.title.text
    short = heatmap(m.trace_text("hello").trace, "h", list("hello"))
    assert list(short.layout.xaxis.ticktext) == list("hello") and short.layout.xaxis.title.text == "t (input character)"
