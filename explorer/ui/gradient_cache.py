"""Caches of the Gradient Lab: one measured scene per LabConfig, computed on one torch thread.

Why one thread: the backward sweep is a few thousand tiny (64 × 256) matmuls. A second OpenMP/MKL
thread never speeds those up, and when the shared cores are busy each parallel region waits for a time
slice: measured here, 0.06 ms per matmul on one thread vs 0.9 ms on two, i.e. 10 s instead of 0.3 s
for a scene. torch's thread count is process-wide, so a shared, lock-guarded gate lowers it while at
least one scene is being computed and restores it when the last one finishes.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

import streamlit as st
import torch

from explorer.gradient_lab import LabConfig, LabScene, lab_scene

__all__ = ["scene", "one_torch_thread"]


@dataclass
class _ThreadGate:
    lock: threading.Lock = field(default_factory=threading.Lock)
    users: int = 0
    saved: int = 1


@st.cache_resource
def _gate() -> _ThreadGate:
    return _ThreadGate()


@contextmanager
def one_torch_thread():
    gate = _gate()
    with gate.lock:
        if gate.users == 0:
            gate.saved = torch.get_num_threads()
            torch.set_num_threads(1)
        gate.users += 1
    try:
        yield
    finally:
        with gate.lock:
            gate.users -= 1
            if gate.users == 0:
                torch.set_num_threads(gate.saved)


@st.cache_data(max_entries=32, show_spinner=False)
def scene(config: LabConfig) -> LabScene:
    """The measured scene for `config` (st.cache_data hands each caller its own copy)."""
    with one_torch_thread():
        return lab_scene(config)
