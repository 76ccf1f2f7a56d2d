"""Paths into a solution's JSON data, counted as a person counts.

``loss``, ``output``, ``gradients.w1``, ``forward[2].a``, ``backward[1].delta[1][2]``,
``steps[3].params.W1[1,2]``, ``steps[1].state.w1.m``: ``forward[l]`` and ``backward[l]``
select layer l, ``steps[k]`` step k, and ``[i]`` on an array selects entry i, all from 1.
On a one-sample array ``(1, units)`` a single index selects the unit.

A textbook position (``W1[2,2]``, ``b2[1]``) also names the parameter at that position when
the file gave it a name (``gradients.W1[2,2]`` is ``gradients.a22``). A tied parameter's
position names it only for values (``params``, ``steps[k].params``): its gradient and
optimizer state belong to the name, not to one position.
"""

from __future__ import annotations

import re
from typing import Any

from glassnet.errors import ExerciseError

_SEGMENT = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")
_NUMBERED = {"forward": "layer", "backward": "layer", "steps": "step"}
_POSITION = re.compile(r"[Wb]\d+\[\d+(?:,\d+)?\]")


class PathError(KeyError):
    """No value at ``path``; ``reason`` says why (without the path)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return self.args[0]


def split_path(path: str) -> list[str]:
    """Split on dots outside brackets: ``gradients.W1[1,2]`` → ``["gradients", "W1[1,2]"]``."""
    parts, depth, cur = [], 0, ""
    for c in path:
        depth += (c == "[") - (c == "]")
        if c == "." and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    parts.append(cur)
    return parts


def _alias(data: Any, cur: dict, segment: str, parent: str, path: str) -> str | None:
    """The parameter name at the textbook position ``segment``, when ``cur`` is keyed by
    names; None when ``segment`` is no position."""
    positions = data.get("positions") if isinstance(data, dict) else None
    if not positions or not _POSITION.fullmatch(segment):
        return None
    for name, where in positions.items():
        if segment in where and name in cur:
            if len(where) > 1 and parent != "params":
                head, _, tail = path.rpartition(segment)
                raise PathError(
                    path,
                    f"{segment} is one of the positions of the tied parameter {name} "
                    f"({', '.join(where)}); use {head}{name}{tail} (its gradient is the sum "
                    "over its positions), or backward[l].grad_W for one position's share.",
                )
            return name
    return None


def _walk(data: Any, path: str) -> tuple[Any, str]:
    """(value, the path with textbook positions replaced by parameter names)."""
    cur = data
    parent = ""
    canonical = []
    for segment in split_path(path.strip()):
        if isinstance(cur, dict) and segment not in cur:
            segment = _alias(data, cur, segment, parent, path) or segment
        canonical.append(segment)
        if isinstance(cur, dict) and segment in cur:  # names like W1[1,2] are keys
            cur, parent = cur[segment], segment
            continue
        m = _SEGMENT.fullmatch(segment)
        if not m or not isinstance(cur, dict) or m.group(1) not in cur:
            raise PathError(path, _missing(cur, segment))
        cur, parent = cur[m.group(1)], m.group(1)
        indices = re.findall(r"\[(\d+)\]", m.group(2))
        one_sample = isinstance(cur, list) and len(cur) == 1 and isinstance(cur[0], list)
        if len(indices) == 1 and one_sample and parent not in _NUMBERED:
            cur = cur[0]  # one sample: a single index selects the unit
        for idx in indices:
            cur = _index(cur, int(idx), parent, path)
            parent = ""
    return cur, ".".join(canonical)


def resolve(data: Any, path: str) -> Any:
    """The value at ``path``; raises :class:`PathError` (a KeyError) with a readable message
    when there is none."""
    return _walk(data, path)[0]


def canonical(data: Any, path: str) -> str:
    """``path`` with textbook positions of named parameters replaced by the names."""
    return _walk(data, path)[1]


def _index(cur: Any, i: int, parent: str, path: str) -> Any:
    if not isinstance(cur, list):
        raise PathError(path, f"[{i}] indexes something that is not a list.")
    if parent in _NUMBERED:
        key = _NUMBERED[parent]
        for entry in cur:
            if entry.get(key) == i:
                return entry
        numbers = [str(e.get(key)) for e in cur]
        has = (
            f"the solution has {key}{'s' * (len(numbers) > 1)} {', '.join(numbers)}"
            if numbers
            else f"the solution has no {key}s"
        )
        raise PathError(path, f"there is no {key} {i} ({has}).")
    if not 1 <= i <= len(cur):
        raise PathError(path, f"index [{i}] is out of range 1..{len(cur)} (indices count from 1).")
    return cur[i - 1]


def _missing(cur: Any, segment: str) -> str:
    if isinstance(cur, dict):
        keys = ", ".join(k for k in cur if cur[k] is not None)
        return f"no {segment!r} here; available: {keys}."
    return f"{segment!r} does not exist."


def lookup(data: Any, path: str) -> Any:
    """``resolve`` raising ExerciseError (for answers files)."""
    try:
        return resolve(data, path)
    except PathError as exc:
        raise ExerciseError(str(exc)) from None


def leaves(value: Any, path: str = "") -> list[tuple[str, float]]:
    """Every number under ``value`` with its path (arrays indexed from 1)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return []
    if isinstance(value, (int, float)):
        return [(path, float(value))]
    out: list[tuple[str, float]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out += leaves(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value, start=1):
            out += leaves(v, f"{path}[{i}]")
    return out
