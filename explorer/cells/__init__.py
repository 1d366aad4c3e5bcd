"""The instrumented cells: one file per architecture, and Stack for torch's stacked/bidirectional modules.

    from explorer.cells import RNN, LSTM, GRU     # single-layer cells with PyTorch's names and layout
    from explorer.cells import Stack              # any nn.RNN / nn.LSTM / nn.GRU
    from explorer.cells import SPECS              # each architecture's facts: gates, equations, wires

A new architecture is one new file here (spec, reference step, fast recovery, Jacobian step) plus its
diagram geometry in explorer/ui/cell_view/cell_view.js.
"""
from explorer.cells.base import Cell, Clamp
from explorer.cells.gru import GRU
from explorer.cells.lstm import LSTM
from explorer.cells.rnn import RNN
from explorer.cells.scan import linear_scan
from explorer.cells.spec import ArchSpec

__all__ = ["RNN", "LSTM", "GRU", "Cell", "Clamp", "CELLS", "SPECS", "ARCHS", "ArchSpec", "linear_scan", "Stack"]

CELLS: dict[str, type[Cell]] = {"lstm": LSTM, "gru": GRU, "rnn": RNN}
SPECS: dict[str, ArchSpec] = {arch: cls.spec for arch, cls in CELLS.items()}
ARCHS: tuple[str, ...] = tuple(CELLS)  # the order in which pages list them


from explorer.cells.stack import Stack  # noqa: E402  (last: it builds on the cells above)
