import numpy as np
import pytest

from explorer.cells import CELLS
from explorer.figures import heatmap, panels, weight_blocks
from explorer.model import CharModel, ModelConfig
from explorer.payload import Run, payload
from explorer.sizes import cell_sizes
from explorer.text import Vocab


@pytest.mark.parametrize("I,H", [(1, 1), (98, 16), (7, 128)])
def test_parameter_counts_equal_the_real_modules(I, H):
    for s in cell_sizes(I, H):
        assert s.parameters == CELLS[s.arch](I, H).num_parameters()
    lstm, gru, rnn = cell_sizes(I, H)
    assert lstm.state_per_step == 2 * H and gru.state_per_step == H and gru.parameters < lstm.parameters


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
    import base64
    m = CharModel(Vocab.printable(), ModelConfig("gru", 5, seed=2))
    tt = m.trace_text("hello")
    p = payload([Run("gru", "GRU", m, tt)], t=99, unit=-3)
    assert p["t"] == 5 and p["unit"] == 0 and p["T"] == 5 and p["labels"] == ["h", "e", "l", "l", "o"]
    z = next(q for q in p["runs"][0]["panels"] if q["name"] == "z")
    arr = np.frombuffer(base64.b64decode(z["b64"]), dtype=np.float32).reshape(5, 5)  # (H, T)
    np.testing.assert_array_equal(arr, tt.trace.gates["z"].numpy().T)
    assert set(p["runs"][0]["aux"]) == {"a_n", "b_n"}


def test_readable_writes_the_figure_font_into_axes_and_legend_but_keeps_chosen_sizes():
    """Streamlit's chart theme shrinks axis and legend text the figure leaves unset: on a projector
    every axis must carry the figure's own (presenter) size."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from explorer.style import base_layout, readable

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
