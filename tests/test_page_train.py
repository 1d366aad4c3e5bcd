"""The Train & Predict page, headless (AppTest) and in a real Chromium."""
import base64
import json
import urllib.parse

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from conftest import assert_no_errors, markdown_table_columns, settle, open_app_page
from explorer.model import CharModel, ModelConfig
from explorer.text import Vocab
from explorer.ui.session_models import PendingRun

from explorer.ui.session import PENDING_TRAINING, TRAIN_STOP, TRAINED as TRAINED_KEY

PENDING, TRAINED = PENDING_TRAINING.name, TRAINED_KEY.name


@pytest.fixture(autouse=True)
def one_thread():
    """AppTest runs the page in this process: tiny models train fastest on one thread (see test_training)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def open_page(**query) -> AppTest:
    return open_app_page("pages/train.py", query)


def table(at: AppTest) -> dict[str, list[str]] | None:
    """The per-position table (Markdown), as columns."""
    return markdown_table_columns(at, "t")


def test_train_hello_shows_every_prediction_and_the_generation():
    at = open_page()
    assert table(at) is None and any("Press **Train**" in i.value for i in at.info)
    at.button(key="tr.train").click().run()
    assert not at.exception and not at.error
    assert [m.label.split(" ·")[0] for m in at.metric] == ["LSTM", "GRU", "RNN"]
    assert [m.value for m in at.metric] == ["100% right"] * 3  # stopped early: every next character right
    df = table(at)
    assert list(df["next (real)"]) == ["e", "l", "l", "o"] and set(df["right?"]) == {"✓"}
    assert list(df["needs memory?"]) == ["", "", "yes", "yes"]
    assert any("hell → o" in i.value and "memory" in i.value for i in at.info)
    assert [t.value[:1] for t in at.main.text] == ["h", "h", "h"]
    # another model in the view: its own predictions, still right
    at.segmented_control(key="tr.view").set_value("rnn").run()
    assert not at.exception and set(table(at)["right?"]) == {"✓"}
    assert set(at.session_state[TRAINED]) == {"lstm", "gru", "rnn"}


def test_before_training_the_text_shows_where_memory_is_needed_and_the_accuracy_chart_marks_it():
    at = open_page(text="hello")
    assert [c.key for c in at.get("plotly_chart")] == ["tr.followers"]
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    z = fig["data"][0]["z"]  # sent as a typed array
    counts = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(3, 3)
    assert counts.tolist() == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]  # h→e, e→l, l→l and l→o
    (rings,) = fig["layout"]["shapes"]  # one path of rings: the two followers of "l"
    assert rings["path"] == "M0.5,1.5H1.5V2.5H0.5Z M1.5,1.5H2.5V2.5H1.5Z"
    assert any("3 of the 4 next characters right (75%)" in c.value for c in at.caption)
    at.button(key="tr.train").click().run()
    assert "tr.followers" not in [c.key for c in at.get("plotly_chart")]
    acc = json.loads(next(c for c in at.get("plotly_chart") if c.key == "tr.acc").proto.spec)
    assert [s["y0"] for s in acc["layout"]["shapes"]] == [0.75]  # the dashed line: best without memory
    assert [m.value for m in at.metric] == ["100% right"] * 3  # above the line: each cell used its memory


def test_the_characters_quoted_under_the_table_are_shown_as_typed_not_as_markdown():
    at = open_page(text="$a$b$c*x*d")  # "$" is followed by a, b, c and d: quoted in the caption
    (says,) = [c.value for c in at.caption if "followed by" in c.value or "After" in c.value]
    assert "“\\$”" in says and "\\*" in says and not at.exception


def test_a_text_that_needs_no_memory_draws_no_line_and_says_so():
    at = open_page(text="abcabc")
    assert any("even a cell without memory can get every next character right" in c.value for c in at.caption)
    at.button(key="tr.train").click().run()
    acc = json.loads(next(c for c in at.get("plotly_chart") if c.key == "tr.acc").proto.spec)
    assert not acc["layout"].get("shapes")
    assert any("100% needs no memory" in c.value for c in at.caption)


def test_a_model_trained_in_one_session_is_not_visible_in_another():
    first = open_page(cells="gru")
    first.button(key="tr.train").click().run()
    assert set(first.session_state[TRAINED]) == {"gru"}
    second = open_page(cells="gru")
    assert TRAINED not in second.session_state or not second.session_state[TRAINED]
    assert not second.metric and table(second) is None


@pytest.mark.parametrize("text, message", [("", "empty"), ("  \n\t ", "whitespace"), ("x", "two characters")])
def test_unusable_text_says_why_and_cannot_be_trained(text, message):
    at = open_page()
    at.text_area(key="tr.text").set_value(text).run()
    assert not at.exception
    assert any(message in e.value for e in at.error)
    assert at.button(key="tr.train").disabled
    assert not any("Press **Train**" in i.value for i in at.info)  # no invitation to press a disabled button


def test_hostile_text_trains_without_a_traceback_and_is_never_markup():
    at = open_page(cells="rnn", steps="20")
    hostile = "<script>alert(1)</script> **bold** 😀\u202e\n" * 10_000  # ~410k characters
    at.text_area(key="tr.text").set_value(hostile).run()
    assert not at.exception and len(at.text_area(key="tr.text").value) == 2000  # the widget's cap
    at.button(key="tr.train").click().run()
    assert not at.exception and table(at) is not None
    assert "😀" in "".join(table(at)["next (real)"]) and "U+202E" in "".join(table(at)["next (real)"])
    # user text reaches Markdown only escaped (the table): never a tag, never emphasis
    assert not any("<script>" in m.value or "**bold**" in m.value for m in at.markdown)
    assert any("\\<script\\>" in m.value and "\\*\\*bold\\*\\*" in m.value for m in at.main.markdown)


def test_a_too_long_text_in_the_link_is_cut_with_a_message():
    at = open_page(text="ab" * 150_000)
    assert any("2,000" in w.value for w in at.warning)
    assert len(at.text_area(key="tr.text").value) == 2000
    at.text_area(key="tr.text").input(at.text_area(key="tr.text").value).run()  # the cut text, unchanged: still said
    assert any("2,000" in w.value for w in at.warning)
    at.text_area(key="tr.text").input("hello").run()  # a short text typed: the old cut is no longer news
    assert not any("2,000" in w.value for w in at.warning)
    at.button(key="tr.train").click().run()
    assert not at.exception and not any("2,000" in w.value for w in at.warning)
    at.text_area(key="tr.text").input("xy" * 2_500).run()  # pasted into the box: cut, and said
    assert any("The text had 5,000 characters" in w.value for w in at.warning)
    at.text_area(key="tr.text").input("hello").run()
    assert not any("5,000" in w.value for w in at.warning)


def _pending_run(text="hello") -> PendingRun:
    model = CharModel(Vocab.from_text(text), ModelConfig(arch="lstm", hidden_size=8))
    run = PendingRun(archs=("lstm", "gru"), text=text, max_steps=300)
    run.start("lstm", model)
    run.losses["lstm"] += [1.6, 1.5, 1.4]
    run.accuracies["lstm"] += [0.25, 0.5, 0.5]
    return run


def test_a_run_cut_short_by_a_rerun_is_discarded_not_shown_as_finished():
    at = open_page()
    at.session_state[PENDING] = _pending_run()  # what a rerun or page change mid-training leaves behind
    at.run()
    assert not at.exception and any("discarded" in w.value for w in at.warning)
    said = next(w.value for w in at.warning if "discarded" in w.value)
    assert "or the page was left" in said and "GRU had not started and was not trained" in said  # run: LSTM, GRU
    assert PENDING not in at.session_state and not at.metric
    assert TRAINED not in at.session_state or not at.session_state[TRAINED]


def test_a_run_stopped_by_the_user_keeps_the_partial_model_marked_as_stopped():
    at = open_page()
    at.session_state[PENDING] = _pending_run()
    at.session_state[TRAIN_STOP.name] = True  # what the Stop button's on_click leaves behind
    at.run()
    assert not at.exception and any("Stopped" in s.value for s in at.success)
    assert any("GRU had not started and was not trained" in s.value for s in at.success)
    entry = at.session_state[TRAINED]["lstm"]
    assert entry.history.interrupted and entry.history.steps == 3 and "gru" not in at.session_state[TRAINED]
    assert "stopped by you" in at.metric[0].delta


def _trained_in_chromium(page, url: str):
    """Open the Train page at `url`, press Train, wait for the results; returns the main block."""
    page.goto(url)
    settle(page)
    main = page.get_by_test_id("stMainBlockContainer")
    main.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("How training went").wait_for(timeout=60_000)
    settle(page)
    return main


def test_in_chromium_train_hello_then_stop_a_long_run(page, app_url):
    main = _trained_in_chromium(page, app_url + "/train")
    assert_no_errors(page)
    main.get_by_text("Feed it the text, one character at a time").scroll_into_view_if_needed()
    table = main.get_by_role("table")  # a Markdown table in a scrolling box, no data grid
    table.first.wait_for(timeout=30_000)
    assert table.count() == 1 and "needs memory?" in table.first.inner_text()
    assert main.get_by_test_id("stDataFrame").count() == 0
    main.get_by_test_id("stText").nth(2).wait_for(timeout=30_000)
    generated = main.get_by_test_id("stText").all_inner_texts()
    assert len(generated) == 3 and all(g.startswith("hello") for g in generated), generated
    # no syntax highlighter (1.5 MB) for three lines of text; the chart library was loaded before the click
    loaded = page.evaluate("() => performance.getEntriesByType('resource').map((e) => e.name.split('/').pop())")
    assert not [n for n in loaded if n.startswith("StreamlitSyntaxHighlighter")]
    assert len([n for n in loaded if n.startswith("PlotlyChart.")]) == 1
    assert main.get_by_text("every character right").count() == 3
    assert page.js_errors == []

    query = urllib.parse.urlencode({"text": "the cat sat on the mat and the dog sat on the log. " * 8,
                                    "steps": 5000, "early": 0, "cells": "lstm"})
    page.goto(app_url + "/train?" + query)
    settle(page)
    main.get_by_role("button", name="Train", exact=True).click()
    main.get_by_text("Training LSTM: step").wait_for(timeout=30_000)
    main.get_by_role("button", name="Stop training").click()
    page.get_by_text("How training went").wait_for(timeout=60_000)
    settle(page)
    assert_no_errors(page)
    assert main.get_by_text("stopped by you").count() == 1
    assert main.get_by_text("Stopped.").count() == 1


def test_in_chromium_a_downloaded_model_loads_back_and_junk_is_refused(page, app_url, tmp_path):
    main = _trained_in_chromium(page, app_url + "/train?cells=gru&text=hello")
    with page.expect_download() as dl:
        main.get_by_role("button", name="Download the GRU (.npz)").click()
    saved = tmp_path / "gru.npz"
    dl.value.save_as(saved)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"<script>alert(1)</script>")
    main.get_by_text("Load a model saved from this app (.npz)").click()
    main.locator("input[type='file']").set_input_files(str(junk))
    page.get_by_text("That file was not loaded").wait_for(timeout=30_000)
    main.locator("input[type='file']").set_input_files(str(saved))
    page.get_by_text("Loaded a GRU with H = 32").wait_for(timeout=30_000)
    settle(page)
    assert_no_errors(page)
    assert main.get_by_text("loaded from a file").count() >= 1


def test_a_long_text_draws_200_table_rows_from_the_chosen_position_and_says_so():
    """Streamlit's Markdown took ~4 s to draw 2,000 rows: the table shows MAX_TABLE_ROWS from the heatmap's window
    on, says which, and every position is in the CSV (read back with the csv module)."""
    import csv
    import io
    from explorer.figures.tables import table_csv
    from explorer.limits import MAX_TABLE_ROWS
    from explorer.scenes.train import predictions
    text = ("def f(x):\n    return (x + 1) * (x - 1)\n" * 60)[:2000]
    at = open_page(text=text, cells="gru", steps="3", start="1500")
    at.button(key="tr.train").click().run()
    assert not at.exception and not at.error
    ts = [int(t.replace(",", "")) for t in table(at)["t"]]
    assert ts == list(range(1500, 1500 + MAX_TABLE_ROWS))
    assert any(f"Positions 1,500–{1499 + MAX_TABLE_ROWS:,} of 1,999" in c.value for c in at.caption)
    assert at.get("download_button") and any(b.proto.label == "Every position (.csv)" for b in at.get("download_button"))
    pred = predictions(at.session_state[TRAINED]["gru"].model, text, 3, 1500)
    back = list(csv.DictReader(io.StringIO(table_csv(pred.table))))
    assert len(back) == 1999 and back[0]["read so far"] == "d" and back[4]["read so far"] == "def␣f"
    assert [r["next (real)"] for r in back[:4]] == ["e", "f", "␣", "f"]


def test_the_invitation_to_train_quotes_hello_only_for_hello():
    at = open_page()
    assert any("On “hello” each cell learns h → e" in i.value for i in at.info)
    at.text_area(key="tr.text").input("abcabd").run()
    said = [i.value for i in at.info if "Press **Train**" in i.value]
    assert said and "hello" not in said[0] and "which character comes next" in said[0]


def test_the_invitation_says_its_times_are_the_defaults_when_the_sizes_are_larger():
    """A walk: 'a short text takes about a second' beside H = 256 and 5,000 steps, which took minutes a cell."""
    at = open_page()
    assert not any("Those times are for" in c.value for c in at.caption)
    at = open_page(hidden="256", steps="5000")
    said = [c.value for c in at.caption if "Those times are for" in c.value]
    assert said == ["Those times are for H = 32 and 300 steps. At H = 256 with up to 5,000 steps each cell takes "
                    "longer (at the largest sizes, minutes on a laptop): the progress bar says how long is left, and "
                    "Stop keeps what was learned."]
