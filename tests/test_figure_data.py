import csv
import io

import plotly.graph_objects as go

from explorer.figures.data import figure_csv


def test_lines_and_heatmaps_become_rows_and_labels_cannot_break_the_file():
    fig = go.Figure([go.Scatter(x=[0, 1, 2], y=[1.0, 0.5, 0.25], name='LSTM, "bias 3"'),
                     go.Heatmap(z=[[0.1, 0.2], [0.3, None]], x=["a,b", "\n"], y=[0, 1])])
    rows = list(csv.reader(io.StringIO(figure_csv(fig))))
    assert rows[0] == ["trace", "x", "y", "value"]
    assert rows[1:4] == [['LSTM, "bias 3"', "0", "1.0", ""], ['LSTM, "bias 3"', "1", "0.5", ""],
                         ['LSTM, "bias 3"', "2", "0.25", ""]]
    assert rows[4:] == [["heatmap 2", "a,b", "0", "0.1"], ["heatmap 2", "\n", "0", "0.2"], ["heatmap 2", "a,b", "1", "0.3"]]
