"""Reading and judging a student's answer to a concept question.

* true/false: ``true``, ``t``, ``yes``, ``y``, ``1`` / ``false``, ``f``, ``no``, ``n``, ``0``;
* multiple choice: the letter of an option as the student's sheet lists them (``b`` or ``(b)``);
* formula: any spelling :func:`glassnet.homework.formulas.check` accepts, compared by SymPy.

Text that is not an answer of the question's kind raises :class:`NotAnAnswerError` (the caller
reports it, and does not count it as an attempt or as wrong).
"""

from __future__ import annotations

from typing import Any

LETTERS = "abcdefghij"
TRUE = frozenset({"true", "t", "yes", "y", "1"})
FALSE = frozenset({"false", "f", "no", "n", "0"})


class NotAnAnswerError(ValueError):
    """The text is not an answer of this kind (its message completes "'…' …")."""


def judge(kind: str, expected: Any, text: str, n_choices: int = 0) -> tuple[bool, str]:
    """(right?, what differs) for ``text`` against ``expected`` (a bool, a letter, a formula)."""
    t = text.strip().lower().strip("()")
    if kind == "tf":
        if t not in TRUE | FALSE:
            raise NotAnAnswerError("is not true or false")
        return (t in TRUE) == bool(expected), ""
    if kind == "mc":
        letters = LETTERS[:n_choices]
        if len(t) != 1 or t not in letters:
            raise NotAnAnswerError(f"is not one of the letters {letters[0]}–{letters[-1]}")
        return t == expected, ""
    from glassnet.homework.formulas import FormulaError, check

    try:
        result = check(text, str(expected))
    except FormulaError as exc:
        raise NotAnAnswerError(str(exc)) from None
    if not result.equivalent and not result.message.startswith("not equivalent"):
        raise NotAnAnswerError(result.message)  # it did not parse
    return result.equivalent, "" if result.equivalent else result.message
