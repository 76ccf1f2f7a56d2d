"""Reading a class's answers: a CSV, or a folder of one YAML file per student.

CSV: a header ``id,q1:output,q1:loss,…,q3`` (the columns of ``answers-template.csv``) and one
row per student. A vector is written as numbers separated by ``;``, ``,`` or spaces, with or
without brackets. YAML folder: ``<id>.yaml`` per student, holding ``q1: {output: 0.23,
"backward[1].delta": [0.05, -0.1]}`` and ``q3: true``.

Reading never stops on one bad row: a problem (an unknown student, a duplicate row, an unknown
column, a file that is not YAML) becomes an :class:`Issue` naming the file, row and column, and
the rest is read. Cells are kept as text here; :mod:`glassnet.homework.classgrade` parses them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glassnet.errors import ConfigError
from glassnet.explain.grade import StudentNumber
from glassnet.homework.assignment import read_text_file

MAX_FILE = 8 << 20  # bytes: a CSV or one YAML answers file
MAX_CELL = 2000  # characters
MAX_FILES = 5000
_SEPARATORS = re.compile(r"[;,\s]+")


@dataclass(frozen=True)
class Issue:
    """One problem in the submissions, with where it is: ``file``, ``row N``, ``column C``."""

    where: str
    message: str
    student: str | None = None  # the roster student it concerns, if any

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Submissions:
    """Per student id: column → the cell's text (a YAML list becomes a list of texts)."""

    answers: dict[str, dict[str, Any]]
    where: dict[str, str]  # student id → "FILE, row N" (for feedback and issues)
    issues: list[Issue]


def parse_numbers(cell: Any) -> list[StudentNumber]:
    """``"0.5; −1.25"`` → two numbers that remember how they were written (for the decimals
    rule of the grader). Raises ValueError if a part is not a finite number."""
    parts = [str(x) for x in cell] if isinstance(cell, list) else (
        [p for p in _SEPARATORS.split(str(cell).strip().strip("()[]")) if p])
    if not parts or len(str(cell)) > MAX_CELL:
        raise ValueError("empty")
    out = []
    for p in parts:
        text = p.strip().replace("−", "-")
        value = float(text)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("not finite")
        out.append(StudentNumber(value, text))
    return out


def _record(subs: Submissions, sid: str, where: str, cells: dict[str, Any],
            students: set[str], columns: set[str]) -> None:
    if sid not in students:
        subs.issues.append(Issue(where, f"unknown student {sid[:64]!r} (not on the roster); "
                                        "not graded."))
        return
    if sid in subs.answers:
        subs.issues.append(Issue(where, f"a second submission for {sid!r} (the first, "
                                        f"{subs.where[sid]}, is graded).", sid))
        return
    kept = {}
    for col, cell in cells.items():
        if col not in columns:
            subs.issues.append(Issue(f"{where}, column {col[:60]!r}",
                                     "not a column of this homework; ignored.", sid))
        elif cell is not None and str(cell).strip() != "":
            kept[col] = cell
    subs.answers[sid] = kept
    subs.where[sid] = where


def read_csv(path: Path, students: set[str], columns: set[str]) -> Submissions:
    subs = Submissions({}, {}, [])
    rows = csv.reader(io.StringIO(read_text_file(path, "submissions CSV", MAX_FILE)))
    header = [h.strip() for h in next(rows, [])]
    if "id" not in header:
        raise ConfigError(f"{path}: row 1: the header has no 'id' column.")
    id_col = header.index("id")
    for n, row in enumerate(rows, start=2):
        if not any(c.strip() for c in row):
            continue
        where = f"{path}, row {n}"
        if len(row) > len(header):
            subs.issues.append(Issue(where, f"{len(row)} cells for {len(header)} columns; "
                                            "the extra cells are ignored."))
        sid = row[id_col].strip() if id_col < len(row) else ""
        cells = {h: row[i] for i, h in enumerate(header) if i != id_col and i < len(row)}
        _record(subs, sid, where, cells, students, columns)
    return subs


def _flatten_yaml(data: Mapping[str, Any], where: str, issues: list[Issue]) -> dict[str, Any]:
    cells: dict[str, Any] = {}
    for q, value in data.items():
        if isinstance(value, Mapping):
            for path, cell in value.items():
                if isinstance(cell, (Mapping, list)) and not (
                        isinstance(cell, list) and all(isinstance(x, str) for x in cell)):
                    issues.append(Issue(f"{where}, {q}.{path}", "expected a number or a list "
                                        "of numbers; graded as missing.", Path(where).stem))
                    continue
                cells[f"{q}:{path}"] = cell
        elif isinstance(value, (str, list)):
            cells[str(q)] = value
        else:
            issues.append(Issue(f"{where}, {q}", "expected an answer; graded as missing.",
                                Path(where).stem))
    return cells


def read_yaml_folder(folder: Path, students: set[str], columns: set[str]) -> Submissions:
    import yaml

    subs = Submissions({}, {}, [])
    files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
    if len(files) > MAX_FILES:
        raise ConfigError(f"{folder}: more than {MAX_FILES} answers files.")
    for f in files:
        try:
            # BaseLoader keeps every scalar as the text the student wrote
            data = yaml.load(read_text_file(f, "answers file", MAX_FILE), Loader=yaml.BaseLoader)
        except (yaml.YAMLError, ConfigError) as exc:
            first = str(exc).splitlines()[0]
            subs.issues.append(Issue(str(f), f"not readable YAML ({first}); not graded."))
            continue
        if not isinstance(data, Mapping):
            subs.issues.append(Issue(str(f), "expected a mapping of questions to answers; "
                                             "not graded."))
            continue
        cells = _flatten_yaml(data, str(f), subs.issues)
        _record(subs, f.stem, str(f), cells, students, columns)
    return subs


def read_submissions(source: str | Path, students: list[str], columns: list[str]) -> Submissions:
    """The answers in ``source`` (a CSV file or a folder of ``<id>.yaml``)."""
    path = Path(source)
    if path.is_dir():
        return read_yaml_folder(path, set(students), set(columns))
    if not path.exists():
        raise ConfigError(f"{path}: no such file or folder.")
    return read_csv(path, set(students), set(columns))
