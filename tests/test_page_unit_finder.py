"""The Unit Finder page headless (AppTest) and in Debian's Chromium."""
from streamlit.testing.v1 import AppTest

from conftest import assert_no_errors, settle, open_app_page
from explorer.data.corpus import sample_text


def _run(query: dict | None = None) -> AppTest:
    return open_app_page("pages/unit-finder.py", query)


def test_opens_on_the_shipped_lstm_and_finds_the_bracket_unit_alone():
    at = _run()
    found = [s.value for s in at.success if s.value.startswith("Found automatically")]
    assert found and "bracket depth" in found[0]
    r = float(found[0].split("r = **")[1].split("**")[0])
    assert abs(r) >= 0.7
    assert not at.error
    assert len(at.get("plotly_chart")) >= 5


def test_bad_and_catastrophic_regex_get_a_clear_message():
    at = _run({"regex": "(unclosed", "feature": "regex"})
    assert any("Not a valid regular expression" in w.value for w in at.warning)
    assert any("needs a valid pattern" in i.value for i in at.info)
    at = _run({"regex": "(a|aa)+$", "text": "a" * 60 + "!"})
    assert any("longer than" in w.value for w in at.warning)


def test_switching_to_a_gru_falls_back_to_its_signals():
    at = _run({"model": "stdlib-gru", "signal": "c", "gate": "f"})
    assert at.selectbox(key="uf.signal").value == "h"
    assert at.radio(key="uf.gate").value == "z"
    assert not at.error


def test_switching_model_swaps_in_its_own_sample_text():
    at = _run()
    at.selectbox(key="uf.model").set_value("synthetic-lstm").run()
    assert not at.exception
    assert at.text_area(key="uf.text").value == sample_text("synthetic")
    found = [s.value for s in at.success if s.value.startswith("Found automatically")]
    assert found and abs(float(found[0].split("r = **")[1].split("**")[0])) >= 0.7


def test_page_in_chromium(page, app_url):
    page.goto(f"{app_url}/unit-finder")
    settle(page, timeout_ms=90_000)
    assert_no_errors(page)
    assert page.get_by_text("Found automatically").count() >= 1
    page.locator(".js-plotly-plot").nth(3).wait_for(timeout=30_000)  # charts draw after the script run ends
    assert page.locator(".js-plotly-plot").count() >= 4
