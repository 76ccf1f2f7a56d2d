"""LaTeX rendering: a document fragment (needs ``\\usepackage{amsmath}``; pure ASCII)."""

from __future__ import annotations

from typing import Any

from glassnet.explain.document import Doc, Eq, Heading, Items, Para, Ref, Table
from glassnet.explain.notation import (
    Math,
    latex_escape,
)
from glassnet.explain.numbers import number
from glassnet.explain.render_markdown import result_latex

HEADINGS = {1: r"\section*{%s}", 2: r"\subsection*{%s}", 3: r"\subsubsection*{%s}"}
ONE_LINE = 70  # longer chains are split over lines with align*


# a safety net for math: symbols that slipped into LaTeX strings as Unicode
_MATH_ASCII = str.maketrans({"·": r" \cdot ", "−": "-", "²": "^2", "…": r"\dots ", "ₛ": "_s"})


def math(latex: str) -> str:
    """Math-mode LaTeX made ASCII (pdflatex without extra packages)."""
    out = latex.translate(_MATH_ASCII)
    return out if out.isascii() else "".join(c if c.isascii() else "?" for c in out)


def _inline(parts: list[Any]) -> str:
    return "".join(
        f"${math(p.latex)}$" if isinstance(p, Math) else latex_escape(str(p)) for p in parts
    )


def _eq(eq: Eq, precision: int) -> list[str]:
    chain = [
        math(eq.lhs.latex),
        *[math(s.latex) for s in eq.steps],
        result_latex(eq.result, precision),
    ]
    note = rf" \quad \text{{({latex_escape(eq.note)})}}" if eq.note else ""
    if sum(len(c) for c in chain) <= ONE_LINE or len(chain) == 2:
        return [r"\[ " + " = ".join(chain) + note + r" \]"]
    lines = [r"\begin{align*}", f"{chain[0]} &= {chain[1]}"]
    lines += [rf"\\ &= {c}" for c in chain[2:]]
    lines[-1] += note
    return [*lines, r"\end{align*}"]


def _cell(c: Any, precision: int) -> str:
    if isinstance(c, Ref):
        return f"${number(c.value, precision).latex}$"
    if isinstance(c, Math):
        return f"${math(c.latex)}$"
    return latex_escape(str(c))


def render_latex(doc: Doc) -> str:
    out = ["% glassnet worked solution: a LaTeX fragment; the preamble needs \\usepackage{amsmath}"]
    for block in doc.blocks:
        if isinstance(block, Heading):
            out.append(HEADINGS[block.level] % latex_escape(block.text))
        elif isinstance(block, Para):
            out += [_inline(block.parts), ""]
        elif isinstance(block, Items):
            out.append(r"\begin{itemize}")
            out += [r"\item " + _inline(item) for item in block.items]
            out.append(r"\end{itemize}")
        elif isinstance(block, Eq):
            out += _eq(block, doc.precision)
        elif isinstance(block, Table):
            cols = len(block.header)
            out.append(r"\begin{center}\begin{tabular}{" + "l" * cols + "}")
            out.append(" & ".join(_cell(c, doc.precision) for c in block.header) + r" \\ \hline")
            out += [" & ".join(_cell(c, doc.precision) for c in row) + r" \\" for row in block.rows]
            out.append(r"\end{tabular}\end{center}")
    return "\n".join(out) + "\n"
