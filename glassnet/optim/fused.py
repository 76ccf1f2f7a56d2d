"""Backends of the optimizer steps: the compiled single-pass kernels or the NumPy ufuncs.

Each optimizer's ``_update`` is written as a sequence of in-place NumPy ufuncs, one equation
per line (several passes over the parameter vector). When the optional C extension
``glassnet.optim._fused`` was built (``pip install`` does it when a C compiler is present;
in a checkout: ``python setup.py build_ext --inplace``), the same operations run element by
element in **one pass**, in the arrays' precision, with no FMA contraction: the two backends
give the same numbers bit for bit (tests/test_speed_optim.py checks that, and both against
``torch.optim``).

The backend is ``"c"`` when the extension imports, ``"numpy"`` otherwise; the environment
variable ``GLASSNET_OPTIM_BACKEND`` or :func:`set_backend` chooses explicitly. Arrays that the
kernels cannot take (not C-contiguous, mixed dtypes, float16) always use NumPy.
"""

from __future__ import annotations

import os
from types import ModuleType

import numpy as np

from glassnet._validate import check_choice

try:  # the compiled kernels are optional
    from glassnet.optim import _fused as _ext
except ImportError:  # pragma: no cover - exercised on machines without a compiler
    _ext = None

BACKENDS = ("c", "numpy")
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def available() -> tuple[str, ...]:
    """The backends this installation can use (``"numpy"`` always)."""
    return BACKENDS if _ext is not None else ("numpy",)


def _initial() -> str:
    wanted = os.environ.get("GLASSNET_OPTIM_BACKEND", "").strip().lower()
    if wanted in available():
        return wanted
    return "c" if _ext is not None else "numpy"


_backend = _initial()


def get_backend() -> str:
    """The backend optimizer steps use now: ``"c"`` or ``"numpy"``."""
    return _backend


def set_backend(name: str) -> str:
    """Choose the backend (``"c"`` needs the built extension); returns the previous one."""
    global _backend
    check_choice("set_backend", "backend", name, available())
    previous, _backend = _backend, name
    return previous


def kernels(*arrays: np.ndarray | None) -> ModuleType | None:
    """The compiled kernels if the C backend is active and every array can go to them.

    ``None`` entries (optional state) are skipped; the others must be C-contiguous, writable
    and of one float32/float64 dtype and size.
    """
    if _backend != "c":
        return None
    first = arrays[0]
    dtype, size = first.dtype, first.size
    if dtype not in _FLOATS:
        return None
    for a in arrays:
        if a is None:
            continue
        flags = a.flags
        if a.dtype != dtype or a.size != size or not (flags.c_contiguous and flags.writeable):
            return None
    return _ext
