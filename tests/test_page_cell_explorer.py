"""The Cell Explorer page, headless (AppTest): defaults, hostile input, links, what-ifs."""
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from conftest import APPTEST_TIMEOUT, open_app_page
NOTE_KEY = "ce.note"  # the page's "note" value: the folded section of the note's numbers is open

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_page(**query) -> AppTest:
    return open_app_page("pages/cell-explorer.py", query)


def texts(at) -> str:
    return " ".join(str(e.value) for kind in (at.error, at.warning, at.info) for e in kind)


def size_tables(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("| cell |")]


def sizes(at) -> dict[str, list]:
    """The 'Parameters and memory' table (Markdown) as columns; counts as ints. Opens the folded section."""
    if not size_tables(at):
        at.session_state[NOTE_KEY] = True
        at.run()
    table = size_tables(at)[0]
    import re
    shown = lambda cell: re.sub(r"\\(.)", r"\1", cell.strip())  # noqa: E731 - as Markdown renders it
    lines = [ln.strip("|").split(" | ") for ln in table.splitlines() if not set(ln) <= set("|:- ")]
    head, rows = [shown(h) for h in lines[0]], [[shown(c) for c in r] for r in lines[1:]]
    as_int = lambda v: int(v.replace(",", "")) if v.replace(",", "").isdigit() else v  # noqa: E731
    return {h: [as_int(r[k]) for r in rows] for k, h in enumerate(head)}


def open_whatifs(at) -> None:
    """Open the folded what-if section (drawn only once opened)."""
    at.session_state["ce.whatifbox"] = True
    at.run()


def test_default_scene_opens_on_the_shipped_model():
    at = open_page()
    assert at.title[0].value == "Cell Explorer"
    assert at.text_area[0].value == "hello"
    assert at.radio(key="ce.src").value == "shipped"
    assert not at.error and "instead" not in texts(at)


def test_the_notes_numbers_are_drawn_once_their_section_is_opened():
    """Folded on arrival and not drawn (it lies below the stepping view); opened, the table, W and the equations."""
    at = open_page(cells="lstm,gru")
    (note,) = [e for e in at.expander if e.label.startswith("What the note says")]
    assert not size_tables(at) and not at.get("image") and not any("GRU conventions" in i.value for i in at.info)
    at.session_state[NOTE_KEY] = True
    at.run()
    assert not at.exception
    assert len(size_tables(at)) == 1 and len(at.get("image")) == 1 and any("GRU conventions" in i.value for i in at.info)
    assert "note" in at.query_params  # the link reopens it open
    linked = open_page(cells="lstm,gru", note="1")
    assert len(size_tables(linked)) == 1


def test_untrained_scene_counts_parameters():
    at = open_page(src="untrained", cells="lstm,gru,rnn")
    assert not at.error
    df = sizes(at)
    assert list(df["cell"]) == ["LSTM", "GRU", "RNN"]
    real = [torch.nn.LSTM(98, 16), torch.nn.GRU(98, 16), torch.nn.RNN(98, 16)]
    assert list(df["parameters"]) == [sum(p.numel() for p in m.parameters()) for m in real]


def test_each_parameter_row_describes_the_model_shown():
    """Shipped cells of different sizes side by side: each row counts its own module (issue 13.2)."""
    from explorer.zoo.shipped import DEFAULT_MODELS, load_model

    at = open_page(cells="lstm,gru,rnn")
    df = sizes(at)
    for arch, count in zip(("lstm", "gru", "rnn"), df["parameters"]):
        cell = load_model(DEFAULT_MODELS[arch])[0].cell
        module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[arch](cell.input_size, cell.hidden_size)
        assert count == sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("text,expect", [
    ("", "empty"),
    ("   \n", "only whitespace"),
    ("<script>alert(1)</script> 😀 é\u202e", "unknown token"),
    ("x" * 200_000, "only the first 2,000"),
])
def test_hostile_text_gets_a_clear_message(text, expect):
    at = open_page()
    at.text_area[0].set_value(text).run()
    assert not at.exception
    assert expect in texts(at)


def test_bad_link_values_are_clamped_with_a_notice():
    at = open_page(src="untrained", hidden="100000", seed="abc", cells="lstm,evil")
    assert not at.exception
    notes = texts(at)
    assert "hidden" in notes and "outside" in notes and "seed" in notes and "may only list" in notes
    assert at.number_input(key="ce.hidden").value == 256


