"""Checks run once at the boundaries (constructors, public entry points), never per batch."""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from glassnet.errors import ConfigError, DataError, ShapeError

DTYPES = {"float32": np.float32, "float64": np.float64}


def check_choice(where: str, what: str, value: Any, options: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``options``; otherwise raise with a close-match hint."""
    options = list(options)
    if isinstance(value, str) and value in options:
        return value
    hint = ""
    if isinstance(value, str):
        close = difflib.get_close_matches(value.lower(), options, n=1)
        if close:
            hint = f" Did you mean {close[0]!r}?"
    raise ConfigError(
        f"{where}: unknown {what} {value!r}; expected one of {', '.join(sorted(options))}.{hint}"
    )


def check_number(
    where: str,
    what: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
) -> float:
    """Check that ``value`` is a finite real number inside an interval and return it."""
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ConfigError(f"{where}: {what} must be {kind}; got {value!r}.")
    if integer and not float(value).is_integer():
        raise ConfigError(f"{where}: {what} must be an integer; got {value!r}.")
    try:
        finite = bool(np.isfinite(float(value)))
    except OverflowError:  # a Python integer beyond float's range
        raise ConfigError(f"{where}: {what} is too large (an integer of about "
                          f"{int(int(value).bit_length() * 0.30103) + 1} digits).") from None
    if not finite:
        raise ConfigError(f"{where}: {what} must be finite; got {value!r}.")
    bad = (low is not None and (value < low or (low_open and value == low))) or (
        high is not None and (value > high or (high_open and value == high))
    )
    if bad:
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        left = "(" if low_open or low is None else "["
        right = ")" if high_open or high is None else "]"
        interval = f"{left}{lo}, {hi}{right}"
        raise ConfigError(f"{where}: {what} must be in {interval}; got {value!r}.")
    return int(value) if integer else float(value)


def check_dtype(where: str, dtype: Any) -> np.dtype:
    """Accept "float32"/"float64" or the NumPy dtypes and return the NumPy dtype."""
    if isinstance(dtype, str):
        check_choice(where, "dtype", dtype, DTYPES)
        return np.dtype(DTYPES[dtype])
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ConfigError(f"{where}: dtype must be 'float32' or 'float64'; got {dtype!r}.")
    return dt


def as_matrix(
    where: str, what: str, value: Any, dtype: np.dtype, n_cols: int | None = None
) -> np.ndarray:
    """Convert ``value`` to a finite 2-D array (samples, columns) of ``dtype``.

    A 1-D input is one sample when its length is ``n_cols``, or one value per sample when
    ``n_cols`` is 1 (or not given).
    """
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where}: {what} must be numeric; {exc}.") from None
    if arr.ndim == 1:
        if n_cols is not None and arr.shape[0] == n_cols:
            arr = arr.reshape(1, -1)
        elif n_cols is None or n_cols == 1:
            arr = arr.reshape(-1, 1)
        else:
            raise ShapeError(
                f"{where}: {what} is a 1-D array of length {arr.shape[0]}; expected one sample "
                f"of {n_cols} features or a 2-D array (samples, {n_cols})."
            )
    if arr.ndim != 2:
        raise ShapeError(f"{where}: {what} must be 2-D (samples, features); got shape {arr.shape}.")
    if arr.shape[0] == 0:
        raise ShapeError(f"{where}: {what} has no samples (shape {arr.shape}).")
    if n_cols is not None and arr.shape[1] != n_cols:
        raise ShapeError(
            f"{where}: {what} has {arr.shape[1]} columns but {n_cols} were expected "
            f"({what}.shape = {arr.shape})."
        )
    check_finite(where, what, arr)
    return arr


#: entries checked per block by :func:`check_finite` (a 2 MiB boolean temporary at most,
#: instead of one boolean per entry of a data set: 45 MiB for Fashion-MNIST's inputs)
FINITE_BLOCK = 1 << 21


def check_finite(where: str, what: str, arr: np.ndarray) -> None:
    """Raise a DataError naming the first NaN/inf entry of ``arr`` (checked in blocks of
    rows into one reused boolean buffer, so the temporary stays small however large ``arr``
    is)."""
    if arr.dtype.kind in "biu":
        return  # integers and booleans are always finite
    if arr.ndim == 0 or arr.size == 0:
        blocks, rows = [arr], 0
    else:
        row = max(1, arr[0].size)
        rows = max(1, FINITE_BLOCK // row)
        blocks = [arr[i : i + rows] for i in range(0, arr.shape[0], rows)]
    scratch = np.empty(max(b.size for b in blocks), bool)
    for k, block in enumerate(blocks):
        finite = np.isfinite(block, out=scratch[: block.size].reshape(block.shape))
        if not finite.all():
            bad = np.argwhere(~finite)[0]
            if arr.ndim > 0:
                bad[0] += k * rows
            idx = ", ".join(str(int(i)) for i in bad)
            value = arr[tuple(bad)].item()
            raise DataError(
                f"{where}: {what} contains a non-finite value {value!r} at index [{idx}].")


def call_with_options(
    where: str, fn: Callable[..., Any], options: Mapping[str, Any], fixed: Iterable[str] = ()
) -> Any:
    """``fn(**options)`` after checking the names against ``fn``'s signature.

    An unknown option gets a close-match hint, a missing required one is named; ``fixed``
    lists parameters the caller supplies itself (not the user's to give).
    """
    allowed, required = _option_names(fn, fixed)
    for key in options:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            expected = ", ".join(allowed) if allowed else "no options"
            raise ConfigError(f"{where}: unknown option {key!r}; it takes {expected}.{hint}")
    for name in required:
        if name not in options:
            raise ConfigError(f"{where}: option {name!r} is required.")
    return fn(**options)


#: (allowed, required) option names per function: ``inspect.signature`` costs ~0.1 ms
_OPTION_NAMES: dict[Any, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _option_names(
    fn: Callable[..., Any], fixed: Iterable[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the keyword options ``fn`` takes, those without a default), read from its signature
    once per function. A ``functools.partial`` (``Network.fit`` makes one per call) is keyed
    by its function and the names it binds, never by itself: the cache keeps no data alive."""
    fixed = frozenset(fixed)
    if isinstance(fn, functools.partial):
        key: Any = (fn.func, len(fn.args), frozenset(fn.keywords), fixed)
    else:
        key = (fn, fixed)
    try:
        cached = _OPTION_NAMES.get(key)
    except TypeError:  # an unhashable callable: read its signature every time
        key, cached = None, None
    if cached is not None:
        return cached
    params = inspect.signature(fn).parameters
    allowed = tuple(
        n
        for n, p in params.items()
        if n not in fixed and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    )
    required = tuple(n for n in allowed if params[n].default is inspect.Parameter.empty)
    if key is not None:
        if len(_OPTION_NAMES) >= 512:
            _OPTION_NAMES.clear()
        _OPTION_NAMES[key] = (allowed, required)
    return allowed, required


def build_named(
    where: str,
    what: str,
    spec: Any,
    table: Mapping[str, Callable[..., Any]],
    aliases: Mapping[str, str],
    options: Mapping[str, Any],
) -> Any:
    """Build a table entry from a name or a ``{"name": ..., **options}`` mapping.

    Options in the mapping and keyword options are merged (keywords win); the name may be
    an alias; unknown names and options are ConfigErrors with a close-match hint.
    """
    if isinstance(spec, Mapping):
        options = {**{k: v for k, v in spec.items() if k != "name"}, **options}
        spec = spec.get("name")
    name = aliases.get(spec, spec) if isinstance(spec, str) else spec
    check_choice(where, what, name, table)
    return call_with_options(f"{what} {name!r}", table[name], options)
