"""Metrics for classification and regression, in plain NumPy.

Classification (labels are int class indices, shape (N,)):
``accuracy``, ``top_k_accuracy`` (from scores (N, K)), ``confusion_matrix`` (rows = true
class, columns = predicted class), ``precision_recall_f1`` per class (with macro averages).

Regression (values (N,) or (N, T)): ``mean_squared_error`` (mean over samples *and*
outputs, like ``torch.nn.MSELoss``), ``mean_absolute_error``, ``r2_score`` (1 − SS_res/SS_tot,
averaged over outputs, as scikit-learn's ``uniform_average``).

The training loop refers to metrics by name (:data:`METRICS`): ``"accuracy"``,
``"top5_accuracy"`` (any k), ``"mse"``, ``"mae"``, ``"r2"``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet._validate import check_choice
from glassnet.errors import ConfigError, ShapeError

Array = np.ndarray

#: metric name -> what it reads: "labels" (predicted classes), "scores" (outputs) or "values"
METRICS: dict[str, str] = {"accuracy": "labels", "mse": "values", "mae": "values", "r2": "values"}
#: metrics whose value over a data set is the sample-weighted mean of their batch values
ADDITIVE = frozenset({"accuracy", "mse", "mae"})
_TOPK = re.compile(r"^top(\d+)_accuracy$")
_CLASSIFICATION = frozenset({"accuracy"})
_REGRESSION = frozenset({"mse", "mae", "r2"})


def _labels(name: str, y: Any) -> Array:
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ShapeError(f"{name}: labels must be 1-D (samples,); got shape {arr.shape}.")
    return arr


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of samples whose predicted label equals the true label."""
    t, p = _labels("accuracy", y_true), _labels("accuracy", y_pred)
    if t.shape != p.shape:
        raise ShapeError(f"accuracy: {t.shape[0]} true labels but {p.shape[0]} predictions.")
    return float(np.mean(t == p)) if t.size else float("nan")


def top_k_accuracy(y_true: Any, scores: Any, k: int = 5) -> float:
    """Fraction of samples whose true class is among the ``k`` highest scores (N, K)."""
    t, s = _labels("top_k_accuracy", y_true), np.asarray(scores)
    if s.ndim != 2 or s.shape[0] != t.shape[0]:
        raise ShapeError(f"top_k_accuracy: scores must be (N, K) with N = {t.shape[0]}; "
                         f"got {s.shape}.")
    k = min(int(k), s.shape[1])
    top = np.argpartition(-s, k - 1, axis=1)[:, :k]
    return float(np.mean(np.any(top == t[:, None], axis=1))) if t.size else float("nan")


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int | None = None) -> Array:
    """Counts (K, K): entry [i, j] is the number of samples of class i predicted as j."""
    t = _labels("confusion_matrix", y_true).astype(np.int64)
    p = _labels("confusion_matrix", y_pred).astype(np.int64)
    if t.shape != p.shape:
        raise ShapeError(
            f"confusion_matrix: {t.shape[0]} true labels but {p.shape[0]} predictions.")
    k = n_classes if n_classes is not None else int(max(t.max(initial=-1), p.max(initial=-1))) + 1
    if t.size and (min(t.min(), p.min()) < 0 or max(t.max(), p.max()) >= k):
        raise ShapeError(f"confusion_matrix: labels must lie in 0..{k - 1}.")
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def precision_recall_f1(
    y_true: Any, y_pred: Any, n_classes: int | None = None
) -> dict[str, Any]:
    """Per-class precision, recall, F1 and support, plus their macro averages.

    precision_c = TP_c / (TP_c + FP_c), recall_c = TP_c / (TP_c + FN_c),
    F1_c = 2·P·R / (P + R); a 0/0 is reported as 0 (scikit-learn's ``zero_division=0``).
    """
    cm = confusion_matrix(y_true, y_pred, n_classes)
    tp = np.diag(cm).astype(np.float64)
    predicted, support = cm.sum(axis=0), cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return {
        "precision": precision, "recall": recall, "f1": f1, "support": support,
        "macro_precision": float(precision.mean()), "macro_recall": float(recall.mean()),
        "macro_f1": float(f1.mean()),
    }


