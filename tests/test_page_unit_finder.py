"""The Unit Finder page headless (AppTest) and in Debian's Chromium."""
import re
import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from conftest import assert_no_errors, settle, open_app_page
from explorer.data.corpus import sample_text


def _run(query: dict | None = None) -> AppTest:
    return open_app_page("pages/unit-finder.py", query)


def _found(at) -> tuple[int, float, float]:
    msg = next(s.value for s in [*at.success, *at.info] if s.value.startswith("Found automatically"))
    unit = int(msg.split("unit **")[1].split("**")[0])
    r = float(msg.split("r = **")[1].split("**")[0].replace("−", "-"))  # a typeset minus
    untrained = float(msg.split("reaches only |r| = ")[1].rstrip("."))
    return unit, r, untrained


def _torch_cell_states(model, text: str) -> np.ndarray:
    """c_t of every step with torch.nn.LSTMCell on the model's weights (not explorer's trace)."""
    cell = torch.nn.LSTMCell(model.cell.input_size, model.cell.hidden_size)
    cell.load_state_dict(model.cell.state_dict())
    x = model.one_hot(model.vocab.encode(text))
    h = c = torch.zeros(1, model.cell.hidden_size)
    out = []
    with torch.no_grad():
        for t in range(x.shape[0]):
            h, c = cell(x[t:t + 1], (h, c))
            out.append(c[0].numpy().copy())
    return np.array(out)  # (T, H)


def test_opens_on_the_shipped_lstm_and_finds_the_bracket_unit_alone():
    from explorer.data.corpus import PYTHON_SAMPLE
    from explorer.data.features import text_features
    from explorer.zoo.shipped import load_model

    at = _run()
    unit, r, untrained = _found(at)
    model = load_model("stdlib-lstm")[0]
    depth = text_features(PYTHON_SAMPLE)["bracket_depth"]  # the scanner is checked against tokenize
    c = _torch_cell_states(model, PYTHON_SAMPLE)
    rs = np.array([np.corrcoef(c[:, j], depth)[0, 1] for j in range(c.shape[1])])
    assert unit == int(np.abs(rs).argmax()) and r == pytest.approx(rs[unit], abs=0.006)  # the page rounds to 2
    assert abs(r) - untrained > 0.3  # far beyond the best untrained unit (measured 0.87 against 0.44)
    assert not at.error
    assert len(at.get("plotly_chart")) >= 3  # the unit over time, the next-character bars, the rankings


def test_a_links_unit_is_the_unit_shown_and_an_automatic_pick_stays_out_of_the_link():
    """A walk: ?unit=abc said 'using 0' beside unit 123 (Auto picked it), ?unit=-1 named the page's bound 511 for a
    128-unit model, and a plain open rewrote its URL to ?unit=123."""
    at = _run()
    assert at.toggle(key="uf.auto").value and "unit" not in at.query_params  # picked again where a link opens
    picked = at.number_input(key="uf.unit").value
    assert picked == _found(at)[0]
    # a negative r with a typeset minus everywhere it is printed (the caption and the table had a hyphen)
    printed = " ".join(c.value for c in at.caption) + " ".join(t.value for t in at.markdown)
    assert "r = −0." in printed and "r = -0." not in printed
    at = _run({"unit": "abc"})
    assert any("'unit' in the link is not valid; using 0." in w.value for w in at.warning)
    assert not at.toggle(key="uf.auto").value and at.number_input(key="uf.unit").value == 0
    at = _run({"unit": "300"})  # within the page's bound (511), past this model's last unit
    assert any("'unit' in the link was 300, past the model's last unit; using 127." in w.value for w in at.warning)
    assert at.number_input(key="uf.unit").value == 127 and at.query_params["unit"] == "127"
    at = _run({"unit": "5"})
    assert not at.toggle(key="uf.auto").value and at.number_input(key="uf.unit").value == 5 and not at.warning
    assert not at.exception


def test_the_span_and_saturation_sections_are_drawn_once_opened():
    """Folded below the unit's figures and not drawn on arrival; opened (a rerun), their boxes and figure."""
    at = _run()
    labels = [e.label for e in at.expander]
    assert any(label.startswith("Select a span") for label in labels)
    assert any(label.startswith("Gate saturation") for label in labels)
    assert not [n for n in at.number_input if n.key == "uf.start"] and "uf.sat_fig" not in keys(at.get("plotly_chart"))
    at.session_state["uf.spanbox"] = True
    at.session_state["uf.satbox"] = True
    at.run()
    assert not at.exception
    assert [n for n in at.number_input if n.key == "uf.start"] and "uf.sat_fig" in keys(at.get("plotly_chart"))
    assert any("units** keep h" in m.value for m in at.markdown)  # the default span finds units at 0.3
    assert any("⟦" in m.value for m in at.markdown)  # where they are on together, and what the marks mean
    assert any(c.value.startswith("⟦ ⟧ mark where the units are all on together") for c in at.caption)
    # the caption says where the untrained dots are, computed from the same fractions the figure plots
    (says,) = [c.value for c in at.caption if "one dot per unit" in c.value]
    assert "The untrained model's f stays between 0.1 and 0.9" in says and "of the trained model's 128 units" in says


