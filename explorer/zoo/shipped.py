"""The models shipped with the app: load them safely, offline, and check them against their manifests.

Each model is two files in explorer/weights/: `<name>.json` (the manifest written by
`explorer.zoo.pretrain`) and `<name>.npz` (plain float32 arrays). Nothing here can run code from a file:
arrays are read with `np.load(..., allow_pickle=False)`, and before any array is used the loader checks
the file size (on disk and unpacked), that it holds exactly the expected tensor names, and that every
shape and dtype is what the architecture and the manifest say. Each failure is a ValueError that says
what was expected and what arrived.

Loaded models are in eval mode with requires_grad off; the app shares one copy between sessions
(st.cache_resource), so nothing may train or modify them.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from explorer.cells import SPECS
from explorer.model import CharModel, ModelConfig
from explorer.zoo.pretrain import WEIGHTS_DIR
from explorer.text import Vocab
from explorer.limits import MAX_WEIGHTS_BYTES

__all__ = ["Manifest", "MAX_WEIGHTS_BYTES", "DEFAULT_MODELS", "read_manifest", "load_weights", "load_model",
           "load_default", "untrained_model", "list_shipped", "WEIGHTS_DIR"]

DEFAULT_MODELS = {"lstm": "stdlib-lstm", "gru": "stdlib-gru", "rnn": "stdlib-rnn"}


@dataclass(frozen=True)
class Manifest:
    """What `explorer.zoo.pretrain` recorded about one shipped model (see `raw` for everything)."""

    name: str  # e.g. "stdlib-lstm"
    arch: str
    hidden_size: int  # H
    vocab: Vocab
    parameters: int
    heldout_bits_per_char: float
    heldout_bits_per_char_init: float
    corpus: str  # "stdlib" or "synthetic"
    seed: int
    forget_bias: float
    tensors: tuple[tuple[str, tuple[int, ...], str], ...]  # (name, shape, dtype) of every array
    weights_file: str
    weights_sha256: str
    raw: str  # the manifest JSON as read

    @property
    def config(self) -> ModelConfig:
        return ModelConfig(self.arch, self.hidden_size, self.seed, self.forget_bias)

    def as_dict(self) -> dict:
        return json.loads(self.raw)


def read_manifest(path: Path) -> Manifest:
    path = Path(path)
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        tr = d["training"]
        return Manifest(
            name=str(d["name"]), arch=str(d["arch"]), hidden_size=int(d["hidden_size"]),
            vocab=Vocab(tuple(d["vocab"])), parameters=int(d["parameters"]),
            heldout_bits_per_char=float(d["heldout_bits_per_char"]),
            heldout_bits_per_char_init=float(d["heldout_bits_per_char_init"]),
            corpus=str(d["corpus"]["corpus"]), seed=int(tr["seed"]),
            forget_bias=float(tr["forget_bias"]) if d["arch"] == "lstm" else 0.0,
            tensors=tuple((k, tuple(int(s) for s in v["shape"]), str(v["dtype"])) for k, v in d["tensors"].items()),
            weights_file=str(d["weights_file"]), weights_sha256=str(d["weights_sha256"]),
            raw=json.dumps(d, ensure_ascii=False))
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
        raise ValueError(f"{path.name}: not a valid model manifest ({type(e).__name__}: {e})") from None


def _expected_shapes(m: Manifest) -> dict[str, tuple[int, ...]]:
    """The shapes the architecture dictates (not just what the manifest claims)."""
    G = SPECS[m.arch].gate_count
    H, V = m.hidden_size, m.vocab.size
    return {"cell.weight_ih": (G * H, V), "cell.weight_hh": (G * H, H), "cell.bias_ih": (G * H,),
            "cell.bias_hh": (G * H,), "readout.weight": (V, H), "readout.bias": (V,)}


def load_weights(path: Path, manifest: Manifest, *, max_bytes: int = MAX_WEIGHTS_BYTES,
                 check_hash: bool = True) -> dict[str, np.ndarray]:
    """Read and validate the arrays of `path` against `manifest`. Raises ValueError on any mismatch."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path.name}: weights file not found at {path}")
    size = path.stat().st_size
    if size > max_bytes:
        raise ValueError(f"{path.name}: file is {size:,} bytes, over the {max_bytes:,}-byte cap for weights")
    if zipfile.is_zipfile(path):  # an .npz: bound what it would unpack to before reading anything
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
        if unpacked > max_bytes:
            raise ValueError(f"{path.name}: unpacks to {unpacked:,} bytes, over the {max_bytes:,}-byte cap")
    expected = _expected_shapes(manifest)
    declared = {k: (s, d) for k, s, d in manifest.tensors}
    try:
        z = np.load(path, allow_pickle=False)
        if not isinstance(z, np.lib.npyio.NpzFile):
            raise ValueError(f"{path.name}: expected an .npz archive of named arrays, got a single array")
        try:
            names = set(z.files)
            if names != set(expected):
                raise ValueError(f"{path.name}: expected arrays {sorted(expected)}, got {sorted(names)} "
                                 f"(missing {sorted(set(expected) - names)}, unexpected {sorted(names - set(expected))})")
            arrays = {k: z[k] for k in sorted(names)}
        finally:
            z.close()
    except ValueError as e:
        if "pickle" in str(e).lower():
            raise ValueError(f"{path.name}: holds pickled Python objects, which could run code; refusing to "
                             f"load it (shipped weights must be plain numeric arrays)") from None
        raise
    except (OSError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"{path.name}: not a readable .npz file ({e})") from None
    for k, a in arrays.items():
        if a.shape != expected[k] or k not in declared or tuple(declared[k][0]) != a.shape:
            raise ValueError(f"{path.name}: {k} has shape {a.shape}, expected {expected[k]} for a "
                             f"{manifest.arch.upper()} with H={manifest.hidden_size}, V={manifest.vocab.size}")
        if a.dtype != np.float32 or declared[k][1] != "float32":
            raise ValueError(f"{path.name}: {k} has dtype {a.dtype}, expected float32")
        if not np.isfinite(a).all():
            raise ValueError(f"{path.name}: {k} contains NaN or infinite values")
    if check_hash:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != manifest.weights_sha256:
            raise ValueError(f"{path.name}: SHA-256 {digest[:12]}… does not match the manifest's "
                             f"{manifest.weights_sha256[:12]}… (file changed after training?)")
    return arrays


