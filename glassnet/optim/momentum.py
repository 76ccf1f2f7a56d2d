"""Momentum in the course form: an exponential moving average of the gradients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet._validate import check_number
from glassnet.optim import fused
from glassnet.optim.base import Buffers, Optimizer


@dataclass(frozen=True, eq=False)
class MomentumState:
    """t: updates applied so far; m: moving average of the gradients m_t."""

    t: int
    m: np.ndarray | None


class Momentum(Optimizer):
    """Gradient descent with momentum as an exponential moving average (course form).

    With η = lr, β = beta, g_t = ∂C/∂θ at step t::

        m_0 = 0
        m_t = β m_{t−1} + (1 − β) g_t
        θ ← θ − η m_t

    Convention: m is an *average* of the gradients (Andrew Ng's course; Adam's first
    moment without bias correction), so the step size stays comparable to plain gradient
    descent. PyTorch has no such class; the iterates equal ``torch.optim.SGD(lr=η(1 − β),
    momentum=β, dampening=0)``, whose buffer is b_t = m_t / (1 − β), for any schedule of η.
    ``describe()`` names the state ``m``.

    Parameters
    ----------
    lr : float ≥ 0
    beta : float in [0, 1) (β)
    clip_norm, clip_value : see :class:`~glassnet.optim.base.Optimizer`

    Examples
    --------
    >>> theta, g = np.array([1.0]), np.array([2.0])
    >>> opt = Momentum(lr=0.1, beta=0.9)
    >>> opt.step(theta, g)                        # m₁ = 0.1·2 = 0.2
    >>> theta.round(6).tolist()                   # 1 − 0.1·0.2
    [0.98]
    """

    name = "momentum"
    State = MomentumState
    _fields = ("m",)

    def __init__(
        self,
        lr: float,
        beta: float = 0.9,
        clip_norm: float | None = None,
        clip_value: float | None = None,
    ) -> None:
        self.beta = check_number("Momentum", "beta", beta, low=0.0, high=1.0, high_open=True)
        super().__init__(lr, clip_norm=clip_norm, clip_value=clip_value)

    def _hyper(self) -> dict[str, Any]:
        return {"lr": self.lr, "beta": self.beta}

    def _update(
        self, params: np.ndarray, grads: np.ndarray, lr: float, t: int, bufs: Buffers, tmp: Buffers
    ) -> None:
        beta = self.beta
        m = bufs["m"]
        kernels = fused.kernels(params, grads, m)
        if kernels is not None:  # the same operations in one pass (glassnet/optim/_fused.c)
            kernels.momentum(params, grads, m, lr, beta)
            return
        d = tmp["d"]  # the NumPy backend's scratch (made on first use)
        np.multiply(m, beta, out=m)  # m ← β m
        np.add(m, np.multiply(grads, 1.0 - beta, out=d), out=m)  # m ← β m + (1 − β) g
        np.subtract(params, np.multiply(m, lr, out=d), out=params)  # θ ← θ − η m