def test_a_link_that_sets_the_span_opens_its_section_and_an_open_section_is_in_the_link():
    at = _run({"start": "10", "end": "20"})
    assert at.number_input(key="uf.start").value == 10
    assert at.query_params["spanbox"] in ("1", ["1"])
    at = _run({"satbox": "1"})
    assert "uf.sat_fig" in keys(at.get("plotly_chart"))


def keys(elements) -> list[str]:
    return [getattr(e, "key", None) for e in elements]


def test_every_default_finds_something_and_every_input_shows_what_is_used():
    at = _run({"text": "hello"})
    assert not at.exception
    assert at.number_input(key="uf.start").value <= 4 and at.number_input(key="uf.end").value <= 5
    assert any("now covers t =" in i.value and "did not fit this text of 5 characters" in i.value for i in at.info)
    assert at.number_input(key="uf.t").value == 4  # the cursor box shows the step used
    at = _run({"text": "hello", "feature": "column"})
    assert any("Degenerate here" in w.value for w in at.warning)  # column = position on one line
    at = _run({"regex": "zzz_no_match", "feature": "regex"})
    assert any("matches nothing" in w.value for w in at.warning)


def test_a_span_without_units_says_what_to_try():
    at = _run({"start": "305", "end": "320", "thr": "0.3"})
    hint = next(i.value for i in at.info if i.value.startswith("No unit's h stays"))
    best = float(hint.split("holds over this span is ")[1].split(" ")[0])
    at.button(key="uf.use_thr").click().run()
    assert at.number_input(key="uf.thr").value <= best
    assert any(re.search(r"\*\*(1 unit\*\* keeps|\d+ units\*\* keep) h", m.value) for m in at.markdown)


def test_bad_and_catastrophic_regex_get_a_clear_message():
    at = _run({"regex": "(unclosed", "feature": "regex"})
    assert any("Not a valid regular expression" in w.value for w in at.warning)
    assert any("needs a valid pattern" in i.value for i in at.info)
    at = _run({"regex": "(a|aa)+$", "text": "a" * 60 + "!"})
    assert any("longer than" in w.value for w in at.warning)


def test_the_regex_box_is_in_sight_when_the_regex_is_the_feature():
    """Folded with the long text otherwise; out of the fold when the pattern drives the page (a broken or
    unmatched pattern must be fixable without hunting for its box)."""
    label = "Your feature: a regular expression"
    at = _run({"regex": "(unclosed", "feature": "regex"})
    assert [t for t in at.text_input if t.label.startswith(label)]
    assert not [t for t in at.expander[0].text_input if t.label.startswith(label)]
    at = _run()
    assert [t for t in at.expander[0].text_input if t.label.startswith(label)]


def test_the_headline_follows_the_chosen_feature_and_the_unit_shown():
    """Changing the feature changes the headline: it names the feature, the unit the box shows (auto) and that
    unit's r on this text, recomputed here from torch.nn.LSTMCell's states and the feature (not the page's ranking)."""
    from explorer.data.features import text_features
    from explorer.zoo.shipped import load_model

    at = _run()
    at.selectbox(key="uf.feature").set_value("in_string").run()
    assert not at.exception
    msg = next(s.value for s in [*at.success, *at.info] if s.value.startswith("Found automatically"))
    assert "“inside a string”" in msg and "bracket depth" not in msg
    assert ("only weakly" in msg) == (abs(_found(at)[1]) < 0.5)
    unit, r, _ = _found(at)
    assert at.number_input(key="uf.unit").value == unit
    text = at.text_area(key="uf.text").value
    c = _torch_cell_states(load_model("stdlib-lstm")[0], text)  # (T, H) torch.nn.LSTMCell's cell states
    f = np.asarray(text_features(text)["in_string"], dtype=float)
    assert np.corrcoef(c[:, unit], f)[0, 1] == pytest.approx(r, abs=0.006)
    at.selectbox(key="uf.feature").set_value("bracket_depth").run()
    assert "“bracket depth”" in next(s.value for s in at.success if s.value.startswith("Found automatically"))


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
    assert found and abs(float(found[0].split("r = **")[1].split("**")[0].replace("−", "-"))) >= 0.7


def test_page_in_chromium(page, app_url):
    page.goto(f"{app_url}/unit-finder")
    settle(page, timeout_ms=90_000)
    assert_no_errors(page)
    assert page.get_by_text("Found automatically").count() >= 1
    page.locator(".js-plotly-plot").nth(2).wait_for(timeout=30_000)  # charts draw after the script run ends
    assert page.locator(".js-plotly-plot").count() >= 3
    # the text, coloured by the unit: every character a cell, the cursor and the selection outlined
    cells = page.locator(".st-key-uf_text .tx-c")
    T = cells.count()
    assert T > 500 and cells.first.get_attribute("title").startswith("t=0 ")
    assert page.locator(".st-key-uf_text .tx-o").count() >= 2
