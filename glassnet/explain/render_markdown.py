"""Markdown rendering: headings, lists and tables, with ``$...$`` math (LaTeX notation)."""

from __future__ import annotations

from typing import Any

from glassnet.explain.document import Doc, Eq, Heading, Items, Para, Ref, Table
from glassnet.explain.notation import (
    Math,
)
from glassnet.explain.numbers import number, vector


def _escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("*", r"\*").replace("_", r"\_").replace("|", r"\|")


def _inline(parts: list[Any]) -> str:
    return "".join(f"${p.latex}$" if isinstance(p, Math) else _escape(str(p)) for p in parts)


def result_latex(value: Any, precision: int) -> str:
    """A scalar, a vector ``(a, b)``, or a ``pmatrix`` for a multi-row array."""
    if not isinstance(value, list):
        return number(value, precision).latex
    if value and isinstance(value[0], list):
        if len(value) == 1:
            return vector(value[0], precision).latex
        rows = [" & ".join(number(x, precision).latex for x in row) for row in value]
        return r"\begin{pmatrix} " + r" \\ ".join(rows) + r" \end{pmatrix}"
    return vector(value, precision).latex


def eq_latex(eq: Eq, precision: int) -> str:
    return " = ".join(
        [eq.lhs.latex, *[s.latex for s in eq.steps], result_latex(eq.result, precision)]
    )


def _cell(c: Any, precision: int) -> str:
    if isinstance(c, Ref):
        return f"${number(c.value, precision).latex}$"
    if isinstance(c, Math):
        return f"${c.latex}$"
    return _escape(str(c))


def render_markdown(doc: Doc) -> str:
    out: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Heading):
            out += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, Para):
            out += [_inline(block.parts), ""]
        elif isinstance(block, Items):
            out += ["- " + _inline(item) for item in block.items] + [""]
        elif isinstance(block, Eq):
            note = f" *({_escape(block.note)})*" if block.note else ""
            if block.is_matrix and len(block.result) > 1:
                out += ["$$", eq_latex(block, doc.precision), "$$", ""]
                if note:
                    out += [note.strip(), ""]
            else:
                out += [f"${eq_latex(block, doc.precision)}${note}", ""]
        elif isinstance(block, Table):
            out.append("| " + " | ".join(_cell(c, doc.precision) for c in block.header) + " |")
            out.append("|" + "---|" * len(block.header))
            out += [
                "| " + " | ".join(_cell(c, doc.precision) for c in row) + " |" for row in block.rows
            ]
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