def confined(folder: Path, name: str) -> Path:
    """`folder / name`, refused unless it is a plain file name inside `folder` (a manifest may not point
    at '../x.npz', an absolute path or a link out of the weights folder)."""
    path = (Path(folder) / name)
    if Path(name).name != name or name in ("", ".", "..") or path.resolve().parent != Path(folder).resolve():
        raise ValueError(f"weights_file {name!r} must be a file name inside {Path(folder).name}/, not a path")
    return path


def untrained_model(manifest: Manifest) -> CharModel:
    """The same architecture at its initial weights (same seed): the honest baseline for every statistic."""
    model = CharModel(manifest.vocab, manifest.config).eval()
    model.requires_grad_(False)
    return model


def load_model(name: str, weights_dir: Path = WEIGHTS_DIR) -> tuple[CharModel, Manifest]:
    """The trained model `name` (e.g. "stdlib-lstm") and its manifest; read-only (eval, no grad)."""
    weights_dir = Path(weights_dir)
    if name not in list_shipped(weights_dir):
        raise ValueError(f"no shipped model {name!r}; have {', '.join(list_shipped(weights_dir)) or 'none'}")
    manifest = read_manifest(weights_dir / f"{name}.json")
    arrays = load_weights(confined(weights_dir, manifest.weights_file), manifest)
    model = CharModel(manifest.vocab, manifest.config)
    model.load_state_dict({k: torch.from_numpy(a.copy()) for k, a in arrays.items()})
    if model.num_parameters() != manifest.parameters:
        raise ValueError(f"{name}: {model.num_parameters()} parameters, manifest says {manifest.parameters}")
    model.eval().requires_grad_(False)
    return model, manifest


def load_default(arch: str = "lstm") -> CharModel:
    """The model a page opens on for `arch`: trained on the standard-library source."""
    if arch not in DEFAULT_MODELS:
        raise ValueError(f"arch must be one of {sorted(DEFAULT_MODELS)}, got {arch!r}")
    return load_model(DEFAULT_MODELS[arch])[0]


def list_shipped(weights_dir: Path = WEIGHTS_DIR) -> tuple[str, ...]:
    """Names of the models present, stdlib first, then LSTM, GRU, RNN."""
    order = {"stdlib": 0, "synthetic": 1, "lstm": 0, "gru": 1, "rnn": 2}
    names = [p.stem for p in Path(weights_dir).glob("*.json")]
    return tuple(sorted(names, key=lambda n: tuple(order.get(part, 9) for part in n.split("-", 1)) + (n,)))
