"""The core stays usable from a notebook: nothing in explorer/ outside explorer/ui/ imports streamlit."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE_FILES = [p for p in (ROOT / "explorer").rglob("*.py") if "ui" not in p.relative_to(ROOT / "explorer").parts]


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_does_not_import_streamlit(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        assert not any(n == "streamlit" or n.startswith("streamlit.") for n in names), f"{path} imports streamlit"


def test_core_files_were_found():
    assert len(CORE_FILES) >= 5


def test_app_py_only_routes_and_names_the_server():
    src = (ROOT / "app.py").read_text()
    assert "run_router()" in src and "st.App(" in src and "torch" not in src and len(src.splitlines()) < 20
    router = (ROOT / "explorer/ui/router.py").read_text()
    assert "st.navigation(" in router and "import torch" not in router
