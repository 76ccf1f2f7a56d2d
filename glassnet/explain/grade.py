"""Grade a student's answers against a worked solution (``glassnet explain --check``).

An answers file maps paths into the solution's JSON (see :mod:`glassnet.explain.paths`) to
numbers: ``loss: 0.288``, ``gradients.w1: 2.081``, ``steps[1].params.w1: -0.198``,
``forward[2].a: 0.24``, ``output: 0.24``; nested mappings are read as dotted paths, and a
number may be given as ``{value: 2.08, tol: 0.01}`` (absolute) or ``{value: ..., rtol: ...}``.

The default rule (docs/explain.md): a number is correct when it is the right value rounded to
the decimals the student wrote *and* within 1 % of it (so ``0`` is not "right to 0 decimals"
for 0.29), or when it is within 0.1 % of the right value whatever the decimals (answers
worked with rounded intermediate values). Values that are zero up to float rounding take
10⁻¹² absolute. A parameter after a step must also be closer to its new value than to its
value before the step: an update that does not show in the digits given is not done.

For each wrong number the report gives the right value and, when it recognises one, a hint
about a classic mistake — only when the mistake's value matches the answer as closely as the
right value would have to, and clearly better than the right value; for the first wrong one
it also quotes the step of the worked solution that produces it. Every problem with the
answers file is one line naming the file and the key.
"""

from __future__ import annotations

import math
import numbers
import os
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glassnet.errors import ExerciseError
from glassnet.explain.document import Eq
from glassnet.explain.mistakes import Hint, matching_hints
from glassnet.explain.numbers import number
from glassnet.explain.paths import PathError, canonical, resolve, split_path
from glassnet.explain.render_text import eq_text
from glassnet.explain.spec import describe, plural

#: the decimals rule is capped at 1 % of the right value
RTOL_DIGITS = 1e-2
#: within 0.1 % of the right value is correct whatever the decimals
RTOL = 1e-3
#: values that are zero up to float64 rounding
ATOL_ZERO = 1e-12
RULE = (
    "a number is correct when it is the right value rounded to the decimals written and "
    "within 1 % of it, or within 0.1 % of it whatever the decimals"
)
_NUMBER = re.compile(r"[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")
_STEP_PARAM = re.compile(r"steps\[(\d+)\]\.params\.(.+)")


class StudentNumber(float):
    """A float that remembers how it was written (for 'correct to the decimals given')."""

    text: str

    def __new__(cls, value: float, text: str) -> StudentNumber:
        obj = super().__new__(cls, value)
        obj.text = text
        return obj


def decimals(written: str) -> int | None:
    """Decimals of a written number: ``0.288`` → 3, ``2`` → 0, ``1.5e-3`` → 4."""
    m = _NUMBER.fullmatch(written.strip().replace("_", ""))
    if not m or not (m.group(1) or m.group(2)):
        return None
    return len(m.group(2) or "") - int(m.group(3) or 0)


def half_unit(written: str) -> float | None:
    """Half a unit of the last decimal written (``0.288`` → 0.0005), None if unreadable."""
    d = decimals(written)
    return None if d is None else 0.5 * 10.0 ** (-d)


def default_bound(expected: float, half: float | None) -> float:
    """How far an answer may be from ``expected`` under the default rule."""
    e = abs(expected)
    by_digits = min(half, RTOL_DIGITS * e) if half is not None else 0.0
    return max(by_digits, RTOL * e, ATOL_ZERO)


@dataclass(frozen=True)
class Tolerance:
    """The default rule (per number: half a unit of its last decimal), or an explicit
    absolute ``atol`` / relative ``rtol`` from ``{value, tol}`` / ``{value, rtol}``."""

    halves: tuple[float | None, ...] = ()
    atol: float | None = None
    rtol: float | None = None

    @property
    def explicit(self) -> bool:
        return self.atol is not None or self.rtol is not None

    @property
    def text(self) -> str:
        if self.atol is not None:
            return f"tolerance {self.atol:g}"
        if self.rtol is not None:
            return f"relative tolerance {self.rtol:g}"
        return ""

    def bound(self, i: int, expected: float) -> float:
        if self.atol is not None:
            return self.atol
        if self.rtol is not None:
            return self.rtol * abs(expected)
        return default_bound(expected, self.halves[i])

    def close(self, given: list[float], expected: list[float]) -> bool:
        return all(
            abs(g - e) <= self.bound(i, e) * (1 + 1e-9)
            for i, (g, e) in enumerate(zip(given, expected, strict=True))
        )


