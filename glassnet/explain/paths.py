"""Paths into a solution's JSON data, counted as a person counts.

``loss``, ``output``, ``gradients.w1``, ``forward[2].a``, ``backward[1].delta[1][2]``,
``steps[3].params.W1[1,2]``, ``steps[1].state.w1.m``: ``forward[l]`` and ``backward[l]``
select layer l, ``steps[k]`` step k, and ``[i]`` on an array selects entry i, all from 1.
On a one-sample array ``(1, units)`` a single index selects the unit.
"""

from __future__ import annotations

import re
from typing import Any

from glassnet.errors import ExerciseError

_SEGMENT = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")
_NUMBERED = {"forward": "layer", "backward": "layer", "steps": "step"}


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


def resolve(data: Any, path: str) -> Any:
    """The value at ``path``; raises KeyError with a readable message when there is none."""
    cur = data
    parent = ""
    for segment in split_path(path.strip()):
        if isinstance(cur, dict) and segment in cur:  # names like W1[1,2] are keys
            cur, parent = cur[segment], segment
            continue
        m = _SEGMENT.fullmatch(segment)
        if not m or not isinstance(cur, dict) or m.group(1) not in cur:
            raise KeyError(_missing(cur, segment, path))
        cur, parent = cur[m.group(1)], m.group(1)
        indices = re.findall(r"\[(\d+)\]", m.group(2))
        one_sample = isinstance(cur, list) and len(cur) == 1 and isinstance(cur[0], list)
        if len(indices) == 1 and one_sample and parent not in _NUMBERED:
            cur = cur[0]  # one sample: a single index selects the unit
        for idx in indices:
            cur = _index(cur, int(idx), parent, path)
            parent = ""
    return cur


def _index(cur: Any, i: int, parent: str, path: str) -> Any:
    if not isinstance(cur, list):
        raise KeyError(f"{path}: [{i}] indexes something that is not a list.")
    if parent in _NUMBERED:
        key = _NUMBERED[parent]
        for entry in cur:
            if entry.get(key) == i:
                return entry
        numbers = ", ".join(str(e.get(key)) for e in cur) or "none"
        raise KeyError(f"{path}: there is no {key} {i} (the solution has {key}s {numbers}).")
    if not 1 <= i <= len(cur):
        raise KeyError(f"{path}: index [{i}] is out of range 1..{len(cur)} (indices count from 1).")
    return cur[i - 1]


def _missing(cur: Any, segment: str, path: str) -> str:
    if isinstance(cur, dict):
        keys = ", ".join(k for k in cur if cur[k] is not None)
        return f"{path}: no {segment!r} here; available: {keys}."
    return f"{path}: {segment!r} does not exist."


def lookup(data: Any, path: str) -> Any:
    """``resolve`` raising ExerciseError (for answers files)."""
    try:
        return resolve(data, path)
    except KeyError as exc:
        raise ExerciseError(exc.args[0]) from None


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
