"""Nice numbers from a seeded generator: values on a short-decimal grid inside a range.

A knob is ``(lo, hi, step)``: the value is ``k·step`` for an integer k with
lo ≤ k·step ≤ hi, drawn uniformly (zero left out unless ``allow_zero``), and rounded to the
decimals of ``step`` so that it prints as written (0.3, not 0.30000000000000004).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from glassnet.errors import ConfigError

Knob = tuple[float, float, float]


def decimals_of(step: float) -> int:
    """Decimals needed to write multiples of ``step``: 0.25 → 2, 0.5 → 1, 1 → 0."""
    for d in range(7):
        if abs(step * 10**d - round(step * 10**d)) < 1e-9:
            return d
    return 6


def grid(knob: Knob, allow_zero: bool = False) -> list[float]:
    lo, hi, step = knob
    d = decimals_of(step)
    ks = range(math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9) + 1)
    values = [round(k * step, d) for k in ks]
    return [v for v in values if allow_zero or v != 0]


class Draw:
    """Draws knob values for one exercise; ``ranges`` are the template's knobs."""

    def __init__(self, rng: np.random.Generator, ranges: Mapping[str, Knob]) -> None:
        self.rng = rng
        self.ranges = ranges

    def __call__(self, knob: str, allow_zero: bool = False) -> float:
        values = grid(self.ranges[knob], allow_zero)
        return float(values[int(self.rng.integers(len(values)))])

    def many(self, knob: str, n: int, allow_zero: bool = False) -> list[float]:
        return [self(knob, allow_zero) for _ in range(n)]

    def choice(self, options: list[Any]) -> Any:
        return options[int(self.rng.integers(len(options)))]


def merge_ranges(
    defaults: Mapping[str, Knob], given: Any, where: str
) -> dict[str, Knob]:
    """The template's knobs with ``given`` ({knob: [lo, hi]} or [lo, hi, step]) applied.

    Every problem is one :class:`ConfigError` naming ``where`` and the knob.
    """
    out = dict(defaults)
    if given is None:
        return out
    if not isinstance(given, Mapping):
        raise ConfigError(
            f"{where}: expected a mapping of knob: [lo, hi]; got {type(given).__name__}."
        )
    for key, value in given.items():
        if key not in defaults:
            near = difflib.get_close_matches(str(key), list(defaults), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ConfigError(
                f"{where}.{key}: unknown knob{hint} (knobs: {', '.join(sorted(defaults))})."
            )
        ok = isinstance(value, (list, tuple)) and len(value) in (2, 3) and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
            for x in value
        )
        if not ok:
            raise ConfigError(f"{where}.{key}: expected [lo, hi] or [lo, hi, step]; got {value!r}.")
        lo, hi = float(value[0]), float(value[1])
        step = float(value[2]) if len(value) == 3 else defaults[key][2]
        if lo > hi or step <= 0 or abs(lo) > 1e6 or abs(hi) > 1e6 or step < 1e-4:
            raise ConfigError(
                f"{where}.{key}: impossible range [{lo:g}, {hi:g}] with step {step:g} "
                "(need lo ≤ hi, |lo|, |hi| ≤ 10⁶ and step ≥ 0.0001)."
            )
        if len(grid((lo, hi, step))) == 0:
            raise ConfigError(
                f"{where}.{key}: the range [{lo:g}, {hi:g}] holds no nonzero multiple of {step:g}."
            )
        if (hi - lo) / step > 1e6:
            raise ConfigError(f"{where}.{key}: more than 10⁶ grid values; use a larger step.")
        out[key] = (lo, hi, step)
    return out
