"""The server's start-up (explorer/ui/startup.py): `streamlit run app.py` serves app.py's st.App, whose lifespan
computes, before the server listens, what the pages read."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Streamlit's own discovery finds the st.App in app.py (what `streamlit run app.py` does), then the ASGI lifespan
# protocol is spoken to it as uvicorn does: startup, then, before any request, the page's cached calls are checked
# to be answered from the shared caches (the measuring function replaced by one that fails), then shutdown.
SERVE_UNTIL_STARTED = """
import asyncio, importlib, logging, sys
from pathlib import Path
logging.disable(logging.WARNING)
from streamlit.web.server.app_discovery import discover_asgi_app
found = discover_asgi_app(Path('app.py'))
print('discovered', found.import_string)
module, name = found.import_string.split(':')
sys.path.insert(0, '.')
asgi = getattr(importlib.import_module(module), name)

async def main():
    inbox, sent = asyncio.Queue(), []
    async def send(message):
        sent.append(message)
    inbox.put_nowait({'type': 'lifespan.startup'})
    server = asyncio.create_task(asgi({'type': 'lifespan', 'asgi': {'version': '3.0'}, 'state': {}}, inbox.get, send))
    while not sent:
        await asyncio.sleep(0.05)
    print('startup', sent[0]['type'])
    import explorer.ui.gradient_cache as cache
    from explorer.scenes.gradient_lab import DEFAULT_TEXT
    def measured_again(*args, **kwargs):
        raise SystemExit('measured again')
    cache.model_scene = measured_again
    print('scene', sorted(cache.shipped_scene(DEFAULT_TEXT).curves), sorted(cache.untrained_twin_high(DEFAULT_TEXT)))
    inbox.put_nowait({'type': 'lifespan.shutdown'})
    await server
    print('shutdown', sent[-1]['type'])

asyncio.run(main())
"""


def test_streamlit_run_serves_app_py_with_the_start_up_done_before_any_request():
    out = subprocess.run([sys.executable, "-c", SERVE_UNTIL_STARTED], capture_output=True, text=True, timeout=300,
                         cwd=ROOT)
    assert out.returncode == 0, out.stdout[-500:] + out.stderr[-2000:]
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "discovered app:app"
    assert lines[1] == "startup lifespan.startup.complete"
    assert lines[2] == "scene ['gru', 'lstm', 'rnn'] ['gru', 'lstm']"
    assert lines[-1] == "shutdown lifespan.shutdown.complete"

