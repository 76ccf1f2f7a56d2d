"""Predictions and evaluation in evaluation mode (no dropout), in batches.

The loss, task and metrics come from the network's training run (``net.training_state``:
after ``fit`` or ``glassnet.load``) unless given; an untrained network gets the natural loss
of its output layer (softmax → cross-entropy, sigmoid → BCE, else squared error).

A model carries its preprocessing: when its run's ``info`` holds ``"standardize"``
(``{"mean": (F,), "std": (F,)}``, written by ``glassnet train``), :func:`predict`,
:func:`predict_proba` and :func:`evaluate` take **raw** inputs and standardize them with
those statistics (:func:`prepare_inputs`); with ``"standardize_targets"`` (regression
trained on standardized targets) they map the outputs back to the targets' units
(:func:`restore_outputs`), so predictions, loss and metrics are in the original units. A
network trained in Python without ``info`` (inputs standardized by hand, say) is used as is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from glassnet._validate import as_matrix, check_number
from glassnet.errors import DataError
from glassnet.losses import Loss, get_loss
from glassnet.regularization import Regularization
from glassnet.train import metrics as mt
from glassnet.train import tasks

Array = np.ndarray
#: samples per forward pass when predicting or evaluating: large enough for full-speed GEMMs,
#: small enough that the temporaries stay a few MiB (2048 cost 8 MiB more peak RSS in the
#: Fashion-MNIST benchmark, for no measurable speed)
EVAL_BATCH = 512


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
           batch_size: int = EVAL_BATCH, penalty_n: int | None = None, restore: bool = False
           ) -> tuple[dict[str, float], Array]:
    """``({"loss": …, <metric>: …}, outputs)`` for checked inputs X and prepared targets T.

    The loss is the reduced data loss over all of X plus the penalty (with ``penalty_n``
    samples for ``divide_by_batch``, default N) — the quantity training minimises.
    ``restore=True`` maps the outputs to the original target units first
    (:func:`restore_outputs`; T must then be in those units).
    """
    Y = forward_batched(net, X, batch_size)
    if restore:
        Y = restore_outputs(net, Y)
    result = {"loss": loss.value(Y, T) + penalty(net, reg, penalty_n or X.shape[0])}
    pred = tasks.output_labels(task, loss, Y)
    for name in metric_names:
        result[name] = mt.compute(name, Y, T, pred, labels)
    return result, Y


def _info(net: Any, info: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    if info is not None:
        return info
    run = getattr(net, "training_state", None)
    return run.info if run is not None and run.info else {}


def _stats(where: str, what: str, stats: Any, n: int) -> tuple[Array, Array]:
    try:
        mean = np.asarray(stats["mean"], dtype=np.float64).reshape(-1)
        std = np.asarray(stats["std"], dtype=np.float64).reshape(-1)
    except (KeyError, TypeError, ValueError):
        raise DataError(f"{where}: the model's {what} statistics are not "
                        "{'mean': ..., 'std': ...} arrays.") from None
    if mean.shape != (n,) or std.shape != (n,) or not (np.all(np.isfinite(mean))
                                                       and np.all(std > 0)):
        raise DataError(f"{where}: the model's {what} statistics do not fit its {n} "
                        f"{'inputs' if what == 'input standardization' else 'outputs'}.")
    return mean, std


def prepare_inputs(net: Any, X: Any, *, info: Mapping[str, Any] | None = None,
                   where: str = "prepare_inputs") -> Array:
    """Raw inputs X (N, n_in) as the network takes them: a checked matrix of ``net.dtype``,
    standardized with the statistics stored with the model when there are any.

    The statistics are ``info["standardize"]`` (``info`` defaults to
    ``net.training_state.info``; ``glassnet train`` stores the training part's mean and
    std there). Without them X is only checked and converted, so a network trained in
    Python on inputs standardized by hand sees no change. ``predict``, ``predict_proba``
    and ``evaluate`` call this; call it yourself to get what the first layer receives.
    """
    stats = _info(net, info).get("standardize")
    if not stats:
        return as_matrix(where, "inputs X", X, net.dtype, n_cols=net.n_inputs)
    Xm = as_matrix(where, "inputs X", X, np.float64, n_cols=net.n_inputs)
    mean, std = _stats(where, "input standardization", stats, net.n_inputs)
    return ((Xm - mean) / std).astype(net.dtype, copy=False)


def target_statistics(net: Any, info: Mapping[str, Any] | None = None
                      ) -> tuple[Array, Array] | None:
    """``(mean, std)`` of the standardized regression targets a model was trained on
    (``info["standardize_targets"]``), or None."""
    stats = _info(net, info).get("standardize_targets")
    if not stats:
        return None
    return _stats("model", "target standardization", stats, net.n_outputs)


def prepare_targets(net: Any, y: Any, *, info: Mapping[str, Any] | None = None) -> Array:
    """Regression targets y (N, n_out) or (N,) standardized as the model was trained on them
    (``(y − mean) / std`` with ``info["standardize_targets"]``); y unchanged without them."""
    stats = target_statistics(net, info)
    if stats is None:
        return y
    Y = np.asarray(y, dtype=np.float64)
    flat = Y.ndim == 1
    Y = as_matrix("prepare_targets", "targets y", Y, np.float64, n_cols=net.n_outputs)
    out = (Y - stats[0]) / stats[1]
    return out[:, 0] if flat and out.shape[1] == 1 else out


def restore_outputs(net: Any, Y: Array, *, info: Mapping[str, Any] | None = None) -> Array:
    """Network outputs (N, n_out) in the units of the original regression targets
    (``Y · std + mean`` with ``info["standardize_targets"]``); Y unchanged without them."""
    stats = target_statistics(net, info)
    if stats is None:
        return Y
    return (Y * stats[1] + stats[0]).astype(Y.dtype, copy=False)


def _context(net: Any, loss: Any = None, task: str | None = None) -> tuple[Loss, str, Any]:
    run = getattr(net, "training_state", None)
    if loss is not None:
        loss_obj = get_loss(loss)
    else:
        loss_obj = run.loss if run is not None else tasks.default_loss(net)
    if task is None and run is not None and loss is None:
        task = run.task
    return loss_obj, tasks.infer_task(net, loss_obj, task), run


def predict(net: Any, X: Any, *, batch_size: int = EVAL_BATCH, task: str | None = None) -> Array:
    """Class indices (N,) for classification and binary tasks, 0/1 (N, K) for multilabel,
    output values (N, n_out) for regression.

    X is raw: a model that stores an input standardization applies it
    (:func:`prepare_inputs`), and regression outputs of a model trained on standardized
    targets come back in the targets' units (:func:`restore_outputs`)."""
    loss, task, _ = _context(net, task=task)
    Y = forward_batched(net, prepare_inputs(net, X, where="predict"), batch_size)
    pred = tasks.output_labels(task, loss, Y)
    if pred is None:
        return restore_outputs(net, Y) if task == "regression" else Y
    return pred


