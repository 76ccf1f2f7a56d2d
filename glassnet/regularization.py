"""L1 and L2 penalties on the weights, with every convention explicit.

    penalty = c_N · ( k · λ₂ · Σ W² + λ₁ · Σ |W| )
    ∂penalty/∂W = c_N · ( 2k · λ₂ · W + λ₁ · sign(W) )

where k = ½ for ``convention="half"`` ((λ/2)‖W‖², gradient λW) and k = 1 for ``"full"``
(λ‖W‖², gradient 2λW); c_N = 1/N (batch size) with ``divide_by_batch=True``, else 1.
Biases are penalised only with ``include_bias=True``. sign(0) = 0 (the subgradient PyTorch's
``abs`` uses). The penalty is added once per batch to the reduced data loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet._validate import check_choice, check_number
from glassnet.errors import ConfigError

Array = np.ndarray


@dataclass(frozen=True)
class Regularization:
    """An L1/L2 penalty: ``Regularization(l2=0.01, convention="half")``."""

    l2: float = 0.0
    l1: float = 0.0
    convention: str = "half"
    include_bias: bool = False
    divide_by_batch: bool = False

    def __post_init__(self) -> None:
        check_number("Regularization", "l2", self.l2, low=0.0)
        check_number("Regularization", "l1", self.l1, low=0.0)
        check_choice("Regularization", "convention", self.convention, ["half", "full"])
        for what in ("include_bias", "divide_by_batch"):
            if not isinstance(getattr(self, what), (bool, np.bool_)):
                raise ConfigError(
                    f"Regularization: {what} must be True or False; got {getattr(self, what)!r}."
                )

    @property
    def active(self) -> bool:
        return self.l2 > 0 or self.l1 > 0

    def _factors(self, n_samples: int) -> tuple[float, float, float]:
        c = 1.0 / n_samples if self.divide_by_batch else 1.0
        k = 0.5 if self.convention == "half" else 1.0
        return c, k, c * 2.0 * k

    def value(self, arrays: list[Array], n_samples: int) -> float:
        """The penalty for the given parameter arrays (already filtered by include_bias)."""
        c, k, _ = self._factors(n_samples)
        total = 0.0
        for w in arrays:
            if self.l2:
                total += k * self.l2 * float(np.vdot(w, w))
            if self.l1:
                total += self.l1 * float(np.abs(w).sum())
        return c * total

    def add_gradient(self, arrays: list[Array], grads: list[Array], n_samples: int) -> None:
        """Add ∂penalty/∂W to each gradient array in place."""
        c, _, c2k = self._factors(n_samples)
        for w, g in zip(arrays, grads, strict=True):
            if self.l2:
                g += (c2k * self.l2) * w
            if self.l1:
                g += (c * self.l1) * np.sign(w)

    def config(self) -> dict[str, Any]:
        return {
            "l2": self.l2,
            "l1": self.l1,
            "convention": self.convention,
            "include_bias": self.include_bias,
            "divide_by_batch": self.divide_by_batch,
        }
