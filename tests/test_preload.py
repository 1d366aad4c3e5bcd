"""explorer/ui/preload.py: the chart library loads while the Your Model page is read, before any chart is drawn."""
from conftest import assert_no_errors, settle
from explorer.ui.preload import plotly_chunk


def test_streamlits_plotly_chunk_is_found_in_this_installation():
    """A Streamlit that names its chunk otherwise preloads nothing: this test says so."""
    assert plotly_chunk() is not None and plotly_chunk().startswith("PlotlyChart.")


def test_the_your_model_page_loads_the_chart_library_before_its_first_chart(page, app_url):
    page.goto(app_url + "/your-model")
    settle(page)
    assert_no_errors(page)
    page.wait_for_function("(chunk) => performance.getEntriesByType('resource').some((e) => e.name.endsWith('/' + chunk))",
                           arg=plotly_chunk(), timeout=30_000)
    assert page.get_by_test_id("stPlotlyChart").count() == 0  # loaded ahead of need: no chart on the page yet
    assert page.js_errors == []
