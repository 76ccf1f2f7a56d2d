"""The user's own data: CSV with a header row, ``.npz`` with keys ``X``/``y``, or two ``.npy``.

Targets become the :class:`Dataset` conventions: class indices int64 (N,) with the class
names kept, or float64 (N, 1) regression targets. ``task="auto"`` picks classification when
the target holds non-numbers, or only integers with at most ``max_classes`` distinct values;
regression otherwise. Class names are the distinct target values sorted (numerically for
numbers), so integer labels 0..K-1 keep their values.
"""

from __future__ import annotations

import csv
import difflib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from glassnet._validate import check_choice, check_number
from glassnet.datasets.preprocessing import Dataset, make_rng, stratified_split
from glassnet.errors import DataError

TASK_OPTIONS = ("auto", "classification", "regression")


def _existing_file(path: str | os.PathLike[str], kind: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: {kind} file not found.")
    if not p.is_file():
        raise DataError(f"{p}: expected a {kind} file; this is a directory or special file.")
    return p


def _number_or_none(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _show(value: Any) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _encode_target(
    where: str, values: np.ndarray, task: str, max_classes: int, at: Callable[[int], str]
) -> tuple[np.ndarray, str, tuple[str, ...]]:
    """Map raw targets (N,) to (y, task, class_names); ``at(i)`` names sample i in errors."""
    if values.dtype.kind == "S":
        values = np.char.decode(values, "utf-8", "replace")
    raw = values
    numeric = values.dtype.kind in "iufb"
    nums = values.astype(np.float64) if numeric else [_number_or_none(str(v)) for v in values]
    for i, v in enumerate(nums):
        if v is not None and not np.isfinite(v):
            raise DataError(f"{at(i)}: target value {_show(raw[i])} is not a finite number.")
    if not numeric and all(v is not None for v in nums):
        numeric = True
    if numeric:
        values = np.asarray(nums, dtype=np.float64)
    integral = numeric and bool(np.all(values == np.round(values)))
    if task == "auto":
        few = integral and len(np.unique(values)) <= max_classes
        task = "classification" if (not numeric or few) else "regression"
    if task == "regression":
        if not numeric:
            i = next(i for i, v in enumerate(nums) if v is None)
            raise DataError(
                f"{at(i)}: target value {_show(raw[i])} is not a number; task='regression' "
                "needs numeric targets."
            )
        return values.reshape(-1, 1), task, ()
    if numeric and not integral:
        i = int(np.flatnonzero(values != np.round(values))[0])
        raise DataError(
            f"{at(i)}: target value {_show(raw[i])} is not a class label; task='classification' "
            "needs integer or text labels. Use task='regression' for continuous targets."
        )
    classes, y = np.unique(values, return_inverse=True)
    names = tuple(str(int(c)) if numeric else str(c) for c in classes)
    if len(names) < 2:
        raise DataError(
            f"{where}: classification needs at least 2 classes in the target; found only {names}."
        )
    return y.astype(np.int64).reshape(-1), task, names


def _build(
    where: str,
    name: str,
    X: np.ndarray,
    raw_y: np.ndarray,
    features: tuple[str, ...],
    description: str,
    opts: dict[str, Any],
    at: Callable[[int], str] | None = None,
) -> Dataset:
    """Encode targets, split train/test; ``opts`` = task, test_fraction, seed, max_classes."""
    task = check_choice(where, "task", opts["task"], TASK_OPTIONS)
    fraction = check_number(
        where, "test_fraction", opts["test_fraction"], low=0.0, high=1.0, high_open=True
    )
    max_classes = int(check_number(where, "max_classes", opts["max_classes"], low=2, integer=True))
    at = at or (lambda i: f"{where}: y[{i}]")
    y, task, classes = _encode_target(where, raw_y, task, max_classes, at)
    train, test = stratified_split(y, fraction, make_rng(where, opts["seed"]))
    n_classes = len(classes) if task == "classification" else None
    return Dataset(
        X[train], y[train], X[test], y[test], task, n_classes, classes, features, name, description
    )


def _read_rows(p: Path, delimiter: str) -> tuple[list[str], list[int], list[list[str]]]:
    """Header, file line number of each data row, and the stripped cells of each row."""
    try:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            header: list[str] | None = None
            lines: list[int] = []
            rows: list[list[str]] = []
            for raw in reader:
                cells = [c.strip() for c in raw]
                if not any(cells):
                    continue  # blank line
                if header is None:
                    header = cells
                    continue
                lines.append(reader.line_num)
                rows.append(cells)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{p}: not a UTF-8 text file (byte {exc.start} cannot be decoded)."
        ) from None
    except csv.Error as exc:
        raise DataError(f"{p}: malformed CSV ({exc}).") from None
    if header is None:
        raise DataError(f"{p}: the file is empty; expected a header row with column names.")
    return header, lines, rows


def _locate_bad_cell(
    p: Path, lines: list[int], rows: list[list[str]], cols: list[int], header: list[str]
) -> None:
    """Raise a DataError for the first empty, non-numeric or non-finite cell of ``cols``."""
    for line, row in zip(lines, rows, strict=True):
        for j in cols:
            cell = row[j]
            at = f"{p}, row {line}, column {header[j]!r}"
            if cell == "":
                raise DataError(f"{at}: empty cell; expected a number.")
            value = _number_or_none(cell)
            if value is None:
                raise DataError(f"{at}: value {cell!r} is not a number.")
            if not np.isfinite(value):
                raise DataError(f"{at}: value {cell!r} is not a finite number (NaN/inf).")


def load_csv(
    path: str | os.PathLike[str],
    target: str = "label",
    task: str = "auto",
    test_fraction: float = 0.2,
    seed: int | None = 0,
    delimiter: str = ",",
    max_classes: int = 50,
) -> Dataset:
    """Load a CSV file with a header row into a :class:`Dataset`.

    Every column except ``target`` is a numeric feature: X is float64 (N, F) with the header's
    names as ``feature_names``. Blank lines are skipped; cells are stripped of spaces. Row
    numbers in error messages are the file's line numbers (the header is usually row 1).
    The rows are split into train/test with ``test_fraction`` (stratified for
    classification, deterministic for a given ``seed``); ``test_fraction=0`` keeps all rows
    for training.
    """
    p = _existing_file(path, "CSV")
    header, lines, rows = _read_rows(p, delimiter)
    if "" in header:
        raise DataError(f"{p}, header: column {header.index('') + 1} has no name.")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise DataError(f"{p}, header: duplicate column name(s) {', '.join(map(repr, dupes))}.")
    if target not in header:
        close = difflib.get_close_matches(str(target), header, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else " Pass target=<column name>."
        raise DataError(
            f"{p}: no target column {target!r}; the header has "
            f"{', '.join(map(repr, header))}.{hint}"
        )
    if len(header) < 2:
        raise DataError(f"{p}: only the target column {target!r}; need at least one feature.")
    if not rows:
        raise DataError(f"{p}: the file has a header but no data rows.")
    for line, row in zip(lines, rows, strict=True):
        if len(row) != len(header):
            raise DataError(
                f"{p}, row {line}: {len(row)} cell(s) but the header has {len(header)} columns."
            )
    t = header.index(target)
    feat_cols = [j for j in range(len(header)) if j != t]
    cells = np.array(rows, dtype=str)
    try:
        X = cells[:, feat_cols].astype(np.float64)
    except ValueError:
        X = None
    if X is None or not np.all(np.isfinite(X)):
        _locate_bad_cell(p, lines, rows, feat_cols, header)
        X = np.array([[float(row[j]) for j in feat_cols] for row in rows], dtype=np.float64)
    empty = np.flatnonzero(cells[:, t] == "")
    if empty.size:
        i = int(empty[0])
        raise DataError(f"{p}, row {lines[i]}, column {target!r}: empty target cell.")
    opts = {"task": task, "test_fraction": test_fraction, "seed": seed, "max_classes": max_classes}
    names = tuple(header[j] for j in feat_cols)
    about = f"CSV data from {p}: target column {target!r}."
    at = lambda i: f"{p}, row {lines[i]}, column {target!r}"  # noqa: E731
    return _build(str(p), p.stem, X, cells[:, t], names, about, opts, at)


def _pickled(where: str, what: str) -> DataError:
    return DataError(
        f"{where}: {what} holds Python objects (a pickled object array), which glassnet does "
        "not load (allow_pickle=False). Save numbers or fixed-width strings instead, e.g. "
        "np.savez(path, X=X.astype(float), y=y.astype(str))."
    )


def _load_key(where: str, z: Any, key: str) -> np.ndarray:
    try:
        return np.asarray(z[key])
    except ValueError:
        raise _pickled(where, f"array {key!r}") from None


def _check_X(where: str, X: np.ndarray, n: int | None = None) -> np.ndarray:
    if X.dtype.kind not in "iufb":
        raise DataError(f"{where}: X must be numeric; got dtype {X.dtype}.")
    if X.ndim < 2:
        raise DataError(f"{where}: X must be (samples, features); got shape {X.shape}.")
    X = X.reshape(X.shape[0], -1).astype(np.float64)
    if not np.all(np.isfinite(X)):
        r, c = (int(i) for i in np.argwhere(~np.isfinite(X))[0])
        raise DataError(f"{where}: X[{r}, {c}] is {_show(X[r, c])}; expected a finite number.")
    if n is not None and X.shape[0] != n:
        raise DataError(f"{where}: X has {X.shape[0]} samples but y has {n}.")
    return X


def _check_y(where: str, y: np.ndarray) -> np.ndarray:
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise DataError(f"{where}: y must be (samples,) or (samples, 1); got shape {y.shape}.")
    return y


def load_npz(
    path: str | os.PathLike[str],
    task: str = "auto",
    test_fraction: float = 0.2,
    seed: int | None = 0,
    max_classes: int = 50,
) -> Dataset:
    """Load ``X`` (N, ...) and ``y`` (N,) from a ``.npz`` file (``allow_pickle=False``).

    X is flattened to float64 (N, F). Optional keys: ``feature_names`` (F,) strings.
    """
    p = _existing_file(path, ".npz")
    where = str(p)
    try:
        z = np.load(p, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DataError(f"{where}: not a readable .npz file ({exc}).") from None
    if not hasattr(z, "files"):
        raise DataError(f"{where}: holds a single array (.npy format); expected an .npz archive.")
    with z:
        for key in ("X", "y"):
            if key not in z.files:
                close = [f for f in z.files if f.lower() == key.lower()]
                close = close or difflib.get_close_matches(key, z.files, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise DataError(
                    f"{where}: no array {key!r}; the file holds {', '.join(z.files) or 'nothing'}."
                    f"{hint}"
                )
        y = _check_y(where, _load_key(where, z, "y"))
        X = _check_X(where, _load_key(where, z, "X"), y.shape[0])
        names = _load_key(where, z, "feature_names") if "feature_names" in z.files else None
    opts = {"task": task, "test_fraction": test_fraction, "seed": seed, "max_classes": max_classes}
    features = _feature_names(where, names, X.shape[1])
    return _build(where, p.stem, X, y, features, f"NumPy data from {p}.", opts)


def _feature_names(where: str, names: np.ndarray | None, n: int) -> tuple[str, ...]:
    if names is None:
        return tuple(f"x{i + 1}" for i in range(n))
    if names.shape != (n,):
        raise DataError(f"{where}: feature_names has shape {names.shape}; expected ({n},).")
    return tuple(str(s) for s in names)


def load_npy(
    x_path: str | os.PathLike[str],
    y_path: str | os.PathLike[str],
    task: str = "auto",
    test_fraction: float = 0.2,
    seed: int | None = 0,
    max_classes: int = 50,
) -> Dataset:
    """Load X (N, ...) and y (N,) from two ``.npy`` files (``allow_pickle=False``)."""
    arrays = []
    for path in (x_path, y_path):
        p = _existing_file(path, ".npy")
        try:
            arr = np.load(p, allow_pickle=False)
        except ValueError as exc:
            if "pickle" in str(exc) or "Object arrays" in str(exc):
                raise _pickled(str(p), "the array") from None
            raise DataError(f"{p}: not a readable .npy file ({exc}).") from None
        except OSError as exc:
            raise DataError(f"{p}: not a readable .npy file ({exc}).") from None
        if not isinstance(arr, np.ndarray):
            raise DataError(f"{p}: holds an .npz archive; use load_npz for it.")
        arrays.append(arr)
    where = f"{Path(x_path).name} + {Path(y_path).name}"
    y = _check_y(str(y_path), arrays[1])
    X = _check_X(str(x_path), arrays[0], y.shape[0])
    opts = {"task": task, "test_fraction": test_fraction, "seed": seed, "max_classes": max_classes}
    features = _feature_names(where, None, X.shape[1])
    about = f"NumPy data from {x_path} and {y_path}."
    return _build(where, Path(x_path).stem, X, y, features, about, opts)
