"""Plain-text rendering (Unicode math) for a terminal."""

from __future__ import annotations

import textwrap
import unicodedata
from typing import Any

from glassnet.explain.document import Doc, Eq, Heading, Items, Para, Ref, Table
from glassnet.explain.notation import (
    Math,
)
from glassnet.explain.numbers import number, vector

WIDTH = 92


def _inline(parts: list[Any]) -> str:
    return "".join(p.text if isinstance(p, Math) else str(p) for p in parts)


def width(s: str) -> int:
    """Display width: combining marks (the tilde of h̃, the hat of m̂) take no column."""
    return sum(not unicodedata.combining(c) for c in s)


def format_result(value: Any, precision: int) -> str | list[str]:
    """A scalar or a one-row array on one line; a matrix as lines ``[ a  b ]``."""
    if not isinstance(value, list):
        return number(value, precision).text
    if value and isinstance(value[0], list):
        if len(value) == 1:
            return vector(value[0], precision).text
        cells = [[number(x, precision).text for x in row] for row in value]
        width = max(len(c) for row in cells for c in row)
        return ["[ " + "  ".join(c.rjust(width) for c in row) + " ]" for row in cells]
    return vector(value, precision).text


def eq_text(eq: Eq, precision: int) -> list[str]:
    """The lines of one equation (the last item of the chain is the engine's result)."""
    head = " = ".join([eq.lhs.text, *[s.text for s in eq.steps]])
    result = format_result(eq.result, precision)
    note = f"   ({eq.note})" if eq.note else ""
    if isinstance(result, str):
        return [f"{head} = {result}{note}"]
    return [f"{head} ={note}", *[f"    {row}" for row in result]]


def _table(t: Table, precision: int) -> list[str]:
    def cell(c: Any) -> str:
        if isinstance(c, Ref):
            return number(c.value, precision).text
        return c.text if isinstance(c, Math) else str(c)

    rows = [[cell(c) for c in t.header]] + [[cell(c) for c in r] for r in t.rows]
    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(c + " " * (w - width(c)) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in rows
    ]
    lines.insert(1, "  ".join("─" * w for w in widths))
    return lines


def render_text(doc: Doc) -> str:
    out: list[str] = []
    indent = ""
    prev: object = None
    for block in doc.blocks:
        # a blank line between blocks, except after a heading and between equations
        if (
            out
            and not isinstance(prev, Heading)
            and not (isinstance(block, Eq) and isinstance(prev, Eq))
        ):
            out.append("")
        if isinstance(block, Heading):
            if out and isinstance(prev, Heading):
                out.append("")
            if block.level == 3:
                out.append(block.text)
                indent = "  "
            else:
                out += [block.text, ("═" if block.level == 1 else "─") * len(block.text)]
                indent = ""
        elif isinstance(block, Para):
            out += textwrap.wrap(
                _inline(block.parts),
                WIDTH,
                initial_indent=indent,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
        elif isinstance(block, Items):
            for item in block.items:
                out += textwrap.wrap(
                    _inline(item),
                    WIDTH,
                    initial_indent=indent + "• ",
                    subsequent_indent=indent + "  ",
                    break_long_words=False,
                    break_on_hyphens=False,
                )
        elif isinstance(block, Eq):
            out += [indent + line for line in eq_text(block, doc.precision)]
        elif isinstance(block, Table):
            out += [indent + line for line in _table(block, doc.precision)]
        prev = block
    return "\n".join(out) + "\n"
