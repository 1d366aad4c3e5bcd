"""linear_scan: every c_t of c_t = a_t ⊙ c_{t-1} + b_t at once, the LSTM's cell-state recurrence."""
from __future__ import annotations

import torch

__all__ = ["linear_scan"]

_SCAN_BASE = 8  # at most this many rows: the doubling scan below, log2(8) = 3 rounds


def linear_scan(a: torch.Tensor, b: torch.Tensor, c0: torch.Tensor) -> torch.Tensor:
    """All c_t of the recurrence c_t = a_t * c_{t-1} + b_t, for t = 1..T, by odd-even reduction.

    a, b: (T, H); c0: (H,). Returns (T, H). Any trailing shape works the same: a, b (T, B, H), c0 (B, H).
    Composing two steps is again one step: (a, b) then (a', b') is (a' a, a' b + b'). So every odd row is
    merged with the row before it (one multiply and one multiply-add over all pairs at once), the
    half-length recurrence is solved the same way, and the even rows are filled in from their
    predecessors: log2(T) levels whose sizes halve, so about 2T multiply-adds in all and no Python loop
    over time. Unlike a cumprod/divide formula it only multiplies, so products of small forget gates
    underflow to 0 harmlessly instead of dividing by 0.
    """
    T = a.shape[0]
    if T <= _SCAN_BASE:
        return _doubling_scan(a, b, c0)
    n = T // 2  # pairs (2k, 2k+1) in 0-based rows, k < n
    a_even, a_odd = a[0:2 * n:2], a[1::2]  # (n, H) each
    b_even, b_odd = b[0:2 * n:2], b[1::2]
    c_odd = linear_scan(a_odd * a_even, torch.addcmul(b_odd, a_odd, b_even), c0)  # (n, H): rows 1, 3, 5, ...
    out = torch.empty_like(b)
    out[1::2] = c_odd
    before_even = torch.cat([c0.unsqueeze(0), c_odd[: (T + 1) // 2 - 1]])  # the state entering rows 0, 2, 4, ...
    torch.addcmul(b[0::2], a[0::2], before_even, out=out[0::2])  # c_{2k} = a_{2k} c_{2k-1} + b_{2k}
    return out


def _doubling_scan(a: torch.Tensor, b: torch.Tensor, c0: torch.Tensor) -> torch.Tensor:
    """linear_scan for a few rows: Hillis–Steele doubling, log2(T) rounds over all rows."""
    T = a.shape[0]
    A = a  # read-only: rounds write into the two buffers of `spare`, never into `a`
    spare = [torch.empty_like(a), torch.empty_like(a)]
    B = b.clone()
    B[0] = B[0] + a[0] * c0  # fold the initial state into step 1
    B_next = torch.empty_like(B)  # ping-pong buffer: no allocation per round
    d, k = 1, 0
    while d < T:
        # the new B and A both read the values from before this round
        B_next[:d] = B[:d]
        torch.addcmul(B[d:], A[d:], B[:-d], out=B_next[d:])  # B_t <- A_t * B_{t-d} + B_t
        if 2 * d < T:  # the last round needs no new A
            A_next = spare[k]
            A_next[:d] = A[:d]
            torch.mul(A[d:], A[:-d], out=A_next[d:])  # A_t <- A_t * A_{t-d}
            A, k = A_next, 1 - k
        B, B_next = B_next, B
        d *= 2
    return B
