"""What every optimizer shares: lazy state, checkpoints, clipping options, validation.

A subclass declares its ``name``, its ``State`` dataclass, which array fields the current
configuration uses (``_active``), and writes ``_update`` — the algorithm box, one equation
per line, with in-place ufuncs into the scratch arrays ``tmp[name]`` (made on first use).
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import numpy as np

from glassnet._validate import call_with_options, check_number
from glassnet.errors import ConfigError, DataError, ShapeError
from glassnet.optim.clipping import clip_by_global_norm, clip_by_value

StateDict = dict[str, "np.ndarray | int | float | None"]
Buffers = dict[str, "np.ndarray | None"]

#: arrays at least this large are updated in parallel chunks (NumPy ufuncs release the GIL)
PARALLEL_MIN_SIZE = 1 << 16
#: float32 state is swept for subnormal numbers every this many steps (see _flush_subnormals)
FLUSH_EVERY = 64
#: entries swept per block (a 256 KiB scratch instead of one of the parameters' size)
FLUSH_BLOCK = 1 << 16


_SCRATCH_LOCK = threading.Lock()


class Scratch(dict):
    """The NumPy backend's temporaries, one array of the parameters' shape per name,
    allocated on first use: with the compiled kernels none is ever made (for 670k float32
    parameters that is 2.6 MiB of resident memory less per temporary)."""

    def __init__(self, shape: tuple[int, ...], dtype: np.dtype) -> None:
        super().__init__()
        self.shape, self.dtype = shape, dtype

    def __missing__(self, name: str) -> np.ndarray:
        with _SCRATCH_LOCK:  # chunks of a threaded update may ask at the same time
            arr = self.get(name)
            if arr is None:
                arr = self[name] = np.empty(self.shape, self.dtype)
        return arr

    def flat(self) -> Scratch:
        """A view of the same temporaries as 1-D arrays (for chunks of a flat update)."""
        return _FlatScratch(self)

    def part(self, start: int, stop: int) -> Scratch:
        return _PartScratch(self, start, stop)


class _FlatScratch(Scratch):
    def __init__(self, parent: Scratch) -> None:
        super().__init__((int(np.prod(parent.shape)),), parent.dtype)
        self.parent = parent

    def __missing__(self, name: str) -> np.ndarray:
        return self.parent[name].reshape(-1)


class _PartScratch(Scratch):
    def __init__(self, parent: Scratch, start: int, stop: int) -> None:
        super().__init__((stop - start,), parent.dtype)
        self.parent, self.start, self.stop = parent, start, stop

    def __missing__(self, name: str) -> np.ndarray:
        return self.parent[name][self.start : self.stop]
_pool: ThreadPoolExecutor | None = None
#: threads per optimizer step. Default 1: inside `fit` the BLAS threads of the matrix products
#: still hold the cores when the update runs, and two update threads measured no faster there
#: (0.97 → 0.63 ms for Adam on 670k float32 alone, but 1.0–1.2 ms either way inside fit).
_n_threads = 1


def set_num_threads(n: int) -> None:
    """How many threads an optimizer step may use on large arrays (default 1; see above)."""
    global _n_threads, _pool
    _n_threads = int(check_number("set_num_threads", "n", n, low=1, integer=True))
    if _pool is not None:
        _pool.shutdown(wait=True)
        _pool = None


def _thread_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=max(1, _n_threads - 1),
                                   thread_name_prefix="glassnet-optim")
    return _pool


# fields of a state_dict whose entries are second moments, hence never negative
_NON_NEGATIVE = ("v", "v_max")


def check_bool(where: str, what: str, value: Any) -> bool:
    """Return ``value`` if it is a bool (NumPy bools included); raise ConfigError otherwise."""
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"{where}: {what} must be True or False; got {value!r}.")
    return bool(value)


class Optimizer:
    """Base class of the optimizers in :mod:`glassnet.optim` (not used directly).

    Parameters shared by every optimizer
    ------------------------------------
    lr : float ≥ 0
        Learning rate η; ``step(..., lr=...)`` overrides it for one step.
    clip_norm : float > 0 or None
        Before the update, rescale the gradient **in place** so that ‖g‖ ≤ clip_norm
        (:func:`~glassnet.optim.clipping.clip_by_global_norm`, torch ``clip_grad_norm_``).
    clip_value : float > 0 or None
        Before the update, clamp the gradient **in place** to [−clip_value, clip_value]
        (torch ``clip_grad_value_``). With both options, the norm is clipped first.
    """

    name: ClassVar[str]
    State: ClassVar[type]
    _fields: ClassVar[tuple[str, ...]] = ()  # array fields of State, in order

    def __init__(self, lr: float, *, clip_norm: float | None, clip_value: float | None) -> None:
        where = type(self).__name__
        self._lr = check_number(where, "lr", lr, low=0.0)
        self.clip_norm = (
            None
            if clip_norm is None
            else check_number(where, "clip_norm", clip_norm, low=0.0, low_open=True)
        )
        self.clip_value = (
            None
            if clip_value is None
            else check_number(where, "clip_value", clip_value, low=0.0, low_open=True)
        )
        self.reset()

    # -- hyperparameters ---------------------------------------------------------------
    @property
    def lr(self) -> float:
        """Learning rate η used when ``step`` is called without ``lr``."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_number(type(self).__name__, "lr", value, low=0.0)

    def _hyper(self) -> dict[str, Any]:
        """Hyperparameters in signature order, JSON-able (subclasses extend)."""
        return {"lr": self._lr}

    def config(self) -> dict[str, Any]:
        """Name and hyperparameters; ``get_optimizer(**opt.config())`` rebuilds the optimizer."""
        return {
            "name": self.name,
            **self._hyper(),
            "clip_norm": self.clip_norm,
            "clip_value": self.clip_value,
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "name")
        return f"{type(self).__name__}({args})"

    # -- what a subclass provides ------------------------------------------------------
    def _active(self) -> tuple[str, ...]:
        """Array fields of the state that this configuration keeps."""
        return self._fields

    def _update(
        self, params: np.ndarray, grads: np.ndarray, lr: float, t: int, bufs: Buffers, tmp: Buffers
    ) -> None:
        """One update of ``params`` from ``grads``; ``bufs``/``tmp`` are the state and scratch
        arrays (or same-range slices of them: the step may run in chunks, in parallel)."""
        raise NotImplementedError

    # -- stepping ----------------------------------------------------------------------
    def reset(self) -> None:
        """Forget all state (t = 0, no moment arrays); hyperparameters are kept."""
        self._t = 0
        self._bufs: dict[str, np.ndarray | None] = dict.fromkeys(self._fields)
        self._tmp = Scratch((), np.dtype(np.float64))
        #: (params shape, dtype, grads shape) that state and scratch were prepared for
        self._ready: tuple[Any, ...] | None = None

    def step(self, params: np.ndarray, grads: np.ndarray, lr: float | None = None) -> None:
        """Apply one update to ``params`` in place.

        Parameters
        ----------
        params : float array of any shape (float32 or float64), updated in place
        grads : array of the same shape: ∂C/∂θ. Left untouched, except that ``clip_norm`` /
            ``clip_value`` clip it in place.
        lr : float ≥ 0, optional
            η for this step only (a schedule's value); default ``self.lr``.
        """
        where = type(self).__name__
        if lr is None:
            lr = self._lr
        elif not (type(lr) is float and 0.0 <= lr < math.inf):  # the common case, checked fast
            lr = check_number(where, "lr", lr, low=0.0)
        ready = self._ready
        if ready is not None and ready == (
            getattr(params, "shape", None),
            getattr(params, "dtype", None),
            getattr(grads, "shape", None),
        ):
            # the same arrays' shapes as the last step: state and scratch already fit
            self._clip_and_update(params, grads, lr)
            return
        if not isinstance(params, np.ndarray) or params.dtype.kind != "f":
            raise DataError(
                f"{where}.step: params must be a float NumPy array; got {params!r:.50}."
            )
        if getattr(grads, "shape", None) != params.shape:
            raise ShapeError(
                f"{where}.step: grads must have the shape of params {params.shape}; "
                f"got {getattr(grads, 'shape', type(grads).__name__)}."
            )
        self._prepare(params)  # may raise: before anything is modified
        if isinstance(grads, np.ndarray):
            self._ready = (params.shape, params.dtype, grads.shape)
        self._clip_and_update(params, grads, lr)

    def _clip_and_update(self, params: np.ndarray, grads: np.ndarray, lr: float) -> None:
        if self.clip_norm is not None:
            clip_by_global_norm(grads, self.clip_norm)
        if self.clip_value is not None:
            clip_by_value(grads, self.clip_value)
        self._t += 1
        self._run_update(params, grads, lr, self._t)
        if self._t % FLUSH_EVERY == 0 and params.dtype == np.float32:
            self._flush_subnormals()

    def _run_update(self, params: np.ndarray, grads: np.ndarray, lr: float, t: int) -> None:
        """``_update`` on the whole array, or on contiguous chunks in parallel threads.

        Every operation of an update is elementwise, so chunks give bit-identical results.
        """
        n = params.size
        chunks = min(_n_threads, n // (PARALLEL_MIN_SIZE // 2))
        contiguous = params.flags.c_contiguous and grads.flags.c_contiguous
        if chunks < 2 or not contiguous:
            self._update(params, grads, lr, t, self._bufs, self._tmp)
            return
        flat = {k: None if a is None else a.reshape(-1) for k, a in self._bufs.items()}
        scratch = self._tmp.flat()
        p, g = params.reshape(-1), grads.reshape(-1)
        edges = [n * i // chunks for i in range(chunks + 1)]
        parts = [
            (p[a:b], g[a:b], lr, t, {k: None if v is None else v[a:b] for k, v in flat.items()},
             scratch.part(a, b))
            for a, b in itertools.pairwise(edges)
        ]
        # the other chunks go to the pool, the last one runs here meanwhile (a hand-off
        # fewer: the pool's wake-up, not the arithmetic, is most of a small update's cost)
        jobs = [_thread_pool().submit(self._update, *part) for part in parts[:-1]]
        try:
            self._update(*parts[-1])
        finally:
            for job in jobs:
                job.result()

    def _flushable(self) -> tuple[str, ...]:
        """State arrays whose subnormal entries may be set to zero without changing θ."""
        return tuple(self._bufs)

    def _flush_subnormals(self) -> None:
        """Set float32 state entries below the smallest normal number (1.2e-38) to zero.

        Running averages of gradients that are exactly zero (dead ReLU units) decay into
        subnormal numbers, which make sqrt and division several times slower. A subnormal
        first moment moves θ by at most η·1.2e-38/ε ≈ 1e-33 (Adam), and a subnormal second
        moment changes √v + ε by at most 1.1e-19 — far below float32 rounding as long as
        ε ≥ 1e-10, so optimizers with a smaller ε keep their second moments (see
        ``_flushable``). Flushing therefore changes no result; it keeps later steps fast.
        """
        tiny = np.finfo(np.float32).tiny
        scratch = np.empty(FLUSH_BLOCK, np.float32)  # |x| of one block at a time
        for name in self._flushable():
            buf = self._bufs[name]
            if buf is None or buf.dtype != np.float32 or not buf.flags.c_contiguous:
                continue
            flat = buf.reshape(-1)
            for start in range(0, flat.size, FLUSH_BLOCK):
                block = flat[start : start + FLUSH_BLOCK]
                size = block.size
                np.abs(block, out=scratch[:size])
                np.putmask(block, scratch[:size] < tiny, 0.0)

    def _prepare(self, params: np.ndarray) -> None:
        """Create state lazily (zeros of params' shape and dtype) and the scratch buffers."""
        shape, dtype = params.shape, params.dtype
        for k in self._active():
            buf = self._bufs[k]
            if buf is None:
                self._bufs[k] = np.zeros(shape, dtype)
            elif buf.shape != shape:
                raise ShapeError(
                    f"{type(self).__name__}.step: state '{k}' has shape {buf.shape} but params "
                    f"have shape {shape}; call reset() before optimizing other parameters."
                )
            elif buf.dtype != dtype:  # a checkpoint saved in another precision
                self._bufs[k] = buf.astype(dtype)
        if self._tmp.shape != shape or self._tmp.dtype != dtype:
            self._tmp = Scratch(shape, dtype)  # filled on first use: the C kernels need none

    # -- state, checkpoints, worked solutions -----------------------------------------
    @property
    def state(self) -> Any:
        """A snapshot: the State dataclass with t and copies of the state arrays."""
        copies = {k: None if a is None else a.copy() for k, a in self._bufs.items()}
        return self.State(t=self._t, **copies)

    def state_dict(self) -> StateDict:
        """``{"t": int, <field>: array or None, ...}``: everything needed to resume."""
        return {"t": self._t, **{k: None if a is None else a.copy() for k, a in self._bufs.items()}}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a ``state_dict()``; validates keys, t, shapes and dtypes first.

        Arrays keep their dtype until the next ``step`` converts them to the dtype of params.
        """
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, Mapping):
            raise ConfigError(f"{where}: state must be a dict; got {type(state).__name__}.")
        expected = ("t", *self._fields)
        for k in state:
            if k not in expected:
                raise ConfigError(
                    f"{where}: unknown key {k!r}; expected {', '.join(map(repr, expected))}."
                )
        for k in expected:
            if k not in state:
                raise ConfigError(f"{where}: missing key {k!r}.")
        t = check_number(where, "t", state["t"], low=0, integer=True)
        active = self._active() if t > 0 else ()
        bufs: dict[str, np.ndarray | None] = dict.fromkeys(self._fields)
        shape = None
        for k in self._fields:
            value = state[k]
            if k not in active:
                if value is not None:
                    why = "t = 0" if t == 0 else f"{self!r} keeps no such state"
                    raise ConfigError(f"{where}: {k!r} must be None ({why}); got {value!r:.60}.")
                continue
            if value is None:
                raise ConfigError(f"{where}: {k!r} must be an array for {self!r} at t = {t}.")
            arr = np.array(value, copy=True)
            if arr.dtype.kind != "f":
                raise ConfigError(f"{where}: {k!r} must be a float array; got dtype {arr.dtype}.")
            if shape is not None and arr.shape != shape:
                raise ConfigError(
                    f"{where}: {k!r} has shape {arr.shape} but the other state arrays have "
                    f"shape {shape}."
                )
            if k in _NON_NEGATIVE and np.any(arr < 0):
                raise ConfigError(f"{where}: {k!r} is a second moment and must be ≥ 0.")
            shape = arr.shape
            bufs[k] = arr
        self._t, self._bufs, self._ready = t, bufs, None

    def describe(self, sl: Any = slice(None)) -> dict[str, np.ndarray]:
        """Named per-parameter state for ``params[sl]`` after the last step (copies).

        Empty before the first step and for optimizers without state (plain SGD).
        """
        if self._t == 0:
            return {}
        return {k: self._bufs[k][sl].copy() for k in self._active()}


def build(cls: type[Optimizer], kwargs: Mapping[str, Any]) -> Optimizer:
    """``cls(**kwargs)`` with ConfigErrors naming unknown or missing arguments."""
    return call_with_options(cls.__name__, cls, kwargs)
