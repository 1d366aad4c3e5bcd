"""Adam, step for step as torch.optim.Adam computes it on the CPU with its defaults.

Why not torch.optim.Adam itself: its methods are wrapped in `torch._disable_dynamo`, which imports
torch._dynamo, and with it sympy, the first time an optimizer is built: importing the two added 72 MiB
to a process already holding torch and Streamlit (measured on torch 2.13), in every server process that
trains anything, for a compiler the app never uses. The update below is torch's single-tensor Adam (no
weight decay, no AMSGrad), the path torch takes for CPU tensors; tests/test_training.py checks that both
give bit-identical weights over many steps.
"""
from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

__all__ = ["Adam"]


class Adam:
    """Kingma & Ba (2015), as torch.optim.Adam(params, lr, betas, eps) with every other option at its default.

    For each parameter θ with gradient g, at step k = 1, 2, …:
        m ← β₁ m + (1 − β₁) g                  (torch: m.lerp_(g, 1 − β₁))
        v ← β₂ v + (1 − β₂) g²
        θ ← θ − lr / (1 − β₁ᵏ) · m / (√v / √(1 − β₂ᵏ) + ε)
    """

    def __init__(self, params: Iterable[nn.Parameter], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8):
        self.params = [p for p in params if p.requires_grad]
        if not self.params:
            raise ValueError("Adam got no parameters that require a gradient")
        self.lr, (self.beta1, self.beta2), self.eps = float(lr), betas, float(eps)
        self.steps = [0] * len(self.params)  # k per parameter: one without a gradient is skipped, as in torch
        self.exp_avg = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.params]  # m
        self.exp_avg_sq = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.params]  # v

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    @torch.no_grad()
    def step(self) -> None:
        for j, (p, m, v) in enumerate(zip(self.params, self.exp_avg, self.exp_avg_sq)):
            if p.grad is None:
                continue
            self.steps[j] += 1
            k = float(self.steps[j])  # torch keeps k as a float tensor and raises the betas to it as a Python float
            bias_correction1 = 1 - self.beta1 ** k
            bias_correction2_sqrt = (1 - self.beta2 ** k) ** 0.5
            g = p.grad
            m.lerp_(g, 1 - self.beta1)  # m ← β₁ m + (1 − β₁) g
            v.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)  # v ← β₂ v + (1 − β₂) g²
            denom = (v.sqrt() / bias_correction2_sqrt).add_(self.eps)  # √v̂ + ε
            p.addcdiv_(m, denom, value=-self.lr / bias_correction1)  # θ ← θ − lr · m̂ / (√v̂ + ε)
