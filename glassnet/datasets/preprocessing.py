"""The :class:`Dataset` container, deterministic splits, one-hot coding and standardization.

Conventions used by every loader in :mod:`glassnet.datasets`:

* ``X`` is ``(samples, features)``.
* Classification targets ``y`` are 1-D ``int64`` class indices ``0 .. n_classes-1``.
* Regression targets ``y`` are 2-D ``float64`` ``(samples, n_targets)``, so they have the
  shape of the network's output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from glassnet._validate import check_finite, check_number
from glassnet.errors import DataError, ShapeError

TASKS = ("classification", "regression")


@dataclass
class Dataset:
    """A train/test pair of arrays with the facts a trainer or a report needs.

    ``X_train`` (N_train, F), ``y_train`` (N_train,) int64 class indices for classification or
    (N_train, T) float64 for regression; ``X_test``/``y_test`` likewise (N_test may be 0).
    ``n_classes`` is ``None`` and ``class_names`` is empty for regression.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    task: str
    n_classes: int | None
    class_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    name: str
    description: str = ""

    def __post_init__(self) -> None:
        where = f"Dataset {self.name!r}"
        if self.task not in TASKS:
            raise DataError(f"{where}: task must be one of {TASKS}; got {self.task!r}.")
        for part in ("train", "test"):
            X, y = getattr(self, f"X_{part}"), getattr(self, f"y_{part}")
            if X.ndim != 2 or X.shape[1] != len(self.feature_names):
                raise ShapeError(
                    f"{where}: X_{part} must be (samples, {len(self.feature_names)}); "
                    f"got shape {X.shape}."
                )
            if y.shape[0] != X.shape[0]:
                raise ShapeError(
                    f"{where}: y_{part} has {y.shape[0]} samples but X_{part} has {X.shape[0]}."
                )
        self.class_names = tuple(self.class_names)
        self.feature_names = tuple(self.feature_names)

    @property
    def n_features(self) -> int:
        """Number of input columns F."""
        return int(self.X_train.shape[1])

    @property
    def n_outputs(self) -> int:
        """Output units a network needs: ``n_classes`` or the number of regression targets."""
        if self.task == "classification":
            return int(self.n_classes or 0)
        return int(self.y_train.shape[1])

    def summary(self) -> str:
        """One line: name, task, sizes."""
        kind = (
            f"{self.n_classes} classes"
            if self.task == "classification"
            else f"{self.n_outputs} target(s)"
        )
        return (
            f"{self.name}: {self.task}, {self.n_features} features, {kind}, "
            f"{self.X_train.shape[0]} train / {self.X_test.shape[0]} test samples"
        )


class Splits(NamedTuple):
    """Result of :func:`train_val_test_split` (unpacks in this order)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def class_labels(y: np.ndarray) -> np.ndarray | None:
    """Return ``y`` as 1-D integer labels if it holds class labels, else ``None``.

    Class labels are a 1-D integer, bool or string array (strings are numbered in sorted
    order), an integer (N, 1) column, or a 2-D one-hot array (N, K≥2). Float targets
    (regression) give ``None``.
    """
    y = np.asarray(y)
    if y.ndim == 1 and y.dtype.kind in "US":
        return np.unique(y, return_inverse=True)[1].astype(np.int64).reshape(-1)
    if y.ndim == 1 and (np.issubdtype(y.dtype, np.integer) or y.dtype == np.bool_):
        return y.astype(np.int64)
    if y.ndim == 2 and y.shape[1] == 1 and np.issubdtype(y.dtype, np.integer):
        return y[:, 0].astype(np.int64)
    if y.ndim == 2 and y.shape[1] >= 2 and y.size:
        is01 = np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1)
        if is01:
            return np.argmax(y, axis=1).astype(np.int64)
    return None


def make_rng(where: str, seed: Any) -> np.random.Generator:
    """Return ``seed`` if it is a ``np.random.Generator``, else ``np.random.default_rng(seed)``.

    ``seed`` may be a non-negative int or ``None`` (fresh OS entropy); never global state.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None:
        seed = check_number(where, "seed", seed, low=0, integer=True)
    return np.random.default_rng(None if seed is None else int(seed))


