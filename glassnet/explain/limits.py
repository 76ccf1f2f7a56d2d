"""Size limits of an exercise, checked while it is parsed and before any work starts.

A worked solution prints every intermediate, so its size (and time: about half a millisecond
per parameter per step) grows with parameters × steps. The limits sit far above every real
exercise — a textbook one has a handful of units, a few samples and a few steps — and turn a
mistyped or hostile file (10^9 steps, 10^6 units, YAML nested 10^4 deep) into a one-line
error naming the key and the limit instead of a hang or an exhausted memory.
"""

from __future__ import annotations

from typing import Any

from glassnet.errors import ExerciseError

MAX_TEXT_BYTES = 2**20  #: an exercise or answers file (the largest example is 0.7 KB)
MAX_DEPTH = 32  #: nesting of mappings and lists
MAX_LAYERS = 64
MAX_UNITS = 4_096  #: per layer, the inputs included
MAX_SAMPLES = 10_000
MAX_STEPS = 10_000
MAX_PARAMETERS = 100_000
#: parameters × steps: the number of update lines the solution prints (~0.5 ms each)
MAX_PARAMETER_STEPS = 200_000
MAX_INTEGER = 2**63 - 1  #: seeds and counts beyond this cannot be represented


def check_count(path: str, n: int, limit: int, what: str) -> None:
    """Refuse ``n`` of ``what`` above ``limit`` with the key's path."""
    if n > limit:
        raise ExerciseError(f"{path}: {n:,} {what} is above the limit of {limit:,} {what} per "
                            "exercise.")


def check_depth(origin: str, data: Any) -> None:
    """Refuse data nested deeper than MAX_DEPTH (checked iteratively, without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, tuple):  # a (key, value, line) triple of the answers reader
            stack.extend((child, depth) for child in value)
            continue
        if isinstance(value, dict):
            children = list(value.values())
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_DEPTH:
            raise_depth(origin)
        stack.extend((child, depth + 1) for child in children)


def raise_depth(origin: str) -> None:
    raise ExerciseError(f"{origin}: the file is nested more than {MAX_DEPTH} levels deep "
                        "(mappings and lists inside each other); no exercise needs that.")


def check_work(path: str, n_parameters: int, steps: int) -> None:
    """Refuse an exercise whose worked solution would print more than MAX_PARAMETER_STEPS
    parameter updates."""
    if n_parameters * max(steps, 1) > MAX_PARAMETER_STEPS:
        raise ExerciseError(
            f"{path}: {n_parameters:,} parameters × {steps:,} steps is above the limit of "
            f"{MAX_PARAMETER_STEPS:,} parameter updates in one worked solution; use fewer "
            "steps or a smaller network.")
