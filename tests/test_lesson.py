"""The Lesson and decks (issue 14): every step opens cold, the numbers in the text are the trace's,
navigation by buttons and keys, and hostile deck links give a message and render no HTML."""
import json

import pytest
import torch

from conftest import assert_no_errors, open_app_page, settle
from explorer.scenes import deck as decks
from explorer.scenes.lesson import STEPS, build_step, step_index


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


@pytest.mark.parametrize("k", range(1, len(STEPS) + 1))
def test_every_step_opens_cold_from_its_url(k):
    at = open_app_page("pages/lesson.py", {"step": str(k)})
    assert not at.exception and not at.error
    assert any(s.value.startswith(f"{k}. ") for s in at.subheader)
    assert at.get("plotly_chart")


def _hello(arch):
    from explorer.ui.cache import hello_model
    return hello_model(arch)


def test_the_cell_update_quotes_the_numbers_of_torch_nn():
    """Step 7's equation, checked against torch.nn.LSTMCell stepping over 'hello' with the same weights."""
    scene = build_step(step_index("update"), _hello)
    n = scene.numbers
    model = _hello("lstm")
    cell = torch.nn.LSTMCell(model.cell.input_size, model.cell.hidden_size)
    cell.load_state_dict(model.cell.state_dict())
    x = model.one_hot(model.vocab.encode("hello"))
    h = c = torch.zeros(1, model.cell.hidden_size)
    with torch.no_grad():
        for t in range(4):
            c_prev = c
            h, c = cell(x[t:t + 1], (h, c))
    u = n["unit"]
    assert n["c"] == pytest.approx(float(c[0, u]), abs=1e-5) and n["c_prev"] == pytest.approx(float(c_prev[0, u]), abs=1e-5)
    assert n["f"] * n["c_prev"] + n["i"] * n["g"] == pytest.approx(n["c"], abs=1e-5)
    text = scene.sentences[0]
    assert f"{n['c']:.2f}".replace("-", "−") in text and f"unit {u}" in text


def test_hello_step_says_e_l_l_o_and_the_gradient_step_quotes_its_curves():
    hello = build_step(step_index("hello"), _hello)
    assert "after “h”: “e”, after “he”: “l”, after “hel”: “l”, after “hell”: “o”" in hello.sentences[1]
    grad = build_step(step_index("backprop"), _hello, knob=3.0)
    assert f"after {grad.numbers['reach_default']} steps" in grad.sentences[1]
    assert grad.numbers["reach_biased"] > 5 * grad.numbers["reach_default"]
    assert f"mean f = {grad.numbers['f_biased']:.2f}" in grad.sentences[1]


def test_keys_and_buttons_move_between_steps_and_each_step_has_its_link():
    at = open_app_page("pages/lesson.py", {"step": "3"})
    at.button(key="ls.next").click().run()
    assert at.query_params["step"] in ("4", ["4"])
    at.button(key="ls.pgup").click().run()
    at.button(key="ls.pgup").click().run()
    assert at.query_params["step"] in ("2", ["2"])
    assert any(b.proto.shortcut.lower() == "right" for b in at.button if b.key == "ls.next")


@pytest.mark.parametrize("raw,said,opens", [("99", "'step' in the link was 99, more than this page can show; using "
                                                   "the last step.", len(STEPS)),
                                             ("abc", "'step' in the link is not valid; using 1.", 1)])
def test_a_bad_step_in_a_link_is_said_as_on_every_other_page(raw, said, opens):
    """A walk: ?step=99 opened the last step and ?step=abc the first, without a word."""
    at = open_app_page("pages/lesson.py", {"step": raw})
    assert said in [w.value for w in at.warning] and not at.exception
    assert at.query_params.get("step", "1") == str(opens)


def test_a_deck_round_trips_through_its_link_and_its_json():
    deck = decks.Deck("Mine", (decks.Scene("hello", "cell-explorer?text=hello", "note <b>x</b>"),
                               decks.Scene("race", "memory-race?T=50")))
    assert decks.decode(decks.encode(deck)) == deck
    assert decks.from_json(decks.to_json(deck)) == deck
    at = open_app_page("pages/lesson.py", {"deck": decks.encode(deck)})
    assert not at.exception and [t.value for t in at.text][:3] == ["Mine", "1. hello", "note <b>x</b>"]