def stratified_split(
    y: np.ndarray, fraction: float, rng: np.random.Generator | int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Split sample indices into ``(keep_idx, split_idx)`` with ``split_idx`` ≈ ``fraction``·N.

    ``y`` (N,) class labels or (N, K) one-hot: each class goes to ``split_idx`` in the same
    proportion (largest-remainder rounding, so ``len(split_idx) == round(fraction·N)``, and a
    class keeps at least one sample in ``keep_idx`` when it can). Other targets (regression)
    get a plain random split of the same size. For 0 < fraction < 1 and N ≥ 2 both parts are
    non-empty. ``rng`` is a ``np.random.Generator`` (advanced) or a seed. Both index arrays are
    int64 and in random order; the result depends only on ``y``, ``fraction`` and ``rng``.
    """
    fraction = check_number(
        "stratified_split", "fraction", fraction, low=0.0, high=1.0, high_open=True
    )
    rng = make_rng("stratified_split", rng)
    y = np.asarray(y)
    n = int(y.shape[0]) if y.ndim else 0
    n_split = round(fraction * n)
    if fraction > 0 and n >= 2:
        n_split = min(max(n_split, 1), n - 1)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    labels = class_labels(y)
    if labels is None:
        perm = rng.permutation(n)
        return perm[n_split:].astype(np.int64), perm[:n_split].astype(np.int64)
    classes, inverse = np.unique(labels, return_inverse=True)
    counts = np.bincount(inverse, minlength=len(classes))
    quota = counts * (n_split / n)  # sums to n_split exactly
    base = np.floor(quota).astype(np.int64)
    remaining = n_split - int(base.sum())
    if remaining > 0:
        keeps_one = (base + 1) <= counts - 1
        order = np.lexsort((-(quota - base), ~keeps_one))  # prefer classes that keep one
        base[order[:remaining]] += 1
    keep, split = [], []
    for c in range(len(classes)):
        idx = rng.permutation(np.flatnonzero(inverse == c))
        split.append(idx[: base[c]])
        keep.append(idx[base[c] :])
    keep_idx = rng.permutation(np.concatenate(keep)).astype(np.int64)
    split_idx = rng.permutation(np.concatenate(split)).astype(np.int64)
    return keep_idx, split_idx


def train_val_test_split(
    X: np.ndarray,
    y: np.ndarray,
    val: float = 0.1,
    test: float = 0.2,
    seed: int | None = 0,
    stratify: bool = True,
) -> Splits:
    """Split ``X`` (N, F) and ``y`` (N, ...) into train / validation / test parts.

    ``val`` and ``test`` are fractions of all N samples (``val + test < 1``). With
    ``stratify=True`` and class labels, every part keeps the class proportions. Deterministic
    for a given ``seed``: the test part is taken first, then validation from the rest.
    """
    where = "train_val_test_split"
    val = check_number(where, "val", val, low=0.0, high=1.0, high_open=True)
    test = check_number(where, "test", test, low=0.0, high=1.0, high_open=True)
    if val + test >= 1.0:
        raise DataError(f"{where}: val + test must be < 1; got {val} + {test} = {val + test}.")
    X, y = np.asarray(X), np.asarray(y)
    if X.shape[:1] != y.shape[:1]:
        raise ShapeError(f"{where}: X has {X.shape[0]} samples but y has {y.shape[0]}.")
    rng = make_rng(where, seed)
    labels = y if stratify else np.zeros(len(y), dtype=np.float64)
    rest, test_idx = stratified_split(labels, test, rng)
    inner = 0.0 if val == 0 else val / (1.0 - test)
    keep, val_idx = stratified_split(labels[rest], min(inner, np.nextafter(1.0, 0)), rng)
    train_idx, val_idx = rest[keep], rest[val_idx]
    return Splits(X[train_idx], y[train_idx], X[val_idx], y[val_idx], X[test_idx], y[test_idx])


def one_hot(labels: Any, n_classes: int, dtype: Any = np.float64) -> np.ndarray:
    """Return the (N, n_classes) one-hot matrix of integer ``labels`` (N,) in [0, n_classes)."""
    n_classes = int(check_number("one_hot", "n_classes", n_classes, low=1, integer=True))
    arr = np.asarray(labels)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ShapeError(f"one_hot: labels must be 1-D (samples,); got shape {arr.shape}.")
    if arr.dtype.kind == "f":
        check_finite("one_hot", "labels", arr)
        bad = np.flatnonzero(arr != np.round(arr))
        if bad.size:
            i = int(bad[0])
            raise DataError(f"one_hot: labels must be integers; labels[{i}] = {arr[i].item()!r}.")
    elif arr.dtype.kind not in "iub":
        raise DataError(f"one_hot: labels must be integers; got dtype {arr.dtype}.")
    idx = arr.astype(np.int64)
    bad = np.flatnonzero((idx < 0) | (idx >= n_classes))
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"one_hot: labels must be in [0, {n_classes - 1}] for n_classes={n_classes}; "
            f"labels[{i}] = {idx[i]} ({bad.size} label(s) out of range)."
        )
    out = np.zeros((idx.shape[0], n_classes), dtype=dtype)
    out[np.arange(idx.shape[0]), idx] = 1
    return out


class Standardizer:
    """Per-column standardization ``(x - mean) / std`` with the statistics kept as arrays.

    ``fit(X)`` with X (N, F) stores ``mean`` (F,) and ``std`` (F,) (population std, ddof=0).
    Constant columns (all values equal, including N = 1) get ``std = 1`` and their value as
    ``mean``, so they transform to exactly 0 instead of dividing by zero; ``constant`` (F,)
    bool marks them. Float32 input stays float32; other input becomes float64.
    """

    def __init__(self) -> None:
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None
        self.constant: np.ndarray | None = None

    def _check(self, where: str, X: Any) -> np.ndarray:
        arr = np.asarray(X)
        dtype = arr.dtype if arr.dtype in (np.float32, np.float64) else np.float64
        try:
            arr = arr.astype(dtype, copy=False)
        except (TypeError, ValueError):
            raise DataError(f"{where}: X must be numeric; got dtype {arr.dtype}.") from None
        if arr.ndim != 2:
            raise ShapeError(f"{where}: X must be 2-D (samples, features); got shape {arr.shape}.")
        check_finite(where, "X", arr)
        if self.mean is not None and arr.shape[1] != self.mean.shape[0]:
            raise ShapeError(
                f"{where}: X has {arr.shape[1]} columns but the Standardizer was fitted on "
                f"{self.mean.shape[0]}."
            )
        return arr

    def fit(self, X: Any) -> Standardizer:
        """Compute ``mean`` and ``std`` of X (N, F); returns ``self``."""
        self.mean = self.std = self.constant = None
        arr = self._check("Standardizer.fit", X).astype(np.float64)
        if arr.shape[0] == 0:
            raise ShapeError("Standardizer.fit: X has no samples (shape (0, F)).")
        constant = np.all(arr == arr[0], axis=0)
        mean = arr.mean(axis=0)
        std = arr.std(axis=0)
        mean[constant] = arr[0, constant]
        std[constant] = 1.0
        self.mean, self.std, self.constant = mean, std, constant
        return self

    def _fitted(self, where: str) -> tuple[np.ndarray, np.ndarray]:
        if self.mean is None or self.std is None:
            raise DataError(f"{where}: call fit(X) first; this Standardizer is not fitted.")
        return self.mean, self.std

    def transform(self, X: Any) -> np.ndarray:
        """Return ``(X - mean) / std`` for X (N, F), same float dtype as X."""
        mean, std = self._fitted("Standardizer.transform")
        arr = self._check("Standardizer.transform", X)
        return ((arr - mean) / std).astype(arr.dtype, copy=False)

    def fit_transform(self, X: Any) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Return ``Z * std + mean`` for Z (N, F): undoes :meth:`transform`."""
        mean, std = self._fitted("Standardizer.inverse_transform")
        arr = self._check("Standardizer.inverse_transform", Z)
        return (arr * std + mean).astype(arr.dtype, copy=False)

    def state_dict(self) -> dict[str, np.ndarray]:
        """``{"mean": (F,), "std": (F,)}`` copies, savable with ``np.savez``."""
        mean, std = self._fitted("Standardizer.state_dict")
        return {"mean": mean.copy(), "std": std.copy()}

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> Standardizer:
        """Rebuild a fitted Standardizer from :meth:`state_dict` output."""
        out = cls()
        try:
            mean = np.asarray(state["mean"], dtype=np.float64)
            std = np.asarray(state["std"], dtype=np.float64)
        except KeyError as exc:
            raise DataError(f"Standardizer.from_state_dict: missing key {exc}.") from None
        if mean.ndim != 1 or mean.shape != std.shape:
            raise ShapeError(
                f"Standardizer.from_state_dict: mean and std must be 1-D of equal length; "
                f"got shapes {mean.shape} and {std.shape}."
            )
        check_finite("Standardizer.from_state_dict", "mean", mean)
        check_finite("Standardizer.from_state_dict", "std", std)
        if np.any(std <= 0):
            raise DataError("Standardizer.from_state_dict: std must be > 0 in every column.")
        out.mean, out.std, out.constant = mean, std, std == 1.0
        return out