@dataclass
class Answer:
    path: str
    given: list[float]
    expected: list[float]
    correct: bool
    tolerance: str
    hints: list[str] = field(default_factory=list)
    source: Eq | None = None
    written: list[str] = field(default_factory=list)


def _shown(text: str) -> str:
    return text.strip().replace("-", "−")


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
        return f" ({a.tolerance})" if a.tolerance else ""

    @property
    def text(self) -> str:
        p = self.precision
        show = lambda xs: ", ".join(number(x, p).text for x in xs)  # noqa: E731
        lines = [
            f"Checking {plural(len(self.answers), 'answer')} from {self.origin} ({RULE}, "
            "unless a tolerance is set)"
        ]
        first = True
        for a in self.answers:
            given = ", ".join(
                _shown(w) if w else number(x, p).text
                for w, x in zip(a.written or [""] * len(a.given), a.given, strict=True)
            )
            if a.correct:
                lines.append(f"✓ {a.path} = {given}: correct{self._tol(a)}")
            else:
                lines.append(
                    f"✗ {a.path} = {given}: incorrect{self._tol(a)}; the right "
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


# ---------------------------------------------------------------------------- reading
class _Pairs(list):
    """A YAML mapping as ``(key, value, line)`` triples: repeated keys stay visible, so they
    can be reported with their full dotted path."""


def _loader() -> type:
    import yaml
    from yaml.constructor import SafeConstructor

    class Loader(yaml.SafeLoader):
        pass

    def mapping(loader: Any, node: Any) -> _Pairs:
        loader.flatten_mapping(node)
        return _Pairs(
            (
                _key(loader.construct_object(k, deep=True)),
                loader.construct_object(v, deep=True),
                k.start_mark.line + 1,
            )
            for k, v in node.value
        )

    def written(construct: Any) -> Any:
        def build(loader: Any, node: Any) -> StudentNumber:
            value = construct(loader, node)
            try:
                value = float(value)
            except OverflowError:
                value = math.inf
            return StudentNumber(value, loader.construct_scalar(node))

        return build

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    Loader.add_constructor("tag:yaml.org,2002:float", written(SafeConstructor.construct_yaml_float))
    Loader.add_constructor("tag:yaml.org,2002:int", written(SafeConstructor.construct_yaml_int))
    return Loader


def _key(key: Any) -> str:
    """A mapping key as written (``1`` stays ``1``, not ``1.0``); a key with control
    characters is shown quoted, so that every message stays on one line."""
    text = key.text if isinstance(key, StudentNumber) else str(key)
    return text if text.isprintable() else repr(text)


def read_answers(source: Any) -> tuple[dict[str, Any], str]:
    """Flat ``{path: value}`` from an answers file (a path), YAML text, or a mapping."""
    from collections.abc import Mapping

    from glassnet.explain.spec import parse_text

    if isinstance(source, Mapping):
        raw: Any = source
        origin = "<answers dict>"
    elif isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        is_path = isinstance(source, os.PathLike) or (
            "\n" not in text
            and (os.path.exists(text) or text.lower().endswith((".yaml", ".yml", ".json")))
        )
        if is_path:
            origin = text
            try:
                with open(text, encoding="utf-8") as fh:
                    content = fh.read()
            except FileNotFoundError:
                raise ExerciseError(f"{text}: no such file.") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise ExerciseError(f"{text}: cannot read the file ({exc}).") from None
        else:
            origin, content = "<answers text>", text
        raw = parse_text(content, origin, _loader())
    else:
        raise ExerciseError(
            f"answers: expected a file path, YAML text or a mapping; got {type(source).__name__}."
        )
    if not isinstance(raw, (_Pairs, Mapping)):
        raise ExerciseError(
            f"{origin}: answers must be a mapping of paths to numbers; got {describe(raw)}."
        )
    flat: dict[str, Any] = {}
    _flatten(raw, "", flat, {}, origin)
    if not flat:
        raise ExerciseError(f"{origin}: no answers to check.")
    return flat, origin


def _flatten(
    value: Any,
    prefix: str,
    out: dict[str, Any],
    lines: dict[str, int | None],
    origin: str,
    line: int | None = None,
) -> None:
    items = None
    if isinstance(value, _Pairs):
        if any(k == "value" for k, _, _ in value):  # {value: ..., tol: ...}
            _no_repeats(value, prefix, origin)
            value = {k: v for k, v, _ in value}
        else:
            items = list(value)
    elif isinstance(value, dict) and "value" not in value:
        items = [(k, v, None) for k, v in value.items()]
    if items is None:
        if prefix in out:
            where = [f"line {n}" for n in (lines[prefix], line) if n is not None]
            at = f" ({' and '.join(where)})" if where else ""
            raise ExerciseError(f"{origin}: {prefix}: given twice{at}; give each answer once.")
        out[prefix], lines[prefix] = value, line
        return
    for k, v, n in items:
        _flatten(v, f"{prefix}.{k}" if prefix else str(k), out, lines, origin, n)


def _no_repeats(pairs: _Pairs, prefix: str, origin: str) -> None:
    seen: set[Any] = set()
    for k, _, n in pairs:
        if k in seen:
            raise ExerciseError(f"{origin}: {prefix}.{k}: given twice (line {n}).")
        seen.add(k)


def _written(x: Any) -> str:
    """How a number was written: the file's text, or Python's shortest repr."""
    if isinstance(x, StudentNumber):
        return x.text
    if isinstance(x, float):
        return repr(float(x))
    return str(x)


def _as_number(x: Any) -> Any:
    """A number from the file; numeric text such as ``1e-3`` (YAML 1.1 reads it as text)
    counts, as it does in exercise files."""
    if isinstance(x, str):
        try:
            return StudentNumber(float(x.replace("_", "")), x)
        except ValueError:
            return x
    return x


def _finite(x: Any) -> bool:
    """A finite number that a float can hold (a 400-digit integer cannot)."""
    try:
        return math.isfinite(float(x))
    except OverflowError:
        return False


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _numbers(key: str, value: Any, origin: str) -> tuple[list[float], list[str], Tolerance]:
    """The numbers of one answer, their text in the file ("" for Python numbers), and the
    tolerance they are graded with."""
    explicit: Tolerance | None = None
    if isinstance(value, dict):
        extra = set(value) - {"value", "tol", "rtol"}
        if extra or "value" not in value:
            raise ExerciseError(
                f"{origin}: {key}: expected {{value: ..., tol: ...}} or "
                f"{{value: ..., rtol: ...}}; got keys {', '.join(map(str, value))}."
            )
        for name in ("tol", "rtol"):
            if name in value:
                t = _as_number(value[name])
                if not _is_number(t) or not _finite(t) or t < 0:
                    raise ExerciseError(
                        f"{origin}: {key}.{name}: expected a number ≥ 0; got "
                        f"{_written(t) if _is_number(t) else describe(t)}."
                    )
                explicit = Tolerance(atol=float(t)) if name == "tol" else Tolerance(rtol=float(t))
                break
        value = value["value"]
    flat = [_as_number(x) for x in np.ravel(np.asarray(value, dtype=object))]
    if not flat or not all(_is_number(x) for x in flat):
        raise ExerciseError(
            f"{origin}: {key}: expected a number or a list of numbers; got {describe(value)}."
        )
    if not all(_finite(x) for x in flat):
        raise ExerciseError(
            f"{origin}: {key}: expected a finite number of ordinary size; got "
            f"{', '.join(_written(x) if _finite(x) else describe(x) for x in flat)}."
        )
    given = [float(x) for x in flat]
    written = [_written(x) for x in flat]
    shown = [x.text if isinstance(x, StudentNumber) else "" for x in flat]
    if explicit is not None:
        return given, shown, explicit
    return given, shown, Tolerance(halves=tuple(half_unit(w) for w in written))


# ---------------------------------------------------------------------------- grading
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
    return canonical(data, path)  # textbook positions → parameter names


def _source(blocks: list[Any], path: str) -> Eq | None:
    for b in blocks:
        if isinstance(b, Eq) and (b.path == path or path.startswith(b.path + "[")):
            return b
    for b in blocks:
        if isinstance(b, Eq) and b.path.startswith(path + "["):
            return b
    return None


def _expected(data: dict[str, Any], key: str, full: str, origin: str) -> list[float]:
    value = resolve(data, full)
    if value is None:
        raise ExerciseError(f"{origin}: {key}: this solution has no such quantity.")
    if isinstance(value, dict):
        names = ", ".join(f"{key}.{k}" for k, v in value.items() if v is not None)
        raise ExerciseError(f"{origin}: {key}: names a group of values; give one of {names}.")
    if isinstance(value, list) and value and isinstance(value[0], dict):
        raise ExerciseError(
            f"{origin}: {key}: names a list of groups; pick one, counting from 1 ({key}[1])."
        )
    try:
        return [float(x) for x in np.ravel(np.asarray(value, dtype=float))]
    except (TypeError, ValueError):
        raise ExerciseError(f"{origin}: {key}: is not a number ({describe(value)}).") from None


def _explains(
    tol: Tolerance, given: list[float], mistake: list[float], expected: list[float]
) -> bool:
    """A mistaken value explains an answer when it matches the answer as closely as the right
    value would have to, and clearly better (at most half as far) than the right value."""
    if len(mistake) != len(given) or not tol.close(given, mistake):
        return False
    off_mistake = sum(abs(g - m) for g, m in zip(given, mistake, strict=True))
    off_right = sum(abs(g - e) for g, e in zip(given, expected, strict=True))
    return off_mistake <= 0.5 * off_right


def _before_step(data: dict[str, Any], full: str) -> tuple[int, float] | None:
    """(k, the value before step k) for ``steps[k].params.<name>``."""
    m = _STEP_PARAM.fullmatch(full)
    if not m:
        return None
    k, name = int(m.group(1)), m.group(2)
    try:
        before = resolve(data, f"params.{name}" if k == 1 else f"steps[{k - 1}].params.{name}")
    except PathError:
        return None
    return (k, float(before)) if _is_number(before) else None


def _update_lost(
    data: dict[str, Any],
    full: str,
    given: list[float],
    expected: list[float],
    tol: Tolerance,
    precision: int,
) -> Hint | None:
    """A hint when a parameter after a step is answered with (about) its value before it."""
    before = _before_step(data, full)
    if before is None or len(given) != 1:
        return None
    k, old = before
    g, new = given[0], expected[0]
    if abs(new - old) <= ATOL_ZERO + 1e-14 * abs(old) or abs(g - old) > abs(g - new):
        return None
    if not tol.close(given, [old]):
        return None
    before = f"that is the value before step {k} ({number(old, precision).text})"
    change = number(new - old, precision).text
    half = tol.halves[0] if tol.halves else None
    if half is not None and abs(new - old) < 2 * half:
        return Hint(
            f"{before}: step {k} changes it by {change}, which the decimals given do not "
            "show; write enough decimals to show the update.", "too few decimals"
        )
    return Hint(f"{before}: the update of step {k} ({change}) seems not applied.",
                "update not applied")


def grade(solution: Any, answers: Any, precision: int = 4) -> Report:
    """Grade ``answers`` (path, YAML text or mapping) against ``solution``."""
    flat, origin = read_answers(answers)
    data = solution.to_dict()
    blocks = solution.document(precision).blocks
    cache: dict[str, Any] = {}
    graded = []
    for key, value in flat.items():
        try:
            full = _canonical(data, key)
            expected = _expected(data, key, full, origin)
        except PathError as exc:
            raise ExerciseError(f"{origin}: {key}: {exc.reason}") from None
        given, written, tol = _numbers(key, value, origin)
        if len(given) != len(expected):
            raise ExerciseError(
                f"{origin}: {key}: the solution has {plural(len(expected), 'number')} "
                f"here; the answer gives {len(given)}."
            )
        ok = tol.close(given, expected)
        hints: list[str] = []
        lost = None if tol.explicit else _update_lost(data, full, given, expected, tol, precision)
        if lost is not None:
            ok = False
            hints.append(lost)
        elif not ok:
            if _explains(tol, given, [-e for e in expected], expected):
                hints.append(Hint("the sign is flipped.", "sign flipped"))

            def matches(v: Any, given=given, tol=tol, expected=expected) -> bool:
                vals = [float(x) for x in np.ravel(np.asarray(v, dtype=float))]
                return _explains(tol, given, vals, expected)

            hints += matching_hints(solution.exercise, full, matches, cache)
        graded.append(
            Answer(key, given, expected, ok, tol.text, hints, _source(blocks, full), written)
        )
    return Report(graded, origin, precision)
