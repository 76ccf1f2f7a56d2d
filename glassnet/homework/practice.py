"""Practice: ask each quantity in order, grade with the explain grader, retry, reveal, score.

UI-independent: a terminal (``glassnet practice``) or a page feeds text answers to
:meth:`Practice.answer` and shows the returned :class:`Feedback`. Scoring: a question answered
correctly within ``attempts`` tries earns 1 point; revealed or out of tries earns 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from glassnet.errors import GlassnetError
from glassnet.explain.grade import StudentNumber, grade
from glassnet.homework.templates import Generated, Question

MAX_ANSWER = 200  # characters


@dataclass
class Feedback:
    correct: bool
    message: str
    hints: list[str] = field(default_factory=list)
    attempts_left: int = 0
    moved_on: bool = False


class Practice:
    """The state of one practice session over a generated exercise."""

    def __init__(self, generated: Generated, attempts: int = 3) -> None:
        if attempts < 1:
            raise GlassnetError(f"practice: attempts must be ≥ 1; got {attempts}.")
        self.generated = generated
        self.attempts = attempts
        self.index = 0
        self.tries = 0
        self.results: list[bool] = []

    @property
    def current(self) -> Question | None:
        qs = self.generated.questions
        return qs[self.index] if self.index < len(qs) else None

    @property
    def finished(self) -> bool:
        return self.current is None

    @property
    def score(self) -> tuple[int, int]:
        return sum(self.results), len(self.generated.questions)

    def _advance(self, correct: bool) -> None:
        self.results.append(correct)
        self.index += 1
        self.tries = 0

    def answer(self, text: str) -> Feedback:
        """Grade ``text`` (one number, or comma-separated numbers) for the current question."""
        q = self.current
        if q is None:
            raise GlassnetError("practice: the session is finished.")
        text = text.strip()
        try:
            if len(text) > MAX_ANSWER:
                raise ValueError
            parts = [p.strip() for p in text.strip("()[]").split(",")]
            nums = [StudentNumber(float(p), p) for p in parts]
        except ValueError:
            return Feedback(False, f"not a number: {text[:40]!r}; try again.",
                            attempts_left=self.attempts - self.tries)
        value = nums[0] if len(nums) == 1 else nums
        try:
            report = grade(self.generated.solution, {q.path: value})
        except GlassnetError as exc:
            return Feedback(False, str(exc), attempts_left=self.attempts - self.tries)
        a = report.answers[0]
        self.tries += 1
        if a.correct:
            self._advance(True)
            return Feedback(True, "correct.", moved_on=True)
        left = self.attempts - self.tries
        if left <= 0:
            right = ", ".join(f"{x:.6g}" for x in a.expected)
            self._advance(False)
            return Feedback(False, f"incorrect; the right value is {right}.", a.hints, 0, True)
        return Feedback(False, "incorrect; try again.", a.hints, left)

    def reveal(self) -> str:
        """Give up on the rest: they score 0; returns the worked solution (text)."""
        while self.current is not None:
            self._advance(False)
        return self.generated.solution.render("text")


class ConceptPractice:
    """Practice over concept questions: the same interface as :class:`Practice`.

    Questions come in an order drawn from ``seed``, multiple-choice options shuffled; a wrong
    answer can be retried (true/false questions get one try: a retry would be a sure hit);
    after each question the explanation, and the engine's demonstration where there is one,
    are part of the feedback.
    """

    def __init__(self, concepts: list[Any], seed: int = 0, attempts: int = 2) -> None:
        import numpy as np

        if attempts < 1:
            raise GlassnetError(f"practice: attempts must be ≥ 1; got {attempts}.")
        if not concepts:
            raise GlassnetError("practice: no concept questions to practise.")
        rng = np.random.default_rng(seed)
        self.concepts = [concepts[i] for i in rng.permutation(len(concepts))]
        self.orders = [[int(j) for j in rng.permutation(len(c.choices))] for c in self.concepts]
        self.attempts = attempts
        self.index = 0
        self.tries = 0
        self.results: list[bool] = []

    @property
    def current(self) -> Any:
        return self.concepts[self.index] if self.index < len(self.concepts) else None

    @property
    def finished(self) -> bool:
        return self.current is None

    @property
    def score(self) -> tuple[int, int]:
        return sum(self.results), len(self.concepts)

    def prompt(self) -> str:
        """The current question as the student sees it (options lettered, shuffled)."""
        from glassnet.homework.concept_answers import LETTERS

        c = self.current
        if c is None:
            return ""
        if c.kind == "tf":
            return f"True or false? {c.question}"
        if c.kind == "mc":
            options = [f"  ({LETTERS[i]}) {c.choices[j]}"
                       for i, j in enumerate(self.orders[self.index])]
            return "\n".join([c.question, *options])
        return f"{c.question}\n  (an expression: sigma, eta, delta_j^l, a_k^(l-1), exp, …)"

    def _expected(self) -> Any:
        from glassnet.homework.concept_answers import LETTERS

        c = self.current
        return LETTERS[self.orders[self.index].index(c.answer)] if c.kind == "mc" else c.answer

    def _explain(self) -> list[str]:
        from glassnet.homework.concepts import DEMOS

        c = self.current
        lines = [c.explanation]
        if c.demo:
            lines.append(f"Computed by glassnet: {DEMOS[c.demo]()}")
        return lines

    def answer(self, text: str) -> Feedback:
        from glassnet.homework.concept_answers import NotAnAnswerError, judge

        c = self.current
        if c is None:
            raise GlassnetError("practice: the session is finished.")
        if len(text) > MAX_ANSWER:
            return Feedback(False, "the answer is too long; try again.",
                            attempts_left=self.attempts - self.tries)
        expected = self._expected()
        try:
            ok, differs = judge(c.kind, expected, text, len(c.choices))
        except NotAnAnswerError as exc:
            return Feedback(False, f"{text.strip()[:40]!r} {exc}; try again.",
                            attempts_left=self.attempts - self.tries)
        self.tries += 1
        allowed = 1 if c.kind == "tf" else self.attempts
        if ok or self.tries >= allowed:
            shown = {True: "true", False: "false"}.get(expected, expected)
            message = "correct." if ok else f"incorrect; the answer is {shown}."
            hints = ([differs] if differs else []) + self._explain()
            self._advance(ok)
            return Feedback(ok, message, hints, 0, True)
        return Feedback(False, "incorrect; try again.", [differs] if differs else [],
                        allowed - self.tries)

    def _advance(self, correct: bool) -> None:
        self.results.append(correct)
        self.index += 1
        self.tries = 0

    def reveal(self) -> str:
        """Give up on the rest: every remaining answer with its explanation."""
        lines = []
        while self.current is not None:
            shown = {True: "true", False: "false"}.get(self._expected(), self._expected())
            lines += [self.prompt(), f"Answer: {shown}", *self._explain(), ""]
            self._advance(False)
        return "\n".join(lines)
