"""Presenter mode: one figure at a time (secondary parts folded into closed expanders), kept in the link."""
import pytest

from conftest import assert_no_errors, open_app_page, settle

FOLDED = {  # page -> a secondary section that presenter mode folds away
    "pages/gradient-lab.py": "Saliency strip: the distance, read on the text",
    "pages/unit-finder.py": "Units ranked by |correlation|, trained against untrained",
}


@pytest.mark.parametrize("page", FOLDED)
def test_presenter_mode_folds_the_secondary_sections(page):
    normal, presenting = open_app_page(page), open_app_page(page, {"presenter": "1"})
    assert FOLDED[page] not in [e.label for e in normal.expander]
    assert FOLDED[page] in [e.label for e in presenting.expander]
    assert len(presenting.expander) > len(normal.expander)


def test_a_presenter_link_opens_large_with_the_sidebar_folded(page, app_url):
    page.goto(f"{app_url}/gradient-lab?presenter=1")
    settle(page)
    assert_no_errors(page)
    assert page.locator("[data-testid='stSidebar'][data-collapsed='true']").count() == 1
    # 3.2rem = 51 px against Streamlit's 44: readable from the back of a hall. The style arrives with the
    # page's first elements but may apply a frame after the title is drawn, hence a wait, not a snapshot.
    page.wait_for_function("() => { const h = document.querySelector('.stMain h1');"
                           " return h && parseFloat(getComputedStyle(h).fontSize) >= 48; }", timeout=30_000)
    page.get_by_text("Saliency strip: the distance, read on the text").wait_for()


def test_home_opens_every_scene_in_presenter_mode_on_request():
    at = open_app_page("pages/home.py")
    assert not any("presenter=1" in link.proto.query_string for link in at.get("page_link"))
    at.toggle(key="home.presenter").set_value(True).run()
    links = [link for link in at.get("page_link") if "deck=" not in link.proto.query_string]
    assert len(links) == 10 and all("presenter=1" in link.proto.query_string for link in links)  # 9 + the Lesson
    assert any("cells=untrained" in link.proto.query_string for link in links)  # a scene keeps its own settings


def test_home_bracket_counter_scene_opens_on_the_text_the_shipped_model_is_tested_on():
    from urllib.parse import parse_qs

    from explorer.data.corpus import COUNTER_TEXT

    at = open_app_page("pages/home.py")
    link = next(link for link in at.get("page_link") if link.proto.label == "The bracket counter, step by step")
    query = parse_qs(link.proto.query_string)
    assert query["text"] == [COUNTER_TEXT] and query["unit"] == ["123"] and query["t"] == ["24"]
    from explorer.scenes.deck import COUNTER_TEXT as written_out  # Home's copy, kept without torch
    assert written_out == COUNTER_TEXT


def test_the_presenter_toggle_folds_the_sidebar_at_once_and_lets_it_back(page, app_url):
    """Switched on mid-lecture at 1280x720, presenter mode left the sidebar open (300 px of the projector) until
    some later rerun, and later only the first time in a tab; now the toggle's own run folds it every time, as a
    presenter link opens, and switching off brings it back (twice here, then on another page)."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(app_url + "/cell-explorer")
    settle(page)
    width = "() => Math.round(document.querySelector('[data-testid=stSidebar]').getBoundingClientRect().width)"
    assert page.evaluate(width) > 200
    for _ in range(2):
        page.get_by_text("Presenter mode").click()
        page.wait_for_function(f"() => ({width})() === 0", timeout=30_000)
        settle(page)
        assert "presenter=1" in page.url
        page.get_by_test_id("stExpandSidebarButton").click()
        page.get_by_text("Presenter mode").click()
        page.wait_for_function(f"() => ({width})() > 200", timeout=30_000)
        settle(page)
        assert "presenter" not in page.url
    page.get_by_role("link", name="Lesson").click()
    settle(page)
    page.get_by_text("Presenter mode").click()
    page.wait_for_function(f"() => ({width})() === 0", timeout=30_000)
    assert_no_errors(page)
