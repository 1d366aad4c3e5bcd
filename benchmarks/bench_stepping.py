"""How long a step takes in Chromium: the Cell Explorer against two Streamlit references (issue 3).

    python benchmarks/bench_stepping.py [--steps 30]

Each app is started with `streamlit run` on a free loopback port and driven by Playwright in Debian's
Chromium. A step is timed from the key press (→) or the "Next step" click to the moment the `t = N`
indicator shows the new step *and* the last step-linked view (the diagram's h_t value, or the last
heatmap for the naive page) has been updated; clicks use force=True, no_wait_after=True so
Playwright's own stability wait (~1 s) is not counted. The Cell Explorer is measured at T = 200,
H = 128 (LSTM: six heatmaps, diagram, equations, top-k), and with LSTM + GRU + RNN side by side.
References, same browser, same machine: a trivial Streamlit rerun (a button and a counter) and a
naive page that redraws six 128×200 plotly heatmaps on each click.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from conftest import CHROMIUM, _free_port, wait_healthy  # noqa: E402

TEXT = ("the quick brown fox jumps over the lazy dog. " * 5)[:200]


def serve(entry: Path, log: Path):
    port = _free_port()
    import subprocess
    cmd = [sys.executable, "-m", "streamlit", "run", str(entry), "--server.headless=true", f"--server.port={port}",
           "--server.address=127.0.0.1", "--server.fileWatcherType=none", "--browser.gatherUsageStats=false"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, proc)
    return proc, url


def settle(page):
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(state="attached", timeout=120_000)


def time_explorer(page, url, query, steps, how):
    page.goto(url + "/cell-explorer" + query)
    settle(page)
    page.locator(".cv-root[data-ready='1']").wait_for(timeout=120_000)
    page.wait_for_timeout(1500)
    page.locator("h1").click()
    out = []
    nxt = page.get_by_role("button", name="Next step")
    for k in range(2, steps + 2):
        # the last view each step updates is the last run's diagram value for h_t
        t0 = time.perf_counter()
        if how == "key":
            page.keyboard.press("ArrowRight")
        else:
            nxt.click(force=True, no_wait_after=True)
        page.wait_for_function(
            """k => document.querySelector("[data-testid='cv-step']").textContent.endsWith(' ' + k) &&
                   [...document.querySelectorAll(".cv-run")].every(r => r.querySelector("g[data-wire='h'] .cv-wire-value").textContent !== '')""",
            arg=k, polling="raf")
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def in_page_ms(page, steps):
    """keydown -> the frame after the update is painted, measured inside the page (no Playwright overhead)."""
    return page.evaluate("""async steps => {
        const out = [];
        for (let k = 0; k < steps; k++) {
            const t0 = performance.now();
            document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight', bubbles: true}));
            await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
            out.push(performance.now() - t0);
        }
        return out;
    }""", steps)


def time_streamlit(page, url, steps, marker):
    page.goto(url)
    settle(page)
    page.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for(timeout=60_000) if marker else None
    out = []
    btn = page.get_by_role("button", name="Next step")
    for k in range(2, steps + 2):
        t0 = time.perf_counter()
        btn.click(force=True, no_wait_after=True)
        page.get_by_text(f"t = {k}", exact=True).wait_for()
        settle(page)
        if marker:  # the last heatmap has redrawn its cursor at the new step
            page.wait_for_function(
                "k => { const c = document.querySelectorAll('[data-testid=stPlotlyChart] .js-plotly-plot');"
                " const gd = c[c.length - 1]; return gd && gd.layout && gd.layout.shapes && gd.layout.shapes[0].x0 === k - 1; }",
                arg=k, polling="raf")
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def report(name, ms, ref=None):
    med = statistics.median(ms)
    p95 = sorted(ms)[int(0.95 * (len(ms) - 1))]
    extra = f"  = {med / ref:.2f}x the trivial rerun" if ref else ""
    print(f"{name:58} median {med:7.1f} ms  p95 {p95:7.1f} ms  (n={len(ms)}){extra}")
    return med


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=30)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright
    from urllib.parse import quote

    logs = Path("/tmp")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        proc, url = serve(ROOT / "benchmarks/apps/trivial_rerun.py", logs / "bench-trivial.log")
        try:
            trivial = report("reference: trivial Streamlit rerun (button + counter)", time_streamlit(page, url, args.steps, False))
        finally:
            proc.terminate()
        proc, url = serve(ROOT / "benchmarks/apps/naive_stepper.py", logs / "bench-naive.log")
        try:
            report("reference: naive page, six 128x200 heatmaps redrawn", time_streamlit(page, url, min(args.steps, 10), True), trivial)
        finally:
            proc.terminate()
        proc, url = serve(ROOT / "app.py", logs / "bench-app.log")
        try:
            q = "?hidden=128&text=" + quote(TEXT)
            report("Cell Explorer, LSTM, T=200 H=128, → key", time_explorer(page, url, q, args.steps, "key"), trivial)
            report("Cell Explorer, LSTM, T=200 H=128, 'Next step' click", time_explorer(page, url, q, args.steps, "click"), trivial)
            report("  in-page: keydown -> next painted frame", in_page_ms(page, args.steps), trivial)
            long_text = ("def f(x):\n    return (x + 1) * 2\n" * 80)[:2000]  # the input cap: the view shows a window
            ql = "?text=" + quote(long_text)
            report("Cell Explorer, shipped LSTM H=128, text at the 2,000 cap, → key",
                   time_explorer(page, url, ql, args.steps, "key"), trivial)
            q3 = q + "&cells=lstm,gru,rnn"
            report("Cell Explorer, LSTM+GRU+RNN side by side, → key", time_explorer(page, url, q3, args.steps, "key"), trivial)
            report("  in-page: keydown -> next painted frame", in_page_ms(page, args.steps), trivial)
        finally:
            proc.terminate()
        browser.close()


if __name__ == "__main__":
    main()
