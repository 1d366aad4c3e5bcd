"""both_directions: a bidirectional layer's two fused runs at the same time, one on a second thread
(`at_once`: any two independent pieces of torch work so, e.g. the Gradient Lab's sweeps of two cells).

torch's fused kernel runs a bidirectional layer's directions one after the other, and each is a chain of
T small products (1×P by P×G·H per step) that a second intra-op thread does not speed up. The two
directions do not depend on each other, so Stack.trace runs the reverse one on a short-lived thread
while the calling thread runs the forward one (torch releases the GIL inside its kernels).

Both threads run with one intra-op thread (`one_intra_op_thread`; Stack.trace holds it for its whole
bidirectional run): an OpenMP team's idle threads spin (libgomp: ~10 ms of CPU after each parallel
region, measured here), and on two cores a spinning team takes the other thread's core.
`torch.set_num_threads` sets the calling thread's OpenMP and MKL counts (thread-local), so the caller's
own count is restored afterwards and other threads keep theirs; where the count is already 1 (the
app's server) nothing is changed. A run at one intra-op thread gives the same numbers whatever the
caller's count was.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager
from typing import TypeVar

import torch

__all__ = ["both_directions", "at_once", "one_intra_op_thread"]

T, U = TypeVar("T"), TypeVar("U")


@contextmanager
def one_intra_op_thread():
    """Run the body with one intra-op thread in this thread, then restore this thread's count."""
    n = torch.get_num_threads()
    if n > 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if n > 1:
            torch.set_num_threads(n)


def both_directions(forward: Callable[[], torch.Tensor],
                    reverse: Callable[[], torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """(forward(), reverse()), computed at the same time: reverse on a new thread, forward on this one."""
    return at_once(forward, reverse)


def at_once(first: Callable[[], T], second: Callable[[], U]) -> tuple[T, U]:
    """(first(), second()), computed at the same time, each at one intra-op thread: second on a new thread,
    first on this one. For independent torch work (the GIL is released inside torch's kernels).

    The new thread runs in this thread's grad mode; an exception in either is raised here.
    """
    grad, done = torch.is_grad_enabled(), {}

    def work():
        try:
            with torch.set_grad_enabled(grad), one_intra_op_thread():
                done["out"] = second()
        except BaseException as err:  # handed to the caller below
            done["err"] = err

    worker = threading.Thread(target=work, name="explorer-second-thread", daemon=True)
    with one_intra_op_thread():
        worker.start()
        try:
            out = first()
        finally:
            worker.join()
    if "err" in done:
        raise done["err"]
    return out, done["out"]
