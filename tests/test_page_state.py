"""Nothing lost (issue 11): a page keeps its whole state across page switches and reruns, a stale query
string cannot undo a click, and 'Reset this page' returns to the defaults."""
from conftest import open_app_page


def navigate(at, page):
    """Follow a sidebar link: a browser drops the query string on navigation (AppTest keeps it)."""
    at.query_params.clear()
    return at.switch_page(page).run()


def test_settings_survive_a_trip_to_another_page():
    at = open_app_page("pages/train.py")
    at.text_area(key="tr.text").set_value("to be or not to be").run()
    at.number_input(key="tr.hidden").set_value(64).run()
    navigate(at, "pages/memory-race.py")
    assert not at.exception
    navigate(at, "pages/train.py")
    assert at.text_area(key="tr.text").value == "to be or not to be"
    assert at.number_input(key="tr.hidden").value == 64
    navigate(at, "pages/cell-explorer.py")
    at.text_area(key="ce.text").set_value("kept across pages").run()
    navigate(at, "pages/home.py")
    navigate(at, "pages/cell-explorer.py")
    assert at.text_area(key="ce.text").value == "kept across pages"


def test_a_preset_survives_a_trip_to_another_page():
    """Found by a new-user walk: every Gradient Lab preset came back as 'Default init' after Home."""
    at = open_app_page("pages/gradient-lab.py")
    for preset, knob, value in [("bias3", "gl.fbias", 3.0), ("explode", "gl.radius", 3.0)]:
        at.button(key=f"gl.preset.{preset}").click().run()
        navigate(at, "pages/home.py")
        navigate(at, "pages/gradient-lab.py")
        assert not at.exception and at.slider(key=knob).value == value
        assert any(b.key == f"gl.preset.{preset}" and b.proto.type == "primary" for b in at.button)  # still active


def test_a_stale_query_string_does_not_undo_a_click():
    """The browser may send the query string from before the server's last write: same page, ignore it."""
    at = open_app_page("pages/cell-explorer.py", {"text": "hello", "src": "untrained"})
    at.session_state["ce.t"] = 4  # the cursor the browser reported
    at.run()
    at.query_params.clear()  # a click that carries an older URL (without t=4, without gru)
    at.query_params["text"] = "hello"
    at.query_params["src"] = "untrained"
    at.session_state["ce.cells"] = ["lstm", "gru"]
    at.run()
    assert at.session_state["ce.cells"] == ["lstm", "gru"] and at.session_state["ce.t"] == 4


def test_a_link_from_another_page_opens_its_scene_and_reset_restores_defaults():
    at = open_app_page("pages/cell-explorer.py", {"text": "first"})
    navigate(at, "pages/home.py")
    at.query_params["text"] = "from a link"
    at.switch_page("pages/cell-explorer.py").run()
    assert at.text_area(key="ce.text").value == "from a link"
    at.button(key="ce._reset").click().run()
    assert at.text_area(key="ce.text").value == "hello" and not at.exception
