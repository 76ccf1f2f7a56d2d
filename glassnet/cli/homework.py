"""``glassnet homework``: the exercise templates (``list``), one version of a homework per
student (``make``), and grading a whole class (``grade``)."""

from __future__ import annotations

import argparse
import sys

EPILOG = """examples:
  glassnet homework list
  glassnet homework make examples/homework/spec.yaml --roster examples/homework/roster.csv --out hw3
  glassnet homework grade hw3 submissions.csv --out hw3-grades
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    from glassnet.cli import one_line_errors

    parser = subparsers.add_parser(
        "homework", help="randomized homework: templates, one version per student, grading",
        description="List the exercise templates, write one deterministic version of a "
        "homework per student (sheets, keys, worked solutions), and grade a class.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    one_line_errors(parser)
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    listing = one_line_errors(sub.add_parser("list", help="the templates, their conventions "
                                                          "and knobs"))
    listing.set_defaults(handler=run_list)
    make = one_line_errors(sub.add_parser(
        "make", help="one version per student: sheets (Markdown, LaTeX, PDF), keys, solutions",
        description="Write DIR/<id>/sheet.md, sheet.tex, sheet.pdf, key.json, solutions.md "
        "and q<N>.yaml for every student of the roster, and DIR/answers-template.csv. "
        "Re-running with the same spec and roster gives byte-identical files."))
    make.add_argument("spec", metavar="SPEC.yaml")
    make.add_argument("--roster", required=True, metavar="CSV", help="students: an 'id' column "
                      "and optionally 'name'")
    make.add_argument("--out", required=True, metavar="DIR", help="output folder (new, or one "
                      "written by an earlier 'homework make')")
    make.add_argument("--no-pdf", action="store_true", help="skip compiling the PDF sheets")
    make.set_defaults(handler=run_make)
    grade = one_line_errors(sub.add_parser(
        "grade", help="grade a class: grades.csv, feedback per student, report.md + report.png",
        description="Grade SUBMISSIONS (a CSV like DIR/answers-template.csv, or a folder of "
        "<id>.yaml answers files) against the keys in DIR."))
    grade.add_argument("folder", metavar="DIR", help="the folder written by 'homework make'")
    grade.add_argument("submissions", metavar="SUBMISSIONS")
    grade.add_argument("--out", metavar="OUT", help="where to write (default DIR/grades)")
    grade.set_defaults(handler=run_grade)
    parser.set_defaults(handler=lambda args: parser.print_help() or 0)


def run_list(args: argparse.Namespace) -> int:
    from glassnet.homework import TEMPLATES

    for t in TEMPLATES.values():
        knobs = ", ".join(f"{k} [{lo:g}, {hi:g}] step {s:g}" for k, (lo, hi, s) in t.ranges.items())
        pad = " " * 18
        print(f"{t.name:17} {t.title}\n{pad}conventions: {t.conventions}\n{pad}knobs: {knobs}")
    return 0


def run_make(args: argparse.Namespace) -> int:
    from glassnet.homework.make import make_homework

    def progress(n: int, total: int, sid: str) -> None:
        if sys.stderr.isatty():
            print(f"\r{n}/{total} {sid:20}", end="", file=sys.stderr, flush=True)

    students = make_homework(args.spec, args.roster, args.out, pdf=not args.no_pdf,
                             progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    what = "sheet.md, sheet.tex" + ("" if args.no_pdf else ", sheet.pdf")
    print(f"wrote {len(students)} versions to {args.out}/<id>/ ({what}, key.json, "
          f"solutions.md, q<N>.yaml) and {args.out}/answers-template.csv")
    return 0


def run_grade(args: argparse.Namespace) -> int:
    from pathlib import Path

    from glassnet.homework.classgrade import grade_class
    from glassnet.homework.report import write_report

    result = grade_class(args.folder, args.submissions)
    out = Path(args.out) if args.out else Path(args.folder) / "grades"
    report = write_report(result, out)
    issues = result.issues + [i for s in result.students for i in s.issues]
    for i in issues:
        print(f"glassnet homework grade: {i}", file=sys.stderr)
    scores = [s.total for s in result.students]
    mean = sum(scores) / len(scores) if scores else 0.0
    print(f"graded {sum(s.submitted for s in result.students)} of {len(result.students)} "
          f"students (mean {mean:.2f} of {result.total:g}); {len(issues)} "
          f"problem{'' if len(issues) == 1 else 's'} reported; "
          f"wrote {out}/grades.csv, {out}/feedback/, {report} and {out}/report.png")
    return 0
