"""Shared fixtures: one real `streamlit run app.py` server and one Debian Chromium per test session.

Browser tests take `page` (a fresh Playwright page) and `app_url`; they are skipped with a reason
only when Chromium or Playwright is missing, and .ci/run installs both, so CI always runs them.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
APPTEST_TIMEOUT = 120  # seconds: importing torch in a cold process takes a few


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int, log_path: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless=true",
           f"--server.port={port}", "--server.address=127.0.0.1", "--server.fileWatcherType=none",
           "--browser.gatherUsageStats=false"]
    log = open(log_path, "w")
    return subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError("streamlit exited early")
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=1).read() == b"ok":
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("streamlit did not become healthy")


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    port = _free_port()
    proc = start_app(port, tmp_path_factory.mktemp("server") / "streamlit.log")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM,
                               args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.js_errors = errors
    yield pg
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        _describe_failure(pg, request.node, errors)
    ctx.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so the `page` fixture knows whether its test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _describe_failure(pg, node, js_errors: list[str]) -> None:
    """What the browser showed when a test failed: its URL, alerts and main text in the log, and a screenshot.

    CI prints only the traceback; without this a timeout says what was awaited but not what was there.
    """
    try:
        alerts = [a.inner_text() for a in pg.locator("[data-testid='stAlert'], [data-testid='stException']").all()]
        main = pg.locator("[data-testid='stMain']").inner_text(timeout=2_000) if pg.locator(
            "[data-testid='stMain']").count() else pg.content()[:2_000]
        state = pg.evaluate("() => { const a = document.querySelector(\"[data-testid='stApp']\"); return a ? "
                            "a.dataset.testConnectionState + ' / ' + a.dataset.testScriptState : 'no app' }")
        shot = Path(os.environ.get("TMPDIR", "/tmp")) / f"failed-{node.name[:80].replace('/', '_')}.png"
        pg.screenshot(path=str(shot), full_page=True)
    except Exception as err:  # the page may be gone: the failure's own traceback is what matters then
        sys.stderr.write(f"\n[browser at failure] could not be read: {err}\n")
        return
    sys.stderr.write(f"\n[browser at failure] {pg.url} · {state}\n  alerts: {alerts}\n  js errors: {js_errors}\n"
                     f"  screenshot: {shot}\n  main text:\n{main[:3_000]}\n")


def settle(pg, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit is connected and its script run has finished."""
    pg.locator("[data-testid='stApp'][data-test-connection-state='CONNECTED']").wait_for(state="attached", timeout=timeout_ms)
    pg.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(state="attached", timeout=timeout_ms)
    # a page that was just opened reads "notRunning" before its first run starts: wait for that run's output
    pg.locator("[data-testid='stMain'] [data-testid='stElementContainer']").first.wait_for(state="attached",
                                                                                          timeout=timeout_ms)
    pg.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(state="attached", timeout=timeout_ms)
    pg.wait_for_timeout(300)


def assert_no_errors(pg) -> None:
    assert pg.locator("[data-testid='stException']").count() == 0, pg.locator("[data-testid='stException']").first.inner_text()
    assert pg.locator("[role='dialog']").count() == 0, pg.locator("[role='dialog']").first.inner_text()


def open_app_page(page: str, query: dict | None = None):
    """A fresh AppTest session of app.py on `page` ("pages/train.py"), opened with `query` in its URL."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APPTEST_TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def markdown_table_columns(at, first_column: str) -> dict[str, list[str]] | None:
    """The Markdown table (explorer.figures.tables) whose first column is `first_column`, in the page's main
    area, as columns of unescaped cells; None when there is none."""
    import re

    found = [m.value for m in at.main.markdown if m.value.startswith(f"| {first_column} |")]
    if not found:
        return None
    lines = found[0].splitlines()

    def cells(line: str) -> list[str]:
        return [re.sub(r"\\(.)", r"\1", c.strip()) for c in re.split(r"(?<!\\)\|", line)[1:-1]]

    head, rows = cells(lines[0]), [cells(line) for line in lines[2:]]
    return {k: [r[i] for r in rows] for i, k in enumerate(head)}