def test_a_scenario_keeps_its_link_and_warns_when_no_cell_has_the_gate():
    at = open_page(cells="lstm,gru", whatif="freeze", cfrom="2")
    assert not at.exception and not at.error
    assert at.selectbox(key="ce.whatif").value == "freeze"
    at = open_page(cells="rnn", whatif="gru_keep")
    assert "none of the chosen cells" in texts(at)


def test_choosing_a_scenario_that_holds_the_state_starts_it_where_there_is_a_state_to_hold():
    """From step 1, 'freeze the memory' holds the zero initial state: every picture flat. Chosen in the box, it
    starts half-way (step 4 of "hello"); a step the user set stays; a scenario that changes the state starts at 1."""
    from explorer.scenes.cell_explorer import clamp_start

    at = open_page(text="hello")
    assert not [s for s in at.selectbox if s.key == "ce.whatif"]  # folded and not drawn while no what-if is on
    open_whatifs(at)
    at.selectbox(key="ce.whatif").set_value("freeze").run()
    assert not at.exception and at.number_input(key="ce.cfrom").value == 4
    at.selectbox(key="ce.whatif").set_value("forget").run()  # its own start: the freeze's 4 does not stay
    assert at.number_input(key="ce.cfrom").value == 1
    at.selectbox(key="ce.whatif").set_value("nowrite").run()
    assert at.number_input(key="ce.cfrom").value == 4
    assert [clamp_start(k, 5) for k in ("freeze", "nowrite", "gru_keep", "forget", "expose", "none")] == [4, 4, 4, 1, 1, 1]
    assert clamp_start("freeze", 1) == 1
    at = open_page(text="hello", cfrom="2")
    open_whatifs(at)
    at.selectbox(key="ce.whatif").set_value("freeze").run()
    assert at.number_input(key="ce.cfrom").value == 2


def test_bad_unit_list_says_what_is_expected():
    at = open_page(whatif="forget", cunits="3, x")
    assert "Units must be" in texts(at)


def test_session_source_without_a_trained_model_says_so():
    at = open_page(src="session", cells="lstm,gru")
    assert "no model trained in this session" in texts(at)


def test_a_model_trained_on_the_train_page_opens_here_in_the_same_session():
    at = AppTest.from_file(APP, default_timeout=APPTEST_TIMEOUT)
    at.query_params["cells"] = "gru"
    at.switch_page("pages/train.py").run()
    at.button(key="tr.train").click().run()
    assert not at.exception
    at.query_params["src"] = "session"
    at.query_params["cells"] = "gru"
    at.switch_page("pages/cell-explorer.py").run()
    assert not at.exception
    assert "no model trained" not in texts(at)
    assert sizes(at)["weight_ih"][0].endswith(", 5)")  # the 'hello' vocabulary: UNK, e, h, l, o


def test_the_sidebar_link_reopens_the_scene_and_presenter_mode_is_kept():
    at = open_page(presenter="1", cells="lstm,gru", text="hi <b>")
    import json
    links = [json.loads(n.proto.json)[0]["url"] for n in at.sidebar  # sent as [data]: explorer/ui/copy_link.py
             if getattr(n.proto, "component_name", None) == "explorer.copy_link"]
    assert len(links) == 1  # one slot, holding the link the run settled
    link = links[0]
    assert "presenter=1" in link and "cells=lstm%2Cgru" in link and "text=hi+%3Cb%3E" in link
    assert at.toggle(key="ce.presenter").value is True
    # the link's query string, opened cold in a new session, gives the same widgets
    from urllib.parse import parse_qsl, urlsplit
    again = open_page(**dict(parse_qsl(urlsplit(link).query)))
    assert again.text_area[0].value == "hi <b>" and again.segmented_control(key="ce.cells").value == ["lstm", "gru"]


def test_homes_hello_scene_shows_the_notes_story():
    """Issue 11: 'hello, step by step' opened on the Python model, which predicts 'a' after 'h'."""
    from explorer.ui.cache import hello_model

    at = open_page(text="hello", src="hello", cells="lstm,gru,rnn")
    assert not at.error and not at.exception
    for arch in ("lstm", "gru", "rnn"):
        model = hello_model(arch)  # the model the page shows (cached, shared, read-only)
        logits, _ = model.cell.to_torch()(model.one_hot(model.vocab.encode("hell")))
        readout = model.readout(logits)
        assert "".join(model.vocab.chars[int(i)] for i in readout.argmax(-1)) == "ello", arch
    assert not any("not the note's “hello”" in i.value for i in at.info)
    # the page as it opens (hello, Python weights) guesses Python's next characters: it says where the note's are
    at = open_page()
    tip = [i.value for i in at.info if "not the note's “hello”" in i.value]
    assert len(tip) == 1 and "choose **trained on “hello”**" in tip[0]
    at.radio(key="ce.src").set_value("hello").run()
    assert not any("not the note's “hello”" in i.value for i in at.info)


