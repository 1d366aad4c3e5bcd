"""Cold start and memory of `streamlit run app.py` (issue 7).

    python benchmarks/bench_server.py [--repeats 3]

Cold start: from launching `streamlit run` to the first page drawn in Debian's Chromium (Streamlit's
script run finished and the page's title visible), against a hello-world Streamlit app started the same
way (benchmarks/apps/hello_world.py); reported as the median ratio over paired runs.
Memory: the server's RSS (with its children) at start, after one session visited every page, and per
extra session (five more sessions each opening the Cell Explorer and the Gradient Lab).
"""
import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from conftest import CHROMIUM, _free_port  # noqa: E402

sys.path.insert(0, str(ROOT))
from explorer.ui.router import PAGES  # noqa: E402


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, from /proc (MiB)."""
    total = 0
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def stop(proc: subprocess.Popen) -> None:
    """Stop a server that may be busy (a training in progress can outlast a polite terminate)."""
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def launch(entry: Path, port: int) -> subprocess.Popen:
    """`streamlit run entry`."""
    cmd = [sys.executable, "-m", "streamlit", "run", str(entry)] + [
        "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
        "--browser.gatherUsageStats=false"]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def first_draw_seconds(browser, entry: Path) -> float:
    """Launch a server and time until the first page is drawn in a new browser context."""
    port = _free_port()
    t0 = time.perf_counter()
    proc = launch(entry, port)
    page = browser.new_context().new_page()
    try:
        while True:  # the browser retries until the server listens, as a student's reload would
            try:
                page.goto(f"http://127.0.0.1:{port}/", timeout=2000)
                break
            except Exception:
                time.sleep(0.05)
        page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(state="attached", timeout=120_000)
        page.locator("h1").first.wait_for(timeout=60_000)
        return time.perf_counter() - t0
    finally:
        page.context.close()
        stop(proc)


def visit(page, url: str) -> None:
    page.goto(url)
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(state="attached", timeout=180_000)
    page.wait_for_timeout(1500)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        ratios = []
        for _ in range(args.repeats):
            ref = first_draw_seconds(browser, ROOT / "benchmarks/apps/hello_world.py")
            app = first_draw_seconds(browser, ROOT / "app.py")
            ratios.append(app / ref)
            print(f"cold start to first page drawn: hello world {ref:.2f} s, app {app:.2f} s = {app / ref:.2f}x")
        print(f"cold start ratio, median of {args.repeats}: {statistics.median(ratios):.2f}x (target <= 2x)")

        port = _free_port()
        proc = launch(ROOT / "app.py", port)
        url = f"http://127.0.0.1:{port}"
        try:
            page = browser.new_context().new_page()
            while True:
                try:
                    visit(page, url)
                    break
                except Exception:
                    time.sleep(0.2)
            start = rss_mb(proc.pid)
            for _, _, _, path in PAGES:
                visit(page, f"{url}/{path}")
            after_all = rss_mb(proc.pid)
            print(f"server RSS: at start {start:.0f} MiB, after one session visited every page {after_all:.0f} MiB "
                  f"(target <= 700)")
            extra = []
            for k in range(5):
                p = browser.new_context().new_page()
                visit(p, f"{url}/cell-explorer?text=session%20{k}")
                visit(p, f"{url}/gradient-lab")
                extra.append(p)
            more = rss_mb(proc.pid)
            print(f"after 5 more sessions: {more:.0f} MiB = {(more - after_all) / 5:.1f} MiB per extra session")
        finally:
            stop(proc)
        browser.close()


if __name__ == "__main__":
    main()
