"""Formula answers checked for symbolic equivalence with SymPy (``glassnet[homework]``).

Spellings accepted: ``eta``/``η``, ``sigma``/``σ`` (the logistic function, expanded as
1/(1 + e^(−z)) before comparing), ``exp``, ``log``, ``tanh``, ``sqrt``, ``^`` or ``**``,
``delta_j^l``/``δ_j^l``, ``a_k^(l-1)``, ``w_jk^l``, ``dC/dw1``/``∂C/∂w1``. Input is never
evaluated as Python: it is tokenised against a whitelist (numbers, the operators
+ − * / ^ ( ), and names) and every name must be one the question allows or a known
function, before SymPy parses it. At most :data:`MAX_LENGTH` characters.

>>> check("a_k^(l-1) * delta_j^l", "delta_j^l*a_k^(l-1)").equivalent
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from glassnet.errors import GlassnetError

MAX_LENGTH = 200
FUNCTIONS = ("sigma", "exp", "log", "tanh", "sqrt")
_UNICODE = {"η": "eta", "σ": "sigma", "δ": "delta", "∂": "d", "·": "*", "−": "-", "×": "*",
            "²": "^2", "′": "'", "ε": "eps", "λ": "lambda_", "β": "beta", "μ": "mu"}
# a_k^(l-1), delta_j^l, w_jk^l, dC/dw1 → one identifier each
_SUPER = re.compile(r"([A-Za-z]+_[A-Za-z0-9]+)\^\(?([A-Za-z0-9+\-]+?)\)?(?=[^A-Za-z0-9+\-]|$)")
_DERIV = re.compile(r"\bd([A-Za-z])/d([A-Za-z][A-Za-z0-9_]*)")
_TOKENS = re.compile(
    r"\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|[-+*/^()]))"
)


class FormulaError(GlassnetError):
    """An answer that is not a formula this checker reads."""


def _require_sympy() -> Any:
    try:
        import sympy
    except ModuleNotFoundError:
        raise GlassnetError(
            "formula answers need SymPy: pip install 'glassnet[homework]'."
        ) from None
    return sympy


def normalise(text: str) -> str:
    """The answer with Unicode, superscripts and d/d spelled as plain identifiers."""
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is longer than {MAX_LENGTH} characters.")
    for u, a in _UNICODE.items():
        text = text.replace(u, a)
    text = _DERIV.sub(lambda m: f"d{m.group(1)}_d{m.group(2)}", text)
    return _SUPER.sub(
        lambda m: f"{m.group(1)}__{m.group(2).replace('-', 'm').replace('+', 'p')}", text
    )


def parse(text: str) -> Any:
    """A SymPy expression from a whitelisted formula (no eval of arbitrary input)."""
    sympy = _require_sympy()
    norm = normalise(text)
    pos, names = 0, set()
    while pos < len(norm.rstrip()):
        m = _TOKENS.match(norm, pos)
        if not m or m.end() == pos:
            raise FormulaError(f"cannot read {norm[pos:pos + 10]!r} in the formula.")
        if m.group(2):
            if m.group(2).startswith("_"):
                raise FormulaError(f"the name {m.group(2)!r} is not allowed in a formula.")
            names.add(m.group(2))
        pos = m.end()
    if not norm.strip():
        raise FormulaError("the formula is empty.")
    local = {n: sympy.Symbol(n) for n in names if n not in FUNCTIONS}
    z = sympy.Symbol("_z")
    local.update(
        sigma=sympy.Lambda(z, 1 / (1 + sympy.exp(-z))), exp=sympy.exp, log=sympy.log,
        tanh=sympy.tanh, sqrt=sympy.sqrt,
    )
    from sympy.parsing.sympy_parser import parse_expr, standard_transformations

    try:
        return parse_expr(norm.replace("^", "**"), local_dict=local, global_dict={
            "Integer": sympy.Integer, "Float": sympy.Float, "Symbol": sympy.Symbol,
            "Rational": sympy.Rational,
        }, transformations=standard_transformations, evaluate=True)
    except (SyntaxError, TypeError, ValueError, AttributeError) as exc:
        raise FormulaError(f"cannot parse the formula ({type(exc).__name__}).") from None


def _show(x: Any) -> str:
    """A SymPy term in the spelling students type: delta_j__lm1 → delta_j^(l-1)."""
    text = str(x)
    text = re.sub(r"__([A-Za-z0-9]+)m([0-9]+)", r"^(\1-\2)", text)
    text = re.sub(r"__([A-Za-z0-9]+)p([0-9]+)", r"^(\1+\2)", text)
    text = re.sub(r"d([A-Za-z])_d([A-Za-z][A-Za-z0-9_]*)", r"d\1/d\2", text)
    return text.replace("__", "^")


@dataclass
class FormulaResult:
    equivalent: bool
    message: str


def check(answer: str, expected: str) -> FormulaResult:
    """Is ``answer`` symbolically equal to ``expected``? If not, which terms differ."""
    sympy = _require_sympy()
    try:
        got = parse(answer)
    except FormulaError as exc:
        return FormulaResult(False, str(exc))
    want = parse(expected)
    if sympy.simplify(got - want) == 0:
        return FormulaResult(True, "equivalent.")
    g_terms = set(sympy.Add.make_args(sympy.expand(got)))
    w_terms = set(sympy.Add.make_args(sympy.expand(want)))
    missing, extra = w_terms - g_terms, g_terms - w_terms
    parts = []
    if missing:
        parts.append("missing " + ", ".join(sorted(map(_show, missing))))
    if extra:
        parts.append("unexpected " + ", ".join(sorted(map(_show, extra))))
    if len(missing) == len(extra) == 1:
        (m,), (e,) = missing, extra
        fm, fe = set(sympy.Mul.make_args(m)), set(sympy.Mul.make_args(e))
        parts = [f"the term {_show(e)} differs from the expected {_show(m)}: "
                 f"{', '.join(sorted(map(_show, fe - fm))) or '1'} in place of "
                 f"{', '.join(sorted(map(_show, fm - fe))) or '1'}"]
    return FormulaResult(False, "not equivalent: " + "; ".join(parts) + ".")