def _long_text() -> str:
    from explorer.data.corpus import PYTHON_SAMPLE
    return (PYTHON_SAMPLE * 3)[:2000]


def _arrays(view: dict, run: int, name: str):
    """(H, T) values of heatmap `name` of run number `run` (each array is sent flat, unit-major)."""
    return next(p["values"] for p in view["runs"][run]["panels"] if p["name"] == name).reshape(view["H"], view["T"])


def test_a_window_of_a_long_text_starts_with_the_memory_built_before_it():
    """Windows were traced as texts of their own, from a zero state: step 1,100 showed c = 34.6 in the window
    from 500 and 0.3 in the window from 1,020 (and h_{t-1} = 0 at every window's first step)."""
    from test_layer_model import cell_view_data

    query = {"text": _long_text(), "src": "untrained", "hidden": "128", "t": "1100"}  # windows of 781
    views = {}
    for start in (500, 1020):
        at = open_app_page("pages/cell-explorer.py", dict(query, start=str(start)))
        views[start] = cell_view_data(at)
        assert views[start]["offset"] == start - 1
    a, b = views[500], views[1020]
    assert a["T"] == b["T"] < 2000 and a["offset"] + a["T"] > 1100  # both windows hold step 1,100
    for name in ("c", "h", "f"):
        assert (_arrays(a, 0, name)[:, 1100 - 500] == _arrays(b, 0, name)[:, 1100 - 1020]).all(), name
    assert max(abs(v) for v in b["runs"][0]["h0"]) > 0.01  # the state carried into the window from 1,020
    assert any("starts with the memory the cell built" in i.value for i in at.info)


def test_a_pin_before_a_window_or_inside_it_acts_from_its_step_of_the_text():
    """A pin from step 1,100 shows from step 100 of the window from 1,001; a freeze from 901 holds c through the
    whole window from 1,020 at the value it had at step 900 (before: a window traced alone showed it flat at 0)."""
    from test_layer_model import cell_view_data

    at = open_app_page("pages/cell-explorer.py", {"text": _long_text(), "src": "untrained", "hidden": "64",
                                                   "start": "1001", "t": "1001", "whatif": "custom", "cgate": "f",
                                                   "cval": "0", "cfrom": "1100"})
    view = cell_view_data(at)
    assert view["offset"] == 1000
    whatif = view["runs"][1]
    assert whatif["pinned"][0]["from"] == 100 and "from t = 1100" in whatif["title"]
    f = _arrays(view, 1, "f")
    assert float(abs(f[:, 99:]).max()) == 0.0 and float(f[:, :99].min()) > 0.0  # pinned from step 1,100 on
    h, h_own = _arrays(view, 1, "h"), _arrays(view, 0, "h")
    assert (h[:, :99] == h_own[:, :99]).all() and not (h[:, 99:] == h_own[:, 99:]).all()

    at = open_app_page("pages/cell-explorer.py", {"text": _long_text(), "src": "untrained", "hidden": "128",
                                                   "start": "1020", "t": "1020", "whatif": "freeze", "cfrom": "901"})
    view = cell_view_data(at)
    assert view["runs"][1]["pinned"][0]["from"] == 901 - 1019  # before the window: pinned from its first step
    c = _arrays(view, 1, "c")
    assert (c == c[:, :1]).all() and float(abs(c).max()) > 0.01  # held, at the memory of step 900


