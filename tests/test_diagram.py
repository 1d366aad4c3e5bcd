"""The diagram's wires are the trace's numbers."""
import pytest
import torch

from explorer.cells import CELLS
from explorer.diagram import aux_arrays, wire_values
from explorer.reference import gru_step, lstm_step, rnn_step


@pytest.mark.parametrize("arch", ["lstm", "gru", "rnn"])
def test_wires_equal_one_reference_step(arch):
    cell = CELLS[arch](4, 6, seed=3)
    x = torch.randn(9, 4, generator=torch.Generator().manual_seed(1))
    tr = cell.trace(x)
    aux = aux_arrays(cell, tr)
    for t in (1, 5, 9):
        k = t - 1
        with torch.no_grad():
            if arch == "lstm":
                h, c, g = lstm_step(cell, x[k], tr.h_prev[k], tr.c_prev[k])
            elif arch == "gru":
                h, g = gru_step(cell, x[k], tr.h_prev[k])
            else:
                h, g = rnn_step(cell, x[k], tr.h_prev[k])
        for u in (0, 5):
            w = wire_values(tr, aux, t, u)
            assert w["h"] == pytest.approx(float(h[u]), abs=1e-6)
            if arch == "lstm":
                assert w["c"] == pytest.approx(w["f_c"] + w["i_g"], abs=1e-6)
                assert w["h"] == pytest.approx(w["o"] * w["tanh_c"], abs=1e-6)
                assert w["f"] == pytest.approx(float(g["f"][u]), abs=1e-6)
            if arch == "gru":
                assert w["n"] == pytest.approx(float(torch.tanh(torch.tensor(w["a_n"] + w["r_b"]))), abs=1e-6)
                assert w["h"] == pytest.approx(w["nz"] + w["z_h"], abs=1e-6)
            if arch == "rnn":
                assert w["h"] == pytest.approx(float(torch.tanh(torch.tensor(w["a"]))), abs=1e-6)


def test_wire_values_refuse_a_step_out_of_range():
    cell = CELLS["lstm"](2, 3)
    tr = cell.trace(torch.zeros(4, 2))
    with pytest.raises(ValueError, match="1..4"):
        wire_values(tr, {}, 5, 0)
