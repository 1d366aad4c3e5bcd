"""The shipped models' recipe is their manifests' single source, and nothing in explorer/ touches torch's
global random state (every public entry point leaves torch.get_rng_state() as it found it)."""
import json
import shutil
import subprocess
import sys

import torch

from explorer.zoo.pretrain import RECIPES, WEIGHTS_DIR, check_manifests


def test_every_manifest_agrees_with_its_recipe():
    assert check_manifests() == []
    assert sorted(RECIPES) == sorted(p.stem for p in WEIGHTS_DIR.glob("*.json"))


def test_check_reports_a_drifted_manifest(tmp_path):
    for p in WEIGHTS_DIR.glob("*.json"):
        shutil.copy(p, tmp_path / p.name)
    m = json.loads((tmp_path / "stdlib-lstm.json").read_text())
    m["training"]["lr"] = 0.003
    (tmp_path / "stdlib-lstm.json").write_text(json.dumps(m))
    problems = check_manifests(tmp_path)
    assert problems == ["stdlib-lstm: training.lr is 0.003 in the manifest, 0.02 in the recipe"]
    run = subprocess.run([sys.executable, "-m", "explorer.pretrain", "--check", "--out", str(tmp_path)],
                         capture_output=True, text=True)
    assert run.returncode == 1 and "training.lr" in run.stdout


def test_public_entry_points_leave_the_global_rng_alone():
    from explorer.cells import CELLS
    from explorer.data.tasks import TaskSpec
    from explorer.gradients import input_sensitivity, sensitivities
    from explorer.model import CharModel, ModelConfig
    from explorer.race import CONTESTANTS, RaceConfig, SequenceModel, run_race
    from explorer.reference import reference_trace
    from explorer.text import Vocab
    from explorer.training import train_char_model
    from explorer.zoo.shipped import load_default

    torch.manual_seed(1234)
    before = torch.get_rng_state()
    x = torch.ones(6, 3)
    for arch, cls in CELLS.items():
        cell = cls(3, 4, seed=1)
        cell.trace(x)
        reference_trace(cell, x)
        input_sensitivity(cell, x)
        sensitivities(cell, x)
        cls.from_torch(cell.to_torch())
        CharModel(Vocab.printable(), ModelConfig(arch, 4)).trace_text("hi")
    train_char_model("hello", arch="lstm", seed=0, steps=3)
    for contestant in CONTESTANTS.values():
        SequenceModel(TaskSpec(), contestant, 4, 0)
    run_race(RaceConfig(max_steps=2, hidden_size=4, eval_every=1, eval_size=8, test_size=8))
    load_default("lstm")
    assert torch.equal(torch.get_rng_state(), before)
