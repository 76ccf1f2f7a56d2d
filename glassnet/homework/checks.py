"""Is a drawn exercise nice? Each check returns a sentence per problem, none when nice.

* no saturated sigmoid: |z| ≤ 4 at every sigmoid unit (σ'(4) ≈ 0.018), unless intended;
* no dead ReLU: z > 0 at every ReLU unit, unless intended (ReLU'(0) is a convention);
* not all answers ≈ 0: at least half of the asked numbers have |v| ≥ 10⁻³, and none of
  them sits in (0, 10⁻⁶) where the digits a student writes cannot show it;
* short decimals: every given number is written with at most 3 decimals;
* finite and of ordinary size: every answer is finite with |v| ≤ 10³.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SATURATION = 4.0
SMALL = 1e-3
MAX_DECIMALS = 3
LARGE = 1e3


def _layers(gen: Any) -> list[tuple[str, np.ndarray]]:
    data = gen.solution.to_dict()
    if not data.get("network"):
        return []
    return [
        (layer["activation"]["name"], np.asarray(f["z"], dtype=float))
        for layer, f in zip(data["network"]["layers"], data["forward"], strict=True)
    ]


def saturated(gen: Any) -> list[str]:
    return [
        f"a sigmoid has |z| = {float(np.max(np.abs(z))):.3g} > {SATURATION:g}"
        for name, z in _layers(gen)
        if name == "sigmoid" and np.max(np.abs(z)) > SATURATION
    ]


def dead(gen: Any) -> list[str]:
    return [
        f"a ReLU has z = {float(np.min(z)):.3g} ≤ 0"
        for name, z in _layers(gen)
        if name == "relu" and np.min(z) <= 0
    ]


def answer_values(gen: Any) -> np.ndarray:
    values = []
    for v in gen.answers().values():
        values += v if isinstance(v, list) else [v]
    return np.asarray(values, dtype=float)


def tiny_answers(gen: Any) -> list[str]:
    v = np.abs(answer_values(gen))
    if np.mean(v >= SMALL) < 0.5:
        return ["most answers are ≈ 0"]
    if np.any((v > 0) & (v < 1e-6)):
        return ["an answer is below 10⁻⁶ but not 0"]
    return []


def large_answers(gen: Any) -> list[str]:
    v = answer_values(gen)
    if not np.all(np.isfinite(v)) or np.max(np.abs(v)) > LARGE:
        return [f"an answer is above {LARGE:g} in size"]
    return []


def _given_numbers(value: Any) -> list[float]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _given_numbers(v)]
    if isinstance(value, list):
        return [x for v in value for x in _given_numbers(v)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [float(value)]
    return []


def long_decimals(gen: Any) -> list[str]:
    ex = gen.exercise
    given = _given_numbers(ex.get("params", {})) + _given_numbers(ex.get("data", {}))
    given += _given_numbers(ex.get("train", {}).get("gradients", []))
    bad = [x for x in given if abs(x * 10**MAX_DECIMALS - round(x * 10**MAX_DECIMALS)) > 1e-6]
    return [f"the given number {bad[0]!r} has more than {MAX_DECIMALS} decimals"] if bad else []


def problems(gen: Any, intends: frozenset[str] = frozenset()) -> list[str]:
    """Every niceness problem of a generated exercise, allowing what the template intends."""
    out = long_decimals(gen) + large_answers(gen)
    if "saturated" not in intends:
        out += saturated(gen)
    if "dead" not in intends:
        out += dead(gen)
    if "zero-answers" not in intends:
        out += tiny_answers(gen)
    return out
