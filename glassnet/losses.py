"""Loss functions C(y, t) with their gradients, each stating its convention.

A loss works per sample and then reduces over the samples of a batch:

* ``per_sample(y, t)``  → C_s, shape (N,)
* ``grad(y, t)``        → ∂C_s/∂y_s, shape (N, K): the gradient of each sample's own loss,
                          **before** the reduction's factor
* ``scale(t)``          → the reduction's factor: 1/N for ``mean`` (1/Σ_s w_{t_s} for class
                          weighted cross-entropy with class-index targets, as PyTorch),
                          1 for ``sum``
* ``value(y, t)``       → scale · Σ_s C_s, the reduced loss

so that ∂C/∂y_s = scale · grad(y, t)[s]. Targets are validated once by ``prepare_targets``
(class indices or one-hot / probability rows for cross-entropy).

Where a loss clamps a value to stay finite, ``clamped(y, t)`` counts the entries that were
clamped in the last call's inputs, so callers (and worked solutions) can say so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from glassnet._validate import build_named, check_choice, check_number
from glassnet.activations import Activation, log_softmax, sigmoid, softmax
from glassnet.errors import ConfigError, DataError, ShapeError

Array = np.ndarray

#: log(p) is clamped to at least this value, as PyTorch's BCELoss does (log(0) = −inf otherwise).
LOG_CLAMP = -100.0


def _is_one_hot(t: Array) -> bool:
    """True when every target row is a one-hot vector (a class index)."""
    return bool(np.all((t == 0) | (t == 1)) and np.all(t.sum(axis=1) == 1))


def _clamped_log(p: Array) -> Array:
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(p), LOG_CLAMP)


class Loss:
    """Base class: a per-sample loss plus a reduction over the batch."""

    name = "loss"

    def __init__(self, reduction: str = "mean") -> None:
        self.reduction = check_choice(
            f"loss {self.name!r}", "reduction", reduction, ["mean", "sum"]
        )

    # --- to be provided by subclasses -----------------------------------------------------
    def per_sample(self, y: Array, t: Array) -> Array:
        raise NotImplementedError

    def grad(self, y: Array, t: Array) -> Array:
        raise NotImplementedError

    def clamped(self, y: Array, t: Array) -> int:
        """Number of entries whose value was clamped to keep the loss finite (0 by default)."""
        return 0

    def fused_delta(self, activation: Activation, z: Array, a: Array, t: Array) -> Array | None:
        """δ^L = ∂C_s/∂z per sample by a canonical-link shortcut, or None if there is none."""
        return None

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    # --- shared ----------------------------------------------------------------------------
    def prepare_targets(self, t: Any, n_samples: int, n_outputs: int, dtype: np.dtype) -> Array:
        """Validate targets: one row of ``n_outputs`` values per sample."""
        try:
            arr = np.asarray(t, dtype=dtype)
        except (TypeError, ValueError) as exc:
            raise DataError(f"loss {self.name!r}: targets must be numeric; {exc}.") from None
        if arr.ndim == 1 and n_outputs == 1:
            arr = arr.reshape(-1, 1)
        if arr.ndim == 1 and arr.shape[0] == n_outputs and n_samples == 1:
            arr = arr.reshape(1, -1)
        if arr.shape != (n_samples, n_outputs):
            raise ShapeError(
                f"loss {self.name!r}: targets must have shape ({n_samples}, {n_outputs}) "
                f"(samples, output units); got {arr.shape}."
            )
        if not np.all(np.isfinite(arr)):
            raise DataError(f"loss {self.name!r}: targets contain NaN or inf.")
        return arr

    def scale(self, t: Array) -> float:
        return 1.0 / t.shape[0] if self.reduction == "mean" else 1.0

    def value(self, y: Array, t: Array) -> float:
        return float(self.scale(t) * np.sum(self.per_sample(y, t)))

    def __repr__(self) -> str:
        inside = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "name")
        return f"{type(self).__name__}({inside})"


class SquaredError(Loss):
    """Squared error summed over output units: C_s = factor · Σ_k (y_sk − t_sk)².

    ``factor=1`` is the (y − t)² convention, ``factor=0.5`` the ½(y − t)² convention.
    ∂C_s/∂y_sk = 2·factor·(y_sk − t_sk). PyTorch's ``MSELoss`` averages over outputs too;
    this loss sums over outputs and reduces over samples only.
    """

    name = "squared_error"

    def __init__(self, factor: float = 0.5, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.factor = check_number("loss 'squared_error'", "factor", factor, low=0.0, low_open=True)

    def per_sample(self, y: Array, t: Array) -> Array:
        d = y - t
        return self.factor * np.einsum("ij,ij->i", d, d)

    def grad(self, y: Array, t: Array) -> Array:
        return (2.0 * self.factor) * (y - t)

    def fused_delta(self, activation: Activation, z: Array, a: Array, t: Array) -> Array | None:
        if activation.name == "identity":
            return (2.0 * self.factor) * (a - t)
        return None

    def config(self) -> dict[str, Any]:
        return {**super().config(), "factor": self.factor}


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy summed over output units.

    On probabilities (``from_logits=False``): C_s = −Σ_k [t log y + (1 − t) log(1 − y)],
    with each log clamped at ≥ −100 as PyTorch's ``BCELoss`` (``clamped`` counts them);
    ∂C_s/∂y = (y − t) / (y(1 − y)), the denominator clamped at ≥ 1e-12.

    On logits (``from_logits=True``, output layer ``identity``): with y = σ(x),
    C_s = Σ_k [max(x, 0) − x t + log(1 + e^{−|x|})] (stable), ∂C_s/∂x = σ(x) − t.

    Fused path: a sigmoid output layer with probabilities gives δ^L = a − t.
    """

    name = "binary_cross_entropy"

    def __init__(self, from_logits: bool = False, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.from_logits = bool(from_logits)

    def prepare_targets(self, t: Any, n_samples: int, n_outputs: int, dtype: np.dtype) -> Array:
        arr = super().prepare_targets(t, n_samples, n_outputs, dtype)
        if np.any((arr < 0) | (arr > 1)):
            raise DataError("loss 'binary_cross_entropy': targets must lie in [0, 1].")
        return arr

    def per_sample(self, y: Array, t: Array) -> Array:
        if self.from_logits:
            x = y
            return np.sum(np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x))), axis=1)
        return -np.sum(t * _clamped_log(y) + (1 - t) * _clamped_log(1 - y), axis=1)

    def grad(self, y: Array, t: Array) -> Array:
        if self.from_logits:
            return sigmoid(y) - t
        return (y - t) / np.maximum(y * (1 - y), 1e-12)

    def clamped(self, y: Array, t: Array) -> int:
        if self.from_logits:
            return 0
        with np.errstate(divide="ignore"):
            return int(np.sum(np.log(y) < LOG_CLAMP) + np.sum(np.log(1 - y) < LOG_CLAMP))

    def fused_delta(self, activation: Activation, z: Array, a: Array, t: Array) -> Array | None:
        if not self.from_logits and activation.name == "sigmoid":
            return a - t
        if self.from_logits and activation.name == "identity":
            return sigmoid(a) - t
        return None

    def config(self) -> dict[str, Any]:
        return {**super().config(), "from_logits": self.from_logits}


