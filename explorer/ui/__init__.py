"""The only Streamlit-aware code besides pages/: shared widgets, caches and components.

Server-wide torch policy, set here because this package is imported (by app.py's router) before any
page imports torch: one intra-op thread, and OpenMP threads that sleep instead of spinning. A
Streamlit server runs many sessions on threads of one process; the cells' work is many small matmuls
that a second intra-op thread does not speed up, and on busy cores spinning OpenMP threads made
small-model training 20-100x slower here (measured: 'hello' 60 steps, 5.2 s on two threads vs 0.12 s
on one). A deployment can still override both through the environment.
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