def predict_proba(net: Any, X: Any, *, batch_size: int = EVAL_BATCH) -> Array:
    """Class probabilities: (N, K) rows summing to 1 (softmax), or (N, K) independent
    probabilities (sigmoid; K = 1 for binary). Logit outputs are converted. X is raw: a
    stored input standardization is applied (:func:`prepare_inputs`)."""
    loss, task, _ = _context(net)
    Y = forward_batched(net, prepare_inputs(net, X, where="predict_proba"), batch_size)
    return tasks.probabilities(task, loss, Y)


def evaluate(net: Any, X: Any, y: Any, *, loss: Any = None, metrics: Any = None,
             regularization: Regularization | None = None, batch_size: int = EVAL_BATCH,
             detailed: bool = False) -> dict[str, Any]:
    """Loss and metrics of ``net`` on (X, y) in evaluation mode.

    X and y are raw: a model that stores an input standardization applies it
    (:func:`prepare_inputs`), and a regression model trained on standardized targets has its
    outputs mapped back to the targets' units first, so loss and metrics (MSE, MAE, R²) are
    in the original units.

    Returns ``{"loss": …, <metric>: …, "n_samples": N}``. With ``detailed=True`` a
    classification result also has ``"confusion_matrix"`` (K, K) (rows = true class) and
    per-class ``"precision"``, ``"recall"``, ``"f1"``, ``"support"`` arrays plus
    ``"macro_f1"``; regression gets ``"mse"``, ``"mae"`` and ``"r2"``.
    """
    loss_obj, task, run = _context(net, loss)
    if regularization is None and run is not None:
        regularization = run.regularization
    batch_size = int(check_number("evaluate", "batch_size", batch_size, low=1, integer=True))
    Xm = prepare_inputs(net, X, where="evaluate")
    T = loss_obj.prepare_targets(y, Xm.shape[0], net.n_outputs, net.dtype)
    labels = tasks.target_labels(task, T)
    if metrics is None:
        metrics = run.metrics if run is not None and run.task == task else mt.default_metrics(task)
    names = mt.check_metrics(metrics, task)
    if detailed and task == "regression":
        names = tuple(dict.fromkeys([*names, "mse", "mae", "r2"]))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        result, Y = scores(net, loss_obj, regularization, task, names, Xm, T, labels, batch_size,
                           penalty_n=run.batch_size if run is not None else None,
                           restore=task == "regression")
    result["n_samples"] = int(Xm.shape[0])
    if detailed and task in ("classification", "binary"):
        k = net.n_outputs if task == "classification" else 2
        pred = tasks.output_labels(task, loss_obj, Y)
        result["confusion_matrix"] = mt.confusion_matrix(labels, pred, k)
        result.update(mt.precision_recall_f1(labels, pred, k))
    return result
