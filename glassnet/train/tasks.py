"""What a network's outputs mean: the task, labels from targets, predictions from outputs.

Tasks, decided by the loss and the output layer (or given explicitly):

* ``"classification"`` — one class per sample: cross-entropy, or squared error on a softmax
  output. Prediction = argmax of the outputs.
* ``"binary"`` — binary cross-entropy with one output unit. Prediction = p ≥ 0.5 (logit ≥ 0).
* ``"multilabel"`` — binary cross-entropy with several output units, each thresholded.
* ``"regression"`` — anything else. Prediction = the outputs.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet._validate import check_choice
from glassnet.activations import sigmoid, softmax
from glassnet.errors import ConfigError
from glassnet.losses import BinaryCrossEntropy, CrossEntropy, Loss, get_loss

Array = np.ndarray
TASKS = ("classification", "binary", "multilabel", "regression")


def output_activation(net: Any) -> str:
    """Name of the output layer's activation."""
    return net.layers[-1].activation.name


def mlp(
    n_in: int,
    hidden: Sequence[int],
    n_out: int,
    task: str,
    *,
    activation: Any = "relu",
    output_activation: Any = None,
    dropout: float | None = None,
    dtype: Any = "float32",
    seed: int | None = 0,
) -> Any:
    """An MLP n_in → hidden… → n_out whose output layer suits the task: softmax for
    classification, identity for regression (unless ``output_activation`` is given).
    Train it with :func:`default_loss` of the result (cross-entropy / squared error)."""
    from glassnet import Dense, Network

    sizes = [n_in, *hidden]
    layers = [
        Dense(a, b, activation=activation, dropout=dropout or None)
        for a, b in itertools.pairwise(sizes)
    ]
    out = output_activation or ("softmax" if task == "classification" else "identity")
    layers.append(Dense(sizes[-1], n_out, activation=out))
    return Network(layers, dtype=dtype, seed=seed)


def default_loss(net: Any) -> Loss:
    """The natural loss for the output layer: softmax → cross-entropy, sigmoid → BCE,
    otherwise squared error (½ convention)."""
    act = output_activation(net)
    if act == "softmax":
        return get_loss("cross_entropy")
    if act == "sigmoid":
        return get_loss("binary_cross_entropy")
    return get_loss("squared_error")


def infer_task(net: Any, loss: Loss, task: str | None = None) -> str:
    """The task of ``net`` trained with ``loss`` (see the module docstring)."""
    if task is not None:
        task = check_choice("fit", "task", task, TASKS)
        if task in ("binary", "multilabel") and not isinstance(loss, BinaryCrossEntropy):
            raise ConfigError(f"fit: task {task!r} needs the binary_cross_entropy loss.")
        return task
    if isinstance(loss, CrossEntropy):
        return "classification"
    if isinstance(loss, BinaryCrossEntropy):
        return "binary" if net.n_outputs == 1 else "multilabel"
    if output_activation(net) == "softmax" and net.n_outputs > 1:
        return "classification"
    return "regression"


def from_logits(loss: Loss | None) -> bool:
    return bool(getattr(loss, "from_logits", False))


def target_labels(task: str, targets: Array) -> Array | None:
    """True labels from prepared targets: class indices (N,), 0/1 (N,) or (N, K), or None."""
    if task == "classification":
        return np.argmax(targets, axis=1)
    if task == "binary":
        return (targets[:, 0] >= 0.5).astype(np.int64)
    if task == "multilabel":
        return (targets >= 0.5).astype(np.int64)
    return None


def output_labels(task: str, loss: Loss | None, outputs: Array) -> Array | None:
    """Predicted labels from network outputs (same shapes as :func:`target_labels`)."""
    if task == "classification":
        return np.argmax(outputs, axis=1)
    cut = 0.0 if from_logits(loss) else 0.5
    if task == "binary":
        return (outputs[:, 0] >= cut).astype(np.int64)
    if task == "multilabel":
        return (outputs >= cut).astype(np.int64)
    return None


def probabilities(task: str, loss: Loss | None, outputs: Array) -> Array:
    """Class probabilities from network outputs (softmax / sigmoid of logits when needed)."""
    if task == "regression":
        raise ConfigError(
            "predict_proba: this network does regression (its outputs are not probabilities); "
            "use predict()."
        )
    if not from_logits(loss):
        return outputs
    return softmax(outputs) if task == "classification" else sigmoid(outputs)
