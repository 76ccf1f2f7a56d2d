"""Predictions and evaluation in evaluation mode (no dropout), in batches.

The loss, task and metrics come from the network's training run (``net.training_state``:
after ``fit`` or ``glassnet.load``) unless given; an untrained network gets the natural loss
of its output layer (softmax → cross-entropy, sigmoid → BCE, else squared error).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet._validate import as_matrix, check_number
from glassnet.losses import Loss, get_loss
from glassnet.regularization import Regularization
from glassnet.train import metrics as mt
from glassnet.train import tasks

Array = np.ndarray
EVAL_BATCH = 2048


def forward_batched(net: Any, X: Array, batch_size: int = EVAL_BATCH) -> Array:
    """Outputs (N, n_out) of ``net`` in evaluation mode for checked inputs X (N, n_in)."""
    n = X.shape[0]
    if n <= batch_size:
        return net.forward_pass(X, train=False, validate=False).output
    out = np.empty((n, net.n_outputs), dtype=net.dtype)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        out[start:stop] = net.forward_pass(X[start:stop], train=False, validate=False).output
    return out


def penalty(net: Any, reg: Regularization | None, n_samples: int) -> float:
    """The regularization penalty at the current parameters (0 without one)."""
    if reg is None or not reg.active:
        return 0.0
    return reg.value([net.param_view(name) for name in net.penalized_arrays(reg)], n_samples)


def scores(net: Any, loss: Loss, reg: Regularization | None, task: str,
           metric_names: tuple[str, ...], X: Array, T: Array, labels: Array | None,
           batch_size: int = EVAL_BATCH, penalty_n: int | None = None
           ) -> tuple[dict[str, float], Array]:
    """``({"loss": …, <metric>: …}, outputs)`` for checked inputs X and prepared targets T.

    The loss is the reduced data loss over all of X plus the penalty (with ``penalty_n``
    samples for ``divide_by_batch``, default N) — the quantity training minimises.
    """
    Y = forward_batched(net, X, batch_size)
    result = {"loss": loss.value(Y, T) + penalty(net, reg, penalty_n or X.shape[0])}
    pred = tasks.output_labels(task, loss, Y)
    for name in metric_names:
        result[name] = mt.compute(name, Y, T, pred, labels)
    return result, Y


def _context(net: Any, loss: Any = None, task: str | None = None) -> tuple[Loss, str, Any]:
    run = getattr(net, "training_state", None)
    if loss is not None:
        loss_obj = get_loss(loss)
    else:
        loss_obj = run.loss if run is not None else tasks.default_loss(net)
    if task is None and run is not None and loss is None:
        task = run.task
    return loss_obj, tasks.infer_task(net, loss_obj, task), run


def _inputs(net: Any, X: Any, where: str) -> Array:
    return as_matrix(where, "inputs X", X, net.dtype, n_cols=net.n_inputs)


def predict(net: Any, X: Any, *, batch_size: int = EVAL_BATCH, task: str | None = None) -> Array:
    """Class indices (N,) for classification and binary tasks, 0/1 (N, K) for multilabel,
    output values (N, n_out) for regression."""
    loss, task, _ = _context(net, task=task)
    Y = forward_batched(net, _inputs(net, X, "predict"), batch_size)
    pred = tasks.output_labels(task, loss, Y)
    return Y if pred is None else pred


def predict_proba(net: Any, X: Any, *, batch_size: int = EVAL_BATCH) -> Array:
    """Class probabilities: (N, K) rows summing to 1 (softmax), or (N, K) independent
    probabilities (sigmoid; K = 1 for binary). Logit outputs are converted."""
    loss, task, _ = _context(net)
    Y = forward_batched(net, _inputs(net, X, "predict_proba"), batch_size)
    return tasks.probabilities(task, loss, Y)


def evaluate(net: Any, X: Any, y: Any, *, loss: Any = None, metrics: Any = None,
             regularization: Regularization | None = None, batch_size: int = EVAL_BATCH,
             detailed: bool = False) -> dict[str, Any]:
    """Loss and metrics of ``net`` on (X, y) in evaluation mode.

    Returns ``{"loss": …, <metric>: …, "n_samples": N}``. With ``detailed=True`` a
    classification result also has ``"confusion_matrix"`` (K, K) (rows = true class) and
    per-class ``"precision"``, ``"recall"``, ``"f1"``, ``"support"`` arrays plus
    ``"macro_f1"``; regression gets ``"mse"``, ``"mae"`` and ``"r2"``.
    """
    loss_obj, task, run = _context(net, loss)
    if regularization is None and run is not None:
        regularization = run.regularization
    batch_size = int(check_number("evaluate", "batch_size", batch_size, low=1, integer=True))
    Xm = _inputs(net, X, "evaluate")
    T = loss_obj.prepare_targets(y, Xm.shape[0], net.n_outputs, net.dtype)
    labels = tasks.target_labels(task, T)
    if metrics is None:
        metrics = run.metrics if run is not None and run.task == task else mt.default_metrics(task)
    names = mt.check_metrics(metrics, task)
    if detailed and task == "regression":
        names = tuple(dict.fromkeys([*names, "mse", "mae", "r2"]))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        result, Y = scores(net, loss_obj, regularization, task, names, Xm, T, labels, batch_size,
                           penalty_n=run.batch_size if run is not None else None)
    result["n_samples"] = int(Xm.shape[0])
    if detailed and task in ("classification", "binary"):
        k = net.n_outputs if task == "classification" else 2
        pred = tasks.output_labels(task, loss_obj, Y)
        result["confusion_matrix"] = mt.confusion_matrix(labels, pred, k)
        result.update(mt.precision_recall_f1(labels, pred, k))
    return result
