"""``glassnet homework make``: one deterministic version of the homework per student.

The output folder::

    DIR/homework.json          what 'grade' reads: the spec, the students, the columns
    DIR/answers-template.csv   one row per student, one column per asked quantity
    DIR/<id>/sheet.md          the student's sheet (and sheet.tex, sheet.pdf)
    DIR/<id>/key.json          the answer key (full float64 values, concept answers)
    DIR/<id>/solutions.md      the worked solutions, from the explain renderer
    DIR/<id>/q1.yaml …         each numeric question as an exercise file:
                               ``glassnet explain DIR/<id>/q1.yaml --check answers.yaml``

Re-running with the same spec and roster rewrites identical bytes. A folder that holds other
files than an earlier ``homework make`` wrote is refused, so nothing saved there is lost.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import yaml

from glassnet.errors import ConfigError
from glassnet.homework.assignment import Item, Spec, Student, load_spec, read_roster, version
from glassnet.homework.concepts import load_bank
from glassnet.homework.sheets import (
    key_json,
    sheet_latex,
    sheet_markdown,
    solutions_markdown,
)

MANIFEST = "homework.json"
TEMPLATE_CSV = "answers-template.csv"


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write through a temporary file and a rename: a crash never leaves half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    if isinstance(data, str):
        tmp.write_text(data, encoding="utf-8", newline="")
    else:
        tmp.write_bytes(data)
    os.replace(tmp, path)


def columns(versions: dict[str, list[Item]]) -> list[str]:
    """Every submission column, in the order of the first student who is asked it."""
    seen: dict[str, None] = {}
    for items in versions.values():
        for item in items:
            for c in item.columns:
                seen.setdefault(c, None)
    return list(seen)


def manifest(spec: Spec, students: list[Student], cols: list[str], spec_text: str) -> str:
    data = {
        "glassnet_homework": 1,
        "title": spec.title,
        "spec": spec_text,
        "students": [{"id": s.id, "name": s.name} for s in students],
        "columns": cols,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def answers_template(students: list[Student], cols: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", *cols])
    for s in students:
        w.writerow([s.id] + [""] * len(cols))
    return buf.getvalue()


def _check_out_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out}: exists and is not a folder.")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).exists():
        raise ConfigError(
            f"{out}: the folder is not empty and holds no {MANIFEST}; choose a new folder "
            "(homework make never overwrites other files)."
        )


def make_homework(
    spec_path: str | Path,
    roster_path: str | Path,
    out: str | Path,
    pdf: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Student]:
    """Write every student's sheet, key and solutions under ``out``; return the students."""
    spec = load_spec(spec_path)
    students = read_roster(roster_path)
    out = Path(out)
    _check_out_dir(out)
    if pdf:
        from glassnet.homework.pdf import compile_pdf, pdflatex

        pdflatex()  # refuse at once, before any file is written, if it is missing
    bank = load_bank()
    versions = {s.id: version(spec, s.id, bank) for s in students}
    cols = columns(versions)
    out.mkdir(parents=True, exist_ok=True)
    spec_text = Path(spec_path).read_text(encoding="utf-8")
    write_atomic(out / MANIFEST, manifest(spec, students, cols, spec_text))
    write_atomic(out / TEMPLATE_CSV, answers_template(students, cols))
    for n, s in enumerate(students, start=1):
        items = versions[s.id]
        folder = out / s.id
        folder.mkdir(exist_ok=True)
        write_atomic(folder / "sheet.md", sheet_markdown(spec, s, items))
        tex = sheet_latex(spec, s, items)
        write_atomic(folder / "sheet.tex", tex)
        write_atomic(folder / "key.json", key_json(spec, s, items))
        write_atomic(folder / "solutions.md", solutions_markdown(spec, s, items))
        for item in items:
            if item.generated is not None:
                text = yaml.safe_dump(item.generated.exercise, sort_keys=False,
                                      allow_unicode=True, width=88)
                write_atomic(folder / f"{item.key}.yaml", text)
        if pdf:
            compile_pdf(tex, folder / "sheet.pdf")
        if progress is not None:
            progress(n, len(students), s.id)
    return students
