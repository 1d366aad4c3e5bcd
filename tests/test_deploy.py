"""Replicas behind a real nginx (issue 16): deploy/serve.sh 2 on loopback, sticky sessions for downloads
and uploads, a second browser on its own session, and a replica that dies while the other keeps serving."""
from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, _free_port, assert_no_errors, settle

NGINX = Path("/usr/sbin/nginx")


def _get(url: str, timeout: float = 2.0) -> bytes:
    return urllib.request.urlopen(url, timeout=timeout).read()


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    if not NGINX.exists():
        pytest.skip("Debian's nginx is not installed (apt-get install -y nginx); .ci/run installs it")
    run_dir = tmp_path_factory.mktemp("serve")
    port, base = _free_port(), _free_port()
    while abs(base - port) < 3:
        base = _free_port()
    env = {**os.environ, "PORT": str(port), "BASE_PORT": str(base), "RUN_DIR": str(run_dir)}
    proc = subprocess.Popen(["bash", str(ROOT / "deploy/serve.sh"), "2"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=open(run_dir / "serve.log", "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if _get(url + "/_stcore/health") == b"ok":
                break
        except OSError:
            time.sleep(0.5)
        if proc.poll() is not None:
            raise RuntimeError((run_dir / "serve.log").read_text())
    else:
        raise RuntimeError("the proxied app did not become healthy:\n" + (run_dir / "serve.log").read_text())
    yield {"url": url, "run_dir": run_dir, "replicas": [base, base + 1]}
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def test_both_replicas_answer_and_the_proxy_sets_a_route_cookie(proxy):
    for port in proxy["replicas"]:
        assert _get(f"http://127.0.0.1:{port}/_stcore/health") == b"ok"
    with urllib.request.urlopen(proxy["url"] + "/") as r:
        assert "explorer_route=" in r.headers.get("Set-Cookie", "")


def test_a_session_sticks_for_downloads_and_uploads_and_a_second_one_works(proxy, browser, tmp_path):
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = ctx.new_page()
    page.goto(proxy["url"] + "/train?cells=lstm&text=hello")
    settle(page)
    main = page.get_by_test_id("stMainBlockContainer")
    main.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("How training went").wait_for(timeout=60_000)
    settle(page)
    with page.expect_download() as dl:  # a media file: served only by the replica that holds the session
        page.get_by_role("button", name="Download the LSTM (.npz)").click()
    saved = tmp_path / "lstm.npz"
    dl.value.save_as(saved)
    assert saved.stat().st_size > 1000
    page.get_by_text("Load a model saved from this app (.npz)").click()
    page.locator("input[type='file']").set_input_files(str(saved))  # an upload: the same replica again
    page.get_by_text("Loaded a LSTM with H = 32").wait_for(timeout=30_000)
    main.get_by_role("link", name="Step through these trained models").click()
    page.get_by_text("trained on your text in this session").first.wait_for(timeout=30_000)
    assert_no_errors(page)

    other = browser.new_context().new_page()  # a second visitor gets a session of its own
    other.goto(proxy["url"] + "/cell-explorer?src=session&text=hi")
    settle(other)
    other.locator(".cv-root[data-ready='1']").wait_for(timeout=60_000)
    assert other.get_by_text("no model trained in this session").count() == 1
    assert_no_errors(other)
    ctx.close()


def test_a_dead_replica_leaves_the_other_serving_and_a_link_restores_its_scene(proxy, browser):
    pid = int((proxy["run_dir"] / f"replica-{proxy['replicas'][0]}.pid").read_text())
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            _get(f"http://127.0.0.1:{proxy['replicas'][0]}/_stcore/health", timeout=0.5)
            time.sleep(0.3)
        except OSError:
            break
    for attempt in range(3):  # fresh browsers, whichever replica their cookie would have picked
        page = browser.new_context().new_page()
        page.goto(proxy["url"] + f"/cell-explorer?text=after+failover+{attempt}&t=3")
        settle(page)
        box = page.get_by_role("textbox", name="Text the cell reads")
        deadline = time.time() + 20  # a browser whose first try met the dead replica reconnects first
        while box.input_value() != f"after failover {attempt}" and time.time() < deadline:
            page.wait_for_timeout(250)
        assert box.input_value() == f"after failover {attempt}"
        page.locator(".cv-root[data-ready='1']").wait_for(timeout=60_000)
        assert page.get_by_test_id("cv-step").inner_text() == "t = 3"
        assert_no_errors(page)
        page.context.close()
