"""A worked solution as a list of blocks, independent of the output format.

Results are never passed in as numbers: :meth:`Doc.eq` and :meth:`Doc.ref` take a *path* into
the solution data (the engine's values) and look the number up, so every result a renderer
prints is the engine's value, and each carries the path it came from (tests and the grader
use it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from glassnet.explain.notation import (
    Math,
)
from glassnet.explain.numbers import number, operand, signed_sum
from glassnet.explain.paths import resolve


@dataclass
class Heading:
    level: int  # 1 = title, 2 = section, 3 = subsection
    text: str


@dataclass
class Para:
    """Running text: plain strings and inline math."""

    parts: list[str | Math]


@dataclass
class Items:
    """A bullet list; each item is a list of plain strings and inline math."""

    items: list[list[str | Math]]


@dataclass
class Eq:
    """``lhs = steps[0] = steps[1] = … = result``; ``result`` is the value at ``path``."""

    lhs: Math
    steps: list[Math]
    result: Any  # float, or a list of lists for matrix results
    path: str
    section: str = ""
    note: str = ""

    @property
    def is_matrix(self) -> bool:
        return isinstance(self.result, list)


@dataclass
class Ref:
    """A result inside a table cell."""

    value: float
    path: str


Cell = str | Math | Ref


@dataclass
class Table:
    header: list[str | Math]
    rows: list[list[Cell]]


Block = Heading | Para | Items | Eq | Table


@dataclass
class Doc:
    """Builder: the composers append blocks; ``data`` is the solution data."""

    data: dict[str, Any]
    precision: int
    blocks: list[Block] = field(default_factory=list)
    section: str = ""

    # -- values -------------------------------------------------------------------------
    def val(self, path: str) -> Any:
        """A value of the solution data (an operand or a result)."""
        return resolve(self.data, path)

    def num(self, path: str) -> Math:
        """A value as a plain number (a leading operand or a quoted value)."""
        return number(self.val(path), self.precision)

    def op(self, path_or_value: str | float) -> Math:
        """An operand substituted into a formula (parenthesised when negative)."""
        v = self.val(path_or_value) if isinstance(path_or_value, str) else path_or_value
        return operand(v, self.precision)

    def terms(self, terms: list[list[str | float]]) -> Math:
        """A sum of products of operands (paths or numbers): ``−5·0.03 − 1``."""
        values = [[self.val(f) if isinstance(f, str) else f for f in t] for t in terms]
        return signed_sum(values, self.precision)

    def opv(self, value: float) -> Math:
        """An input of the exercise (a hyperparameter, a target) as an operand."""
        return operand(value, self.precision)

    # -- blocks -------------------------------------------------------------------------
    def heading(self, level: int, text: str) -> None:
        if level <= 2:
            self.section = text
        self.blocks.append(Heading(level, text))

    def subsection(self, text: str) -> None:
        self.blocks.append(Heading(3, text))
        self.section = text if not self.section else f"{self.section.split(' — ')[0]} — {text}"

    def para(self, *parts: str | Math) -> None:
        self.blocks.append(Para(list(parts)))

    def items(self, items: list[list[str | Math]]) -> None:
        if items:
            self.blocks.append(Items(items))

    def eq(self, lhs: Math, steps: list[Math], path: str, note: str = "") -> None:
        """An equation whose result is the engine's value at ``path``.

        Steps that repeat the previous one, or only restate the result, are left out.
        """
        result = self.val(path)
        shown = number(result, self.precision).text if not isinstance(result, list) else None
        kept: list[Math] = []
        for s in steps:
            if s is None or s.text in (lhs.text, shown) or (kept and s.text == kept[-1].text):
                continue
            if shown is not None and s.text.startswith("(") and s.text[1:-1] == shown:
                continue
            kept.append(s)
        self.blocks.append(Eq(lhs, kept, result, path, self.section, note))

    def ref(self, path: str) -> Ref:
        return Ref(self.val(path), path)

    def table(self, header: list[str | Math], rows: list[list[Cell]]) -> None:
        if rows:
            self.blocks.append(Table(header, rows))