def test_pins_after_the_window_are_named_and_the_window_follows_the_cursor_when_it_shrinks():
    at = open_app_page("pages/cell-explorer.py", {"text": _long_text(), "src": "untrained", "hidden": "64",
                                                   "t": "300", "whatif": "freeze", "cfrom": "1500"})
    assert any("pins start at t = 1,500, after this window (characters 1–" in i.value for i in at.info)
    at = open_app_page("pages/cell-explorer.py", {"text": _long_text(), "src": "untrained", "hidden": "128",
                                                   "start": "1020", "t": "1500"})
    window = at.slider(key="ce.start").max  # the last start: 2,000 - window + 1
    at.segmented_control(key="ce.cells").set_value(["lstm", "gru"]).run()  # more panels: a smaller window
    start, last = at.slider(key="ce.start").value, at.slider(key="ce.start").max
    assert last > window and start <= 1500 < start + (2000 - last + 1)  # the cursor is still in view
    at.slider(key="ce.start").set_value(1).run()  # the reader moves the window: the cursor comes along
    assert not at.exception and at.slider(key="ce.start").value == 1
    from test_layer_model import cell_view_data
    assert cell_view_data(at)["t"] == 1


def test_a_link_starting_past_the_last_window_opens_the_last_one_and_says_so():
    """start=1901 in a link, where a window at this size holds 1,562 steps: a widget error with a traceback."""
    at = open_app_page("pages/cell-explorer.py", {"text": _long_text(), "src": "untrained",
                                                   "hidden": "64", "start": "1901"})
    last = int(at.slider(key="ce.start").max)
    assert at.slider(key="ce.start").value == last == 2000 - 1562 + 1
    assert any(f"starts at character {last:,}, the last start at this size." in i.value for i in at.info)
    at.slider(key="ce.start").set_value(5).run()  # moved by hand: no notice
    assert not at.exception and not any("the last start" in i.value for i in at.info)


def test_a_unit_or_step_past_the_model_in_a_link_says_what_is_shown_not_a_bound_the_page_never_shows():
    """unit=99999 said 'outside 0..1023; using 1023' while the unit box showed 127."""
    at = open_app_page("pages/cell-explorer.py", {"unit": "99999", "t": "99999"})
    said = " ".join(w.value for w in at.warning) + " ".join(i.value for i in at.info)
    assert "'unit' in the link was 99999, more than this page can show; using the model's last unit." in said
    assert "'t' in the link was 99999, more than this page can show; using the text's last step." in said
    assert "1023" not in said and not at.exception


def test_a_step_or_unit_within_the_pages_bounds_but_past_this_text_or_model_is_said_once_not_silently_moved():
    """t=9 on 'hello' and unit=200 on the shipped LSTM (H = 128) opened at step 5 and unit 127 without a word."""
    from test_layer_model import cell_view_data
    at = open_app_page("pages/cell-explorer.py", {"text": "hello", "t": "9", "unit": "200"})
    said = [w.value for w in at.warning]
    assert "'t' in the link was 9, past the text's last step; using 5." in said
    assert "'unit' in the link was 200, past the model's last unit; using 127." in said
    assert not at.exception and at.query_params["t"] == "5" and at.query_params["unit"] == "127"
    assert cell_view_data(at)["H"] == 128
    at.run()  # still said while the values are the link's
    assert sum("in the link was" in w.value for w in at.warning) == 2
    # the page's own bound first: said once, as that bound's notice, with the value the scene used
    at = open_app_page("pages/cell-explorer.py", {"text": "hello", "t": "99999"})
    said = [w.value for w in at.warning]
    assert said == ["'t' in the link was 99999, more than this page can show; using the text's last step."]
    at.run()
    assert [w.value for w in at.warning] == said and at.query_params["t"] == "5"
    # below the page's bound: said without the page's upper bound (1023), which no model here has
    at = open_page(text="hello", unit="-3")
    assert "'unit' in the link was -3, below 0; using 0." in [w.value for w in at.warning]
    # a text typed shorter than the cursor's step is not a link: no notice
    at = open_app_page("pages/cell-explorer.py", {"text": "hello world", "t": "9"})
    at.text_area(key="ce.text").input("hi").run()
    assert not at.warning and not at.exception


def test_a_pin_step_past_the_text_in_a_link_pins_from_its_last_step_and_says_so():
    """cfrom=99999 said 'using 2000' while the box showed 1 and the title 'from t = 1': another experiment."""
    at = open_app_page("pages/cell-explorer.py", {"text": "hello world", "whatif": "freeze", "cfrom": "99999"})
    assert not at.exception
    assert at.number_input(key="ce.cfrom").value == 11
    assert any("'cfrom' in the link was 99999, more than this page can show; using the text's last step." in w.value
               for w in list(at.warning) + list(at.info))
    from test_layer_model import cell_view_data
    assert "from t = 11" in cell_view_data(at)["runs"][1]["title"]
