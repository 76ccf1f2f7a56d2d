"""Numbers in worked solutions: rounding, operands, signed sums, vectors.

``number(x, p)`` shows p significant digits but never fewer than p decimals (so the update
−5 → −4.9996 stays visible), switching to ``1.5·10⁻⁸`` below 10⁻⁴ and from 10⁶, and never
more than 15 significant digits (what float64 carries meaningfully). A rounded value keeps
its digits (0.10002 → ``0.1000``); trailing zeros are dropped only when the shorter number
is the value itself up to float64 rounding (0.1 → ``0.1``, 0.3 − 0.1 → ``0.2``), so a number
written with fewer digits is exact. Operands substituted into formulas are parenthesised
when negative. Nothing here computes a result: only the signs of operands are rearranged for
reading (``−5·0.03 − 1``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from glassnet.explain.notation import DOT, MINUS, MINUS_OP, PLUS, Math, join, paren, sup_text

#: the most significant digits shown: float64 carries 15 meaningfully (16–17 show noise)
MAX_DIGITS = 15
#: a shorter number is "the value itself" when it differs by float64 rounding only
EXACT_RTOL = 1e-14


def _exact(short: str, x: float) -> bool:
    return abs(float(short) - x) <= EXACT_RTOL * abs(x)


def _trim(digits: str, x: float, exp: int | None = None) -> str:
    """``digits`` without trailing zeros when the shorter number is exactly ``x``."""
    if "." not in digits:
        return digits
    short = digits.rstrip("0").rstrip(".")
    return short if _exact(short if exp is None else f"{short}e{exp}", x) else digits


def _number_parts(x: float, precision: int) -> tuple[str, int | None]:
    """(mantissa, exponent or None) of ``x`` rounded to ``precision`` significant digits."""
    x = float(x)
    precision = min(precision, MAX_DIGITS)
    if x == 0.0 or not np.isfinite(x):
        return ("0" if x == 0.0 else repr(x)), None
    if 1e-4 <= abs(x) < 1e6:
        # `precision` significant digits, but never fewer than `precision` decimals, so that
        # small updates of numbers ≥ 1 stay visible (−4.9996, not −5); at most MAX_DIGITS
        # significant digits in all
        # the exponent after rounding (0.0099999 → 0.01000, not 0.010000)
        e = math.floor(math.log10(abs(float(f"{x:.{precision - 1}e}"))))
        decimals = max(precision - 1 - e, precision)
        decimals = max(min(decimals, MAX_DIGITS - 1 - e), 0)
        s = np.format_float_positional(x, precision=decimals, unique=False, fractional=True)
        return _trim(s, x), None
    s = np.format_float_scientific(x, precision=max(precision - 1, 0), unique=False, trim="k")
    mant, exp = s.split("e")
    mant = mant.rstrip(".")
    return _trim(mant, x, int(exp)), int(exp)


def number(x: float, precision: int) -> Math:
    """A number to ``precision`` significant digits and at least ``precision`` decimals
    (``1.5·10⁻⁸`` below 10⁻⁴ or from 10⁶), at most 15 significant digits; trailing zeros
    only when the value is rounded."""
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
