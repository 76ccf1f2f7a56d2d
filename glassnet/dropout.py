"""Dropout on a layer's output, in both conventions.

``rate`` is the probability of **dropping** a unit; p = 1 − rate is the retention
probability (``keep_prob``). A mask m has entries m ~ Bernoulli(p) (1 = kept).

    scaling="inverted" (default, as PyTorch):  train  ã = a ⊙ m / p     eval  ã = a
    scaling="standard" (Srivastava et al.):    train  ã = a ⊙ m         eval  ã = p · a

Backward multiplies by the same factor: ∂C/∂a = ∂C/∂ã ⊙ m / p (inverted) or ⊙ m
(standard) in training; by 1 or p in evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet._validate import check_choice, check_number
from glassnet.errors import DataError, ShapeError

Array = np.ndarray


@dataclass(frozen=True)
class Dropout:
    rate: float = 0.5
    scaling: str = "inverted"

    def __post_init__(self) -> None:
        check_number("Dropout", "rate", self.rate, low=0.0, high=1.0, high_open=True)
        check_choice("Dropout", "scaling", self.scaling, ["inverted", "standard"])

    @property
    def keep_prob(self) -> float:
        """p = 1 − rate, the probability that a unit is kept."""
        return 1.0 - self.rate

    def train_factor(self) -> float:
        """What a kept unit is multiplied by in training: 1/p (inverted) or 1 (standard)."""
        return 1.0 / self.keep_prob if self.scaling == "inverted" else 1.0

    def eval_factor(self) -> float:
        """What every unit is multiplied by in evaluation: 1 (inverted) or p (standard)."""
        return 1.0 if self.scaling == "inverted" else self.keep_prob

    def draw_mask(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: Any) -> Array:
        """A 0/1 mask with P(1) = keep_prob."""
        return (rng.random(shape) < self.keep_prob).astype(dtype)

    def check_mask(self, mask: Any, shape: tuple[int, int], where: str, dtype: Any) -> Array:
        """Accept a mask of one row (shared by all samples) or one row per sample, of 0/1."""
        m = np.asarray(mask, dtype=dtype)
        if m.ndim == 1:
            m = np.broadcast_to(m, (shape[0], m.shape[0]))
        if m.shape != shape:
            raise ShapeError(
                f"{where}: dropout mask must have {shape[1]} entries per sample "
                f"(shape {shape} or ({shape[1]},)); got shape {np.shape(mask)}."
            )
        if not np.all((m == 0) | (m == 1)):
            raise DataError(f"{where}: dropout mask entries must be 0 or 1.")
        return np.ascontiguousarray(m)

    def config(self) -> dict[str, Any]:
        return {"rate": self.rate, "scaling": self.scaling}
