"""Numbers in worked solutions: rounding, operands, signed sums, vectors.

``number(x, p)`` shows p significant digits but never fewer than p decimals (so the update
−5 → −4.9996 stays visible), switching to ``1.5·10⁻⁸`` below 10⁻⁴ and from 10⁶. Operands
substituted into formulas are parenthesised when negative. Nothing here computes a result:
only the signs of operands are rearranged for reading (``−5·0.03 − 1``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from glassnet.explain.notation import DOT, MINUS, MINUS_OP, PLUS, Math, join, paren, sup_text


def _number_parts(x: float, precision: int) -> tuple[str, int | None]:
    """(mantissa, exponent or None) of ``x`` rounded to ``precision`` significant digits."""
    x = float(x)
    if x == 0.0 or not np.isfinite(x):
        return ("0" if x == 0.0 else repr(x)), None
    if 1e-4 <= abs(x) < 1e6:
        # `precision` significant digits, but never fewer than `precision` decimals, so that
        # small updates of numbers ≥ 1 stay visible (−4.9996, not −5)
        decimals = max(precision - 1 - math.floor(math.log10(abs(x))), precision)
        s = np.format_float_positional(x, precision=decimals, unique=False, fractional=True)
        return (s.rstrip("0").rstrip(".") if "." in s else s), None
    s = np.format_float_scientific(x, precision=max(precision - 1, 0), unique=False, trim="-")
    mant, exp = s.split("e")
    mant = mant.rstrip(".")
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    return mant, int(exp)


def number(x: float, precision: int) -> Math:
    """A number to ``precision`` significant digits and at least ``precision`` decimals
    (``1.5·10⁻⁸`` below 10⁻⁴ or from 10⁶)."""
    mant, exp = _number_parts(x, precision)
    if mant in ("-0", "−0"):
        mant = "0"
    text = mant.replace("-", MINUS)
    if exp is None:
        return Math(text, mant)
    return Math(f"{text}·10{sup_text(str(exp))}", rf"{mant} \times 10^{{{exp}}}")


def operand(x: float, precision: int) -> Math:
    """A number substituted into a formula: parenthesised when negative or in 10ⁿ form."""
    n = number(x, precision)
    if n.text.startswith(MINUS) or "·" in n.text:
        return paren(n)
    return n


def signed_sum(terms: list[list[float]], precision: int) -> Math:
    """A sum of products of numbers written as a person would: ``−5·0.03 − 1``.

    A negative leading factor of a later term becomes a minus sign; inner factors are
    parenthesised when negative. Only the signs are rearranged: nothing is computed.
    """
    out = Math("", "")
    for i, factors in enumerate(terms):
        head = float(factors[0])
        if i == 0:
            lead = number(head, precision)
        else:
            out = out + (MINUS_OP if head < 0 else PLUS)
            lead = number(abs(head), precision)
        if "·" in lead.text and len(factors) > 1:
            lead = paren(lead)
        rest = [operand(f, precision) for f in factors[1:]]
        out = out + join([lead, *rest], DOT)
    return out


def vector(values: Iterable[float], precision: int) -> Math:
    """A tuple of numbers ``(0.1, −0.2)``."""
    return paren(join((number(v, precision) for v in values), Math(", ", ", ")))
