"""Gradient clipping in place, with the semantics of ``torch.nn.utils``.

Both functions overwrite the gradient arrays they are given; copy them first if the
unclipped values are still needed (a worked solution that prints g before clipping, say).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from glassnet._validate import check_number

GradArrays = np.ndarray | Sequence[np.ndarray]

# torch.nn.utils.clip_grad_norm_ adds this to the norm before dividing
NORM_EPS = 1e-6


def _as_list(grads: GradArrays) -> list[np.ndarray]:
    return [grads] if isinstance(grads, np.ndarray) else list(grads)


def global_norm(grads: GradArrays) -> float:
    """Euclidean norm of all entries of all arrays together: ‖g‖ = √(Σᵢ gᵢ²)."""
    return math.sqrt(sum(float(np.vdot(g, g)) for g in _as_list(grads)))


def clip_by_global_norm(grads: GradArrays, max_norm: float) -> float:
    """Rescale ``grads`` in place so that their global 2-norm is at most ``max_norm``.

    The arithmetic of ``torch.nn.utils.clip_grad_norm_`` (2-norm)::

        ‖g‖ = √(Σᵢ gᵢ²)                    over every entry of every array
        c   = min(1, max_norm / (‖g‖ + 10⁻⁶))
        g  ← c · g

    Parameters
    ----------
    grads : array of any shape, or a sequence of arrays (all scaled by the same c)
    max_norm : float > 0

    Returns
    -------
    float
        ‖g‖ before clipping (what torch returns).

    Examples
    --------
    >>> g = np.array([3.0, 4.0])
    >>> clip_by_global_norm(g, 1.0)
    5.0
    >>> np.round(g, 6).tolist()
    [0.6, 0.8]
    """
    max_norm = check_number("clip_by_global_norm", "max_norm", max_norm, low=0.0, low_open=True)
    arrays = _as_list(grads)
    total = global_norm(arrays)
    coef = max_norm / (total + NORM_EPS)  # c = max_norm / (‖g‖ + 10⁻⁶)
    if coef < 1.0:  # c = min(1, ·); multiplying by 1 would change nothing
        for g in arrays:
            np.multiply(g, coef, out=g)  # g ← c·g
    return total


def clip_by_value(grads: GradArrays, limit: float) -> None:
    """Clamp every entry of ``grads`` in place to [−limit, limit].

    The arithmetic of ``torch.nn.utils.clip_grad_value_``::

        gᵢ ← min(max(gᵢ, −limit), limit)

    Examples
    --------
    >>> g = np.array([-3.0, 0.5, 2.0])
    >>> clip_by_value(g, 1.0)
    >>> g.tolist()
    [-1.0, 0.5, 1.0]
    """
    limit = check_number("clip_by_value", "limit", limit, low=0.0, low_open=True)
    for g in _as_list(grads):
        np.clip(g, -limit, limit, out=g)
