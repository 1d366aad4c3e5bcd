"""The app as a shared link opens it: a deep link on a freshly started server, and every page once."""
import ast
from pathlib import Path

import pytest

from conftest import ROOT, _free_port, assert_no_errors, settle, start_app, wait_healthy

from explorer.ui.router import PAGES


def test_every_page_file_starts_with_the_router_guard():
    for path, *_ in PAGES:
        tree = ast.parse((ROOT / path).read_text())
        calls = [n for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)]
        assert calls and getattr(calls[0].value.func, "id", "") == "ensure_router", path


def test_page_files_are_named_after_their_url_paths():
    for path, _, _, url in PAGES:
        if url:
            assert Path(path).stem == url, "a pages/ file must be named like its URL path (legacy pages/ mode)"


@pytest.mark.parametrize("url", ["cell-explorer", "gradient-lab"])
def test_deep_link_on_a_fresh_server_opens_the_routed_page(browser, tmp_path, url):
    port = _free_port()
    proc = start_app(port, tmp_path / "server.log")
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, proc)
        ctx = browser.new_context(viewport={"width": 1440, "height": 900})
        page = ctx.new_page()
        page.goto(f"{base}/{url}")
        settle(page)
        assert_no_errors(page)
        nav = page.locator("[data-testid='stSidebarNavLink']").all_inner_texts()
        assert any("Cell Explorer" in n for n in nav), nav  # the router's titles, not raw file names
        assert not any(n.strip() in ("app", "cell-explorer") for n in nav)
        ctx.close()
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize("path,title", [(f"/{url}", title) for _, title, _, url in PAGES])
def test_every_page_opens_without_errors(page, app_url, path, title):
    page.goto(app_url + path)
    settle(page, 90_000)
    assert_no_errors(page)
    assert page.locator("[data-testid='stAlertContentError']").count() == 0
    heading = "LSTM & GRU Explorer" if path == "/" else title
    assert page.locator("h1").first.inner_text().strip() == heading


def test_the_glossary_opens_from_the_sidebar_and_finds_a_term(page, app_url):
    """The sidebar's glossary is a button: its entries are drawn only in the dialog it opens, where typing filters
    them (the dialog reruns alone; the page behind it keeps its state)."""
    from explorer.glossary import GLOSSARY, matching

    page.goto(app_url + "/train")
    settle(page, 90_000)
    page.locator("[data-testid='stSidebar']").get_by_role("button", name="Glossary").click()
    dialog = page.locator("[role='dialog']")
    dialog.get_by_text("carry gate", exact=True).first.wait_for(timeout=30_000)
    assert dialog.locator("li").count() == len(GLOSSARY)
    dialog.get_by_label("Find a term").fill("reach")
    dialog.get_by_label("Find a term").press("Enter")
    page.wait_for_function("(n) => document.querySelectorAll(\"[role='dialog'] li\").length === n",
                           arg=len(matching("reach")), timeout=30_000)
    shown = dialog.locator("li").all_inner_texts()
    assert 0 < len(shown) < len(GLOSSARY) and all("reach" in entry.casefold() for entry in shown)
    assert any(entry.startswith("reach:") for entry in shown)
    page.keyboard.press("Escape")
    page.locator("[role='dialog']").wait_for(state="detached", timeout=10_000)
    assert_no_errors(page)


def test_on_a_phone_figures_of_text_scroll_sideways_and_the_lab_says_where_its_controls_are(browser, app_url):
    """At 390 px the Unit Finder's 80-character lines and the Gradient Lab's saliency strip were squeezed until
    their characters overlapped; they keep a readable width and scroll inside their box, the page never scrolls
    sideways, and the Gradient Lab says its controls are in the folded sidebar (a note a wide screen never shows)."""
    for width, phone in ((390, True), (1280, False)):
        ctx = browser.new_context(viewport={"width": width, "height": 844}, is_mobile=phone, has_touch=phone)
        pg = ctx.new_page()
        try:
            for path, key, inside, least in (("/unit-finder", "uf_text", ".tx-g", 560),
                                             ("/gradient-lab", "gl_strip", ".tx-g", 560)):
                pg.goto(app_url + path)
                settle(pg)
                pg.locator(f".st-key-{key} {inside}").first.wait_for(timeout=60_000)
                box, inner, page_w = pg.evaluate(f"""() => {{ const e = document.querySelector('.st-key-{key}');
                    return [e.clientWidth, e.querySelector('{inside}').getBoundingClientRect().width,
                            document.documentElement.scrollWidth]; }}""")
                assert page_w <= width  # the page itself never scrolls sideways
                assert (inner >= least and box < least) if phone else inner <= box
            hint = pg.get_by_text("The text, the cells and every knob are in the sidebar")
            assert hint.is_visible() == phone
            assert_no_errors(pg)
        finally:
            ctx.close()
