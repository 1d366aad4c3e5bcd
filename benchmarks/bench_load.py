"""A class on one server: 20 real browser sessions stepping and training at once (issue 7).

    python benchmarks/bench_load.py [--sessions 20] [--seconds 60]

One `streamlit run app.py` on a loopback port; one Debian Chromium with N pages (separate contexts, so
separate sessions). Half the sessions step through the Cell Explorer (→ key, each step timed until the
`t = N` indicator shows it); the other half train small models on the Train & Predict page, each on a
text of its own, over and over. All traffic stays on 127.0.0.1 and the run stops by itself.

Reports: step latency p50/p95 under load against a single session alone on the same server; any
exception box, error alert or page error in any session; cross-session leakage (every trainer's
generations must start with its own text, and a fresh session must see no trained model); the
server's RSS at start, after the warm-up, and at the end.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_server import launch, rss_mb, stop  # noqa: E402
from conftest import CHROMIUM, _free_port, wait_healthy  # noqa: E402

TEXT = quote(("the quick brown fox jumps over the lazy dog. " * 3)[:120])


def settle(page, timeout=180_000):
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(state="attached", timeout=timeout)


def open_stepper(page, url):
    page.goto(f"{url}/cell-explorer?hidden=64&text={TEXT}")
    settle(page)
    page.locator(".cv-root[data-ready='1']").wait_for(timeout=180_000)
    page.locator("h1").click()


def step_once(page):
    label = page.get_by_test_id("cv-step")
    before = int(label.inner_text().split("= ")[1])
    t0 = time.perf_counter()
    page.keyboard.press("End" if before >= 120 else "ArrowRight")
    target = 120 if before >= 120 else before + 1
    page.wait_for_function("k => document.querySelector(\"[data-testid='cv-step']\").textContent === 't = ' + k",
                           arg=target, polling="raf")
    if before >= 120:
        page.keyboard.press("Home")
    return (time.perf_counter() - t0) * 1e3


def problems(page) -> list[str]:
    out = [page.locator("[data-testid='stException']").nth(i).inner_text()[:200]
           for i in range(page.locator("[data-testid='stException']").count())]
    out += [page.locator("[data-testid='stAlertContentError']").nth(i).inner_text()[:200]
            for i in range(page.locator("[data-testid='stAlertContentError']").count())]
    return out + page.errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=20, help="at most 20: each trainer's text has its own digit")
    ap.add_argument("--seconds", type=float, default=60)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    port = _free_port()
    proc = launch(ROOT / "app.py", port)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, proc)
    rss_start = rss_mb(proc.pid)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM,
                                         args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])

            def new_page():
                p = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                p.errors = []
                p.on("pageerror", lambda e, p=p: p.errors.append(str(e)))
                return p

            alone = new_page()
            open_stepper(alone, url)
            single = [step_once(alone) for _ in range(30)]
            alone.context.close()

            steppers = [new_page() for _ in range(args.sessions // 2)]
            trainers = [new_page() for _ in range(args.sessions - len(steppers))]
            for p in steppers:
                open_stepper(p, url)
            texts = {}
            for k, p in enumerate(trainers):
                texts[p] = f"abc{k}xyz" * 2  # each session's own text, with its own digit (k < 10)
                p.goto(f"{url}/train?cells=gru&steps=200&text={quote(texts[p])}")
                settle(p)
            rss_warm = rss_mb(proc.pid)

            loaded, trainings = [], 0
            t_end = time.perf_counter() + args.seconds
            while time.perf_counter() < t_end:
                for p in trainers:  # start (or restart) training without waiting for it
                    if p.locator("[data-testid='stApp'][data-test-script-state='notRunning']").count():
                        p.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Train", exact=True).click(
                            force=True, no_wait_after=True)
                        trainings += 1
                for p in steppers:
                    loaded.append(step_once(p))
            unfinished = []
            for k, p in enumerate(trainers):
                settle(p, timeout=300_000)
                try:
                    p.get_by_text("How training went").wait_for(timeout=300_000)
                except Exception:  # reported, not raised: what the page says instead is the finding
                    main_text = p.get_by_test_id("stMainBlockContainer").inner_text()[-300:]
                    unfinished.append(f"trainer {k}: no finished training; the page ends {main_text!r}")

            leaks = []
            for k, p in enumerate(trainers):
                # each text has its own digit: a session's generations may hold only that one
                codes = p.get_by_test_id("stMainBlockContainer").get_by_test_id("stCode")
                codes.first.wait_for(timeout=60_000)  # its renderer is fetched on first use
                generated = " ".join(codes.all_inner_texts())
                digits = {c for c in generated if c.isdigit()}
                if digits != {str(k)}:
                    leaks.append(f"a trainer of {texts[p]!r} generated {generated[:60]!r}")
            fresh = new_page()
            fresh.goto(f"{url}/cell-explorer?src=session", timeout=180_000)  # the server may still be busy
            settle(fresh, timeout=180_000)
            if fresh.get_by_text("no model trained in this session").count() != 1:
                leaks.append("a fresh session sees a trained model")
            bad = {i: problems(p) for i, p in enumerate(steppers + trainers + [fresh]) if problems(p)}
            rss_end = rss_mb(proc.pid)
            browser.close()
    finally:
        stop(proc)

    def pct(xs, q):
        return sorted(xs)[int(q * (len(xs) - 1))]

    print(f"{args.sessions} sessions for {args.seconds:.0f} s: {len(loaded)} steps, {trainings} trainings started")
    print(f"step latency alone:    p50 {statistics.median(single):6.1f} ms  p95 {pct(single, 0.95):6.1f} ms")
    print(f"step latency under load: p50 {statistics.median(loaded):6.1f} ms  p95 {pct(loaded, 0.95):6.1f} ms  "
          f"= {statistics.median(loaded) / statistics.median(single):.2f}x / {pct(loaded, 0.95) / pct(single, 0.95):.2f}x alone")
    print(f"server RSS: start {rss_start:.0f} MiB, all sessions open {rss_warm:.0f} MiB "
          f"({(rss_warm - rss_start) / args.sessions:.1f} MiB per session), end {rss_end:.0f} MiB")
    print("exceptions or error alerts:", bad or "none")
    print("cross-session leakage:", leaks or "none")
    print("trainers without a finished training:", unfinished or "none")


if __name__ == "__main__":
    main()
