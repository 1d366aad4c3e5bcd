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


def test_an_axis_labelled_by_index_is_written_with_its_labels_and_a_legend_only_trace_with_no_row():
    """The Train page's followers table places characters by index (two with one label never merge)."""
    from explorer.figures.training import followers_figure
    from explorer.scenes.train import followers

    rows = list(csv.reader(io.StringIO(figure_csv(followers_figure(followers("a<b a<c"))))))
    assert ["heatmap 1", "<", "a", "2"] in rows  # after "a" comes "<" twice: the characters, not 0 and 0
    assert ["heatmap 1", "c", "<", "1"] in rows and ["heatmap 1", "␣", "b", "1"] in rows
    assert all(r[0] == "heatmap 1" for r in rows[1:])  # the rings' legend entry plots nothing
    assert len(rows) - 1 == 4 * 5  # 4 characters read, 5 that come next


def test_a_label_with_a_subscript_or_escaped_user_text_is_plain_text_in_the_csv():
    import plotly.graph_objects as go

    from explorer.figures.data import figure_csv
    fig = go.Figure([go.Scatter(x=[0, 1], y=[1.0, 0.5], name="LSTM ‖∂h<sub>T</sub>/∂xₜ‖"),
                     go.Scatter(x=[0], y=[2.0], name="a &lt;b&gt;")])
    rows = figure_csv(fig).splitlines()
    assert rows[1].startswith("LSTM ‖∂h_T/∂xₜ‖,0,") and rows[3].startswith("a <b>,0,")