@pytest.mark.parametrize("token,problem", [
    ("not-a-deck!!", "damaged"),
    (decks.encode(decks.Deck("x", ())).replace("", "")[:8], "not valid JSON"),
])
def test_hostile_deck_links_give_a_message(token, problem):
    at = open_app_page("pages/lesson.py", {"deck": token})
    assert not at.exception and any(problem in w.value for w in at.warning)


def test_a_huge_deck_and_scripts_in_titles_are_contained():
    huge = decks.from_json(json.dumps({"scenes": [{"title": "x", "link": "train"}] * 10_000}))
    assert huge.scenes == () and "over the 60,000 allowed" in huge.problems[0]
    scenes = [{"title": "<script>alert(1)</script>", "link": "cell-explorer?text=x"}] * 120
    scenes[1] = {"title": "evil", "link": "https://example.invalid/steal"}
    deck = decks.from_json(json.dumps({"title": "<img src=x onerror=alert(1)>", "scenes": scenes}))
    assert len(deck.scenes) == decks.MAX_SCENES - 1
    assert any("only the first 50" in p for p in deck.problems) and any("must be a page" in p for p in deck.problems)
    at = open_app_page("pages/lesson.py", {"deck": decks.encode(deck)})
    assert not at.exception
    assert "<script>" in [t.value for t in at.text][1] and "<script>" not in _markdown(at)  # text, never HTML


def test_lesson_in_chromium_presenter_mode_with_the_arrow_keys(page, app_url):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{app_url}/lesson?step=5&presenter=1")
    settle(page)
    assert_no_errors(page)
    page.get_by_text("5. The forget gate").wait_for(timeout=30_000)
    page.locator("h1").click()
    page.keyboard.press("ArrowRight")
    page.get_by_text("6. The candidate and the input gate").wait_for(timeout=30_000)
    page.keyboard.press("PageUp")
    page.get_by_text("5. The forget gate").wait_for(timeout=30_000)
    assert page.get_by_text("Speaker notes").count() == 1
    assert_no_errors(page)


