"""explorer/ui/preload.py: what a click will draw has its code loaded while the page is read."""
import pytest

from conftest import assert_no_errors, settle
from explorer.ui.preload import LAB_CLICK, PLOTLY, WINDOW_SLIDER, TRAIN_RESULTS, chunk, plotly_chunk


@pytest.mark.parametrize("name", PLOTLY + TRAIN_RESULTS + LAB_CLICK + WINDOW_SLIDER)
def test_each_chunk_is_found_in_this_installation(name):
    """A Streamlit that names a chunk otherwise preloads nothing for it: this test says so."""
    assert chunk(name) is not None and chunk(name).startswith(name + ".")


def test_the_your_model_page_loads_the_chart_library_before_its_first_chart(page, app_url):
    page.goto(app_url + "/your-model")
    settle(page)
    assert_no_errors(page)
    page.wait_for_function("(chunk) => performance.getEntriesByType('resource').some((e) => e.name.endsWith('/' + chunk))",
                           arg=plotly_chunk(), timeout=30_000)
    assert page.get_by_test_id("stPlotlyChart").count() == 0  # loaded ahead of need: no chart on the page yet
    assert page.js_errors == []


def _preloaded_then_watched(page, names: tuple[str, ...]) -> list[str]:
    """Wait until the chunks of `names` and what they import have loaded (no new script for a second), then
    collect every script fetched from here on."""
    wanted = [chunk(n) for n in names]
    page.wait_for_function("(w) => { const got = performance.getEntriesByType('resource').map((e) => e.name);"
                           " return w.every((c) => got.some((n) => n.endsWith('/' + c))); }", arg=wanted, timeout=30_000)
    page.wait_for_function("() => { const n = performance.getEntriesByType('resource').length;"
                           " if (n !== window.__n) { window.__n = n; window.__since = performance.now(); return false; }"
                           " return performance.now() - window.__since > 1000; }", timeout=30_000, polling=100)
    fetched = []
    page.on("request", lambda r: fetched.append(r.url) if r.url.endswith(".js") else None)
    return fetched


def test_after_train_no_code_is_fetched_that_the_train_page_did_not_load_ahead(page, app_url):
    page.goto(app_url + "/train?text=hello&cells=lstm,gru,rnn")
    settle(page)
    fetched = _preloaded_then_watched(page, PLOTLY + TRAIN_RESULTS)
    page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("How training went").wait_for(timeout=60_000)
    settle(page)
    assert_no_errors(page)
    assert fetched == []  # the progress bar, cards, links, text box, slider and charts were all loaded ahead
    assert page.js_errors == []


def test_a_gradient_lab_preset_fetches_no_code_its_page_did_not_load_ahead(page, app_url):
    """The shipped cells hide the knobs; a preset shows them: 13 chunks were fetched after the click."""
    page.goto(app_url + "/gradient-lab")
    settle(page)
    fetched = _preloaded_then_watched(page, LAB_CLICK)
    page.get_by_role("button", name="Forget/update bias 3").click()
    settle(page)
    page.locator("[data-testid='stSidebar'] [data-testid='stSlider']").first.wait_for(timeout=30_000)
    assert_no_errors(page)
    assert fetched == []  # the sliders, number boxes and spinner were loaded ahead