def _values(name: str, y_true: Any, y_pred: Any) -> tuple[Array, Array]:
    t, p = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if t.ndim == 1:
        t = t[:, None]
    if p.ndim == 1:
        p = p[:, None]
    if t.shape != p.shape:
        raise ShapeError(f"{name}: targets have shape {t.shape} but predictions {p.shape}.")
    return t, p


def mean_squared_error(y_true: Any, y_pred: Any) -> float:
    """(1 / (N·T)) Σ (y − ŷ)², the mean over samples and outputs."""
    t, p = _values("mean_squared_error", y_true, y_pred)
    return float(np.mean((t - p) ** 2))


def mean_absolute_error(y_true: Any, y_pred: Any) -> float:
    """(1 / (N·T)) Σ |y − ŷ|."""
    t, p = _values("mean_absolute_error", y_true, y_pred)
    return float(np.mean(np.abs(t - p)))


def r2_score(y_true: Any, y_pred: Any) -> float:
    """R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)², per output, averaged over outputs.

    An output whose targets are constant scores 1 if predicted exactly, else 0 (as
    scikit-learn).
    """
    t, p = _values("r2_score", y_true, y_pred)
    ss_res = np.sum((t - p) ** 2, axis=0)
    ss_tot = np.sum((t - t.mean(axis=0)) ** 2, axis=0)
    safe = np.where(ss_tot > 0, ss_tot, 1.0)
    r2 = np.where(ss_tot > 0, 1.0 - ss_res / safe, np.where(ss_res == 0, 1.0, 0.0))
    return float(np.mean(r2))


# ---------------------------------------------------------------------- by name
def check_metrics(names: Sequence[str], task: str) -> tuple[str, ...]:
    """Validate metric names for a task ("classification", "binary", "multilabel", "regression")."""
    if isinstance(names, str):
        names = [names]
    out = []
    for name in names:
        if not isinstance(name, str) or not (name in METRICS or _TOPK.match(name)):
            check_choice("fit", "metric", name, [*METRICS, "top5_accuracy"])
        if task == "regression" and name not in _REGRESSION:
            raise ConfigError(f"fit: metric {name!r} needs a classification task; "
                              f"regression takes {', '.join(sorted(_REGRESSION))}.")
        if _TOPK.match(name) and task != "classification":
            raise ConfigError(f"fit: metric {name!r} needs a multi-class (softmax) task.")
        out.append(name)
    return tuple(dict.fromkeys(out))


def default_metrics(task: str) -> tuple[str, ...]:
    """``("accuracy",)`` for classification tasks, ``("mae",)`` for regression."""
    return ("mae",) if task == "regression" else ("accuracy",)


def compute(name: str, outputs: Array, targets: Array, pred: Array | None, labels: Array | None
            ) -> float:
    """One metric from network outputs, prepared targets, predicted and true labels."""
    if name == "accuracy":
        return accuracy(labels, pred)
    match = _TOPK.match(name)
    if match:
        return top_k_accuracy(labels, outputs, int(match.group(1)))
    fn = {"mse": mean_squared_error, "mae": mean_absolute_error, "r2": r2_score}[name]
    return fn(targets, outputs)


def batch_sum(name: str, outputs: Array, targets: Array, pred: Array | None,
              labels: Array | None) -> float:
    """Σ over the batch of an additive metric's per-sample value (for running epoch means)."""
    if name == "accuracy":
        return float(np.count_nonzero(pred == labels)) / (pred.size // pred.shape[0])
    diff = outputs - targets
    per = np.abs(diff) if name == "mae" else diff * diff
    return float(per.sum()) / outputs.shape[1]
