"""Adam (Kingma & Ba, Algorithm 1) and AdamW, with PyTorch's conventions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet._validate import check_number
from glassnet.errors import ConfigError
from glassnet.optim import fused
from glassnet.optim.base import Buffers, Optimizer, check_bool


@dataclass(frozen=True, eq=False)
class AdamState:
    """t: updates applied so far (1 after the first step); m, v: first and second moments;
    v_max: running maximum of v (amsgrad only)."""

    t: int
    m: np.ndarray | None
    v: np.ndarray | None
    v_max: np.ndarray | None


class Adam(Optimizer):
    """Adam, matching ``torch.optim.Adam`` step for step by default.

    With η = lr, λ = weight_decay, g = ∂C/∂θ, t = 1, 2, … the update count, m_0 = v_0 = 0::

        g ← g + λ θ                          (coupled L2 weight decay, if λ > 0)
        m_t = β₁ m_{t−1} + (1 − β₁) g
        v_t = β₂ v_{t−1} + (1 − β₂) g²
        v_max = max(v_max, v_t)              (amsgrad: replaces v_t below; torch 2.x)
        m̂_t = m_t / (1 − β₁ᵗ)
        v̂_t = v_t / (1 − β₂ᵗ)
        θ ← θ − η m̂_t / (√v̂_t + ε)

    computed, as Kingma & Ba's §2 suggests, with one division and one square root per entry:
    θ ← θ − (η √(1 − β₂ᵗ) / (1 − β₁ᵗ)) · m_t / (√v_t + ε √(1 − β₂ᵗ)) (the same value; the
    two backends of :mod:`glassnet.optim.fused` both use this form).

    Convention: Kingma & Ba's Algorithm 1 as torch implements it: ε is added **after** the
    root of the bias-corrected v. sklearn and Keras fold the bias correction into η and add
    ε to √v_t, which amounts to a larger ε early on. Options for textbook forms:

    * ``bias_correction=False``: m̂_t = m_t and v̂_t = v_t.
    * ``eps_inside_sqrt=True``: θ ← θ − η m̂_t / √(v̂_t + ε).
    * both: θ ← θ − η m_t / √(v_t + ε) exactly.

    ``describe()`` returns ``m``, ``v``, ``m_hat``, ``v_hat`` (and ``v_max`` with amsgrad,
    where ``v_hat`` is the bias-corrected v_max actually used).

    Parameters
    ----------
    lr : float ≥ 0
    betas : (β₁, β₂), each in [0, 1)
    eps : float ≥ 0
    weight_decay : float ≥ 0 (λ; every entry of params, biases included)
    amsgrad, bias_correction, eps_inside_sqrt : bool
    clip_norm, clip_value : see :class:`~glassnet.optim.base.Optimizer`

    Examples
    --------
    >>> theta, g = np.array([1.0]), np.array([0.2])
    >>> opt = Adam(lr=0.1)
    >>> opt.step(theta, g)               # m̂₁ = g, v̂₁ = g²: the first step is η·sign(g)
    >>> theta.round(6).tolist()
    [0.9]
    """

    name = "adam"
    State = AdamState
    _fields = ("m", "v", "v_max")
    _decoupled = False  # AdamW: θ ← θ(1 − ηλ) instead of g ← g + λθ

    def __init__(
        self,
        lr: float = 1e-3,
        betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        bias_correction: bool = True,
        eps_inside_sqrt: bool = False,
        clip_norm: float | None = None,
        clip_value: float | None = None,
    ) -> None:
        where = type(self).__name__
        if isinstance(betas, np.ndarray):
            betas = betas.tolist()
        if isinstance(betas, (str, bytes)) or not isinstance(betas, Sequence) or len(betas) != 2:
            raise ConfigError(f"{where}: betas must be a pair (β₁, β₂); got {betas!r}.")
        self.betas = (
            check_number(where, "betas[0]", betas[0], low=0.0, high=1.0, high_open=True),
            check_number(where, "betas[1]", betas[1], low=0.0, high=1.0, high_open=True),
        )
        self.eps = check_number(where, "eps", eps, low=0.0)
        self.weight_decay = check_number(where, "weight_decay", weight_decay, low=0.0)
        self.amsgrad = check_bool(where, "amsgrad", amsgrad)
        self.bias_correction = check_bool(where, "bias_correction", bias_correction)
        self.eps_inside_sqrt = check_bool(where, "eps_inside_sqrt", eps_inside_sqrt)
        super().__init__(lr, clip_norm=clip_norm, clip_value=clip_value)

    def _hyper(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "betas": list(self.betas),
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "amsgrad": self.amsgrad,
            "bias_correction": self.bias_correction,
            "eps_inside_sqrt": self.eps_inside_sqrt,
        }

    def _flushable(self) -> tuple[str, ...]:
        # with ε < 1e-10 a flushed second moment could change √v + ε visibly (or divide by 0)
        return tuple(self._bufs) if self.eps >= 1e-10 else ("m",)

    def _active(self) -> tuple[str, ...]:
        return ("m", "v", "v_max") if self.amsgrad else ("m", "v")

    def _corrections(self, t: int) -> tuple[float, float]:
        """(1 − β₁ᵗ, 1 − β₂ᵗ), or (1, 1) without bias correction."""
        if not self.bias_correction:
            return 1.0, 1.0
        return 1.0 - self.betas[0] ** t, 1.0 - self.betas[1] ** t

    def _update(
        self, params: np.ndarray, grads: np.ndarray, lr: float, t: int, bufs: Buffers, tmp: Buffers
    ) -> None:
        (beta1, beta2), eps, wd = self.betas, self.eps, self.weight_decay
        m, v = bufs["m"], bufs["v"]
        v_max = bufs["v_max"] if self.amsgrad else None
        kernels = fused.kernels(params, grads, m, v, v_max)
        if kernels is not None:  # the same operations in one pass (glassnet/optim/_fused.c)
            c1, c2 = self._corrections(t)
            kernels.adam(
                params, grads, m, v, v_max, lr, beta1, beta2, eps, wd,
                self._decoupled, self.eps_inside_sqrt, c1, c2,
            )  # fmt: skip
            return
        d = tmp["d"]  # the NumPy backend's scratch (made on first use)
        g = grads
        if wd and self._decoupled:
            np.multiply(params, 1.0 - lr * wd, out=params)  # θ ← θ (1 − ηλ)
        elif wd:
            s = tmp["s"]
            np.multiply(params, wd, out=s)
            g = np.add(grads, s, out=s)  # g ← g + λθ
        np.multiply(m, beta1, out=m)  # m ← β₁ m
        np.add(m, np.multiply(g, 1.0 - beta1, out=d), out=m)  # m ← β₁ m + (1 − β₁) g
        np.multiply(v, beta2, out=v)  # v ← β₂ v
        np.multiply(g, g, out=d)
        np.add(v, np.multiply(d, 1.0 - beta2, out=d), out=v)  # v ← β₂ v + (1 − β₂) g²
        if self.amsgrad:
            v = np.maximum(bufs["v_max"], v, out=bufs["v_max"])  # v_max ← max(v_max, v)
        c1, c2 = self._corrections(t)
        if self.eps_inside_sqrt:
            np.divide(v, c2, out=d)  # v̂ = v / (1 − β₂ᵗ)
            np.sqrt(np.add(d, eps, out=d), out=d)  # √(v̂ + ε)
            step = lr / c1
        else:  # η m̂ / (√v̂ + ε) = (η √(1 − β₂ᵗ) / (1 − β₁ᵗ)) · m / (√v + ε √(1 − β₂ᵗ))
            np.sqrt(v, out=d)  # √v
            np.add(d, eps * math.sqrt(c2), out=d)  # √v + ε √(1 − β₂ᵗ)
            step = lr * math.sqrt(c2) / c1
        np.divide(m, d, out=d)  # m / (…)
        np.multiply(d, step, out=d)  # η m̂ / (…),  m̂ = m / (1 − β₁ᵗ)
        np.subtract(params, d, out=params)  # θ ← θ − η m̂ / (…)

    def describe(self, sl: Any = slice(None)) -> dict[str, np.ndarray]:
        """``m``, ``v``, ``m_hat``, ``v_hat`` (+ ``v_max``) for ``params[sl]``; {} before a step."""
        out = super().describe(sl)
        if not out:
            return out
        c1, c2 = self._corrections(self._t)
        out["m_hat"] = out["m"] / c1  # m̂ = m / (1 − β₁ᵗ)
        out["v_hat"] = out["v_max" if self.amsgrad else "v"] / c2  # v̂ = v / (1 − β₂ᵗ)
        return out


class AdamW(Adam):
    """Adam with decoupled weight decay, matching ``torch.optim.AdamW`` step for step.

    With λ = weight_decay (default 0.01, as torch), the decay comes first, with the lr of
    this step, and the moments see the raw gradient::

        θ ← θ (1 − η λ)
        m_t = β₁ m_{t−1} + (1 − β₁) g
        v_t = β₂ v_{t−1} + (1 − β₂) g²
        m̂_t = m_t / (1 − β₁ᵗ)
        v̂_t = v_t / (1 − β₂ᵗ)
        θ ← θ − η m̂_t / (√v̂_t + ε)

    Every entry of params decays, biases included (torch with a single parameter group).
    amsgrad, bias_correction and eps_inside_sqrt act as in :class:`Adam`.
    """

    name = "adamw"
    _decoupled = True

    def __init__(
        self,
        lr: float = 1e-3,
        betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        amsgrad: bool = False,
        bias_correction: bool = True,
        eps_inside_sqrt: bool = False,
        clip_norm: float | None = None,
        clip_value: float | None = None,
    ) -> None:
        super().__init__(
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            bias_correction,
            eps_inside_sqrt,
            clip_norm,
            clip_value,
        )
