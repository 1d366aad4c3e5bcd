"""A small class on one server: three browser sessions at once (the 20-session run is benchmarks/bench_load.py)."""
from urllib.parse import quote

from conftest import assert_no_errors, settle


def test_three_sessions_step_and_train_at_once_without_leaking(browser, app_url):
    pages = [browser.new_context(viewport={"width": 1280, "height": 900}).new_page() for _ in range(3)]
    stepper, trainer_a, trainer_b = pages
    stepper.goto(f"{app_url}/cell-explorer?src=untrained&hidden=16&text=hello%20class")
    trainer_a.goto(f"{app_url}/train?cells=gru&prompt=a&text={quote('aaab1')}")
    trainer_b.goto(f"{app_url}/train?cells=gru&prompt=c&text={quote('cccd2')}")
    for p in pages:
        settle(p)
    # both trainings run on the server while the third session steps in its browser
    for p in (trainer_a, trainer_b):
        p.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Train", exact=True).click(
            no_wait_after=True)
    stepper.locator(".cv-root[data-ready='1']").wait_for(timeout=60_000)
    stepper.locator("h1").click()
    for k in range(2, 8):
        stepper.keyboard.press("ArrowRight")
        assert stepper.get_by_test_id("cv-step").inner_text() == f"t = {k}"
    for p, own, other in ((trainer_a, "1", "2"), (trainer_b, "2", "1")):
        p.get_by_text("How training went").wait_for(timeout=90_000)
        settle(p)
        texts = p.get_by_test_id("stMainBlockContainer").get_by_test_id("stText")
        texts.first.wait_for(timeout=30_000)
        generated = " ".join(texts.all_inner_texts())
        assert own in generated and other not in generated, generated  # each sees only its own model
    fresh = browser.new_context().new_page()
    fresh.goto(f"{app_url}/cell-explorer?src=session")
    settle(fresh)
    assert fresh.get_by_text("no model trained in this session").count() == 1
    for p in pages + [fresh]:
        assert_no_errors(p)
        p.context.close()
