"""What ``homework grade`` writes: grades, each student's feedback, and the class report.

::

    OUT/grades.csv          id, name, points per question, total, submitted
    OUT/feedback/<id>.txt   per question the --check report (first wrong step, hints)
    OUT/report.md           score distribution; per question the step most often first wrong
                            and the classic mistakes matched; the problems in the submissions
    OUT/report.png          score histogram and classic-mistake bar chart
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import numpy as np

from glassnet.explain.mistakes import mistake_of
from glassnet.homework.classgrade import ClassResult, StudentResult
from glassnet.homework.make import write_atomic


def _pts(x: float) -> str:
    """Points as a teacher writes them: 16.54, 6, 0.75."""
    return f"{round(x, 2):g}"


def _of(points: float, total: float) -> str:
    return f"{_pts(points)} of {_pts(total)} point" + ("" if total == 1 else "s")


def grades_csv(result: ClassResult) -> str:
    keys = [q.key for q in result.students[0].questions] if result.students else []
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "name", *keys, "total", "submitted"])
    for s in result.students:
        w.writerow([s.id, s.name, *(_pts(q.points) for q in s.questions), _pts(s.total),
                    "yes" if s.submitted else "no"])
    return buf.getvalue()


def feedback_text(result: ClassResult, s: StudentResult) -> str:
    lines = [f"{result.title} — {s.name} ({s.id}): {_of(s.total, result.total)}", ""]
    if not s.submitted:
        lines += ["No submission was found for you; every question is graded as missing.", ""]
    for q in s.questions:
        lines.append(f"Question {q.key[1:]} ({q.what}): {_of(q.points, q.max_points)}")
        lines += ["  " + line for line in q.feedback.rstrip("\n").splitlines()]
        lines.append("")
    if s.issues:
        lines.append("Problems found in your submission:")
        lines += [f"  - {i}" for i in s.issues]
    return "\n".join(lines).rstrip("\n") + "\n"


def mistake_counts(result: ClassResult) -> Counter[str]:
    """``"q1: forgot ½"`` → how many students have a wrong answer on q1 that the mistake
    explains (a student counts once per question and mistake)."""
    counts: Counter[str] = Counter()
    for s in result.students:
        for q in s.questions:
            names = {mistake_of(h) for x in q.quantities if x.status == "wrong" for h in x.hints}
            for name in names - {"other"}:
                counts[f"{q.key}: {name}"] += 1
    return counts


def report_markdown(result: ClassResult, picture: str | None) -> str:
    scores = np.array([s.total for s in result.students])
    submitted = sum(s.submitted for s in result.students)
    out = [f"# Class report: {result.title}", "",
           f"{len(result.students)} students on the roster, {submitted} submissions graded"
           + (f", {len(result.students) - submitted} with none." if submitted < len(
               result.students) else "."), ""]
    if scores.size:
        out += [f"Scores (of {_pts(result.total)}): mean {scores.mean():.2f}, median "
                f"{np.median(scores):.2f}, lowest {_pts(scores.min())}, highest "
                f"{_pts(scores.max())}.", ""]
    if picture:
        out += [f"![score distribution and classic mistakes]({picture})", ""]
    mistakes = mistake_counts(result)
    for i, q0 in enumerate(result.students[0].questions if result.students else []):
        qs = [s.questions[i] for s in result.students]
        mean = np.mean([q.points for q in qs])
        out += [f"## Question {q0.key[1:]} ({q0.what}, {_pts(q0.max_points)} points): mean "
                f"{mean:.2f}", "", "| quantity | correct | wrong | missing |", "|---|---|---|---|"]
        cols: dict[str, Counter[str]] = {}
        for q in qs:
            for x in q.quantities:
                cols.setdefault(x.column, Counter())[x.status] += 1
        for col, c in cols.items():
            out.append(f"| {col} | {c['correct']} | {c['wrong']} | {c['missing']} |")
        first = Counter(q.first_wrong for q in qs if q.first_wrong is not None)
        out.append("")
        if first:
            col, n = first.most_common(1)[0]
            out.append(f"The step most students got wrong first: {col} ({n} of {len(qs)}).")
        mine = {k.split(": ", 1)[1]: v for k, v in mistakes.items() if k.startswith(f"{q0.key}: ")}
        if mine:
            ranked = sorted(mine.items(), key=lambda kv: (-kv[1], kv[0]))
            out.append("Classic mistakes matched (students): "
                       + ", ".join(f"{k} ({v})" for k, v in ranked) + ".")
        out.append("")
    issues = result.issues + [i for s in result.students for i in s.issues]
    if issues:
        out += ["## Problems in the submissions", ""]
        out += [f"- {i}" for i in issues]
    return "\n".join(out).rstrip("\n") + "\n"


def write_report(result: ClassResult, out: str | Path) -> Path:
    """Write grades, feedback, report.md and report.png under ``out``; return report.md."""
    from glassnet.plot.class_report import class_report

    out = Path(out)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    write_atomic(out / "grades.csv", grades_csv(result))
    for s in result.students:
        write_atomic(out / "feedback" / f"{s.id}.txt", feedback_text(result, s))
    picture = None
    if result.students:
        plot = class_report([s.total for s in result.students], result.total,
                            mistake_counts(result), out / "report.png", title=result.title)
        plot.figure.clf()
        picture = "report.png"
    write_atomic(out / "report.md", report_markdown(result, picture))
    return out / "report.md"
