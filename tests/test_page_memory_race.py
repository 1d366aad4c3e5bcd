"""The Memory Race page in AppTest and in a real Chromium: a tiny race runs, results stay per session."""
import time

from streamlit.testing.v1 import AppTest

from conftest import assert_no_errors, markdown_table_columns, settle, open_app_page

SMALL = {"T": 10, "budget": 2}
OTHERS = ("rnn", "lstm", "gru", "gru_z3")  # unchecked for the tiny race: only the LSTM with forget bias 3 runs


def open_page(query: dict | None = None) -> AppTest:
    return open_app_page("pages/memory-race.py", query)


def tiny_race(at: AppTest) -> AppTest:
    for name, value in SMALL.items():
        at.number_input(key=f"mr.{name}").set_value(value)
    for key in OTHERS:
        at.checkbox(key=f"mr.{key}").uncheck()
    at.button(key="mr.start").click().run()
    assert not at.exception, at.exception
    return wait_for_results(at)


def wait_for_results(at: AppTest, timeout: float = 60) -> AppTest:
    """The race trains on its own thread: rerun until the page has collected its results."""
    deadline = time.time() + timeout
    while "_race.job" in at.session_state and time.time() < deadline:
        time.sleep(0.3)
        at.run()
    assert "_race.job" not in at.session_state, "the race did not finish"
    return at


def test_page_explains_the_baseline_of_every_task():
    at = open_page()
    for kind, words in [("first_symbol", "1/4"), ("adding", "1/6"), ("copy", "10·ln 8"), ("brackets", "memoryless")]:
        at.selectbox(key="mr.task").set_value(kind).run()
        assert not at.exception, at.exception
        assert any(words in c.value and "Baseline" in c.value for c in at.caption), kind


def test_tiny_race_shows_results_and_keeps_models_in_this_session_only():
    at = tiny_race(open_page())
    table = markdown_table_columns(at, "contestant")
    assert table["contestant"] == ["LSTM, forget bias 3"]
    assert any("Result:" in h.value for h in at.subheader)
    racers = at.session_state["_race.cells"]  # explorer.ui.session.RACE_CELLS
    assert [r.contestant for r in racers] == ["LSTM, forget bias 3"] and racers[0].task.endswith("T = 10")
    assert racers[0].cell.arch == "lstm" and racers[0].x.shape == (10, 8)
    other = open_page()  # a second visitor sees nothing of the first one's race
    assert "_race.cells" not in other.session_state and markdown_table_columns(other, "contestant") is None


def test_a_race_survives_presenter_mode_and_a_page_switch():
    """Issue 11: toggling presenter mode during a race threw the race away."""
    at = open_page()
    for name, value in SMALL.items():
        at.number_input(key=f"mr.{name}").set_value(value)
    for key in OTHERS:
        at.checkbox(key=f"mr.{key}").uncheck()
    at.button(key="mr.start").click().run()
    assert "_race.job" in at.session_state
    at.toggle(key="mr.presenter").set_value(True).run()  # a rerun while it trains
    at.query_params.clear()
    at.switch_page("pages/home.py").run()
    at.query_params.clear()
    at.switch_page("pages/memory-race.py").run()
    wait_for_results(at)
    assert not at.exception and markdown_table_columns(at, "contestant")["contestant"] == ["LSTM, forget bias 3"]


def test_caps_and_empty_field_are_explained():
    at = open_page({"T": "100000", "budget": "9999"})
    assert at.number_input(key="mr.T").value == 400 and at.number_input(key="mr.budget").value == 120
    assert len(at.warning) >= 2  # the link's values were clamped, and the page says so
    for key in OTHERS + ("lstm_f3",):
        at.checkbox(key=f"mr.{key}").uncheck()
    at.run()
    assert any("at least one contestant" in w.value for w in at.warning)
    assert at.button(key="mr.start").disabled


def test_memory_race_in_chromium(page, app_url):
    query = "&".join([f"{k}={v}" for k, v in SMALL.items()] + [f"{k}=0" for k in OTHERS])
    page.goto(f"{app_url}/memory-race?{query}")
    settle(page)
    assert_no_errors(page)
    page.get_by_role("button", name="Start the race").click()
    page.get_by_text("Result: Remember the first symbol").wait_for(timeout=60_000)
    settle(page)
    assert_no_errors(page)
    page.locator(".js-plotly-plot").nth(2).wait_for(timeout=30_000)  # charts draw after the script run ends
    assert page.locator(".js-plotly-plot").count() >= 3  # curves, scoreboard, gradient reach
    assert not page.js_errors, page.js_errors


def test_a_race_keeps_running_through_reruns_and_stops_on_request_in_chromium(page, app_url):
    page.goto(f"{app_url}/memory-race?budget=60&T=50")
    settle(page)
    page.get_by_role("button", name="Start the race").click()
    page.get_by_text("s of 60 s").first.wait_for(timeout=30_000)  # the race is on
    page.locator("[data-testid='stCheckbox']", has_text="RNN").click()  # a widget change reruns the page
    page.get_by_text("s of 60 s").first.wait_for(timeout=30_000)  # ... and the race goes on
    page.get_by_role("button", name="Stop").click()
    page.get_by_text("Result: Remember the first symbol").wait_for(timeout=60_000)
    settle(page)
    assert_no_errors(page)
