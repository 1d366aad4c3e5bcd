"""The Cell Explorer in Debian's Chromium: stepping with no server round trip, keyboard, play, diagram numbers."""
import re
import time

import pytest
import torch

from conftest import assert_no_errors, settle

from explorer.diagram import aux_arrays, wire_values
from explorer.model import CharModel, ModelConfig
from explorer.text import Vocab


def open_explorer(page, app_url, query=""):
    page.set_viewport_size({"width": 1440, "height": 1600})
    page.goto(f"{app_url}/cell-explorer{query}")
    settle(page)
    page.locator(".cv-root[data-ready='1']").wait_for(timeout=60_000)
    assert_no_errors(page)
    return page.get_by_test_id("cv-step")


def test_next_step_moves_the_cursor(page, app_url):
    step = open_explorer(page, app_url)
    assert step.inner_text() == "t = 1"
    assert not page.locator(".cv-squeeze").first.is_visible()  # a short text: a column per step, nothing to say
    page.get_by_role("button", name="Next step").click()
    assert step.inner_text() == "t = 2"
    page.get_by_role("button", name="Previous step").click()
    assert step.inner_text() == "t = 1"
    assert not page.js_errors


def test_keyboard_and_play_pause(page, app_url):
    step = open_explorer(page, app_url, "?text=hello%20there")
    page.locator("h1").click()  # focus on the page, not a text field
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert step.inner_text() == "t = 3"
    page.keyboard.press("End")
    assert step.inner_text() == "t = 11"
    page.keyboard.press("Home")
    assert step.inner_text() == "t = 1"
    # typing in the text area must not move the cursor
    page.get_by_role("textbox", name="Text the cell reads").press("ArrowRight")
    assert step.inner_text() == "t = 1"
    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(1300)  # 4 steps/s
    playing_at = int(step.inner_text().split("= ")[1])
    assert playing_at >= 3
    page.get_by_role("button", name="Pause").click()
    paused_at = step.inner_text()
    page.wait_for_timeout(700)
    assert step.inner_text() == paused_at


def test_diagram_numbers_are_the_trace_numbers(page, app_url):
    step = open_explorer(page, app_url, "?src=untrained&cells=lstm,gru&hidden=8&seed=3&text=hello%20world")
    for _ in range(4):
        page.get_by_role("button", name="Next step").click()
    page.get_by_role("button", name="Next unit").click()
    page.get_by_role("button", name="Next unit").click()
    assert step.inner_text() == "t = 5"
    for arch in ("lstm", "gru"):
        model = CharModel(Vocab.printable(), ModelConfig(arch, 8, seed=3))
        tt = model.trace_text("hello world")
        expected = wire_values(tt.trace, aux_arrays(model.cell, tt.trace), 5, 2)
        run = page.locator(f".cv-run[data-run='{arch}']")
        for name, value in expected.items():
            shown = float(run.locator(f"g[data-wire='{name}'] .cv-wire-value").get_attribute("data-value"))
            assert shown == pytest.approx(value, abs=2e-6), (arch, name)


def test_the_printed_sums_add_up_by_hand(page, app_url):
    """A new-user walk: 'h = 0.99 × (−0.12) + 0.01 × 0.03 = −0.11' did not add up at two decimals."""
    open_explorer(page, app_url, "?cells=lstm,gru&text=hello%20world")
    num = lambda s: float(s.replace("−", "-").strip("()"))  # noqa: E731
    for _ in range(6):
        for arch in ("lstm", "gru"):
            rows = page.locator(f".cv-run[data-run='{arch}'] .cv-eq")
            last = rows.nth(rows.count() - 1 if arch == "gru" else rows.count() - 2)  # GRU's h, LSTM's c
            a, b, c, d, e = [num(x) for x in last.locator(".cv-num").all_inner_texts()]
            assert a * b + c * d == pytest.approx(e, abs=3e-3), (arch, a, b, c, d, e)
        page.get_by_role("button", name="Next step").click()


