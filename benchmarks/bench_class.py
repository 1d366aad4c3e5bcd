"""A class on replicas behind nginx (issue 16): 60 sessions at once through the proxy, on 1, 2 and 4 replicas.

    python benchmarks/bench_class.py [--replicas 1 2 4] [--sessions 60] [--seconds 60] [--browsers 4]

For each replica count, deploy/serve.sh N starts the replicas and nginx on loopback. Then, for a bounded
time, through the proxy:
  * explorers (70 % of the protocol sessions) change the Cell Explorer's text every 5-15 s (a real
    control change: the server traces and rebuilds the stepping view; stepping in between is the
    browser's own work), each with a marker of its own;
  * trainers (20 %) train a GRU on a text of their own on Train & Predict, again and again;
  * racers (the rest) start a Memory Race and come back for its result;
  * `--browsers` real Chromium pages step through the Cell Explorer with the → key.
The protocol sessions speak Streamlit's own WebSocket protocol (benchmarks/st_client.py); the browsers are
Debian's Chromium. Reported per replica count: errors (exceptions, error alerts, failed connections: must
be 0), cross-session leakage (a marker or a character of another session in what a session was sent:
must be none), p50/p95 of a control change and of a step, each replica's memory. The p95 against the
replica count, and the cores this machine has, give the estimate for 200 students on paper.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_server import rss_mb  # noqa: E402
from conftest import CHROMIUM  # noqa: E402
from st_client import Session  # noqa: E402

WORDS = ["amber", "basil", "cedar", "delta", "ember", "fjord", "grove", "haven", "inlet", "juniper", "kelp",
         "lumen", "mossy", "nectar", "onyx", "prism", "quill", "ridge", "sable", "thyme"]


THINK = (5.0, 15.0)  # seconds between two control changes of one student (stepping is in the browser)


def pct(xs, q):
    return sorted(xs)[int(q * (len(xs) - 1))] if xs else float("nan")


def _free_range(n: int) -> int:
    """A first port such that it and the n - 1 after it are all free on loopback."""
    import socket
    while True:
        base = random.randrange(20_000, 60_000)
        try:
            for k in range(n):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", base + k))
            return base
        except OSError:
            continue


def start_proxy(n: int, run_dir: Path) -> tuple[subprocess.Popen, str]:
    base = _free_range(n + 1)
    port = base + n  # nginx right after the replicas
    env = {**os.environ, "PORT": str(port), "BASE_PORT": str(base), "RUN_DIR": str(run_dir)}
    proc = subprocess.Popen(["bash", str(ROOT / "deploy/serve.sh"), str(n)], cwd=ROOT, env=env,
                            start_new_session=True, stdout=open(run_dir / "serve.log", "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.5)
        if proc.poll() is not None:
            break
    raise RuntimeError((run_dir / "serve.log").read_text())


def replica_rss(run_dir: Path) -> list[float]:
    return [rss_mb(int(p.read_text())) for p in sorted(run_dir.glob("replica-*.pid"))]


async def explorer(k: int, url: str, t_end: float, out: dict) -> None:
    marker = f"zq~{k:02d}~x"  # "~" is in no base64 alphabet: the arrays of a payload cannot spell it
    s = Session(url)
    try:
        await s.connect()
        first = await s.open("cell-explorer", f"text={quote(marker + ' hello world')}&hidden=32")
        out["runs"].append(first)
        n = 0
        while time.time() < t_end:
            n += 1
            text = f"{marker} {'the quick brown fox' if n % 2 else 'hello world'} {n}"
            r = await s.change("cell-explorer", "ce.text", string_value=text)
            out["changes"].append(r.seconds)
            out["runs"].append(r)
            out["own"].append((marker, r.raw))
            await asyncio.sleep(random.uniform(*THINK))  # a student steps and reads in between
    except Exception as err:  # noqa: BLE001 - a failed session is a finding, not a crash
        out["failures"].append(f"explorer {k}: {type(err).__name__}: {err}")
    finally:
        await s.close()


async def trainer(k: int, url: str, t_end: float, out: dict) -> None:
    text = f"h{WORDS[k % len(WORDS)]} " * 4  # starts with the page's default prompt, h
    s = Session(url)
    try:
        await s.connect()
        out["runs"].append(await s.open("train", f"cells=gru&steps=150&hidden=32&text={quote(text)}"))
        while time.time() < t_end:
            r = await s.change("train", "tr.train", trigger_value=True)
            out["trainings"].append(r.seconds)
            out["runs"].append(r)
            generated = "".join(r.code)
            out["generated"].append((text, generated))
            await asyncio.sleep(random.uniform(2.0, 5.0))
    except Exception as err:  # noqa: BLE001
        out["failures"].append(f"trainer {k}: {type(err).__name__}: {err}")
    finally:
        await s.close()


async def racer(k: int, url: str, t_end: float, out: dict) -> None:
    s = Session(url)
    try:
        await s.connect()
        out["runs"].append(await s.open("memory-race", "T=20&budget=5&hidden=16"))
        while time.time() < t_end:
            out["runs"].append(await s.change("memory-race", "mr.start", trigger_value=True))
            await asyncio.sleep(7)  # the race runs on its own thread for its 5-s budget
            r = await s.rerun("memory-race")
            out["runs"].append(r)
            out["races"] += b"Final" in r.raw
    except Exception as err:  # noqa: BLE001
        out["failures"].append(f"racer {k}: {type(err).__name__}: {err}")
    finally:
        await s.close()


def browsers(url: str, n: int, t_end: list, out: dict, ready: threading.Event) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        pages = []
        for k in range(n):
            p = b.new_context(viewport={"width": 1280, "height": 900}).new_page()
            p.goto(f"{url}/cell-explorer?hidden=64&text={quote('stepping through a sentence, one character at a time')}",
                   timeout=180_000)
            p.locator(".cv-root[data-ready='1']").wait_for(timeout=180_000)
            p.locator("h1").click()
            pages.append(p)
        ready.set()
        while not t_end:  # the class has not arrived yet
            time.sleep(0.1)
        while time.time() < t_end[0]:
            for p in pages:
                label = p.get_by_test_id("cv-step")
                before = int(label.inner_text().split("= ")[1])
                target = 1 if before >= 50 else before + 1
                t0 = time.perf_counter()
                p.keyboard.press("Home" if before >= 50 else "ArrowRight")
                p.wait_for_function("k => document.querySelector(\"[data-testid='cv-step']\").textContent === 't = ' + k",
                                    arg=target, polling="raf")
                out["steps"].append((time.perf_counter() - t0) * 1e3)
            time.sleep(0.2)
        for p in pages:
            out["failures"] += [f"browser: {e}" for e in p.locator("[data-testid='stException']").all_inner_texts()]
        b.close()


async def alone(url: str) -> tuple[float, float]:
    """The reference, on the same replicas before the class arrives: one control change and one training
    of one session alone (medians of 5 and of 2)."""
    s = Session(url)
    await s.connect()
    await s.open("cell-explorer", "text=alone&hidden=32")
    changes = [(await s.change("cell-explorer", "ce.text", string_value=f"alone {n} the quick brown fox")).seconds
               for n in range(6)][1:]
    await s.close()
    t = Session(url)
    await t.connect()
    await t.open("train", f"cells=gru&steps=150&hidden=32&text={quote('hamber ' * 4)}")
    trainings = [(await t.change("train", "tr.train", trigger_value=True)).seconds for _ in range(2)]
    await t.close()
    return statistics.median(changes), statistics.median(trainings)


async def class_run(url: str, sessions: int, n_browsers: int, seconds: float, train_share: float = 0.2,
                    race_share: float = 0.1) -> dict:
    out = {"runs": [], "changes": [], "trainings": [], "generated": [], "own": [], "failures": [], "steps": [],
           "races": 0}
    protocol = sessions - n_browsers
    n_train, n_race = round(train_share * protocol), round(race_share * protocol)
    n_explore = protocol - n_train - n_race
    ready, end_box = threading.Event(), []
    stepping = threading.Thread(target=browsers, args=(url, n_browsers, end_box, out, ready))
    stepping.start()
    await asyncio.to_thread(ready.wait, 300)  # the stepping pages are open before the class arrives
    t_end = time.time() + seconds
    end_box.append(t_end)
    tasks = []
    for k in range(protocol):  # arrive over ~10 s, as a class does
        role = explorer if k < n_explore else trainer if k < n_explore + n_train else racer
        idx = k if role is explorer else k - n_explore if role is trainer else k - n_explore - n_train
        tasks.append(asyncio.create_task(role(idx, url, t_end, out)))
        await asyncio.sleep(10 / protocol)
    await asyncio.gather(*tasks)
    await asyncio.to_thread(stepping.join)
    out["roles"] = (n_explore, n_train, n_race, n_browsers)
    return out


def leakage(out: dict, n_explore: int) -> list[str]:
    leaks = []
    markers = [f"zq~{k:02d}~x".encode() for k in range(n_explore)]
    for marker, raw in out["own"]:
        if marker.encode() not in raw:
            leaks.append(f"{marker}: its own text missing from its rerun")
        others = [m.decode() for m in markers if m != marker.encode() and m in raw]
        if others:
            leaks.append(f"{marker} was sent {others}")
    for text, generated in out["generated"]:
        foreign = set(generated) - set(text) - {"\n"}
        if foreign:
            leaks.append(f"a trainer of {text.split()[0]!r} generated characters of another text: {sorted(foreign)[:8]}")
    return leaks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--sessions", type=int, default=60)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--browsers", type=int, default=4)
    ap.add_argument("--train-share", type=float, default=0.2, help="of the protocol sessions: trainers")
    ap.add_argument("--race-share", type=float, default=0.1, help="of the protocol sessions: racers")
    args = ap.parse_args()
    random.seed(0)
    rows = []
    for n in args.replicas:
        run_dir = Path(tempfile.mkdtemp(prefix=f"class-{n}-"))
        proc, url = start_proxy(n, run_dir)
        try:
            idle = replica_rss(run_dir)
            change_alone, train_alone = asyncio.run(alone(url))
            out = asyncio.run(class_run(url, args.sessions, args.browsers, args.seconds, args.train_share,
                                        args.race_share))
            rss = replica_rss(run_dir)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
            time.sleep(3)  # the replicas' sockets close before the next configuration starts
        n_explore, n_train, n_race, n_browsers = out["roles"]
        errors = out["failures"] + [e for r in out["runs"] for e in r.exceptions + r.errors]
        leaks = leakage(out, n_explore)
        row = dict(n=n, changes=len(out["changes"]), c50=statistics.median(out["changes"]) if out["changes"] else float("nan"),
                   c95=pct(out["changes"], 0.95), steps=len(out["steps"]),
                   s50=statistics.median(out["steps"]) if out["steps"] else float("nan"), s95=pct(out["steps"], 0.95),
                   trainings=len(out["trainings"]), t50=statistics.median(out["trainings"]) if out["trainings"] else float("nan"),
                   races=out["races"], errors=errors, leaks=leaks, idle=idle, rss=rss,
                   change_alone=change_alone, train_alone=train_alone)
        rows.append(row)
        print(f"\n{n} replica(s), {args.sessions} sessions for {args.seconds:.0f} s "
              f"({n_explore} exploring, {n_train} training, {n_race} racing, {n_browsers} browsers stepping):")
        print(f"  control change (Cell Explorer text): {row['changes']} done, p50 {row['c50']:.2f} s, p95 {row['c95']:.2f} s "
              f"(alone: {change_alone:.2f} s)")
        print(f"  step (browser, no server round trip): {row['steps']} done, p50 {row['s50']:.0f} ms, p95 {row['s95']:.0f} ms")
        print(f"  trainings: {row['trainings']} finished, p50 {row['t50']:.1f} s each (alone: {train_alone:.2f} s); "
              f"races finished: {row['races']}")
        print(f"  errors: {len(errors)} {errors[:5] if errors else ''}")
        print(f"  cross-session leakage: {leaks[:5] if leaks else 'none'}")
        print(f"  replica RSS (MiB): idle {[round(x) for x in idle]}, end {[round(x) for x in rss]}", flush=True)
    if len(rows) > 1:
        base = rows[0]
        print("\np95 of a control change against 1 replica: " +
              ", ".join(f"{r['n']} replicas {r['c95'] / base['c95']:.2f}x" for r in rows[1:]))
    print(f"cores on this machine: {os.cpu_count()}")


if __name__ == "__main__":
    main()
