"""Grade a student's answers against a worked solution (``glassnet explain --check``).

An answers file maps paths into the solution's JSON (see :mod:`glassnet.explain.paths`) to
numbers: ``loss: 0.288``, ``gradients.w1: 2.081``, ``steps[1].params.w1: -0.198``,
``forward[2].a: 0.24``, ``output: 0.24``; nested mappings are read as dotted paths, and a
number may be given as ``{value: 2.08, tol: 0.01}`` (absolute) or ``{value: ..., rtol: ...}``.

By default a number is correct when it is right to the decimals the student wrote (``0.288``:
within 0.0005) or within 10⁻³ relative. For each wrong number the report gives the right
value and, when it recognises one, a hint about a classic mistake; for the first wrong one it
also quotes the step of the worked solution that produces it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glassnet.errors import ExerciseError
from glassnet.explain.document import Eq
from glassnet.explain.mistakes import matching_hints
from glassnet.explain.numbers import number
from glassnet.explain.paths import lookup, split_path
from glassnet.explain.render_text import eq_text

RTOL = 1e-3
_NUMBER = re.compile(r"[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")


class StudentNumber(float):
    """A float that remembers how it was written (for 'correct to the decimals given')."""

    text: str

    def __new__(cls, value: float, text: str) -> StudentNumber:
        obj = super().__new__(cls, value)
        obj.text = text
        return obj


def decimals(written: str) -> int | None:
    """Decimals of a written number: ``0.288`` → 3, ``2`` → 0, ``1.5e-3`` → 4."""
    m = _NUMBER.fullmatch(written.strip())
    if not m or not (m.group(1) or m.group(2)):
        return None
    return len(m.group(2) or "") - int(m.group(3) or 0)


@dataclass
class Answer:
    path: str
    given: list[float]
    expected: list[float]
    correct: bool
    tolerance: str
    hints: list[str] = field(default_factory=list)
    source: Eq | None = None


@dataclass
class Report:
    """The graded answers; ``passed`` is True when every answer is correct."""

    answers: list[Answer]
    origin: str
    precision: int = 4

    @property
    def passed(self) -> bool:
        return all(a.correct for a in self.answers)

    @staticmethod
    def _tol(a: Answer) -> str:
        return f" ({a.tolerance})" if "tolerance" in a.tolerance else ""

    @property
    def text(self) -> str:
        p = self.precision
        show = lambda xs: ", ".join(number(x, p).text for x in xs)  # noqa: E731
        lines = [
            f"Checking {len(self.answers)} answer(s) from {self.origin} (a number is correct "
            f"to the decimals given, or within {RTOL:g} relative, unless a tolerance is set)"
        ]
        first = True
        for a in self.answers:
            if a.correct:
                lines.append(f"✓ {a.path} = {show(a.given)}: correct{self._tol(a)}")
            else:
                lines.append(
                    f"✗ {a.path} = {show(a.given)}: incorrect{self._tol(a)}; the right "
                    f"value is {show(a.expected)}"
                )
            if not a.correct and first and a.source is not None:
                where = a.source.section or "the worked solution"
                lines.append(f"    It comes from {where}:")
                lines += [f"      {line}" for line in eq_text(a.source, p)]
            first = first and a.correct
            lines += [f"    Hint: {h}" for h in a.hints]
        n_ok = sum(a.correct for a in self.answers)
        lines.append(f"{n_ok} of {len(self.answers)} correct.")
        return "\n".join(lines) + "\n"


def _loader() -> type:
    from glassnet.explain.spec import _Loader

    base = _Loader.make()

    class Loader(base):  # type: ignore[misc, valid-type]
        pass

    def number(loader: Any, node: Any) -> StudentNumber:
        text = loader.construct_scalar(node)
        return StudentNumber(float(text.replace("_", "")), text)

    Loader.add_constructor("tag:yaml.org,2002:float", number)
    Loader.add_constructor("tag:yaml.org,2002:int", number)
    return Loader


def read_answers(source: Any) -> tuple[dict[str, Any], str]:
    """Flat ``{path: value}`` from an answers file path, YAML text, or a mapping."""
    import os

    import yaml

    from glassnet.explain.spec import read_source

    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        if "\n" not in text and os.path.exists(text):
            with open(text, encoding="utf-8") as fh:
                origin, content = text, fh.read()
        elif "\n" not in text and text.lower().endswith((".yaml", ".yml", ".json")):
            raise ExerciseError(f"{text}: no such file.")
        else:
            origin, content = "<answers text>", text
        try:
            raw = yaml.load(content, Loader=_loader())
        except yaml.YAMLError as exc:
            raise ExerciseError(f"{origin}: not valid YAML: {exc}.") from None
        if not isinstance(raw, dict):
            raise ExerciseError(f"{origin}: answers must be a mapping of paths to numbers.")
    else:
        raw, origin = read_source(source, "answers")
    flat: dict[str, Any] = {}
    _flatten(raw, "", flat, origin)
    if not flat:
        raise ExerciseError(f"{origin}: no answers to check.")
    return flat, origin


def _flatten(value: Any, prefix: str, out: dict[str, Any], origin: str) -> None:
    if isinstance(value, dict) and "value" not in value:
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out, origin)
    else:
        out[prefix] = value


@dataclass(frozen=True)
class Tolerance:
    """Correct when |given − expected| ≤ atol or ≤ rtol·|expected|, for every number."""

    atol: float | None
    rtol: float
    text: str

    def close(self, given: list[float], expected: list[float]) -> bool:
        for g, e in zip(given, expected, strict=True):
            err = abs(g - e)
            if not (
                err <= self.rtol * abs(e)
                or (self.atol is not None and err <= self.atol * (1 + 1e-9))
            ):
                return False
        return True


def _written(x: Any) -> str:
    if hasattr(x, "text"):
        return x.text
    return repr(float(x)) if isinstance(x, float) else str(x)


def _numbers(path: str, value: Any, origin: str) -> tuple[list[float], Tolerance]:
    """The numbers of one answer and the tolerance they are graded with."""
    explicit: Tolerance | None = None
    if isinstance(value, dict):
        extra = set(value) - {"value", "tol", "rtol"}
        if extra or "value" not in value:
            raise ExerciseError(
                f"{origin}: {path}: expected {{value: ..., tol: ...}} or "
                f"{{value: ..., rtol: ...}}; got keys {sorted(value)}."
            )
        if "tol" in value:
            explicit = Tolerance(float(value["tol"]), 0.0, f"tolerance {float(value['tol']):g}")
        elif "rtol" in value:
            r = float(value["rtol"])
            explicit = Tolerance(None, r, f"relative tolerance {r:g}")
        value = value["value"]
    flat = list(np.ravel(np.asarray(value, dtype=object)))
    if not flat or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in flat):
        raise ExerciseError(
            f"{origin}: {path}: expected a number or a list of numbers; got {value!r}."
        )
    numbers = [float(x) for x in flat]
    if explicit is not None:
        return numbers, explicit
    places = [decimals(_written(x)) for x in flat]
    if any(d is None for d in places):
        return numbers, Tolerance(None, RTOL, f"{RTOL:g} relative")
    d = min(places)  # type: ignore[type-var]
    text = f"to {d} decimal{'s' * (d != 1)} or {RTOL:g} relative"
    return numbers, Tolerance(0.5 * 10.0 ** (-d), RTOL, text)


def _canonical(data: dict[str, Any], path: str) -> str:
    """Resolve aliases (``output``) and the one-sample index shortcut to the full path."""
    parts = split_path(path)
    if parts[0].split("[")[0] == "output" and data.get("network"):
        L = len(data["network"]["layers"])
        key = "a_dropped" if data["network"]["layers"][-1]["dropout"] else "a"
        parts[0] = f"forward[{L}].{key}" + parts[0][len("output") :]
    path = ".".join(parts)
    m = re.fullmatch(r"(.*\.(?:z|a|a_dropped|mask|delta|grad_a|grad_out|fprime))\[(\d+)\]", path)
    if m and len(data["data"]["x"] if data.get("data") else []) == 1:
        path = f"{m.group(1)}[1][{m.group(2)}]"
    return path


def _source(blocks: list[Any], path: str) -> Eq | None:
    for b in blocks:
        if isinstance(b, Eq) and (b.path == path or path.startswith(b.path + "[")):
            return b
    for b in blocks:
        if isinstance(b, Eq) and b.path.startswith(path + "["):
            return b
    return None


def grade(solution: Any, answers: Any, precision: int = 4) -> Report:
    """Grade ``answers`` (path, YAML text or mapping) against ``solution``."""
    flat, origin = read_answers(answers)
    data = solution.to_dict()
    blocks = solution.document(precision).blocks
    cache: dict[str, Any] = {}
    graded = []
    for path, value in flat.items():
        full = _canonical(data, path)
        expected_raw = lookup(data, full)
        if expected_raw is None:
            raise ExerciseError(f"{origin}: {path}: this solution has no such quantity.")
        expected = [float(x) for x in np.ravel(np.asarray(expected_raw, dtype=float))]
        given, tol = _numbers(path, value, origin)
        if len(given) != len(expected):
            raise ExerciseError(
                f"{origin}: {path}: the solution has {len(expected)} number(s) "
                f"here; the answer gives {len(given)}."
            )
        ok = tol.close(given, expected)
        hints: list[str] = []
        if not ok:
            if tol.close(given, [-e for e in expected]):
                hints.append("the sign is flipped.")

            def matches(v: Any, given=given, tol=tol) -> bool:
                vals = [float(x) for x in np.ravel(np.asarray(v, dtype=float))]
                return len(vals) == len(given) and tol.close(given, vals)

            hints += matching_hints(solution.exercise, full, matches, cache)
        graded.append(Answer(path, given, expected, ok, tol.text, hints, _source(blocks, full)))
    return Report(graded, origin, precision)
