"""Downloads: traces as .npz or CSV, and a character model as a validated .npz that loads back.

Nothing here can run code on load: arrays only, read with allow_pickle=False, every name, shape and
dtype checked against what a CharModel of the stated sizes must have, and a size cap before reading.
"""
from __future__ import annotations

import io
import zipfile

import numpy as np
import torch

from explorer.model import CharModel, ModelConfig, TextTrace
from explorer.text import Vocab

__all__ = ["traces_npz", "traces_csv", "model_npz", "model_from_npz", "MAX_MODEL_BYTES"]

MAX_MODEL_BYTES = 4_000_000  # H = 256 over a printable vocabulary is ~1.4 MB


def _quantities(tt: TextTrace) -> dict[str, np.ndarray]:
    out = {k: v.detach().double().numpy() for k, v in tt.trace.states().items()}  # each (T, H)
    out["next_char_probs"] = tt.probs.detach().double().numpy()  # (T, V)
    return out


def traces_npz(named: dict[str, TextTrace]) -> bytes:
    """One .npz: '<run>/<quantity>' (T, H) arrays, plus the text as code points and each run's vocabulary."""
    arrays: dict[str, np.ndarray] = {}
    for name, tt in named.items():
        for q, a in _quantities(tt).items():
            arrays[f"{name}/{q}"] = a
        arrays[f"{name}/vocab_codepoints"] = np.array([ord(c) for c in tt.vocab.chars], dtype=np.int32)
    first = next(iter(named.values()))
    arrays["text_codepoints"] = np.array([ord(c) for c in first.text], dtype=np.int32)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def traces_csv(named: dict[str, TextTrace]) -> str:
    """Long format, one row per (run, quantity, step, unit): run,quantity,t,char,unit,value."""
    rows = ["run,quantity,t,char,unit,value"]
    for name, tt in named.items():
        for q, a in _quantities(tt).items():
            if q == "next_char_probs":
                continue
            T, H = a.shape
            for k in range(T):
                ch = str(ord(tt.text[k]))  # a code point: commas, quotes and newlines cannot break the CSV
                rows.extend(f"{name},{q},{k + 1},{ch},{u},{a[k, u]:.6g}" for u in range(H))
    return "\n".join(rows) + "\n"


def model_npz(model: CharModel) -> bytes:
    """A trained model as arrays only: its weights, vocabulary (code points) and configuration."""
    arrays = {name: p.detach().cpu().float().numpy() for name, p in model.state_dict().items()}
    arrays["vocab_codepoints"] = np.array([ord(c) for c in model.vocab.chars], dtype=np.int32)
    arrays["arch"] = np.array(["lstm", "gru", "rnn"].index(model.config.arch), dtype=np.int32)
    arrays["hidden_size"] = np.array(model.config.hidden_size, dtype=np.int32)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def model_from_npz(data: bytes, max_bytes: int = MAX_MODEL_BYTES) -> CharModel:
    """Load what model_npz wrote, or raise ValueError saying what is wrong. Never unpickles."""
    if len(data) > max_bytes:
        raise ValueError(f"The file has {len(data):,} bytes; models are capped at {max_bytes:,}.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
        if unpacked > 4 * max_bytes:
            raise ValueError(f"The file unpacks to {unpacked:,} bytes; models are capped at {4 * max_bytes:,}.")
        npz = np.load(io.BytesIO(data), allow_pickle=False)
        arrays = {k: npz[k] for k in npz.files}
    except ValueError as err:
        if "pickle" in str(err).lower():
            raise ValueError("The file holds pickled Python objects; only plain arrays are accepted.") from None
        raise ValueError(f"The file is not a model saved by this app ({err}).") from None
    except Exception as err:  # zipfile.BadZipFile, OSError, EOFError...
        raise ValueError(f"The file is not a .npz archive ({type(err).__name__}).") from None
    for key in ("vocab_codepoints", "arch", "hidden_size"):
        if key not in arrays:
            raise ValueError(f"The file has no '{key}': it was not saved by this app.")
    try:
        arch = ["lstm", "gru", "rnn"][int(arrays["arch"])]
        H = int(arrays["hidden_size"])
        chars = tuple(chr(int(c)) for c in arrays["vocab_codepoints"])
        if not 1 <= H <= 256:
            raise ValueError
        vocab = Vocab(chars)
    except (ValueError, IndexError, OverflowError, TypeError):
        raise ValueError("The file's architecture, hidden size or vocabulary is not valid.") from None
    model = CharModel(vocab, ModelConfig(arch=arch, hidden_size=H))
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    got = {k: v for k, v in arrays.items() if k not in ("vocab_codepoints", "arch", "hidden_size")}
    if set(got) != set(expected):
        raise ValueError(f"The file's weights are {sorted(got)}; a {arch.upper()} model has {sorted(expected)}.")
    for k, shape in expected.items():
        a = got[k]
        if tuple(a.shape) != shape or a.dtype != np.float32:
            raise ValueError(f"'{k}' has shape {tuple(a.shape)} and dtype {a.dtype}; expected {shape} float32.")
        if not np.isfinite(a).all():
            raise ValueError(f"'{k}' holds NaN or infinite values.")
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in got.items()})
    return model
