"""input_sensitivity against torch.autograd.functional.jacobian, and the Gradient Lab's update time.

    python benchmarks/bench_gradients.py                 # T=400, I=16, H=64, float64, 2 torch threads
    python benchmarks/bench_gradients.py --threads 1 --clock cpu
    python benchmarks/bench_gradients.py --browser     # also the update time in Debian's Chromium

Ratio = time of `input_sensitivity(cell, x)` / time of `jacobian(lambda x: cell(x)[0][-1], x)` (the full
(H, T, I) Jacobian of h_T by x, whose per-step Frobenius norms are the same numbers). Goal <= 0.1,
must be <= 0.25. The page update is the script run of /gradient-lab in AppTest after a control change
that misses the cache (all three cells recomputed, both figures rebuilt). Not a test: timings depend on
the machine and its load (the 2 cores are shared), so the median of a few runs is reported.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from anywhere, without installing

from explorer.cells import CELLS  # noqa: E402
from explorer.gradients import input_sensitivity  # noqa: E402

CLOCK = {"wall": time.perf_counter, "cpu": time.process_time}


def timed(fn, clock, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return statistics.median(times)


def bench_ratio(arch: str, T: int, I: int, H: int, clock, repeats: int) -> tuple[float, float]:
    cell = CELLS[arch](I, H, seed=0, dtype=torch.float64)
    x = torch.randn(T, I, generator=torch.Generator().manual_seed(0), dtype=torch.float64)  # (T, I)
    ours = lambda: input_sensitivity(cell, x)  # noqa: E731
    ref = lambda: torch.autograd.functional.jacobian(lambda xx: cell(xx)[0][-1], x)  # noqa: E731  (H, T, I)
    s, J = ours(), ref()  # warm up, and check both give the same numbers
    err = ((s - J.square().sum(dim=(0, 2)).sqrt()).abs() / s).max().item()
    assert err < 1e-8, f"{arch}: input_sensitivity differs from the autograd Jacobian by {err:.2e}"
    return timed(ours, clock, repeats), timed(ref, clock, max(1, repeats // 3))


def bench_page(clock, repeats: int) -> list[float]:
    """Seconds per rerun of the page after a control change that misses the cache (T ≈ 400, H = 64)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["cells"] = "untrained"  # the knobs build untrained cells (the page opens on shipped ones)
    at.switch_page("pages/gradient-lab.py").run()
    assert not at.exception, at.exception
    times = []
    for k in range(repeats):
        seed = at.number_input(key="gl.seed")
        t0 = clock()
        seed.set_value(100 + k).run()  # a new seed: all three cells rebuilt and measured, no cache hit
        times.append(clock() - t0)
        assert not at.exception, at.exception
    return times


def bench_browser(repeats: int) -> list[float]:
    """Seconds from a preset click to the redrawn page in Debian's Chromium (real server, cache misses)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import CHROMIUM, _free_port, start_app, wait_healthy  # the test suite's real server
    from playwright.sync_api import sync_playwright

    port = _free_port()
    proc = start_app(port, Path("/tmp") / f"bench-gradients-{port}.log")
    url = f"http://127.0.0.1:{port}"
    times = []
    try:
        wait_healthy(url, proc)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            state = "[data-testid='stApp'][data-test-script-state='{}']"
            page.goto(url + "/gradient-lab?cells=untrained")
            page.locator(state.format("notRunning")).wait_for(state="attached", timeout=120_000)
            page.wait_for_timeout(1000)
            labels = ["Forget/update bias 3", "RNN radius 0.9", "Default init", "RNN radius 3 (explodes)"]
            for k in range(repeats + 1):  # the first click warms the browser up and is not counted
                t0 = time.perf_counter()
                # force + no_wait_after: Playwright's own "stable element" wait would add ~1 s (DESIGN.md)
                page.get_by_role("button", name=labels[k % len(labels)]).click(force=True, no_wait_after=True)
                page.locator(state.format("running")).wait_for(state="attached", timeout=10_000)
                page.locator(state.format("notRunning")).wait_for(state="attached", timeout=60_000)
                page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
                if k:
                    times.append(time.perf_counter() - t0)
                page.wait_for_timeout(300)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--T", type=int, default=400)
    ap.add_argument("--I", type=int, default=16)
    ap.add_argument("--H", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--clock", choices=tuple(CLOCK), default="wall")
    ap.add_argument("--no-page", action="store_true", help="skip the page update timing")
    ap.add_argument("--browser", action="store_true", help="also time the page update in Chromium")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    clock = CLOCK[args.clock]
    print(f"T={args.T} I={args.I} H={args.H} float64, torch threads={args.threads}, clock={args.clock}")
    for arch in ("rnn", "lstm", "gru"):
        ours, ref = bench_ratio(arch, args.T, args.I, args.H, clock, args.repeats)
        print(f"  {arch:4s}  input_sensitivity {ours * 1e3:8.1f} ms   autograd jacobian {ref * 1e3:8.1f} ms   "
              f"ratio {ours / ref:.3f}  (goal <= 0.1, must be <= 0.25)")
    if not args.no_page:
        times = bench_page(clock, 3)
        print(f"  page update after a control change (AppTest script run, cache miss): "
              f"median {statistics.median(times):.2f} s  ({', '.join(f'{t:.2f}' for t in times)})")
    if args.browser:
        times = bench_browser(3)
        print(f"  page update in Chromium, preset click to redrawn page: "
              f"median {statistics.median(times):.2f} s  ({', '.join(f'{t:.2f}' for t in times)})")


if __name__ == "__main__":
    main()
