"""The same network in PyTorch, built from a glassnet network's parameters (oracle tests only).

The twin always runs in float64 and differentiates with ``torch.autograd``; it never calls
glassnet's arithmetic. It applies glassnet's documented conventions with torch primitives:

* layers: ``torch.nn.Linear`` with W (n_out, n_in) copied as is (same layout as torch);
* activations: ``torch.nn.functional`` (``zero`` is ``0 · z`` so that autograd still
  reaches z and reports ∂C/∂z = 0);
* dropout: the mask glassnet used, times 1/p (inverted, training), 1 (standard, training),
  1 (inverted, evaluation) or p (standard, evaluation);
* losses (glassnet/losses.py): squared error summed over output units; binary
  cross-entropy summed over output units (``F.binary_cross_entropy`` clamps each log at
  −100, as glassnet); cross-entropy as ``torch.nn.CrossEntropyLoss`` (on logits:
  ``F.cross_entropy`` itself; on probabilities: the same formula with log p clamped at −100);
  reductions ``mean`` over samples (over Σ w_{t_s} for weighted class-index targets) or ``sum``;
* penalty (glassnet/regularization.py): c_N (k λ₂ Σ W² + λ₁ Σ |W|) over the weights, and
  over the biases with ``include_bias``.

``z``, ``a`` and ``out`` of every layer call ``retain_grad()``, so after ``backward`` their
``.grad`` is ∂C/∂z, ∂C/∂a, ∂C/∂out of the *reduced* loss (glassnet's per-sample records
times ``p.scale``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 (torch's own alias)

import glassnet as gn

DTYPE = torch.float64
# tiny tensors: one intra-op thread per pytest-xdist worker avoids oversubscribing the cores
torch.set_num_threads(1)


def tensor(x: Any, requires_grad: bool = False) -> torch.Tensor:
    return torch.tensor(np.asarray(x, dtype=np.float64), dtype=DTYPE, requires_grad=requires_grad)


def activation(act: gn.Activation, z: torch.Tensor) -> torch.Tensor:
    """f(z) with torch primitives, hyperparameters read from ``act.params``."""
    name = act.name
    if name == "identity":
        return z
    if name == "zero":
        return z * 0.0
    if name == "sigmoid":
        return torch.sigmoid(z)
    if name == "tanh":
        return torch.tanh(z)
    if name == "relu":
        return F.relu(z)
    if name == "leaky_relu":
        return F.leaky_relu(z, negative_slope=act.params["slope"])
    if name == "elu":
        return F.elu(z, alpha=act.params["alpha"])
    if name == "softplus":
        # torch returns z itself above `threshold`; 1e9 disables that switch (inputs stay moderate)
        return F.softplus(z, beta=1.0, threshold=1e9)
    if name == "gelu":
        return F.gelu(z, approximate=act.params["approximate"])
    if name == "softmax":
        return torch.softmax(z, dim=1)
    raise AssertionError(f"torch twin: no activation {name!r}")


def per_sample_loss(loss: gn.Loss, y: torch.Tensor, targets: Any) -> torch.Tensor:
    """C_s for every sample, glassnet's convention, torch primitives."""
    if isinstance(loss, gn.SquaredError):
        t = tensor(targets).reshape(y.shape)
        return loss.factor * ((y - t) ** 2).sum(dim=1)
    if isinstance(loss, gn.BinaryCrossEntropy):
        t = tensor(targets).reshape(y.shape)
        if loss.from_logits:
            return F.binary_cross_entropy_with_logits(y, t, reduction="none").sum(dim=1)
        return F.binary_cross_entropy(y, t, reduction="none").sum(dim=1)
    if isinstance(loss, gn.CrossEntropy):
        weight = None if loss.class_weights is None else tensor(loss.class_weights)
        if loss.from_logits:
            return F.cross_entropy(
                y,
                _ce_target(targets),
                weight=weight,
                reduction="none",
                label_smoothing=loss.label_smoothing,
            )
        q = _smoothed(targets, y.shape[1], loss.label_smoothing)
        w = torch.ones(y.shape[1], dtype=DTYPE) if weight is None else weight
        return -(w * q * torch.log(y).clamp(min=-100.0)).sum(dim=1)
    raise AssertionError(f"torch twin: no loss {loss!r}")


