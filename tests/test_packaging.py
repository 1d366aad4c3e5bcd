"""The install works anywhere: pyproject.toml and requirements*.txt pin the same versions, and an installed
package finds its weights and its component files from any folder."""
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pins(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line.strip())
        if m:
            out[m.group(1).lower()] = m.group(2)
    return out


def test_pyproject_and_requirements_pin_the_same_versions():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = dict(d.lower().split("==") for d in project["dependencies"])
    assert declared == _pins(ROOT / "requirements.txt")
    dev = dict(d.lower().split("==") for d in project["optional-dependencies"]["dev"])
    assert dev == _pins(ROOT / "requirements-dev.txt")


def test_package_data_covers_every_file_the_app_loads():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    for package, patterns in project.items():
        base = ROOT / package.replace(".", "/")
        for pattern in patterns:
            if "examples" in pattern and not (base / "examples").exists():
                continue
            assert list(base.glob(pattern)), (package, pattern)


def test_import_explorer_from_another_folder(tmp_path):
    """`import explorer` from a notebook's folder (PYTHONPATH stands in for `pip install -e .`)."""
    code = "import explorer.zoo.shipped as s; print(len(s.list_shipped()))"
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert int(run.stdout.strip()) == 6
