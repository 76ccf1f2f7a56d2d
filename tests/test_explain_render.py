"""Every result printed in a worked solution is the engine's number.

The text rendering is read back line by line: each equation line's final ``= number`` (or
the vector/matrix after it) is parsed and compared with the value in the solution data at
the equation's path, to the digits printed. The data themselves are checked against the
engine's records here and against PyTorch in test_explain_oracle.py. Markdown and LaTeX
carry the same result strings, and their math is well formed.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from glassnet.explain import explain, load_exercise
from glassnet.explain.document import Eq
from glassnet.explain.paths import resolve
from glassnet.explain.render_markdown import result_latex
from glassnet.explain.render_text import render_text

EXAMPLES = sorted((Path(__file__).parent.parent / "examples" / "exercises").glob("*.yaml"))
SUPER = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
NUMBER = r"−?\d+(?:\.\d+)?(?:·10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)?"


def parse_number(text: str) -> tuple[float, float]:
    """(value, half a unit of the last printed digit)."""
    m = re.fullmatch(r"(−?\d+(?:\.(\d+))?)(?:·10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+))?", text.strip())
    assert m, f"not a printed number: {text!r}"
    exp = int(m.group(3).translate(SUPER)) if m.group(3) else 0
    value = float(m.group(1).replace("−", "-")) * 10.0**exp
    places = len(m.group(2) or "")
    return value, 0.5 * 10.0 ** (exp - places)


def assert_printed(text: str, value: float, where: str) -> None:
    printed, half_ulp = parse_number(text)
    # (+ float64 rounding of the read-back, which matters at 15 digits)
    slack = half_ulp * (1 + 1e-9) + 4 * np.spacing(abs(value)) + 1e-300
    assert abs(printed - value) <= slack, (where, text, value)


def printed_results(lines: list[str], start: int, eq: Eq) -> tuple[list[str], int]:
    """The printed numbers of ``eq``'s result, found at or after line ``start``."""
    head = eq.lhs.text + " = "
    for i in range(start, len(lines)):
        line = lines[i].strip()
        if not line.startswith(head):
            continue
        line = re.sub(r"   \(.*\)$", "", line)  # the note
        if isinstance(eq.result, list):
            if line.endswith("="):  # a matrix on the following lines
                rows = []
                j = i + 1
                while j < len(lines) and lines[j].strip().startswith("["):
                    rows += lines[j].strip()[1:-1].split()
                    j += 1
                return rows, j
            tail = line.rsplit(" = ", 1)[1]
            return [x.strip() for x in tail.strip("()").split(",")], i + 1
        return [line.rsplit(" = ", 1)[1]], i + 1
    raise AssertionError(f"equation {eq.lhs.text} ({eq.path}) not found in the text output")


def check_text(sol, precision: int) -> int:
    doc = sol.document(precision)
    data = sol.to_dict()
    lines = render_text(doc).splitlines()
    cursor, count = 0, 0
    for block in doc.blocks:
        if not isinstance(block, Eq):
            continue
        engine = resolve(data, block.path)
        assert engine == block.result, block.path  # results are looked up, never computed
        printed, cursor = printed_results(lines, cursor, block)
        values = list(np.ravel(np.asarray(engine, dtype=float)))
        assert len(printed) == len(values), block.path
        for text, value in zip(printed, values, strict=True):
            assert_printed(text, value, block.path)
        count += 1
    # no other line prints a result: every "… = number" line belongs to an equation
    eq_lines = [ln for ln in lines if re.search(rf" = {NUMBER}(   \(.*\))?$", ln)]
    assert len(eq_lines) <= count
    return count


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("precision", [1, 2, 4, 7, 15])
def test_every_printed_result_is_the_engines(path: Path, precision: int) -> None:
    assert check_text(explain(path), precision) > 0


def test_random_exercises_print_engine_values() -> None:
    from test_explain_oracle import random_exercise

    for seed in range(0, 60, 3):
        check_text(explain(random_exercise(seed)), 4)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_markdown_and_latex_carry_the_same_results(path: Path) -> None:
    sol = explain(path)
    doc = sol.document(4)
    md, tex = sol.markdown, sol.latex
    for block in doc.blocks:
        if isinstance(block, Eq):
            res = result_latex(block.result, 4)
            assert f"= {res}" in md, block.path
            assert f"= {res}" in tex, block.path
    for line in md.splitlines():
        if line != "$$":
            assert line.count("$") % 2 == 0, line  # inline math is closed on its line
    assert md.count("\n$$\n") % 2 == 0 or md.count("$$") % 2 == 0
    tables: list[list[str]] = [[]]
    for line in md.splitlines():
        if line.startswith("|"):
            tables[-1].append(line)
        elif tables[-1]:
            tables.append([])
    for table in filter(None, tables):  # every row of a table has the header's cell count
        cells = {len(re.split(r"(?<!\\)\|", row)) for row in table}
        assert len(cells) == 1, table
    assert all(ord(c) < 128 for c in tex), "the LaTeX fragment is pure ASCII"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_solution_data_are_the_engines_records(path: Path) -> None:
    """The forward/backward data equal a direct ``compute_gradients`` on the same network."""
    ex = load_exercise(path)
    data = explain(path).to_dict()
    if ex.network is None:
        return
    net = ex.network
    masks = None
    if ex.masks is not None or any(d.dropout for d in net.layers):
        masks = [np.asarray(f["mask"]) if "mask" in f else None for f in data["forward"]]
    p = net.compute_gradients(
        ex.x, ex.t, ex.loss, regularization=ex.regularization, masks=masks, fused=False
    )
    assert data["loss"] == p.loss
    for rec in p.layers:
        fw = data["forward"][rec.layer - 1]
        assert np.array_equal(fw["z"], rec.z) and np.array_equal(fw["a"], rec.a)
        back = next(b for b in data["backward"] if b["layer"] == rec.layer)
        assert np.array_equal(back["delta"], rec.delta)
        assert np.array_equal(back["grad_W"], rec.grad_W)