def reduced_loss(loss: gn.Loss, y: torch.Tensor, targets: Any) -> torch.Tensor:
    """The reduced data loss C = scale · Σ_s C_s (PyTorch's own reduction for CE on logits)."""
    if isinstance(loss, gn.CrossEntropy) and loss.from_logits:
        weight = None if loss.class_weights is None else tensor(loss.class_weights)
        return F.cross_entropy(
            y,
            _ce_target(targets),
            weight=weight,
            reduction=loss.reduction,
            label_smoothing=loss.label_smoothing,
        )
    total = per_sample_loss(loss, y, targets).sum()
    if loss.reduction == "sum":
        return total
    if isinstance(loss, gn.CrossEntropy) and loss.class_weights is not None and _is_index(targets):
        labels = torch.as_tensor(np.asarray(targets).reshape(-1), dtype=torch.long)
        return total / tensor(loss.class_weights)[labels].sum()
    return total / y.shape[0]


def _is_index(targets: Any) -> bool:
    arr = np.asarray(targets)
    return arr.ndim == 1 or (arr.ndim == 2 and arr.shape[1] == 1)


def _ce_target(targets: Any) -> torch.Tensor:
    if _is_index(targets):
        return torch.as_tensor(np.asarray(targets).reshape(-1), dtype=torch.long)
    return tensor(targets)


def _smoothed(targets: Any, k: int, eps: float) -> torch.Tensor:
    if _is_index(targets):
        labels = torch.as_tensor(np.asarray(targets).reshape(-1), dtype=torch.long)
        t = F.one_hot(labels, k).to(DTYPE)
    else:
        t = tensor(targets)
    return (1.0 - eps) * t + eps / k


def penalty(reg: gn.Regularization | None, params: dict[str, torch.Tensor], n: int) -> torch.Tensor:
    """c_N (k λ₂ Σ θ² + λ₁ Σ |θ|) over W (and b with include_bias)."""
    total = torch.zeros((), dtype=DTYPE)
    if reg is None:
        return total
    c = 1.0 / n if reg.divide_by_batch else 1.0
    k = 0.5 if reg.convention == "half" else 1.0
    for name, theta in params.items():
        if name.startswith("b") and not reg.include_bias:
            continue
        total = total + c * (k * reg.l2 * (theta**2).sum() + reg.l1 * theta.abs().sum())
    return total


@dataclass
class Twin:
    """The torch network after forward and backward; tensors keep their ``.grad``."""

    x: torch.Tensor
    params: dict[str, torch.Tensor]
    z: list[torch.Tensor] = field(default_factory=list)
    a: list[torch.Tensor] = field(default_factory=list)
    out: list[torch.Tensor] = field(default_factory=list)
    per_sample: torch.Tensor | None = None
    data_loss: torch.Tensor | None = None
    penalty: torch.Tensor | None = None
    loss: torch.Tensor | None = None

    @property
    def output(self) -> torch.Tensor:
        return self.out[-1]

    def flat_grads(self, net: gn.Network) -> np.ndarray:
        """∂C/∂θ in glassnet's flat layout (net.layout order)."""
        return np.concatenate([self.params[s.name].grad.numpy().ravel() for s in net.layout])


def run(
    net: gn.Network,
    x: Any,
    targets: Any,
    loss: gn.Loss,
    regularization: gn.Regularization | None = None,
    train: bool = True,
    masks: list[Any] | None = None,
) -> Twin:
    """Forward, loss and ``backward()`` of the torch twin of ``net``.

    ``masks[l-1]`` is the 0/1 mask glassnet used for layer l (required in training mode
    for layers with dropout: take them from ``p.layers[l-1].mask``).
    """
    linears = []
    params: dict[str, torch.Tensor] = {}
    for l, layer in enumerate(net.layers, start=1):
        lin = torch.nn.Linear(layer.n_in, layer.n_out, bias=layer.has_bias, dtype=DTYPE)
        with torch.no_grad():
            lin.weight.copy_(tensor(layer.W))
            if layer.has_bias:
                lin.bias.copy_(tensor(layer.b))
        linears.append(lin)
        params[f"W{l}"] = lin.weight
        if layer.has_bias:
            params[f"b{l}"] = lin.bias
    twin = Twin(tensor(x, requires_grad=True), params)
    h = twin.x
    for l, (layer, lin) in enumerate(zip(net.layers, linears, strict=True), start=1):
        z = lin(h)
        a = activation(layer.activation, z)
        out = a
        drop = layer.dropout
        if drop is not None and train:
            m = tensor(masks[l - 1])
            out = a * m / drop.keep_prob if drop.scaling == "inverted" else a * m
        elif drop is not None and drop.scaling == "standard":
            out = a * drop.keep_prob
        for v in (z, a, out):
            v.retain_grad()
        twin.z.append(z)
        twin.a.append(a)
        twin.out.append(out)
        h = out
    twin.per_sample = per_sample_loss(loss, h, targets)
    twin.data_loss = reduced_loss(loss, h, targets)
    twin.penalty = penalty(regularization, params, h.shape[0])
    twin.loss = twin.data_loss + twin.penalty
    twin.loss.backward()
    return twin
