"""Input features, the evaluation grid, and the frame encoder (base64 float32).

Features of a point (x1, x2), as TensorFlow Playground offers them::

    x1, x2, x1^2 = x1², x2^2 = x2², x1*x2 = x1·x2, sin_x1 = sin(x1), sin_x2 = sin(x2)

The grid has G×G points over ``extent = [xmin, xmax, ymin, ymax]``, row-major with row 0 at
y = ymax (the top of a picture) and column 0 at x = xmin::

    point (r, c) = (xmin + c·(xmax − xmin)/(G − 1),  ymax − r·(ymax − ymin)/(G − 1))

Its feature matrix is computed once per (grid, features) and cached by :class:`Grid`; each
frame is then one batched ``Network.forward_pass`` over the G² points, whose records give the
output and every hidden unit's activation a^l_j over the plane. Arrays travel as base64 of
little-endian float32 bytes (:func:`b64f32`), never as JSON lists of floats.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

Array = np.ndarray

#: the page's feature names → names usable as exercise input names (glassnet explain)
EXERCISE_NAMES = {
    "x1": "x1", "x2": "x2", "x1^2": "x1_sq", "x2^2": "x2_sq", "x1*x2": "x1x2",
    "sin_x1": "sin_x1", "sin_x2": "sin_x2",
}


def feature_matrix(X: Array, features: Sequence[str]) -> Array:
    """The (N, len(features)) float64 inputs of the network for raw points ``X`` (N, 2)."""
    x1, x2 = X[:, 0], X[:, 1]
    table = {
        "x1": lambda: x1, "x2": lambda: x2, "x1^2": lambda: x1 * x1, "x2^2": lambda: x2 * x2,
        "x1*x2": lambda: x1 * x2, "sin_x1": lambda: np.sin(x1), "sin_x2": lambda: np.sin(x2),
    }
    return np.ascontiguousarray(np.column_stack([table[f]() for f in features]),
                                dtype=np.float64)


def b64f32(values: Any) -> str:
    """Base64 of the little-endian float32 bytes of ``values`` (flattened, C order).

    Values beyond float32's range become ±inf (a diverged run still draws)."""
    with np.errstate(over="ignore", invalid="ignore"):
        arr = np.ascontiguousarray(values, dtype="<f4")
    return base64.b64encode(arr.tobytes()).decode("ascii")


def finite_or_none(value: float | None) -> float | None:
    """JSON has no NaN/inf: non-finite numbers travel as null."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def grid_points(extent: Sequence[float], G: int) -> Array:
    """The G² raw points (x1, x2) of the grid, row 0 = ymax, as documented above."""
    xmin, xmax, ymin, ymax = extent
    xs = np.linspace(xmin, xmax, G)
    ys = np.linspace(ymax, ymin, G)
    gx, gy = np.meshgrid(xs, ys)  # gx[r, c] = xs[c], gy[r, c] = ys[r]
    return np.column_stack([gx.ravel(), gy.ravel()])


class Grid:
    """The grid's network inputs, computed once: ``inputs`` is (G², n_features)."""

    def __init__(self, extent: Sequence[float], G: int, features: Sequence[str],
                 transform: Any = None) -> None:
        self.extent = [float(v) for v in extent]
        self.G = int(G)
        self.features = list(features)
        inputs = feature_matrix(grid_points(self.extent, self.G), self.features)
        self.inputs = inputs if transform is None else transform(inputs)

    def evaluate(self, net: Any) -> tuple[Array, list[Array]]:
        """(output value per point, [hidden layer l's a, (G², units) per layer]).

        The output value is a of the single output unit (σ for binary classification, the
        regression surface) or, for a 2-class softmax, the probability of class 1.
        """
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            p = net.forward_pass(self.inputs, train=False, validate=False)
        out = p.output
        value = out[:, -1] if out.shape[1] > 1 else out[:, 0]
        return value, [rec.a for rec in p.layers[:-1]]

    def encode(self, net: Any) -> dict[str, Any]:
        """The grid part of a frame: ``output`` and ``units`` as base64 float32."""
        value, hidden = self.evaluate(net)
        return {
            "grid": self.G,
            "extent": self.extent,
            "output": b64f32(value),
            "units": [[b64f32(a[:, j]) for j in range(a.shape[1])] for a in hidden],
        }


def encode_parameters(net: Any) -> dict[str, list[str]]:
    """Per layer: W (n_out·n_in, row-major W[j, k]), ∂C/∂W of the last step, b and ∂C/∂b."""
    out: dict[str, list[str]] = {"weights": [], "grads": [], "biases": [], "bias_grads": []}
    for layer in net.layers:
        zeros = np.zeros(layer.n_out)
        out["weights"].append(b64f32(layer.W))
        out["grads"].append(b64f32(layer.grad_W))
        out["biases"].append(b64f32(layer.b if layer.b is not None else zeros))
        out["bias_grads"].append(b64f32(layer.grad_b if layer.grad_b is not None else zeros))
    return out
