"""RMSprop with PyTorch's conventions (decay α = 0.99, ε outside the root)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet._validate import check_number
from glassnet.optim import fused
from glassnet.optim.base import Buffers, Optimizer, check_bool


@dataclass(frozen=True, eq=False)
class RMSpropState:
    """t: updates so far; v: E[g²]; g_avg: E[g] (centered); buffer: momentum buffer."""

    t: int
    v: np.ndarray | None
    g_avg: np.ndarray | None
    buffer: np.ndarray | None


class RMSprop(Optimizer):
    """RMSprop, matching ``torch.optim.RMSprop`` step for step by default.

    With η = lr, α = alpha (the decay, called ρ in Keras/Hinton), μ = momentum,
    λ = weight_decay, g = ∂C/∂θ, all state starting at 0::

        g ← g + λ θ                            (coupled L2 weight decay, if λ > 0)
        v_t = α v_{t−1} + (1 − α) g²
        ḡ_t = α ḡ_{t−1} + (1 − α) g            (centered only)
        D = √(v_t − ḡ_t²) + ε   if centered,   else   D = √v_t + ε
        b_t = μ b_{t−1} + g / D                (if μ > 0)
        θ ← θ − η b_t   if μ > 0,              else   θ ← θ − η g / D

    Convention: ε is added **after** the square root and there is no bias correction
    (torch). ``eps_inside_sqrt=True`` uses D = √(v_t + ε) (resp. √(v_t − ḡ_t² + ε)) instead,
    the Keras / Hinton-lecture form. ``describe()`` names the state ``v``, ``g_avg``
    (centered) and ``buffer`` (momentum).

    Parameters
    ----------
    lr : float ≥ 0 (torch's default 0.01)
    alpha : float in [0, 1)
    eps : float ≥ 0
    centered : bool
    momentum : float ≥ 0
    weight_decay : float ≥ 0 (decays every entry of params, biases included)
    eps_inside_sqrt : bool
    clip_norm, clip_value : see :class:`~glassnet.optim.base.Optimizer`

    Examples
    --------
    >>> theta, g = np.array([1.0]), np.array([2.0])
    >>> opt = RMSprop(lr=0.01, alpha=0.75, eps=0.0)
    >>> opt.step(theta, g)                        # v₁ = 0.25·4 = 1, D = √1 = 1
    >>> theta.round(6).tolist()                   # 1 − 0.01·2/1
    [0.98]
    """

    name = "rmsprop"
    State = RMSpropState
    _fields = ("v", "g_avg", "buffer")

    def __init__(
        self,
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        centered: bool = False,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        eps_inside_sqrt: bool = False,
        clip_norm: float | None = None,
        clip_value: float | None = None,
    ) -> None:
        where = "RMSprop"
        self.alpha = check_number(where, "alpha", alpha, low=0.0, high=1.0, high_open=True)
        self.eps = check_number(where, "eps", eps, low=0.0)
        self.centered = check_bool(where, "centered", centered)
        self.momentum = check_number(where, "momentum", momentum, low=0.0)
        self.weight_decay = check_number(where, "weight_decay", weight_decay, low=0.0)
        self.eps_inside_sqrt = check_bool(where, "eps_inside_sqrt", eps_inside_sqrt)
        super().__init__(lr, clip_norm=clip_norm, clip_value=clip_value)

    def _hyper(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "alpha": self.alpha,
            "eps": self.eps,
            "centered": self.centered,
            "momentum": self.momentum,
            "weight_decay": self.weight_decay,
            "eps_inside_sqrt": self.eps_inside_sqrt,
        }

    def _flushable(self) -> tuple[str, ...]:
        # with ε < 1e-10 a flushed second moment could change √v + ε visibly (or divide by 0)
        return tuple(self._bufs) if self.eps >= 1e-10 else ("g_avg", "buffer")

    def _active(self) -> tuple[str, ...]:
        return ("v",) + ("g_avg",) * self.centered + ("buffer",) * (self.momentum > 0)

    def _update(
        self, params: np.ndarray, grads: np.ndarray, lr: float, t: int, bufs: Buffers, tmp: Buffers
    ) -> None:
        alpha, eps, mu, wd = self.alpha, self.eps, self.momentum, self.weight_decay
        v = bufs["v"]
        g_avg = bufs["g_avg"] if self.centered else None
        buffer = bufs["buffer"] if mu else None
        kernels = fused.kernels(params, grads, v, g_avg, buffer)
        if kernels is not None:  # the same operations in one pass (glassnet/optim/_fused.c)
            kernels.rmsprop(
                params, grads, v, g_avg, buffer, lr, alpha, eps, mu, wd, self.eps_inside_sqrt
            )
            return
        d = tmp["d"]  # the NumPy backend's scratch (made on first use)
        g = grads
        if wd:
            s = tmp["s"]
            np.multiply(params, wd, out=s)
            g = np.add(grads, s, out=s)  # g ← g + λθ
        np.multiply(v, alpha, out=v)  # v ← α v
        np.multiply(g, g, out=d)
        np.add(v, np.multiply(d, 1.0 - alpha, out=d), out=v)  # v ← α v + (1 − α) g²
        var = v
        if self.centered:
            g_avg = bufs["g_avg"]
            np.multiply(g_avg, alpha, out=g_avg)  # ḡ ← α ḡ
            np.add(g_avg, np.multiply(g, 1.0 - alpha, out=d), out=g_avg)  # ḡ ← α ḡ + (1 − α) g
            var = np.subtract(v, np.multiply(g_avg, g_avg, out=d), out=d)  # v − ḡ²
        if self.eps_inside_sqrt:
            np.sqrt(np.add(var, eps, out=d), out=d)  # D = √(v + ε)
        else:
            np.add(np.sqrt(var, out=d), eps, out=d)  # D = √v + ε
        np.divide(g, d, out=d)  # g / D
        if mu:
            b = bufs["buffer"]
            np.multiply(b, mu, out=b)  # b ← μ b
            np.add(b, d, out=b)  # b ← μ b + g / D
            np.multiply(b, lr, out=d)  # η b
        else:
            np.multiply(d, lr, out=d)  # η g / D
        np.subtract(params, d, out=params)  # θ ← θ − η (…)
