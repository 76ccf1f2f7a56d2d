"""The :class:`Solution` object: the engine's numbers plus their renderings."""

from __future__ import annotations

import copy
import json
from typing import Any

from glassnet.errors import ConfigError
from glassnet.explain.compose import compose
from glassnet.explain.document import Doc
from glassnet.explain.exercise import Exercise
from glassnet.explain.numbers import MAX_DIGITS
from glassnet.explain.paths import resolve

FORMATS = ("text", "markdown", "latex", "json")


def check_precision(precision: Any) -> int:
    """Significant digits of the renderings: 1..15 (float64 carries 15 meaningfully)."""
    top = MAX_DIGITS
    if isinstance(precision, bool) or not isinstance(precision, int) or not 1 <= precision <= top:
        raise ConfigError(
            f"explain: precision must be an integer in 1..{top} (float64 carries {top} "
            f"significant digits meaningfully; the JSON has every number in full); "
            f"got {precision!r}."
        )
    return precision


class Solution:
    """A worked solution.

    ``to_dict()`` is the documented JSON shape (every number at full float64 precision);
    ``render(format, precision)`` gives ``text`` (Unicode), ``markdown`` (``$...$`` math),
    ``latex`` (a fragment needing amsmath) or ``json``; ``sol["gradients.w1"]`` reads one
    value by the paths ``--check`` uses.
    """

    def __init__(self, exercise: Exercise | None, data: dict[str, Any]) -> None:
        self.exercise = exercise
        self._data = data

    def to_dict(self) -> dict[str, Any]:
        """A deep copy of the solution data (JSON-able)."""
        return copy.deepcopy(self._data)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self._data, indent=indent, ensure_ascii=False)

    def __getitem__(self, path: str) -> Any:
        return copy.deepcopy(resolve(self._data, path))

    def document(self, precision: int = 4) -> Doc:
        """The format-independent blocks (each result carries its path)."""
        return compose(self._data, check_precision(precision))

    def render(self, format: str = "text", precision: int = 4) -> str:
        if format not in FORMATS:
            raise ConfigError(
                f"explain: unknown format {format!r}; expected one of {', '.join(FORMATS)}."
            )
        if format == "json":
            return self.to_json() + "\n"
        from glassnet.explain.render_latex import render_latex
        from glassnet.explain.render_markdown import render_markdown
        from glassnet.explain.render_text import render_text

        doc = self.document(precision)
        return {"text": render_text, "markdown": render_markdown, "latex": render_latex}[format](
            doc
        )

    @property
    def text(self) -> str:
        return self.render("text")

    @property
    def markdown(self) -> str:
        return self.render("markdown")

    @property
    def latex(self) -> str:
        return self.render("latex")

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        title = self._data.get("title") or "untitled"
        return f"<Solution {title!r}: {len(self._data['steps'])} step(s)>"

    def check(self, answers: Any) -> Any:
        """Grade answers (a path, YAML text or a mapping); see :mod:`glassnet.explain.grade`."""
        from glassnet.explain.grade import grade

        return grade(self, answers)
