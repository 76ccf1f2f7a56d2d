"""Gradient checking by central finite differences.

    ∂C/∂θ_i ≈ (C(θ + ε e_i) − C(θ − ε e_i)) / (2ε)

compared with the analytic gradient by the relative error
``|g_num − g| / max(|g_num| + |g|, floor)``. Use float64: in float32 the truncation and
rounding errors of the difference quotient are far larger than any tolerance worth having.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet._validate import check_number
from glassnet.errors import ConfigError

Array = np.ndarray


@dataclass(frozen=True)
class GradientCheck:
    """Result of a gradient check: both gradients, the worst relative error and where."""

    numeric: Array
    analytic: Array
    max_rel_error: float
    worst_index: int
    tolerance: float
    names: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.max_rel_error <= self.tolerance

    def __str__(self) -> str:
        where = self.names[self.worst_index] if self.names else f"θ[{self.worst_index}]"
        verdict = "passed" if self.ok else "FAILED"
        return (
            f"gradient check {verdict}: max relative error {self.max_rel_error:.3g} at {where} "
            f"(numeric {self.numeric[self.worst_index]:.10g}, analytic "
            f"{self.analytic[self.worst_index]:.10g}; tolerance {self.tolerance:g})"
        )


def numerical_gradient(f: Callable[[Array], float], theta: Array, eps: float = 1e-6) -> Array:
    """Central differences of the scalar function ``f`` at the 1-D array ``theta`` (restored)."""
    eps = check_number("numerical_gradient", "eps", eps, low=0.0, low_open=True)
    grad = np.zeros(theta.shape, dtype=np.float64)
    for i in range(theta.size):
        old = theta[i]
        theta[i] = old + eps
        up = f(theta)
        theta[i] = old - eps
        down = f(theta)
        theta[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def compare_gradients(
    numeric: Array,
    analytic: Array,
    tolerance: float = 1e-6,
    floor: float = 1e-8,
    names: tuple[str, ...] = (),
) -> GradientCheck:
    """Relative error of two gradients, entry by entry."""
    tolerance = check_number("compare_gradients", "tolerance", tolerance, low=0.0)
    floor = check_number("compare_gradients", "floor", floor, low=0.0, low_open=True)
    numeric = np.asarray(numeric, dtype=np.float64).ravel()
    analytic = np.asarray(analytic, dtype=np.float64).ravel()
    if numeric.shape != analytic.shape:
        raise ConfigError(
            f"compare_gradients: shapes differ ({numeric.shape} vs {analytic.shape})."
        )
    rel = np.abs(numeric - analytic) / np.maximum(np.abs(numeric) + np.abs(analytic), floor)
    worst = int(np.argmax(rel)) if rel.size else 0
    return GradientCheck(numeric, analytic, float(rel.max(initial=0.0)), worst, tolerance, names)


def check_gradients(
    net: Any,
    x: Any,
    t: Any,
    loss: Any,
    regularization: Any = None,
    masks: Any = None,
    eps: float = 1e-6,
    tolerance: float = 1e-6,
    floor: float = 1e-8,
) -> GradientCheck:
    """Check ``net.compute_gradients`` against finite differences over every parameter.

    ``floor`` bounds the denominator of the relative error from below, so that entries
    whose true gradient is (nearly) zero are judged by their absolute error.

    Dropout layers need ``masks`` in training mode (fixed masks make the loss a deterministic
    function of θ); without masks the check runs in evaluation mode.
    """
    if net.dtype != np.float64:
        raise ConfigError(
            f"check_gradients: the network is {net.dtype.name}; finite differences need float64 "
            "(in float32 rounding swamps the difference quotient). Build the network with "
            "dtype='float64'."
        )
    train = masks is not None
    xs = net._check_inputs(x)
    p = net.compute_gradients(xs, t, loss, regularization, train=train, masks=masks)
    analytic = net.grads.astype(np.float64).copy()
    targets = p.targets

    def loss_at(theta: Array) -> float:  # theta is net.params, perturbed in place
        return net.compute_gradients(
            xs, targets, loss, regularization, train=train, masks=masks, validate=False
        ).loss

    numeric = numerical_gradient(loss_at, net.params, eps)
    net.compute_gradients(
        xs, targets, loss, regularization, train=train, masks=masks, validate=False
    )  # leave net.grads as the analytic gradient
    names = tuple(
        f"{s.name}[{','.join(str(i) for i in np.unravel_index(k, s.shape))}]"
        for s in net.layout
        for k in range(s.stop - s.start)
    )
    return compare_gradients(numeric, analytic, tolerance, floor=floor, names=names)