class CrossEntropy(Loss):
    """Categorical cross-entropy with class-index or probability targets.

    The target distribution is q = (1 − ε)·t + ε/K (label smoothing ε; t is one-hot for
    class indices). With class weights w (default 1):

        C_s = −Σ_k w_k q_sk log p_sk

    On probabilities (``from_logits=False``, output layer ``softmax``): p = y, log p clamped
    at ≥ −100 and ∂C_s/∂p = −w q / max(p, tiny) (``clamped`` counts the clamps).
    On logits (``from_logits=True``, output layer ``identity``): log p = log_softmax(x)
    (stable) and ∂C_s/∂x = p·Σ_k w_k q_k − w ⊙ q.

    ``mean`` divides by N, or by Σ_s w_{t_s} for class-index targets with class weights
    (PyTorch's ``CrossEntropyLoss`` convention; a batch with Σ_s w_{t_s} = 0 is a DataError).
    Targets are class indices when every row is one-hot, so one-hot probability rows count
    as class indices (PyTorch would divide those by N).
    Fused path for softmax + probabilities: δ^L = p·Σ_k w_k q_k − w ⊙ q (= a − t without
    weights or smoothing).
    """

    name = "cross_entropy"

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        class_weights: Sequence[float] | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(reduction)
        self.from_logits = bool(from_logits)
        self.label_smoothing = check_number(
            "loss 'cross_entropy'", "label_smoothing", label_smoothing, low=0.0, high=1.0
        )
        self.class_weights = None
        if class_weights is not None:
            w = np.asarray(class_weights, dtype=np.float64)
            if w.ndim != 1 or not np.all(np.isfinite(w)) or np.any(w < 0):
                raise ConfigError(
                    "loss 'cross_entropy': class_weights must be a list of finite non-negative "
                    f"numbers; got {class_weights!r}."
                )
            self.class_weights = w

    def prepare_targets(self, t: Any, n_samples: int, n_outputs: int, dtype: np.dtype) -> Array:
        """Class indices (shape (N,) or (N, 1) with n_outputs > 1) or probability rows (N, K)."""
        try:
            raw = np.asarray(t, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataError(f"loss 'cross_entropy': targets must be numeric; {exc}.") from None
        if n_outputs < 2:
            raise ShapeError("loss 'cross_entropy': needs at least 2 output units.")
        if self.class_weights is not None and self.class_weights.shape[0] != n_outputs:
            raise ShapeError(
                f"loss 'cross_entropy': class_weights has {self.class_weights.shape[0]} entries "
                f"but the network has {n_outputs} output units."
            )
        if raw.ndim == 0:
            raw = raw.reshape(1)
        if raw.ndim == 2 and raw.shape[1] == 1:
            raw = raw[:, 0]
        if raw.ndim == 1 and not (n_samples == 1 and raw.shape[0] == n_outputs):
            if raw.shape[0] != n_samples:
                raise ShapeError(
                    f"loss 'cross_entropy': got {raw.shape[0]} class labels "
                    f"for {n_samples} samples."
                )
            if not np.all(np.isfinite(raw)) or np.any(raw != np.round(raw)):
                raise DataError("loss 'cross_entropy': class labels must be integers.")
            bad = (raw < 0) | (raw >= n_outputs)  # before the cast: 1e20 has no int64
            if np.any(bad):
                i = int(np.argmax(bad))
                raise DataError(
                    f"loss 'cross_entropy': class label {raw[i]:g} of sample {i} is outside "
                    f"0..{n_outputs - 1} (the network has {n_outputs} output units)."
                )
            labels = raw.astype(np.int64)
            onehot = np.zeros((n_samples, n_outputs), dtype=dtype)
            onehot[np.arange(n_samples), labels] = 1
            return onehot
        arr = super().prepare_targets(raw, n_samples, n_outputs, dtype)
        if np.any(arr < 0) or not np.allclose(arr.sum(axis=1), 1.0, atol=1e-6):
            raise DataError(
                "loss 'cross_entropy': probability targets must be non-negative rows summing to 1."
            )
        return arr

    def _weighted_q(self, t: Array) -> Array:
        k = t.shape[1]
        q = (
            t
            if self.label_smoothing == 0
            else (1 - self.label_smoothing) * t + self.label_smoothing / k
        )
        if self.class_weights is not None:
            q = q * self.class_weights.astype(t.dtype)
        return q

    def scale(self, t: Array) -> float:
        if self.reduction == "sum":
            return 1.0
        if self.class_weights is not None and _is_one_hot(t):
            total = float(np.sum(t @ self.class_weights))
            if total <= 0:
                raise DataError(
                    "loss 'cross_entropy': the class weights of this batch's labels sum to 0, "
                    "so the weighted mean (÷ Σ_s w_{t_s}) is undefined; give those classes a "
                    "positive weight or use reduction='sum'."
                )
            return 1.0 / total
        return 1.0 / t.shape[0]

    def per_sample(self, y: Array, t: Array) -> Array:
        logp = log_softmax(y) if self.from_logits else _clamped_log(y)
        return -np.add.reduce(self._weighted_q(t) * logp, axis=1)  # Σ_k, as np.sum

    def grad(self, y: Array, t: Array) -> Array:
        wq = self._weighted_q(t)
        if self.from_logits:
            return softmax(y) * wq.sum(axis=1, keepdims=True) - wq
        return -wq / np.maximum(y, np.finfo(y.dtype).tiny)

    def clamped(self, y: Array, t: Array) -> int:
        if self.from_logits:
            return 0
        with np.errstate(divide="ignore"):
            return int(np.sum((np.log(y) < LOG_CLAMP) & (self._weighted_q(t) != 0)))

    def fused_delta(self, activation: Activation, z: Array, a: Array, t: Array) -> Array | None:
        if not self.from_logits and activation.name == "softmax":
            wq = self._weighted_q(t)
            if self.class_weights is None:
                return a - wq
            return a * wq.sum(axis=1, keepdims=True) - wq
        if self.from_logits and activation.name == "identity":
            return self.grad(a, t)
        return None

    def config(self) -> dict[str, Any]:
        cfg = {
            **super().config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
        }
        if self.class_weights is not None:
            cfg["class_weights"] = self.class_weights.tolist()
        return cfg


_LOSSES: dict[str, type[Loss]] = {
    "squared_error": SquaredError,
    "binary_cross_entropy": BinaryCrossEntropy,
    "cross_entropy": CrossEntropy,
}
_ALIASES = {
    "mse": "squared_error",
    "bce": "binary_cross_entropy",
    "categorical_cross_entropy": "cross_entropy",
    "ce": "cross_entropy",
}
LOSSES: tuple[str, ...] = tuple(_LOSSES)


def get_loss(spec: str | Mapping[str, Any] | Loss, **options: Any) -> Loss:
    """Build a loss from a name, a ``{"name": ..., **options}`` mapping, or pass one through.

    Names: ``squared_error`` (alias ``mse``; options ``factor``, ``reduction``),
    ``binary_cross_entropy`` (``bce``; ``from_logits``), ``cross_entropy`` (``from_logits``,
    ``label_smoothing``, ``class_weights``).
    """
    if isinstance(spec, Loss):
        return spec
    return build_named("get_loss", "loss", spec, _LOSSES, _ALIASES, options)
