"""The data the Cell Explorer's stepping component receives: every step of every run, sent once.

Arrays are float32 in unit-major (H, T) order, so a heatmap row is one slice and the browser never asks
the server for anything while the cursor moves. `pack` puts them on the wire as raw bytes behind a JSON
header: no base64, and no megabytes of JSON to encode, hash and parse on every run (a 2,000-character text
with three runs was 3.3 MB of JSON).
"""
from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass

import numpy as np

from explorer.cells import SPECS
from explorer.figures.heatmaps import panels, shared_range
from explorer.figures.style import plot_text
from explorer.model import CharModel, TextTrace
from explorer.figures.style import GATE_SCALE, TANH_SCALE, scale_levels
from explorer.text import char_label
from explorer.limits import MAX_VIEW_CELLS

__all__ = ["Run", "payload", "pack", "unpack", "MAX_VIEW_CELLS"]




@dataclass(frozen=True)
class Run:
    """One column of the view: a model's traced text, possibly a what-if of another run."""

    id: str
    title: str
    model: CharModel
    traced: TextTrace
    note: str = ""  # one line under the title (e.g. which gates are clamped)
    clamps: tuple = ()  # the Clamps of a what-if run


def _unit_major(a: np.ndarray) -> np.ndarray:
    """(T, H) array -> float32 in (H, T) order: a heatmap row (one unit over time) is one slice."""
    return np.ascontiguousarray(a.T, dtype=np.float32)


# The wire format of `pack`: a little-endian uint32 n, then n bytes of UTF-8 JSON (space-padded so the arrays
# start on a 4-byte boundary), then every array's float32 values back to back. In the JSON an array is
# {"__f32": [first, count]}: its place among those values. cell_view.js's unpack reads exactly this.
ARRAY_REF = "__f32"


def pack(data: dict) -> bytes:
    """`data` (a payload, with any extra JSON fields) as the bytes the component receives."""
    arrays: list[np.ndarray] = []
    at = 0

    def ref(o):  # json's hook for what it cannot encode: an array becomes its place among the values
        nonlocal at
        if not isinstance(o, np.ndarray):
            raise TypeError(f"{type(o).__name__} is not JSON")
        a = np.ascontiguousarray(o, dtype="<f4").ravel()
        arrays.append(a)
        at += a.size
        return {ARRAY_REF: [at - a.size, a.size]}

    def finite(o):  # the slow path, taken only when some number is NaN or infinite (a diverged model)
        if isinstance(o, dict):
            return {k: finite(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [finite(v) for v in o]
        return None if isinstance(o, float) and not math.isfinite(o) else o

    encode = lambda d: json.dumps(d, ensure_ascii=False, separators=(",", ":"), allow_nan=False,  # noqa: E731
                                  default=ref).encode("utf-8")
    try:
        head = encode(data)
    except ValueError:  # JSON has no NaN or infinity (JavaScript's JSON.parse refuses them): null instead
        arrays.clear()
        at = 0
        head = encode(finite(data))
    head += b" " * (-(4 + len(head)) % 4)
    return b"".join([struct.pack("<I", len(head)), head, *(a.tobytes() for a in arrays)])


def unpack(raw: bytes) -> dict:
    """`pack`'s bytes back to the payload, arrays as flat float32 (for tests and notebooks; the browser has its own)."""
    (n,) = struct.unpack_from("<I", raw)
    values = np.frombuffer(raw, dtype="<f4", offset=4 + n)

    def arrays(o):
        if isinstance(o, dict):
            if set(o) == {ARRAY_REF}:
                first, count = o[ARRAY_REF]
                return values[first:first + count]
            return {k: arrays(v) for k, v in o.items()}
        if isinstance(o, list):
            return [arrays(v) for v in o]
        return o

    return arrays(json.loads(raw[4:4 + n].decode("utf-8")))


def payload(runs: list[Run], *, t: int = 1, unit: int = 0, k: int = 5, offset: int = 0,
            presenter: bool = False, robust: bool = False, after: str | None = None) -> dict:
    """JSON-ready description of the runs (all traced on the same steps) for the stepping component.

    offset: index of the window's first step in the whole text (the runs' traces are that window; the clamps
    count steps of the whole text). after: the character that follows the window, if the text goes on.
    """
    if not runs:
        raise ValueError("payload needs at least one run")
    first = runs[0].traced
    T, H = first.trace.h.shape
    labels = list(first.labels)
    c_range = shared_range([r.traced.trace for r in runs], robust)  # compared panels share one scale
    out_runs = []
    for run in runs:
        tr = run.traced.trace
        if tr.h.shape[0] != T:
            raise ValueError("all runs must trace the same text")
        top = run.traced.top_k(k)
        vocab_labels = [char_label(ch) for ch in run.traced.vocab.chars]  # once per character, not per (step, k)
        chars = [[vocab_labels[i] for i in row] for row in top.ids.tolist()]
        out_runs.append({
            "id": run.id, "title": run.title, "note": run.note, "arch": tr.arch,
            "hidden": tr.hidden_size,
            "spec": SPECS[tr.arch].to_json(),  # wire labels, kinds and formulas, and the live equations
            "panels": [{"name": p.name, "title": p.title, "caption": p.caption, "kind": p.kind, "zmin": p.zmin,
                        "zmax": p.zmax, "colorscale": p.colorscale, "hover": SPECS[tr.arch].quantity(p.name).title.rsplit(" ", 1)[0],  # "forget gate"
                        "values": _unit_major(p.values)} for p in panels(tr, c_range)],
            "aux": {name: _unit_major(v.detach().numpy()) for name, v in run.model.cell.aux_arrays(tr).items()},
            # pinned gates: the what-if's clamps, so the view marks their values as pinned, never as computed
            "pinned": [{"gate": c.gate, "from": c.from_step - offset, "value": c.value,  # a step of the window
                        "units": None if c.units is None else list(c.units)} for c in run.clamps],
            "h0": tr.h0.tolist(), "c0": None if tr.c0 is None else tr.c0.tolist(),
            "topk": {"chars": chars, "probs": np.round(top.probs.double().numpy(), 4).tolist(),
                     "none": getattr(run.model, "no_predictions", None)},  # why a model shows no predictions
        })
    return {
        "T": T, "H": H, "labels": labels, "plabels": [plot_text(s) for s in labels], "offset": offset,
        "after": None if after is None else char_label(after),
        "t": max(1, min(t, T)), "unit": max(0, min(unit, H - 1)), "presenter": presenter,
        "luts": {GATE_SCALE: list(scale_levels(GATE_SCALE)), TANH_SCALE: list(scale_levels(TANH_SCALE))},
        "runs": out_runs,
    }

