"""Stochastic gradient descent with PyTorch's momentum convention."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet._validate import check_number
from glassnet.errors import ConfigError
from glassnet.optim import fused
from glassnet.optim.base import Buffers, Optimizer, check_bool


@dataclass(frozen=True, eq=False)
class SGDState:
    """t: updates applied so far; buffer: momentum buffer b_t (None without momentum)."""

    t: int
    buffer: np.ndarray | None


class SGD(Optimizer):
    """Gradient descent, optionally with momentum, matching ``torch.optim.SGD`` step for step.

    With η = lr, μ = momentum, τ = dampening, λ = weight_decay, g = ∂C/∂θ::

        g ← g + λ θ                       (coupled L2 weight decay, if λ > 0)
        b₁ = g                            (first step: the buffer starts at the gradient)
        b_t = μ b_{t−1} + (1 − τ) g       (t > 1, if μ > 0)
        g ← g + μ b_t                     (nesterov)   or   g ← b_t   (classical momentum)
        θ ← θ − η g

    Convention: η multiplies the step, not the buffer (PyTorch's form), so a learning rate
    that changes between steps acts on the next step only. The "v ← μv − ηg, θ ← θ + v"
    form of sklearn/Keras gives the same iterates only while η is constant and τ = 0.
    ``describe()`` names the buffer ``buffer``.

    Parameters
    ----------
    lr : float ≥ 0
    momentum : float ≥ 0 (μ; 0 = plain gradient descent)
    dampening : float in [0, 1] (τ)
    nesterov : bool — requires momentum > 0 and dampening = 0, as torch
    weight_decay : float ≥ 0 (λ; decays every entry of params, biases included)
    clip_norm, clip_value : see :class:`~glassnet.optim.base.Optimizer`

    Examples
    --------
    >>> theta, g = np.array([1.0]), np.array([0.5])
    >>> opt = SGD(lr=0.1, momentum=0.9)
    >>> opt.step(theta, g); opt.step(theta, g)     # b₁ = 0.5, b₂ = 0.9·0.5 + 0.5 = 0.95
    >>> theta.round(6).tolist()                    # 1 − 0.1·0.5 − 0.1·0.95
    [0.855]
    """

    name = "sgd"
    State = SGDState
    _fields = ("buffer",)

    def __init__(
        self,
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        clip_norm: float | None = None,
        clip_value: float | None = None,
    ) -> None:
        where = "SGD"
        self.momentum = check_number(where, "momentum", momentum, low=0.0)
        self.dampening = check_number(where, "dampening", dampening, low=0.0, high=1.0)
        self.nesterov = check_bool(where, "nesterov", nesterov)
        self.weight_decay = check_number(where, "weight_decay", weight_decay, low=0.0)
        if self.nesterov and (self.momentum == 0.0 or self.dampening != 0.0):
            raise ConfigError(
                f"SGD: nesterov=True requires momentum > 0 and dampening = 0 (as torch); "
                f"got momentum={momentum!r}, dampening={dampening!r}."
            )
        super().__init__(lr, clip_norm=clip_norm, clip_value=clip_value)

    def _hyper(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "momentum": self.momentum,
            "dampening": self.dampening,
            "nesterov": self.nesterov,
            "weight_decay": self.weight_decay,
        }

    def _active(self) -> tuple[str, ...]:
        return ("buffer",) if self.momentum else ()

    def _update(
        self, params: np.ndarray, grads: np.ndarray, lr: float, t: int, bufs: Buffers, tmp: Buffers
    ) -> None:
        mu, tau, wd = self.momentum, self.dampening, self.weight_decay
        buffer = bufs["buffer"] if mu else None
        kernels = fused.kernels(params, grads, buffer)
        if kernels is not None:  # the same operations in one pass (glassnet/optim/_fused.c)
            kernels.sgd(params, grads, buffer, lr, mu, tau, wd, self.nesterov, t == 1)
            return
        d = tmp["d"]  # the NumPy backend's scratch (made on first use)
        g = grads
        if wd:
            s = tmp["s"]
            np.multiply(params, wd, out=s)
            g = np.add(grads, s, out=s)  # g ← g + λθ
        if mu:
            b = bufs["buffer"]
            if t == 1:
                np.copyto(b, g)  # b₁ = g
            else:
                np.multiply(b, mu, out=b)  # b ← μ b
                if tau:
                    np.add(b, np.multiply(g, 1.0 - tau, out=d), out=b)  # b ← μ b + (1 − τ) g
                else:
                    np.add(b, g, out=b)  # b ← μ b + g
            # nesterov: g ← g + μ b;   classical: g ← b
            g = np.add(g, np.multiply(b, mu, out=d), out=d) if self.nesterov else b
        np.subtract(params, np.multiply(g, lr, out=d), out=params)  # θ ← θ − η g

    def describe(self, sl: Any = slice(None)) -> dict[str, np.ndarray]:
        """``{"buffer": b_t[sl]}`` with momentum; empty for plain SGD or before the first step."""
        return super().describe(sl)
