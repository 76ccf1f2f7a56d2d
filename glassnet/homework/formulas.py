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
MAX_EXPONENT = 10
MAX_NESTING = 2  # exp(exp(exp(99))) would keep SymPy busy for minutes
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

    if norm.count("(") != norm.count(")"):
        raise FormulaError("the parentheses of the formula do not match.")
    if _function_depth(norm) > MAX_NESTING:
        raise FormulaError(f"functions in a formula nest at most {MAX_NESTING} deep "
                           "(like sigma(exp(z))).")
    from tokenize import TokenError

    try:
        # parsed unevaluated first, so that 9^9^9 is refused before anything computes it
        names_ok = {"Integer": sympy.Integer, "Float": sympy.Float, "Symbol": sympy.Symbol,
                    "Rational": sympy.Rational, "Pow": sympy.Pow, "Mul": sympy.Mul,
                    "Add": sympy.Add}
        code = norm.replace("^", "**")
        raw = parse_expr(code, local_dict=local, global_dict=dict(names_ok),
                         transformations=standard_transformations, evaluate=False)
        _small_powers(raw, sympy)
        return parse_expr(code, local_dict=local, global_dict=dict(names_ok),
                          transformations=standard_transformations, evaluate=True)
    except FormulaError:
        raise
    except (SyntaxError, TypeError, ValueError, AttributeError, TokenError,
            RecursionError, ArithmeticError) as exc:
        raise FormulaError(f"cannot parse the formula ({type(exc).__name__}).") from None


def _function_depth(text: str) -> int:
    """How deep function calls nest: ``sigma(exp(z))`` → 2."""
    stack: list[bool] = []
    deepest = 0
    for i, c in enumerate(text):
        if c == "(":
            stack.append(i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_"))
            deepest = max(deepest, sum(stack))
        elif c == ")" and stack:
            stack.pop()
    return deepest


def _small_powers(expr: Any, sympy: Any) -> None:
    """Refuse a numeric exponent above MAX_EXPONENT, or one that is itself a power (9^9^9):
    nothing is computed before this check, and what it lets through is cheap arithmetic."""
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Pow) and node.exp.is_number:
            e = node.exp
            inner = [p for p in sympy.preorder_traversal(e) if isinstance(p, sympy.Pow)]
            if any(p.exp != -1 for p in inner) or abs(float(e)) > MAX_EXPONENT:
                raise FormulaError(f"exponents in a formula are small numbers (at most "
                                   f"{MAX_EXPONENT}) or symbols; got {_show(e)[:20]!r}.")


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
    try:
        if sympy.simplify(got - want) == 0:
            return FormulaResult(True, "equivalent.")
        g_terms = set(sympy.Add.make_args(sympy.expand(got)))
        w_terms = set(sympy.Add.make_args(sympy.expand(want)))
    except (ArithmeticError, RecursionError, ValueError, TypeError) as exc:
        return FormulaResult(False, f"cannot compare the formula ({type(exc).__name__}).")
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