@pytest.mark.parametrize("n", [400, 1200])  # narrowed after the first layout; measured before drawing
def test_a_text_longer_than_the_plot_is_wide_drops_no_spike(page, app_url, n):
    """An n-step heatmap is drawn one canvas column per screen pixel, not n columns scaled down. A pixel that covers
    several steps shows the one farthest from the colour scale's middle (checked against the page's own CSV of the
    trace), in that value's colour, and the hover names that step."""
    import plotly.colors

    text = "".join(chr(97 + (i * 7 + i // 26) % 26) for i in range(n))
    open_explorer(page, app_url, f"?src=untrained&hidden=8&text={text}")
    with page.expect_download() as got:
        page.get_by_role("button", name="Heatmaps (.csv)").click()
    rows = [line.split(",") for line in open(got.value.path()).read().splitlines()[1:]]
    i_gate = {(int(t), int(u)): float(v) for run, q, t, _, u, v in rows if run == "lstm" and q == "i"}
    canvas = page.locator(".cv-run[data-run='lstm'] .cv-plot canvas.cv-hm").first  # the input gate i, 0..1
    W, css, dpr = page.evaluate("(c) => [c.width, c.clientWidth, window.devicePixelRatio]", canvas.element_handle())
    assert W == round(css * dpr) < n and dpr == 1
    says = page.locator(".cv-run[data-run='lstm'] .cv-squeeze").inner_text()
    assert says.startswith(f"{n:,} steps on {W} pixel columns: each column covers about {n / W:.1f} steps")
    # the characters under the plot fit its width: none overlaps the next
    ticks = page.evaluate("(c) => [...c.parentElement.querySelectorAll('.cv-xtick')].map((e) => { "
                          "const r = e.getBoundingClientRect(); return [r.left, r.right]; })", canvas.element_handle())
    assert 2 <= len(ticks) <= css // 16 + 1
    assert all(a[1] <= b[0] for a, b in zip(sorted(ticks), sorted(ticks)[1:])), ticks
    cividis = plotly.colors.get_colorscale("Cividis")
    for x in (3, W // 3, W - 2):
        for u in (1, 5):
            steps = range(-(-x * n // W) + 1, -(-(x + 1) * n // W) + 1)  # the 1-based steps column x covers
            pixel = page.evaluate("([c, x, u]) => [...c.getContext('2d').getImageData(x, u, 1, 1).data].slice(0, 3)",
                                  [canvas.element_handle(), x, u])
            # the pointer on column x (whole CSS pixels, as a real pointer; here one column per CSS pixel)
            page.evaluate("""([c, x, u]) => { const r = c.getBoundingClientRect();
                c.dispatchEvent(new MouseEvent('mousemove', { bubbles: true, clientX: Math.ceil(r.left + x),
                                                              clientY: r.top + (u + 0.5) / 8 * r.height })); }""",
                          [canvas.element_handle(), x, u])
            hover = page.locator(".cv-run[data-run='lstm'] .cv-tip").first.inner_text()
            step, value = re.match(r"t=(\d+) .* · i=([−\d.]+)", hover).groups()
            assert int(step) in steps and (len(steps) >= 3 or n < 2 * W), (x, u, hover)
            farthest = max(abs(i_gate[t, u] - 0.5) for t in steps)
            assert abs(i_gate[int(step), u] - 0.5) == farthest, (x, u, hover)  # no step of the column is more extreme
            assert float(value) == pytest.approx(i_gate[int(step), u], abs=6e-3)
            want = plotly.colors.unlabel_rgb(plotly.colors.sample_colorscale(cividis, [i_gate[int(step), u]],
                                                                             colortype="rgb")[0])
            assert all(abs(a - b) <= 3 for a, b in zip(pixel, want)), (x, u, hover, pixel, want)


def test_clicking_a_heatmap_cell_selects_step_and_unit(page, app_url):
    step = open_explorer(page, app_url, "?src=untrained&hidden=8&text=abcdefgh")
    settle(page)  # under load a second run may still be on its way: click on the view that stays
    canvas = page.locator(".cv-run[data-run='lstm'] .cv-plot canvas.cv-hm").first
    box = canvas.bounding_box()
    # the centre of the cell at t = 6, unit 3 (time on x, unit on y top-down)
    x, y = box["x"] + (6 - 0.5) / 8 * box["width"], box["y"] + (3 + 0.5) / 8 * box["height"]
    page.mouse.move(x - 5, y)
    page.mouse.move(x, y)
    page.wait_for_timeout(200)
    hover = page.locator(".cv-run[data-run='lstm'] .cv-tip").first.inner_text()
    assert hover.startswith("t=6 'f' · unit 3 · i="), hover
    assert "i\nt = σ(W" in hover or "it = σ(W" in hover, hover  # and the equation it comes from
    page.mouse.click(x, y)
    page.wait_for_timeout(300)
    assert step.inner_text() == "t = 6"
    assert page.get_by_label("Selected unit").input_value() == "3"
    box = page.get_by_label("Selected unit")
    for typed, used in (("99999", "7"), ("-3", "0"), ("", "0")):  # H = 8: the box shows the unit the view uses
        box.fill(typed)
        box.press("Enter")
        page.wait_for_timeout(100)
        assert box.input_value() == used, typed
        assert f"unit {used}" in page.locator(".cv-root").inner_text()


def test_hostile_text_is_shown_as_text_never_as_html(page, app_url):
    open_explorer(page, app_url, "?text=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    assert page.locator("img[src='x']").count() == 0
    chars = page.locator(".cv-ch").all_inner_texts()
    assert chars[:4] == ["<", "i", "m", "g"]


def test_the_cursor_reaches_the_url_once_stepping_pauses(page, app_url):
    step = open_explorer(page, app_url, "?text=hello")
    page.get_by_role("button", name="Next step").click()
    page.get_by_role("button", name="Next step").click()
    assert step.inner_text() == "t = 3"
    deadline = time.time() + 10
    while "t=3" not in page.url and time.time() < deadline:
        page.wait_for_timeout(200)
    assert re.search(r"[?&]t=3\b", page.url), page.url


def test_the_address_bar_follows_the_cursor_while_playing(page, app_url):
    """While playing, the cursor is never reported to the server; the browser writes the URL itself."""
    open_explorer(page, app_url, "?text=" + "abcdefghij" * 4)
    page.get_by_role("button", name="Play").click()
    deadline = time.time() + 20
    while time.time() < deadline and not re.search(r"[?&]t=([4-9]|\d\d)\b", page.url):
        page.wait_for_timeout(100)
    playing = page.get_by_role("button", name="Pause").count() == 1
    shown = int(page.get_by_test_id("cv-step").inner_text().split("=")[1])
    in_url = int(re.search(r"[?&]t=(\d+)", page.url).group(1))
    assert playing and 4 <= in_url <= shown, (page.url, shown)
    assert "text=" in page.url  # the rest of the scene is kept


# the size of every message the server sends (an init script of the page)
WS_BYTES = """(() => { window.__wsBytes = []; const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (d) {
    if (!this.__counted) { this.__counted = true; this.addEventListener('message',
      (e) => window.__wsBytes.push(e.data.byteLength || e.data.size || e.data.length || 0)); }
    return send.call(this, d); }; })()"""


def test_a_rerun_after_stepping_sends_no_view_again_and_a_page_switch_keeps_the_cursor(page, app_url):
    """The view's bytes go once: a rerun that leaves the view as it is (here: opening the what-if section after
    the cursor was moved and reported) sent all of them again, 2.5 MB on a 2,000-character text."""
    page.add_init_script(WS_BYTES)
    step = open_explorer(page, app_url, "?cells=lstm,gru&text=" + "the cat sat on the mat. " * 25)
    view_bytes = max(page.evaluate("() => window.__wsBytes"))
    assert view_bytes > 100_000  # the view's data: the largest message of the load
    page.locator("h1").click()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert step.inner_text() == "t = 4"
    page.wait_for_timeout(1500)  # the cursor is reported once stepping pauses (800 ms): a rerun
    settle(page)
    page.evaluate("() => { window.__wsBytes = []; }")
    page.get_by_text("What if… a gate is clamped?").click()
    page.get_by_role("combobox", name="Scenario").wait_for()
    settle(page)
    sent = page.evaluate("() => window.__wsBytes")
    assert sent and max(sent) < view_bytes / 20, (max(sent), view_bytes)
    assert step.inner_text() == "t = 4"
    # another page and back: the view is mounted afresh, where the cursor was left
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Home").click()
    settle(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Cell Explorer").click()
    settle(page)
    page.locator(".cv-root[data-ready='1']").wait_for(timeout=60_000)
    assert page.get_by_test_id("cv-step").inner_text() == "t = 4"
    assert_no_errors(page)


@pytest.mark.parametrize("delay_ms", [100, 600, 900])
def test_a_control_change_keeps_the_cursor_and_no_click_is_lost(page, app_url, delay_ms):
    """Next twice, then GRU after a delay that straddles the cursor's sync (issue 11: 5 of 5 lost at 0.6 s)."""
    step = open_explorer(page, app_url, "?text=hello%20world&src=untrained&hidden=8")
    page.locator("h1").click()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert step.inner_text() == "t = 3"
    page.wait_for_timeout(delay_ms)
    page.get_by_role("button", name="GRU").click()
    gru = page.locator(".cv-run[data-run='gru']")
    gru.wait_for(timeout=30_000)
    settle(page)
    page.wait_for_timeout(1200)  # past the sync delay: a late echo must not move it either
    settle(page)
    assert page.locator(".cv-run[data-run='gru']").count() == 1
    assert page.get_by_test_id("cv-step").inner_text() == "t = 3"
    assert_no_errors(page)


def open_sized(page, app_url, size, query):
    """The Cell Explorer at a viewport size, its stepping view drawn and laid out."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{app_url}/cell-explorer{query}")
    settle(page)
    page.locator(".cv-root[data-ready='1']").wait_for(timeout=60_000)
    page.wait_for_timeout(500)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080), (390, 844)])
def test_readable_at_every_size_and_the_bar_stays_below_the_header(page, app_url, size):
    """Issue 11: diagram labels were ~8 px at 1280; the stepping bar slid under Streamlit's header."""
    open_sized(page, app_url, size, "?text=hello%20world&cells=lstm,gru,rnn")
    px = page.evaluate("""() => [...document.querySelectorAll('.cv-diagram')].map((svg) => {
        const label = svg.querySelector('.cv-wire-label');
        return parseFloat(getComputedStyle(label).fontSize) * svg.clientWidth / 720; })""")
    assert min(px) >= 11.9, px
    if size[0] >= 1280:  # the diagram fits its column; only a phone scrolls it sideways
        assert page.evaluate("() => [...document.querySelectorAll('.cv-dia')].every((d) => d.scrollWidth <= d.clientWidth)")
    # where it scrolls, a line under it says so; where it fits, none
    assert page.evaluate("""() => [...document.querySelectorAll('.cv-dia')].every((d) =>
        (d.scrollWidth > d.clientWidth) === (d.nextElementSibling.offsetParent !== null))""")
    page.mouse.move(size[0] - 60, size[1] // 2)
    page.mouse.wheel(0, 1500)
    page.wait_for_timeout(500)
    header = page.locator("[data-testid='stHeader']").bounding_box()
    bar = page.locator(".cv-bar").bounding_box()
    assert bar["y"] >= header["y"] + header["height"] - 1, (bar, header)
    page.get_by_role("button", name="Next step").click()  # usable where it is
    assert page.get_by_test_id("cv-step").inner_text() == "t = 2"
    if size[0] < 700:  # a phone: the sticky bar in three short rows (four took 143 of 844 px), named by its symbols
        assert bar["height"] <= 110, bar
        assert page.get_by_role("button", name="Previous step").inner_text() == "◀"
        assert page.get_by_role("button", name="Play").inner_text() == "▶ Play"  # ▶ alone would read as Next
    else:
        assert page.get_by_role("button", name="Previous step").inner_text() == "◀ Prev"


LABEL_CLASHES = """() => [...document.querySelectorAll('.cv-diagram')].flatMap((svg) => {
    const boxes = (sel) => [...svg.querySelectorAll(sel)].map((e) => [e, e.getBBox()]);
    const segments = [];
    for (const path of svg.querySelectorAll('.cv-wire-top')) {
        const pts = [...path.getAttribute('d').matchAll(/([ML]) (\\S+) (\\S+)/g)].map((m) => [m[1], +m[2], +m[3]]);
        for (let k = 1; k < pts.length; k++) if (pts[k][0] === 'L') {
            const [a, b] = [pts[k - 1], pts[k]];
            segments.push({x: Math.min(a[1], b[1]), y: Math.min(a[2], b[2]),
                           width: Math.abs(a[1] - b[1]), height: Math.abs(a[2] - b[2])});
        }
    }
    const shapes = boxes('circle, ellipse, rect').map(([, b]) => b);
    const labels = boxes('.cv-wire-label');
    const hits = (a, b) => a.x < b.x + b.width + 1 && b.x < a.x + a.width + 1 &&
                           a.y < b.y + b.height + 1 && b.y < a.y + a.height + 1;
    const out = [];
    labels.forEach(([e, b], i) => {
        const name = e.parentNode.dataset.wire;
        const vb = svg.viewBox.baseVal;
        if (b.x < vb.x || b.y < vb.y || b.x + b.width > vb.x + vb.width || b.y + b.height > vb.y + vb.height) out.push(name + ' leaves the diagram');
        for (const s of [...segments, ...shapes]) if (hits(b, s)) { out.push(name + ' touches a wire or node'); break; }
        labels.slice(i + 1).forEach(([f, c]) => { if (hits(b, c)) out.push(name + ' touches ' + f.parentNode.dataset.wire); });
    });
    return out;
})"""


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080), (390, 844)])
def test_diagram_labels_touch_no_wire_node_or_label(page, app_url, size):
    """Issue 11: two GRU labels touched wires; labels grow on small screens, so this is checked at each size."""
    open_sized(page, app_url, size, "?text=hello&cells=lstm,gru,rnn&whatif=clamp&cgate=f")
    for _ in range(3):  # every step's values, not just the first
        assert page.evaluate(LABEL_CLASHES) == []
        page.get_by_role("button", name="Next step").click()


def test_presenter_mode_shows_one_figure_at_a_time(page, app_url):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{app_url}/cell-explorer?text=hello&presenter=1")
    settle(page)
    page.locator(".cv-root[data-ready='1']").wait_for(timeout=60_000)
    visible = lambda: page.locator(".cv-map:not(.cv-hidden)").count()  # noqa: E731
    assert visible() == 0 and page.locator(".cv-side:not(.cv-hidden)").count() == 1
    page.get_by_role("tab", name="forget gate ft").click()
    assert visible() == 1 and page.locator(".cv-side:not(.cv-hidden)").count() == 0
    assert page.locator(".cv-map:not(.cv-hidden) canvas.cv-hm").first.bounding_box()["width"] > 600
    assert_no_errors(page)


def test_a_rerun_that_takes_longer_than_a_fifth_of_a_second_dims_the_view_and_says_so(page, app_url):
    # a rerun slow enough for Streamlit to mark the view stale: three untrained H = 256 cells on 1,500
    # characters (a plain rerun is now too quick for the mark to show)
    open_explorer(page, app_url, "?cells=lstm,gru,rnn&hidden=256&text=" + "abc " * 375)
    box = "document.querySelector('.cv-root').closest('[data-testid=\"stElementContainer\"]')"
    # Streamlit itself marks the view's container stale while a rerun has not reached it again
    page.evaluate(f"""() => {{ window.__staleSeen = false; const box = {box};
        new MutationObserver(() => {{ if (box.getAttribute('data-stale') === 'true') window.__staleSeen = true; }})
          .observe(box, {{attributes: true}}); }}""")
    page.get_by_text("untrained (random init)").click()
    page.wait_for_function("window.__staleSeen === true", timeout=30_000)
    page.locator(".cv-root[data-ready='1']").wait_for(timeout=60_000)
    pill = page.locator(".cv-busy-pill")  # it may have shown during that rerun: it is gone once the view is back
    page.wait_for_function("!document.querySelector('.cv-busy-pill.cv-on')", timeout=2_000)
    # a stale spell shorter than 0.2 s shows nothing; a longer one dims the view and shows the pill until it ends
    page.evaluate(f"() => {{ const b = {box}; b.setAttribute('data-stale', 'true'); "
                  "setTimeout(() => b.setAttribute('data-stale', 'false'), 80); }")
    time.sleep(0.4)
    assert page.locator(".cv-busy").count() == 0
    page.evaluate(f"() => {box}.setAttribute('data-stale', 'true')")
    page.locator(".cv-busy-pill.cv-on").wait_for(timeout=2_000)
    assert page.locator(".cv-busy > .cv-root").count() == 1 and pill.inner_text() == "Recomputing…"
    page.evaluate(f"() => {box}.setAttribute('data-stale', 'false')")
    page.wait_for_function("!document.querySelector('.cv-busy')", timeout=2_000)
    assert not pill.is_visible()
    assert_no_errors(page)


def test_the_prediction_sentence_names_the_best_guess_and_the_true_next_character(page, app_url):
    """Above the bars: the model's best guess with its probability, and where the real next character stands,
    against torch.nn.LSTM + the readout run here on the shipped weights."""
    from explorer.zoo.shipped import DEFAULT_MODELS, load_model

    model = load_model(DEFAULT_MODELS["lstm"])[0]
    text = "hello"
    lstm = torch.nn.LSTM(model.cell.input_size, model.cell.hidden_size)
    lstm.load_state_dict({k + "_l0": v for k, v in model.cell.state_dict().items()})
    with torch.no_grad():
        h, _ = lstm(model.one_hot(model.vocab.encode(text)))  # (T, H)
        probs = torch.softmax(model.readout(h), dim=-1)  # (T, V)
    open_explorer(page, app_url, f"?text={text}")
    sentence = page.locator(".cv-sub", has_text="After reading").first
    for t in range(1, len(text)):
        p = probs[t - 1]
        best = model.vocab.chars[int(p.argmax())]
        said = sentence.inner_text()
        assert f"best guess is '{best}' ({100 * float(p.max()):.1f}%)" in said, said
        rank = int((p > p[model.vocab.encode(text[t])[0]]).sum())  # how many characters it thinks likelier
        if rank == 0:
            assert f"it is right: the text continues with '{text[t]}'" in said, said
        elif rank < 5:
            assert f"continues with '{text[t]}' (its guess no. {rank + 1}," in said, said
        else:
            assert f"continues with '{text[t]}', not among its top 5" in said, said
        page.get_by_role("button", name="Next step").click()


def test_a_what_if_picked_in_its_box_survives_folding_its_section(page, app_url):
    """The what-if controls are drawn only while their section is open. Folded, a scenario picked in the box stays
    on through other changes (a widget a run does not draw can come back stale: it came back as 'none')."""
    open_explorer(page, app_url)
    section = page.get_by_test_id("stExpander").filter(has_text="What if")
    section.locator("summary").click()
    settle(page)
    section.get_by_test_id("stSelectbox").click()
    page.get_by_role("option", name=re.compile("freeze the memory")).click()
    settle(page)
    assert "whatif=freeze" in page.url
    section.locator("summary").click()  # fold it
    settle(page)
    box = page.get_by_role("textbox", name="Text the cell reads")
    box.fill("hello there")
    box.press("Control+Enter")
    settle(page)
    assert "whatif=freeze" in page.url and "text=hello+there" in page.url, page.url
    page.get_by_role("button", name="GRU").click()
    settle(page)
    assert "whatif=freeze" in page.url and "gru" in page.url, page.url
    section.locator("summary").click()  # opened again, the box shows the scenario still on
    settle(page)
    scenario = section.get_by_role("combobox", name="Scenario")
    shown = scenario.input_value() if scenario.evaluate("(e) => e.tagName") == "INPUT" else scenario.inner_text()
    assert "freeze the memory" in shown, shown
    assert_no_errors(page)


def test_a_later_window_of_a_long_text_names_every_step_by_its_place_in_the_text(page, app_url):
    """The bar said t = 301 while the diagram said 'The cell at t = 1' and the bars '(t = 1)'."""
    from urllib.parse import quote

    from explorer.data.corpus import PYTHON_SAMPLE
    step = open_explorer(page, app_url, "?src=untrained&hidden=64&start=301&text="
                         + quote((PYTHON_SAMPLE * 3)[:2000]))
    assert step.inner_text() == "t = 301"
    page.get_by_role("button", name="Next step").click()
    assert step.inner_text() == "t = 302"
    assert page.get_by_text("The cell at t = 302, unit 0").count() == 1
    assert page.get_by_text(re.compile(r"\(t = 302\), the model's best guess")).count() == 1
    page.locator("h1").click()
    page.keyboard.press("End")  # the window's last step: the text goes on, and the sentence says with what
    last = int(step.inner_text().split("= ")[1])
    assert last < 2000
    nxt = {" ": "␣", "\n": "↵"}.get((PYTHON_SAMPLE * 3)[last], (PYTHON_SAMPLE * 3)[last])
    said = re.compile(rf"\(t = {last}\), the model's best guess .*the text continues with '{re.escape(nxt)}'")
    assert page.get_by_text(said).count() == 1
    # the first and last buttons say they go to this window's ends (a walk read ▶| landing on 781 as a bug)
    end = page.get_by_role("button", name="Last step of this window")
    assert "window slider" in end.get_attribute("title")
    assert page.get_by_role("button", name="First step of this window").count() == 1
    assert_no_errors(page)


def test_hovering_a_pinned_value_says_it_was_pinned(page, app_url):
    """The tooltip of a pinned heatmap cell showed the gate's equation, as if it had computed the value."""
    open_explorer(page, app_url, "?text=hello%20world&whatif=custom&cgate=f&cval=0&cfrom=3")
    canvas = page.locator(".cv-run[data-run='lstm-whatif'] canvas[aria-label^='f heatmap']")
    tip = canvas.locator("xpath=..").locator(".cv-tip")  # this heatmap's own tooltip

    def hover(step):  # the pointer over step `step`, unit 0
        page.evaluate("""([c, k]) => { const r = c.getBoundingClientRect();
            c.dispatchEvent(new MouseEvent('mousemove', { bubbles: true, clientX: r.left + (k - 0.5) / 11 * r.width,
                                                          clientY: r.top + 1 })); }""", [canvas.element_handle(), step])
        return tip.inner_text()
    text = hover(5)
    assert "t=5" in text and "⊣ pinned" in text and "σ" not in text, text
    text = hover(2)  # before the pin: computed, with its equation
    assert "t=2" in text and "pinned" not in text and "σ" in text, text


def test_the_cursor_stays_on_its_character_when_the_window_changes_around_it(page, app_url):
    """A walk found t = 770 became t = 1360 after a GRU was added and removed (770 + the window's 590): the
    browser's last report, a step of the window, was added again to each new window's start."""
    from urllib.parse import quote

    from explorer.data.corpus import PYTHON_SAMPLE
    step = open_explorer(page, app_url, "?t=769&text=" + quote((PYTHON_SAMPLE * 3)[:1800]))
    assert step.inner_text() == "t = 769"
    # the strip of characters shows a few rows of the window: it has scrolled to the cursor's character
    in_sight = """() => { const s = document.querySelector('.cv-strip').getBoundingClientRect();
        const c = document.querySelector('.cv-ch-now').getBoundingClientRect();
        return c.top >= s.top - 1 && c.bottom <= s.bottom + 1; }"""  # to the sub-pixel
    assert page.evaluate(in_sight)
    page.get_by_role("button", name="Next step").click()
    assert step.inner_text() == "t = 770"
    page.wait_for_timeout(1500)  # reported to the server once stepping pauses
    settle(page)
    for cells in (("GRU",), ("GRU",)):  # added (the window shrinks and moves to the cursor), then removed
        old = page.evaluate_handle("() => document.querySelector('.cv-root')")
        page.get_by_role("button", name=cells[0]).click()
        page.wait_for_function("(old) => { const r = document.querySelector('.cv-root'); "
                               "return r && r !== old && r.dataset.ready === '1'; }", arg=old, timeout=60_000)
        settle(page)
        page.wait_for_timeout(1200)  # past any echo of an old report
        settle(page)
        assert page.get_by_test_id("cv-step").inner_text() == "t = 770"
    assert re.search(r"[?&]t=770\b", page.url), page.url
    assert page.evaluate(in_sight)
    assert_no_errors(page)
