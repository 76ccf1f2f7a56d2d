"""One student's homework as documents: the sheet, the answer key and the worked solutions.

Everything is rendered by the worked-solution renderer (``glassnet.explain``): a numeric
question's statement is the solution's introduction (conventions, network, parameters, data)
without the arithmetic; the solutions document is the full worked solution. Concept questions
become the same document blocks (a heading, a paragraph, lettered choices), so Markdown and
LaTeX come out of one code path.

Multiple-choice options are shuffled per student (by the question's seed), so neighbours'
letters differ; the key records the letter of the right option on this student's sheet.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np

from glassnet.explain.compose_intro import compose_intro
from glassnet.explain.document import Doc, Heading, Items, Para
from glassnet.explain.render_latex import render_latex
from glassnet.explain.render_markdown import render_markdown
from glassnet.homework.assignment import Item, Spec, Student

LETTERS = "abcdefghij"
PRECISION = 4
LATEX_PREAMBLE = r"""% glassnet homework sheet; compile with pdflatex
\pdfinfoomitdate=1 \pdftrailerid{} \pdfsuppressptexinfo=-1
\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{amsmath,amssymb}
\usepackage[margin=2.2cm]{geometry}
\setlength{\parindent}{0pt}\setlength{\parskip}{0.5em}
\pagestyle{plain}
"""


def choice_order(item: Item) -> list[int]:
    """The order in which this student sees a multiple-choice question's options."""
    assert item.concept is not None
    n = len(item.concept.choices)
    return [int(i) for i in np.random.default_rng(item.seed).permutation(n)]


def concept_key(item: Item) -> Any:
    """The right answer as it appears on this student's sheet: true/false, a letter, or a
    formula."""
    c = item.concept
    assert c is not None
    if c.kind == "mc":
        return LETTERS[choice_order(item).index(c.answer)]
    return c.answer


def _points(p: float) -> str:
    text = f"{p:g}"
    return f"{text} point" + ("" if p == 1 else "s")


def _shift(blocks: list[Any], by: int) -> list[Any]:
    return [dataclasses.replace(b, level=b.level + by) if isinstance(b, Heading) else b
            for b in blocks]


def _statement_only(block: Any) -> Any:
    """Drop the solution's note on rounded results from the conventions (the sheet has none)."""
    if isinstance(block, Items):
        kept = [i for i in block.items if not (i and str(i[0]).startswith("Numbers are rounded"))]
        return Items(kept)
    return block


def question_blocks(item: Item) -> list[Any]:
    """The blocks of one question on the sheet: heading, statement, what to answer."""
    n, pts = item.spec.number, _points(item.spec.points)
    if item.generated is not None:
        gen = item.generated
        doc = Doc(gen.solution.to_dict(), PRECISION)
        compose_intro(doc)
        blocks = [_statement_only(b) for b in _shift(doc.blocks, 1)]
        blocks[0] = Heading(2, f"Question {n} ({pts}): {gen.exercise['title']}")
        asks = [[f"{q.label} (column {item.key}:{q.path})"] for q in gen.questions]
        return [*blocks, Para(["Answer, in this order:"]), Items(asks)]
    c = item.concept
    assert c is not None
    blocks: list[Any] = [Heading(2, f"Question {n} ({pts}): {c.topic}")]
    if c.kind == "tf":
        blocks.append(Para([f"True or false? {c.question} (column {item.key}: true or false)"]))
    elif c.kind == "mc":
        blocks.append(Para([f"{c.question} (column {item.key}: the letter of one option)"]))
        order = choice_order(item)
        blocks.append(Items([[f"({LETTERS[i]}) {c.choices[j]}"] for i, j in enumerate(order)]))
    else:
        blocks.append(Para([
            f"{c.question} (column {item.key}: an expression; write σ as sigma, η as eta, "
            "δ as delta, subscripts with _ and superscripts with ^, e.g. w_jk^l)"
        ]))
    return blocks


def _header(spec: Spec, student: Student) -> list[Any]:
    blocks: list[Any] = [
        Heading(1, f"{spec.title} — {student.name} ({student.id})"),
        Para([f"{len(spec.questions)} questions, {_points(spec.total)} in all."]),
    ]
    if spec.instructions:
        blocks.append(Para([spec.instructions]))
    if spec.attempts is not None:
        blocks.append(Para([f"Attempts allowed: {spec.attempts}."]))
    blocks.append(Para([
        "Give numbers to at least 4 significant digits (or 4 decimals); write a vector as "
        "numbers separated by ';'."
    ]))
    return blocks


def sheet_doc(spec: Spec, student: Student, items: list[Item]) -> Doc:
    doc = Doc({}, PRECISION)
    doc.blocks = _header(spec, student)
    for item in items:
        doc.blocks += question_blocks(item)
    return doc


def sheet_markdown(spec: Spec, student: Student, items: list[Item]) -> str:
    return render_markdown(sheet_doc(spec, student, items))


def sheet_latex(spec: Spec, student: Student, items: list[Item]) -> str:
    """A complete LaTeX document (the renderer gives fragments; this adds the preamble)."""
    body = render_latex(sheet_doc(spec, student, items)).split("\n", 1)[1]
    return f"{LATEX_PREAMBLE}\\begin{{document}}\n{body}\\end{{document}}\n"


def solutions_markdown(spec: Spec, student: Student, items: list[Item]) -> str:
    """Every question's worked solution (numeric: the engine's full solution; concept: the
    answer, its explanation and the engine's demonstration where there is one)."""
    from glassnet.homework.concepts import DEMOS

    out = [f"# Solutions: {spec.title} — {student.name} ({student.id})", ""]
    for item in items:
        title = f"## Question {item.spec.number} ({_points(item.spec.points)})"
        if item.generated is not None:
            doc = item.generated.solution.document(PRECISION)
            doc.blocks = _shift(doc.blocks, 1)
            doc.blocks[0] = Heading(2, f"{title[3:]}: {item.generated.exercise['title']}")
            out += [render_markdown(doc)]
            continue
        c = item.concept
        assert c is not None
        answer = concept_key(item)
        shown = {True: "true", False: "false"}.get(answer, answer) if c.kind != "formula" else (
            f"`{answer}`")
        out += [title, "", c.question, "", f"**Answer:** {shown}", "", c.explanation, ""]
        if c.demo:
            out += [f"*Computed by glassnet:* {DEMOS[c.demo]()}", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def key_json(spec: Spec, student: Student, items: list[Item]) -> str:
    """The answer key: every asked quantity's value (full float64) and every concept answer."""
    questions = []
    for item in items:
        entry: dict[str, Any] = {"key": item.key, "points": item.spec.points}
        if item.generated is not None:
            gen = item.generated
            entry |= {"template": gen.template, "seed": gen.seed, "exercise": f"{item.key}.yaml",
                      "answers": {f"{item.key}:{p}": v for p, v in gen.answers().items()}}
        else:
            c = item.concept
            assert c is not None
            entry |= {"concept": c.id, "kind": c.kind, "answer": concept_key(item)}
            if c.kind == "mc":
                entry["choices"] = [c.choices[j] for j in choice_order(item)]
        questions.append(entry)
    key = {"title": spec.title, "student": student.id, "name": student.name,
           "total": spec.total, "questions": questions}
    return json.dumps(key, indent=2, ensure_ascii=False) + "\n"