def test_on_a_phone_back_and_next_share_one_row_above_the_step(page, app_url):
    """Issue 11: one column per button stacked four full-width buttons over the phone's first screen."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{app_url}/lesson?step=5")
    settle(page)
    back = page.get_by_role("button", name="◀ Back").bounding_box()
    nxt = page.get_by_role("button", name="Next ▶").bounding_box()
    title = page.get_by_text("5. The forget gate").bounding_box()
    assert abs(back["y"] - nxt["y"]) < 2 and nxt["x"] > back["x"] + back["width"]
    assert title["y"] < 844 * 0.75  # the step itself starts on the first screen
    page.get_by_role("button", name="Next ▶").click()
    page.get_by_text("6. The candidate and the input gate").wait_for(timeout=30_000)
    assert_no_errors(page)


def test_a_presented_deck_shows_each_scene_live_on_its_page():
    """Issue 14: a presented deck was a list of cards; now each scene opens live on its own page, the
    deck bar moves between them (PageUp / PageDown), and two scenes of one page each show their own link."""
    deck = decks.Deck("Mine", (decks.Scene("hello", "cell-explorer?text=hello&cells=gru", "say: e, l, l, o"),
                               decks.Scene("longer", "cell-explorer?text=abcabc&t=4"),
                               decks.Scene("race", "memory-race?T=50"),
                               decks.Scene("step 5", "lesson?step=5")))
    at = open_app_page("pages/lesson.py", {"deck": decks.encode(deck)})
    at.button(key="ls.deck.show").click().run()
    assert not at.exception
    assert at.text_area(key="ce.text").value == "hello" and at.segmented_control(key="ce.cells").value == ["gru"]
    bar = [t.value for t in at.text]
    assert "Mine · scene 1 of 4: hello" in bar and "say: e, l, l, o" in bar
    assert at.button(key="deck.next").proto.shortcut.lower() == "pagedown"
    at.button(key="deck.next").click().run()  # the same page, another scene: its own link, not the last state
    assert not at.exception and at.text_area(key="ce.text").value == "abcabc"
    at.button(key="deck.next").click().run()
    assert not at.exception and "Mine · scene 3 of 4: race" in [t.value for t in at.text]
    at.button(key="deck.next").click().run()
    assert not at.exception and at.query_params.get("step") in ("5", ["5"])
    assert not [b for b in at.button if b.key in ("ls.pgup", "ls.pgdn")]  # one owner for the clicker's keys
    at.button(key="deck.prev").click().run()
    assert "Mine · scene 3 of 4: race" in [t.value for t in at.text]
    at.button(key="deck.end").click().run()
    assert not at.exception and at.button(key="ls.deck.show")  # back on the deck's list
    assert not [b for b in at.button if b.key == "deck.next"]


def test_a_deck_cannot_hold_a_deck_but_can_hold_a_lesson_step():
    deck = decks.from_json(json.dumps({"scenes": [{"title": "a", "link": "lesson?step=3"},
                                                  {"title": "b", "link": "lesson?deck=abc"}]}))
    assert [s.link for s in deck.scenes] == ["lesson?step=3"] and "cannot hold another deck" in deck.problems[0]


def test_a_deck_is_presented_live_in_chromium_with_a_clicker(page, app_url):
    deck = decks.Deck("Clicker", (decks.Scene("the cell", "cell-explorer?text=hi+there"),
                                  decks.Scene("gradients", "gradient-lab")))
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{app_url}/lesson?deck={decks.encode(deck)}")
    settle(page)
    page.get_by_role("button", name="Present its 2 scenes").click()
    page.locator(".cv-root[data-ready='1']").wait_for(timeout=60_000)  # the live stepping view, not a card
    assert "/cell-explorer" in page.url and "text=hi+there" in page.url
    page.get_by_text("Clicker · scene 1 of 2: the cell").wait_for(timeout=30_000)
    page.locator("h1").click()
    page.keyboard.press("PageDown")
    page.get_by_text("Clicker · scene 2 of 2: gradients").wait_for(timeout=60_000)
    settle(page)
    assert "/gradient-lab" in page.url
    page.keyboard.press("PageUp")
    page.locator(".cv-root[data-ready='1']").wait_for(timeout=60_000)
    assert_no_errors(page)


def test_a_scene_added_to_the_deck_is_titled_by_what_makes_it_differ():
    """A new-user walk: 'Cell Explorer: scene 1' said nothing about the scene."""
    from explorer.ui.session import DECK

    at = open_app_page("pages/cell-explorer.py", {"text": "to be or not to be", "cells": "lstm,gru"})
    at.button(key="ce._deck").click().run()
    at.switch_page("pages/gradient-lab.py").run()
    at.button(key="gl._deck").click().run()
    titles = [s.title for s in at.session_state[DECK.name]]
    assert titles[0].startswith("Cell Explorer: text “to be or not to be”, cells lstm,gru")
    assert titles[1].startswith("Gradient Lab")
    # in the words the page shows, not the link's names (a walk: "src hello, t 3", "fbias 3.0, zbias 3.0")
    at = open_app_page("pages/cell-explorer.py", {"src": "hello", "t": "3"})
    at.button(key="ce._deck").click().run()
    assert at.session_state[DECK.name][-1].title == "Cell Explorer: weights trained on “hello”, step 3"
    at.switch_page("pages/gradient-lab.py").run()
    at.button(key="gl.preset.bias3").click().run()
    at.session_state["gl.overlays"] = False
    at.run()
    at.button(key="gl._deck").click().run()
    assert at.session_state[DECK.name][-1].title == ("Gradient Lab: cells untrained, forget bias 3.0, update bias 3.0, "
                                                     "no overlays")
    # the toast counts in words, and says the deck does not outlive the tab
    assert "(2 scenes)" in at.toast[0].value and "until this tab is reloaded" in at.toast[0].value
    assert len(at.toast[0].value) <= 100  # longer, Streamlit cut the warning off behind "view more"


def test_a_word_of_markdown_and_html_in_the_hello_step_is_shown_as_typed():
    """The reader's word is quoted in Markdown sentences and a plotly title: '$' and '*' stay literal (never math
    or emphasis), '<b>' is never a tag, and the step says that the word replaced the note's “hello”."""
    at = open_app_page("pages/lesson.py", {"step": str(step_index("hello") + 1), "knob": "$x$*a*<b>"})
    assert not at.exception and not at.error
    said = _markdown(at)
    assert "Your word instead of the note's “hello”: each cell was trained on “\\$x\\$\\*a\\*\\<b\\>”" in said
    assert "$x$" not in said.replace("\\$x\\$", "")  # no unescaped math left anywhere
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    bars = fig["data"][0]["x"]
    assert bars[0] == "$<br>→ x" and bars[-1] == "…*&lt;b<br>→ &gt;"  # a long word: the last three read
    assert not any("<" in part for b in bars for part in b.split("<br>"))  # the app's line break is the only tag
