"""Worked solutions: an exercise file → every z, a, loss, δ, gradient and optimizer step.

>>> import glassnet as gn
>>> sol = gn.explain('''
... params: {w1: 0.01, w2: -5, b: -1}
... network:
...   inputs: [x]
...   layers:
...     - {units: [h], weights: [[w1]], activation: relu}
...     - {units: [y], weights: [[w2]], bias: [b], activation: sigmoid}
... loss: {name: squared_error, factor: 0.5}
... data: {x: [3], t: [1]}
... ''')
>>> round(sol["gradients.w1"], 4)
2.0809

The numbers come from the engine (``Network.compute_gradients`` with the general δ rule, the
optimizers' ``step``/``describe``, the schedules); this package only runs it, names the
results and renders them. See docs/explain.md for the exercise and JSON formats.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from glassnet.explain.exercise import Exercise, load_exercise
from glassnet.explain.solution import Solution


def explain(source: Any) -> Solution:
    """The worked solution of an exercise given as a file path, YAML/JSON text, or a dict."""
    import numpy as np

    from glassnet.errors import ExerciseError
    from glassnet.explain.trace import run

    exercise = source if isinstance(source, Exercise) else load_exercise(source)
    try:
        with np.errstate(over="raise", invalid="raise"):
            trace = run(exercise)
    except FloatingPointError as exc:
        raise ExerciseError(
            f"{exercise.origin}: the arithmetic leaves float64's range ({exc}); a worked "
            "solution needs finite numbers: use smaller inputs, weights or learning rate."
        ) from None
    return Solution(exercise, trace)


class _CallableModule(types.ModuleType):
    """``glassnet.explain`` is both this package and the function ``glassnet.explain(...)``.

    Importing the subpackage rebinds the attribute ``glassnet.explain`` from the function
    defined in ``glassnet/__init__.py`` to this module; making the module callable keeps
    ``gn.explain(source)`` working after that.
    """

    def __call__(self, source: Any) -> Solution:
        return explain(source)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["Exercise", "Solution", "explain", "load_exercise"]
