"""Control changes and training as a user feels them (issue 12), in Debian's Chromium, warm server.

    python benchmarks/bench_controls.py [--repeats 5]

* A control change to the redrawn view: on the Cell Explorer, from the click (a what-if scenario, a
  cell added, the weights) or the applied text (Ctrl+Enter) to the stepping view rebuilt and drawn;
  on the Gradient Lab, from a preset's click to the page redrawn; on the Unit Finder, from the cursor's +
  to the coloured text and the next-character bars redrawn. Reference: a trivial Streamlit
  rerun on the same server (a toggle on Home).
* Train "hello" for three cells: from the click on Train to the results on screen, against the same
  three trainings (same text, seed and config) run alone in this process; and the same results drawn
  without training (to Home and back, the models kept in the session): what the page costs around them.
Timed in the page, from the press (pointerdown / keydown) to the frame at which the result is drawn, so
Playwright's own waits are not counted (they added ~0.3 s to every figure of earlier runs).
Reported as medians; the bar is 0.5 s for a control change and 2x the training itself.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
from bench_server import launch, stop  # noqa: E402
from conftest import CHROMIUM, _free_port, wait_healthy  # noqa: E402

# In-page timing: t0 is the press itself (the first pointerdown or keydown after arming, captured before any
# handler of the page), t1 the first animation frame at which the condition holds. So Playwright's own
# waits (actionability, its round trips) are not counted: a user feels press to picture.
# every message the server sends is counted (an init script of the page): a rerun has answered the press once
# one arrives after it; a quick rerun can end before the app is ever marked 'running'
COUNT_MESSAGES = """(() => { window.__wsIn = 0; const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (d) {
    if (!this.__counted) { this.__counted = true; this.addEventListener('message', () => { window.__wsIn += 1; window.__wsLast = performance.now(); }); }
    return send.call(this, d); }; })()"""
ARM = """() => { window.__t0 = null; window.__t1 = null; window.__ranFrom = null; window.__tDrawn = null;
  const mark0 = () => { if (window.__ranFrom === null) window.__ranFrom = window.__wsIn; };
  for (const k of ['pointerdown', 'keydown']) document.addEventListener(k, mark0, {capture: true, once: true});
  const mark = () => { if (window.__t0 === null) window.__t0 = performance.now(); };
  for (const k of ['pointerdown', 'keydown']) document.addEventListener(k, mark, {capture: true, once: true}); }"""
IDLE_JS = "document.querySelector(\"[data-testid='stApp']\").getAttribute('data-test-script-state') === 'notRunning'"
# no element is still a skeleton (its code loading) and every visible plotly chart has painted its plot area
# (as bench_pages.DRAWN)
CHARTS_JS = """!document.querySelector("[data-testid='stSkeleton']") &&
  [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every((c) => c.offsetParent === null ||
  (c.querySelector('.js-plotly-plot') && c.querySelector('.js-plotly-plot')._fullLayout &&
   c.querySelector('.main-svg .cartesianlayer .subplot')))"""
NEW_VIEW = "(old) => { const r = document.querySelector('.cv-root'); return r && r !== old && r.dataset.ready === '1'; }"
IDLE = "() => true"
TRAINED = ("() => [...document.querySelectorAll('h2,h3,summary')].some(e => e.textContent.includes('How training went'))"
           " && document.querySelectorAll('[data-testid=\"stPlotlyChart\"]').length >= 3")


def timed(page, act, wait: str, arg=None) -> float:
    """Seconds from the press that `act` makes to the frame at which `wait` holds and the rerun it started
    (a message from the server after the press) has ended with every chart drawn."""
    page.evaluate(ARM)
    act()
    # drawn: the first frame at which everything holds after the server's last message; done once the server
    # has been quiet for 150 ms since (a rerun sends its messages in bursts), so a quick rerun that never
    # marks the app 'running' is still waited for to its end
    done = (f"(arg) => {{ if (window.__t0 === null || !(window.__wsIn > window.__ranFrom)) return false; "
            f"const now = performance.now(); if (!(({wait})(arg) && {IDLE_JS} && {CHARTS_JS})) "
            "{ window.__tDrawn = null; return false; } "
            "if (window.__tDrawn === null || window.__tDrawn < window.__wsLast) window.__tDrawn = now; "
            "if (now - window.__wsLast < 150) return false; window.__t1 = window.__tDrawn; return true; }")
    page.wait_for_function(done, arg=arg, timeout=120_000, polling="raf")
    return page.evaluate("() => (window.__t1 - window.__t0) / 1000")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from explorer.data.corpus import PYTHON_SAMPLE
    from explorer.limits import MAX_TEXT_CHARS
    from explorer.training import TrainConfig, train_char_model
    port = _free_port()
    app = launch(ROOT / "app.py", port)
    url = f"http://127.0.0.1:{port}"
    rows: dict[str, list[float]] = {}
    try:
        wait_healthy(url, app)
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            ctx = b.new_context(viewport={"width": 1280, "height": 900})
            ctx.add_init_script(COUNT_MESSAGES)
            page = ctx.new_page()
            for rep in range(args.repeats + 1):  # the first round warms the caches and is not counted
                page.goto(f"{url}/cell-explorer?text=hello%20world")
                page.locator(".cv-root[data-ready='1']").wait_for(timeout=120_000)
                page.wait_for_function("() => " + IDLE_JS)
                got = {}
                old = page.evaluate_handle("() => document.querySelector('.cv-root')")
                got["Cell Explorer: add a GRU"] = timed(page, lambda: page.get_by_role("button", name="GRU").click(),
                                                        NEW_VIEW, old)
                old = page.evaluate_handle("() => document.querySelector('.cv-root')")
                scenario = page.get_by_role("combobox", name="Scenario")
                if not scenario.is_visible():  # the expander is closed unless a what-if is on
                    page.get_by_text("What if… a gate is clamped?").click()
                scenario.click()
                page.get_by_role("listbox").get_by_role("option").nth(1).wait_for()

                def pick():
                    page.get_by_role("listbox").get_by_role("option").nth(1).click()
                got["Cell Explorer: a what-if"] = timed(page, pick, NEW_VIEW, old)
                old = page.evaluate_handle("() => document.querySelector('.cv-root')")
                box = page.get_by_role("textbox", name="Text the cell reads")

                def type_text():
                    box.fill("the quick brown fox jumps over the lazy dog " * 4)
                    box.press("Control+Enter")
                got["Cell Explorer: apply a 176-character text"] = timed(page, type_text, NEW_VIEW, old)
                old = page.evaluate_handle("() => document.querySelector('.cv-root')")
                box.fill((PYTHON_SAMPLE * 3)[:MAX_TEXT_CHARS - rep])  # typed before the press: only the apply counts
                got[f"Cell Explorer: apply a {MAX_TEXT_CHARS:,}-character text (the cap)"] = timed(
                    page, lambda: box.press("Control+Enter"), NEW_VIEW, old)
                page.goto(f"{url}/gradient-lab")
                page.wait_for_function("() => " + IDLE_JS, timeout=120_000)
                page.locator("[data-testid='stPlotlyChart']").first.wait_for(timeout=120_000)
                got["Gradient Lab: a preset"] = timed(
                    page, lambda: page.get_by_role("button", name="Forget/update bias 3").click(), IDLE)
                page.goto(f"{url}/unit-finder")
                page.wait_for_function("() => " + IDLE_JS, timeout=120_000)
                page.locator("[data-testid='stPlotlyChart']").nth(2).wait_for(timeout=120_000)
                cursor = page.get_by_test_id("stNumberInput").filter(has_text="Cursor t")
                got["Unit Finder: the cursor one step on"] = timed(
                    page, lambda: cursor.get_by_test_id("stNumberInputStepUp").click(), IDLE)
                page.goto(f"{url}/")
                page.wait_for_function("() => " + IDLE_JS, timeout=120_000)
                got["reference: a trivial rerun (Home, a toggle)"] = timed(
                    page, lambda: page.get_by_text("Open these scenes in presenter mode").click(), IDLE)
                page.goto(f"{url}/train?text=hello&cells=lstm,gru,rnn")
                page.wait_for_function("() => " + IDLE_JS, timeout=120_000)

                def train():
                    page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Train", exact=True).click()
                t = timed(page, train, TRAINED)
                got["Train 'hello', three cells (click to results)"] = t
                # the same results drawn without training: to Home and back, the trained models kept in the session
                nav = page.get_by_test_id("stSidebarNav")
                nav.get_by_role("link", name="Home").click()
                page.wait_for_function("() => " + IDLE_JS + " && !location.pathname.includes('train')", timeout=120_000)
                page.wait_for_timeout(500)
                got["reference: the same results, no training (Home, back)"] = timed(
                    page, lambda: nav.get_by_role("link", name="Train & Predict").click(), TRAINED)
                if rep:
                    for k, v in got.items():
                        rows.setdefault(k, []).append(v)
            b.close()
    finally:
        stop(app)
    import torch
    torch.set_num_threads(1)  # as the server runs (explorer/ui/__init__.py)
    train_char_model("hello", arch="gru", seed=1, config=TrainConfig())  # warm torch up, as the server is
    t0 = time.perf_counter()
    for arch in ("lstm", "gru", "rnn"):  # the page's defaults: seed 0, H = 32, 300 steps, early stop
        train_char_model("hello", arch=arch, seed=0, config=TrainConfig())
    alone = time.perf_counter() - t0
    for k, v in rows.items():
        print(f"{k:52s} median {statistics.median(v):.2f} s  (min {min(v):.2f}, max {max(v):.2f})")
    tr = statistics.median(rows["Train 'hello', three cells (click to results)"])
    print(f"the same three trainings alone in this process: {alone:.2f} s -> the page takes {tr / alone:.2f}x")
    drawn = statistics.median(rows["reference: the same results, no training (Home, back)"])
    print(f"drawing those results without training takes {drawn:.2f} s ({drawn / alone:.2f}x the trainings): "
          f"training adds {tr - drawn:.2f} s to it ({(tr - drawn) / alone:.2f}x the trainings alone)")


if __name__ == "__main__":
    main()
