"""The replica launcher's warm-up (explorer/ui/serve.py): what it computes before listening is what pages read."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_gradient_labs_opening_scene_is_measured_before_the_server_listens():
    """After warm_gradient_lab (the launcher's, before the runtime exists), the page's two cached calls on the
    default text are answered from st.cache_data: the measuring function is never called again. The first visitor
    of the page waited ~6 s for it on one thread."""
    code = ("import logging; logging.disable(logging.WARNING)\n"
            "from explorer.ui.serve import warm, warm_gradient_lab; warm(); warm_gradient_lab()\n"
            "import explorer.ui.gradient_cache as cache\n"
            "from explorer.scenes.gradient_lab import DEFAULT_TEXT\n"
            "def measured_again(*args, **kwargs): raise SystemExit('measured again')\n"
            "cache.model_scene = measured_again\n"
            "sc = cache.shipped_scene(DEFAULT_TEXT); high = cache.untrained_twin_high(DEFAULT_TEXT)\n"
            "print(sorted(sc.curves), sorted(high))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stdout[-500:] + out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "['gru', 'lstm', 'rnn'] ['gru', 'lstm']"


def test_a_plain_streamlit_runs_first_page_measures_it_in_the_background(monkeypatch):
    """`streamlit run app.py` has no launcher: its first run starts the same measurement on a thread (the first
    page does not wait for it), and once that thread ends the Gradient Lab's opening scene is a cache hit."""
    import threading

    from conftest import open_app_page
    import explorer.ui.gradient_cache as cache
    import explorer.ui.serve as serve
    from explorer.scenes.gradient_lab import DEFAULT_TEXT

    cache.shipped_scene.clear()
    cache.untrained_twin_high.clear()
    serve.warm_gradient_lab.cache_clear()
    serve.warm_gradient_lab_soon.cache_clear()
    open_app_page("pages/home.py")
    (worker,) = [t for t in threading.enumerate() if t.name == "warm-gradient-lab"]
    worker.join(timeout=240)
    assert not worker.is_alive()

    def measured_again(*args, **kwargs):
        raise AssertionError("measured again")

    monkeypatch.setattr(cache, "model_scene", measured_again)
    assert sorted(cache.shipped_scene(DEFAULT_TEXT).curves) == ["gru", "lstm", "rnn"]
    assert sorted(cache.untrained_twin_high(DEFAULT_TEXT)) == ["gru", "lstm"]
