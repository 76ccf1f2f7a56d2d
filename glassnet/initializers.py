"""Weight initializers. Every one draws from an explicit ``numpy.random.Generator``.

With fan_in = n_in and fan_out = n_out of a Dense layer (W has shape (n_out, n_in)):

    zeros            W = 0
    constant         W = value
    uniform          W ~ U(low, high)                      (default U(−0.05, 0.05))
    normal           W ~ N(mean, std²)                      (default N(0, 0.05²))
    glorot_uniform   W ~ U(−r, r),  r = √(6 / (fan_in + fan_out))   (Xavier)
    glorot_normal    W ~ N(0, 2 / (fan_in + fan_out))
    he_uniform       W ~ U(−r, r),  r = √(6 / fan_in)               (Kaiming, gain √2)
    he_normal        W ~ N(0, 2 / fan_in)
    auto             he_uniform for ReLU-like activations, glorot_uniform otherwise
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from glassnet._validate import call_with_options, check_choice, check_number

Array = np.ndarray
_RELU_LIKE = {"relu", "leaky_relu", "elu", "gelu", "softplus"}


def _uniform(rng, shape, low=-0.05, high=0.05):
    return rng.uniform(low, high, size=shape)


def _normal(rng, shape, mean=0.0, std=0.05):
    check_number("initializer 'normal'", "std", std, low=0.0)
    return rng.normal(mean, std, size=shape)


def _glorot_uniform(rng, shape):
    r = np.sqrt(6.0 / (shape[0] + shape[1]))
    return rng.uniform(-r, r, size=shape)


def _glorot_normal(rng, shape):
    return rng.normal(0.0, np.sqrt(2.0 / (shape[0] + shape[1])), size=shape)


def _he_uniform(rng, shape):
    r = np.sqrt(6.0 / shape[1])
    return rng.uniform(-r, r, size=shape)


def _he_normal(rng, shape):
    return rng.normal(0.0, np.sqrt(2.0 / shape[1]), size=shape)


def _zeros(rng, shape):
    return np.zeros(shape)


def _constant(rng, shape, value=0.0):
    return np.full(shape, check_number("initializer 'constant'", "value", value))


INITIALIZERS: dict[str, Callable[..., Array]] = {
    "zeros": _zeros,
    "constant": _constant,
    "uniform": _uniform,
    "normal": _normal,
    "glorot_uniform": _glorot_uniform,
    "glorot_normal": _glorot_normal,
    "he_uniform": _he_uniform,
    "he_normal": _he_normal,
}
_ALIASES = {
    "xavier_uniform": "glorot_uniform",
    "xavier_normal": "glorot_normal",
    "kaiming_uniform": "he_uniform",
    "kaiming_normal": "he_normal",
}


def initialize(
    spec: str | Mapping[str, Any],
    shape: tuple[int, int],
    rng: np.random.Generator,
    activation: str = "identity",
) -> Array:
    """Draw a (n_out, n_in) weight matrix (float64) with the named scheme."""
    options: dict[str, Any] = {}
    if isinstance(spec, Mapping):
        options = {k: v for k, v in spec.items() if k not in ("name", "scheme")}
        spec = spec.get("name", spec.get("scheme", "auto"))
    name = _ALIASES.get(spec, spec) if isinstance(spec, str) else spec
    if name == "auto":
        name = "he_uniform" if activation in _RELU_LIKE else "glorot_uniform"
    check_choice("initializer", "initializer", name, INITIALIZERS)
    draw = functools.partial(INITIALIZERS[name], rng, shape)
    return np.asarray(call_with_options(f"initializer {name!r}", draw, options), dtype=np.float64)
