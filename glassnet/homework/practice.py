"""Practice: ask each quantity in order, grade with the explain grader, retry, reveal, score.

UI-independent: a terminal (``glassnet practice``) or a page feeds text answers to
:meth:`Practice.answer` and shows the returned :class:`Feedback`. Scoring: a question answered
correctly within ``attempts`` tries earns 1 point; revealed or out of tries earns 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
