"""``glassnet homework grade``: grade a whole class with the ``--check`` grader.

For each student, each numeric question is graded by :func:`glassnet.explain.grade.grade`
against the worked solution of the student's own exercise file (``DIR/<id>/q1.yaml``), so the
feedback is exactly what ``glassnet explain q1.yaml --check`` prints: every answer ✓/✗, the
first wrong step with its equation, and the hints that name a classic mistake. A question's
points are split evenly over its quantities. Concept questions are graded against the key:
true/false, the letter of the option on this student's sheet, or a formula compared by SymPy.

A cell that cannot be read (not a number, the wrong count of numbers, not a letter) is an
:class:`~glassnet.homework.submissions.Issue` and the quantity is graded as missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from glassnet.errors import ConfigError, GlassnetError
from glassnet.homework.concept_answers import NotAnAnswerError, judge
from glassnet.homework.submissions import Issue, Submissions, parse_numbers, read_submissions


@dataclass
class Quantity:
    """One asked quantity of one student: ``status`` is correct, wrong or missing."""

    column: str
    status: str
    points: float
    hints: list[str] = field(default_factory=list)


@dataclass
class QuestionResult:
    key: str
    what: str  # "two-two-one" or "concept gradient-sign"
    points: float
    max_points: float
    quantities: list[Quantity]
    feedback: str

    @property
    def first_wrong(self) -> str | None:
        return next((q.column for q in self.quantities if q.status == "wrong"), None)


@dataclass
class StudentResult:
    id: str
    name: str
    submitted: bool
    questions: list[QuestionResult]
    issues: list[Issue]

    @property
    def total(self) -> float:
        return sum(q.points for q in self.questions)


@dataclass
class ClassResult:
    title: str
    total: float
    columns: list[str]
    students: list[StudentResult]
    issues: list[Issue]  # those not about one roster student (unknown ids, unreadable files)


# ------------------------------------------------------------------------------- loading
def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: missing; is this a folder written by 'homework make'?"
        ) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read it ({exc}).") from None


def load_manifest(folder: Path) -> dict[str, Any]:
    data = _load_json(folder / "homework.json")
    if not isinstance(data, dict) or data.get("glassnet_homework") != 1:
        raise ConfigError(f"{folder / 'homework.json'}: not a glassnet homework manifest.")
    return data


# ------------------------------------------------------------------------------- grading
def _numeric(folder: Path, q: dict[str, Any], cells: dict[str, Any],
             where: str, sid: str) -> tuple[QuestionResult, list[Issue]]:
    from glassnet.explain import explain
    from glassnet.explain.grade import grade

    key, issues = q["key"], []
    solution = explain(folder / q["exercise"])
    expected: dict[str, Any] = q["answers"]
    share = q["points"] / len(expected)
    given: dict[str, Any] = {}
    for column, want in expected.items():
        if column not in cells:
            continue
        n = len(want) if isinstance(want, list) else 1
        try:
            nums = parse_numbers(cells[column])
        except ValueError:
            issues.append(Issue(f"{where}, column {column}",
                                f"{str(cells[column])[:40]!r} is not a number; graded as missing.",
                                sid))
            continue
        if len(nums) != n:
            issues.append(Issue(f"{where}, column {column}",
                                f"{len(nums)} numbers where the answer has {n}; graded as missing.",
                                sid))
            continue
        given[column.split(":", 1)[1]] = nums[0] if n == 1 else nums
    answers = {}
    if given:
        report = grade(solution, given)
        report = replace(report, origin=f"{where}, question {key}")
        answers = {f"{key}:{a.path}": a for a in report.answers}
        text = report.text
    else:
        text = "No answers given.\n"
    quantities = []
    for column in expected:
        a = answers.get(column)
        if a is None:
            quantities.append(Quantity(column, "missing", 0.0))
        else:
            quantities.append(Quantity(column, "correct" if a.correct else "wrong",
                                       share if a.correct else 0.0, list(a.hints)))
    missing = [q.column for q in quantities if q.status == "missing"]
    if missing:
        text += f"Not answered: {', '.join(missing)}.\n"
    points = q["points"] * sum(x.status == "correct" for x in quantities) / len(quantities)
    return QuestionResult(key, q["template"], points, q["points"], quantities, text), issues


def _concept(q: dict[str, Any], cells: dict[str, Any], where: str,
             bank: dict[str, Any], sid: str) -> tuple[QuestionResult, list[Issue]]:
    key, issues = q["key"], []
    concept = bank.get(q["concept"])
    shown = {True: "true", False: "false"}.get(q["answer"], q["answer"])
    cell = cells.get(key)
    status, text = "missing", f"Not answered: {key}.\n"
    if cell is not None:
        raw = " ".join(cell) if isinstance(cell, list) else str(cell)
        try:
            ok, differs = judge(q["kind"], q["answer"], raw, len(q.get("choices", [])))
        except NotAnAnswerError as exc:
            issues.append(Issue(f"{where}, column {key}", f"{raw[:40]!r} {exc}; graded as missing.",
                                sid))
        else:
            status = "correct" if ok else "wrong"
            text = (f"✓ {key} = {raw}: correct\n" if ok
                    else f"✗ {key} = {raw}: incorrect; the answer is {shown}\n")
            if differs:
                text += f"    The formula is {differs}\n"
    if status != "correct" and concept is not None:
        from glassnet.homework.concepts import DEMOS

        text += f"    Why: {concept.explanation}\n"
        if concept.demo:
            text += f"    Computed by glassnet: {DEMOS[concept.demo]()}\n"
    points = q["points"] if status == "correct" else 0.0
    result = QuestionResult(key, f"concept {q['concept']}", points, q["points"],
                            [Quantity(key, status, points)], text)
    return result, issues


def grade_student(folder: Path, student: dict[str, str], subs: Submissions,
                  bank: dict[str, Any]) -> StudentResult:
    sid = student["id"]
    key = _load_json(folder / sid / "key.json")
    cells = subs.answers.get(sid, {})
    where = subs.where.get(sid, f"{sid} (no submission)")
    questions: list[QuestionResult] = []
    issues = [i for i in subs.issues if i.student == sid]
    for q in key["questions"]:
        try:
            if "template" in q:
                result, found = _numeric(folder / sid, q, cells, where, sid)
            else:
                result, found = _concept(q, cells, where, bank, sid)
        except GlassnetError as exc:  # a damaged key or exercise file: report, grade as 0
            found = [Issue(f"{folder / sid}, question {q.get('key')}", str(exc), sid)]
            result = QuestionResult(q.get("key", "?"), "?", 0.0, q.get("points", 0), [], str(exc))
        questions.append(result)
        issues += found
    return StudentResult(sid, student["name"], sid in subs.answers, questions, issues)


def grade_class(folder: str | Path, submissions: str | Path) -> ClassResult:
    """Grade every roster student of a ``homework make`` folder from ``submissions``."""
    from glassnet.homework.concepts import load_bank

    folder = Path(folder)
    manifest = load_manifest(folder)
    roster = manifest["students"]
    subs = read_submissions(submissions, [s["id"] for s in roster], manifest["columns"])
    bank = load_bank()
    students = [grade_student(folder, s, subs, bank) for s in roster]
    known = {s.id for s in students}
    general = [i for i in subs.issues if i.student not in known]
    total = sum(q.max_points for q in students[0].questions) if students else 0.0
    return ClassResult(manifest["title"], total, manifest["columns"], students, general)
