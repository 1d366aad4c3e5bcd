"""Server memory under each allocator: after every page once, after each round of more page visits (the
growth over visits is the difference of the last two rounds: the first rounds also fill the server with the
~50 sessions Streamlit keeps alive at once, each for disconnectedSessionTTL after its tab closed, and the
allocator's high-water mark), after their sessions expire, and after one more visit (whose run hands what the
expired sessions freed back).

    python benchmarks/bench_memory.py                 # glibc, glibc with MALLOC_ARENA_MAX=2, jemalloc
    python benchmarks/bench_memory.py --visits 50 --rounds 6 --allocators "glibc, MALLOC_ARENA_MAX=2"
    python benchmarks/bench_memory.py --ttl 2         # sessions expire 2 s after their visit: ~1 alive at once

Each variant is a fresh `streamlit run app.py` with the same pages visited in fresh Chromium contexts (as
students arriving), measured from /proc (the server and its children). Reference: the same server's RSS
right after start-up with no page opened, and torch + streamlit imported in a bare interpreter. jemalloc
is Debian's libjemalloc2 (apt-get install libjemalloc2), preloaded for this measurement only.
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bench_pages import ARGS, drawn_seconds  # noqa: E402
from bench_server import rss_mb, stop  # noqa: E402
from conftest import CHROMIUM, _free_port, wait_healthy  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from explorer.ui.router import PAGES  # noqa: E402

JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
ALLOCATORS = {
    "glibc": {},
    "glibc, MALLOC_ARENA_MAX=2": {"MALLOC_ARENA_MAX": "2"},
    # background_thread returns freed pages to the system without waiting for the next allocation
    "jemalloc": {"LD_PRELOAD": JEMALLOC, "MALLOC_CONF": "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0"},
}
TTL = 120  # Streamlit keeps a closed session's state for server.disconnectedSessionTTL (120 s by default)


def bare_imports_mb() -> float:
    code = "import torch, streamlit, plotly, numpy; import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    return int(subprocess.check_output([sys.executable, "-c", code], text=True)) / 1024


def measure(browser, env: dict, visits: int, ttl: int, rounds: int) -> tuple[float, float, list[float], float, float]:
    port = _free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless=true",
           f"--server.port={port}", "--server.address=127.0.0.1", "--browser.gatherUsageStats=false",
           f"--server.disconnectedSessionTTL={ttl}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc)
        time.sleep(5)  # the shipped models load at start-up, off the request path
        start = rss_mb(proc.pid)
        for _, _, _, path in PAGES:
            drawn_seconds(browser, f"http://127.0.0.1:{port}/{path}")
        every = rss_mb(proc.pid)
        after = []  # RSS after each round of `visits`
        for k in range(rounds * visits):
            drawn_seconds(browser, f"http://127.0.0.1:{port}/{PAGES[k % len(PAGES)][3]}")
            if (k + 1) % visits == 0:
                after.append(rss_mb(proc.pid))
        time.sleep(ttl + 15)
        expired = rss_mb(proc.pid)
        # the next student: every run ends with malloc_trim (explorer/ui/router.py), which returns what the
        # expired sessions freed; until a run happens, glibc keeps those pages
        drawn_seconds(browser, f"http://127.0.0.1:{port}/")
        return start, every, after, expired, rss_mb(proc.pid)
    finally:
        stop(proc)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--visits", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=2, help="rounds of --visits visits, RSS after each")
    ap.add_argument("--ttl", type=int, default=TTL, help="server.disconnectedSessionTTL, seconds")
    ap.add_argument("--allocators", nargs="*", default=list(ALLOCATORS), choices=list(ALLOCATORS))
    args = ap.parse_args()
    if "jemalloc" in args.allocators and not Path(JEMALLOC).exists():
        sys.exit(f"{JEMALLOC} is missing: apt-get install -y libjemalloc2")
    from playwright.sync_api import sync_playwright

    print(f"torch + streamlit + plotly + numpy imported in a bare interpreter: {bare_imports_mb():.0f} MiB")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name in args.allocators:
            start, every, after, expired, nxt = measure(browser, ALLOCATORS[name], args.visits, args.ttl, args.rounds)
            curve = " | ".join(f"+{(k + 1) * args.visits} {v:.0f}" for k, v in enumerate(after))
            growth = f" -> over the last {args.visits} visits {after[-1] - after[-2]:+.1f} MiB" if len(after) > 1 else ""
            print(f"{name} (sessions kept {args.ttl} s): started {start:.0f} MiB | every page {every:.0f} | {curve} | "
                  f"sessions expired {expired:.0f} | the next visit {nxt:.0f} MiB{growth}", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
