"""Every page drawn, in a fresh browser against a warm server, as a ratio to a plain one-chart page (issue 12).

    python benchmarks/bench_pages.py [--repeats 5]

"Drawn": Streamlit's script run has finished, every plotly chart on the page has painted its plot area, every
image has loaded and, on the Cell Explorer, the stepping view has mounted and drawn its heatmaps. Each repeat opens every page in a fresh browser
context (as each student arrives), alternating with the reference page, benchmarks/apps/one_chart.py,
served by its own warm server the same way. Reported: median seconds and the median of paired ratios.
Also: the first deep link on a freshly started server against the warm figure, and the server's memory
after every page and after 100 more page visits.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_server import launch, rss_mb, stop  # noqa: E402
from conftest import CHROMIUM, _free_port, wait_healthy  # noqa: E402

sys.path.insert(0, str(ROOT))
from explorer.ui.router import PAGES  # noqa: E402

COLD_PAGES = ("cell-explorer", "gradient-lab")  # first deep links measured on a fresh server (the costliest first runs)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# "drawn": the run has finished, the stepping view (where the page has one) has mounted and drawn all its
# heatmaps, every Streamlit chart has painted its plot area and every image has loaded. The stepping view
# mounts after the run ends, so a page that expects it is not drawn until it is there (an earlier version
# of this check passed before it mounted and under-reported the Cell Explorer).
DRAWN = """(expectView) => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (!document.querySelector("[data-testid='stMain'] [data-testid='stElementContainer']")) return false;
  // an element whose code is still loading shows a skeleton: a chart is not in the page (nor counted below)
  // until plotly's chunk has loaded, and the run ends well before that (an earlier version of this check
  // passed with every chart still a skeleton, and measured the run's end, not the page drawn)
  if (document.querySelector("[data-testid='stSkeleton']")) return false;
  const cv = document.querySelector('.cv-root');
  if (expectView && (!cv || cv.dataset.ready !== '1')) return false;
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  // plotly.js 3 (plotly 7) draws no '.plot' group any more: a chart is drawn once its layout exists and
  // its subplot layer is in the SVG
  const drawn = (c) => { const gd = c.querySelector('.js-plotly-plot');
                         return gd && gd._fullLayout && c.querySelector('.main-svg .cartesianlayer .subplot'); };
  if (!charts.every((c) => c.offsetParent === null || drawn(c))) return false;
  return [...document.querySelectorAll("[data-testid='stMain'] img")].every((i) => i.complete);
}"""
VIEW_PAGES = {"cell-explorer"}  # pages whose first screen is the stepping component


def drawn_seconds(browser, url: str) -> float:
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    page = ctx.new_page()
    path = url.split("/", 3)[-1].split("?")[0] if url.count("/") >= 3 else ""
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_function(DRAWN, arg=path in VIEW_PAGES, timeout=120_000, polling=50)
    dt = time.perf_counter() - t0
    ctx.close()
    return dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--pages", nargs="*", help="url paths to measure (default: every page, then memory and a cold start)")
    ap.add_argument("--cold", action="store_true", help="the --pages given (default: the Cell Explorer and the "
                                                        "Gradient Lab), warm, then each one's first deep link on "
                                                        "freshly started servers")
    args = ap.parse_args()
    cold_pages = tuple(args.pages) if args.cold and args.pages is not None else COLD_PAGES
    chosen = [p for p in PAGES if (args.pages is None and not args.cold) or p[3] in (args.pages or [])
              or (args.cold and p[3] in cold_pages)]
    from playwright.sync_api import sync_playwright

    ref_port, app_port = _free_port(), _free_port()
    ref, app = launch(ROOT / "benchmarks/apps/one_chart.py", ref_port), launch(ROOT / "app.py", app_port)
    try:
        wait_healthy(f"http://127.0.0.1:{ref_port}", ref)
        wait_healthy(f"http://127.0.0.1:{app_port}", app)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for _, _, _, path in PAGES:  # warm the server: every page once, and the reference
                drawn_seconds(browser, f"http://127.0.0.1:{app_port}/{path}")
            drawn_seconds(browser, f"http://127.0.0.1:{ref_port}/")
            print(f"server RSS after every page: {rss_mb(app.pid):.0f} MiB")
            rows = {}
            for _, title, _, path in chosen:
                times, ratios = [], []
                for _ in range(args.repeats):
                    r = drawn_seconds(browser, f"http://127.0.0.1:{ref_port}/")
                    t = drawn_seconds(browser, f"http://127.0.0.1:{app_port}/{path}")
                    times.append(t)
                    ratios.append(t / r)
                rows[title] = (statistics.median(times), statistics.median(ratios))
                print(f"{title:15s} drawn {rows[title][0]:.2f} s   {rows[title][1]:.2f}x the one-chart page", flush=True)
            ref_t = statistics.median(drawn_seconds(browser, f"http://127.0.0.1:{ref_port}/") for _ in range(3))
            print(f"reference one-chart page: {ref_t:.2f} s")
            if args.pages is not None and not args.cold:
                browser.close()
                return
            before = rss_mb(app.pid)
            visits = 0 if args.cold else 100
            for k in range(visits):
                drawn_seconds(browser, f"http://127.0.0.1:{app_port}/{PAGES[k % len(PAGES)][3]}")
            if visits:
                after = rss_mb(app.pid)
                time.sleep(135)  # Streamlit keeps a closed session's state for server.disconnectedSessionTTL (120 s)
                print(f"server RSS: {before:.0f} MiB before, {after:.0f} MiB after 100 more page visits, "
                      f"{rss_mb(app.pid):.0f} MiB once their sessions expired")
            # a freshly started `streamlit run app.py` (its lifespan done once the health check answers), first deep link
            for _, title, _, path in [p for p in PAGES if p[3] in cold_pages and p[1] in rows]:
                cold_port = _free_port()
                cold = launch(ROOT / "app.py", cold_port)
                try:
                    wait_healthy(f"http://127.0.0.1:{cold_port}", cold)
                    t_cold = drawn_seconds(browser, f"http://127.0.0.1:{cold_port}/{path}")
                    print(f"{title} deep link on a fresh server: {t_cold:.2f} s = "
                          f"{t_cold / rows[title][0]:.2f}x the warm figure")
                except Exception as err:  # noqa: BLE001 - a measurement that did not finish is reported
                    print(f"{title} deep link on a fresh server: not drawn within 120 s ({type(err).__name__})")
                finally:
                    stop(cold)
            browser.close()
    finally:
        stop(ref)
        stop(app)


if __name__ == "__main__":
    main()
