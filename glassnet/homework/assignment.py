"""A class homework: the spec (questions and points), the roster, and each student's version.

The spec (YAML)::

    title: "Homework 3: backpropagation"
    seed: 2026                      # with the student id, fixes every student's version
    attempts: 1                     # optional, shown on the sheet
    questions:
      - template: scalar-chain      # a numeric exercise, drawn per student
        points: 6                   # split evenly over the quantities asked
        ranges: {lr: [0.1, 0.5, 0.1]}
      - concept: sigmoid-saturation # a concept question from the bank
        points: 1
      - concept: [relu-derivative, dropout-keep]   # one of these, picked per student
        points: 1

The roster is a CSV with an ``id`` column (letters, digits, ``.``, ``_``, ``-``: ids name
files) and optionally ``name``. Student ``s`` gets, for question ``q``, the seed
``int(sha256(f"{seed}:{s}:{q}")[:8], 16)``: deterministic, independent between students, and
unchanged when students are added to the roster.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glassnet.errors import ConfigError
from glassnet.homework.concepts import Concept, load_bank
from glassnet.homework.templates import Generated, generate, template

MAX_FILE = 1 << 20  # bytes, for the spec and the roster
MAX_QUESTIONS = 50
MAX_STUDENTS = 2000
MAX_POINTS = 1000
SPEC_KEYS = ("title", "seed", "attempts", "questions", "instructions")
QUESTION_KEYS = ("template", "concept", "points", "ranges")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class QuestionSpec:
    """One entry of the spec: a template (with ranges) or a concept (one id, or a pool)."""

    number: int
    points: float
    template: str | None = None
    ranges: Mapping[str, Any] | None = None
    concepts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Spec:
    title: str
    seed: int
    questions: tuple[QuestionSpec, ...]
    attempts: int | None = None
    instructions: str = ""

    @property
    def total(self) -> float:
        return sum(q.points for q in self.questions)


@dataclass(frozen=True)
class Student:
    id: str
    name: str


@dataclass
class Item:
    """A student's question: a generated exercise or a concept question, and its points."""

    spec: QuestionSpec
    seed: int
    generated: Generated | None = None
    concept: Concept | None = None

    @property
    def key(self) -> str:
        """``q1``, ``q2``, …: the prefix of this question's columns in a submission."""
        return f"q{self.spec.number}"

    @property
    def columns(self) -> list[str]:
        """The submission columns: ``q1:output``, ``q1:loss``, … or just ``q3``."""
        if self.generated is None:
            return [self.key]
        return [f"{self.key}:{q.path}" for q in self.generated.questions]


def read_text_file(path: str | Path, what: str, limit: int = MAX_FILE) -> str:
    """A UTF-8 text file (a leading BOM, as spreadsheets write, is dropped) of at most
    ``limit`` bytes; every problem is one ConfigError line naming the file."""
    p = Path(path)
    try:
        if p.stat().st_size > limit:
            raise ConfigError(f"{p}: the {what} is larger than {limit >> 20} MiB.")
        return p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: the {what} is not UTF-8 text.") from None
    except IsADirectoryError:
        raise ConfigError(f"{p}: the {what} is a directory, not a file.") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read the {what} ({exc.strerror}).") from None


def _unknown(key: Any, allowed: tuple[str, ...], where: str) -> ConfigError:
    near = difflib.get_close_matches(str(key), allowed, n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    return ConfigError(f"{where}: unknown key {str(key)[:40]!r}{hint}")


def _points(value: Any, where: str) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not (0 < value <= MAX_POINTS):
        raise ConfigError(f"{where}.points: expected a number in (0, {MAX_POINTS}]; got {value!r}.")
    return float(value)


def _question(item: Any, number: int, where: str, bank: Mapping[str, Concept]) -> QuestionSpec:
    if not isinstance(item, Mapping):
        raise ConfigError(f"{where}: expected a mapping; got {type(item).__name__}.")
    for key in item:
        if key not in QUESTION_KEYS:
            raise _unknown(key, QUESTION_KEYS, where)
    if ("template" in item) == ("concept" in item):
        raise ConfigError(f"{where}: give exactly one of 'template' or 'concept'.")
    points = _points(item.get("points", 1), where)
    if "template" in item:
        name = item["template"]
        template(str(name), f"{where}.template")
        # an impossible range is refused here, before any sheet is written
        generate(str(name), 0, item.get("ranges"), f"{where}.ranges")
        return QuestionSpec(number, points, template=str(name), ranges=item.get("ranges"))
    if "ranges" in item:
        raise ConfigError(f"{where}.ranges: a concept question has no ranges.")
    ids = item["concept"]
    ids = [ids] if isinstance(ids, str) else ids
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise ConfigError(f"{where}.concept: expected a question id or a list of ids.")
    for i in ids:
        if i not in bank:
            near = difflib.get_close_matches(i, list(bank), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ConfigError(f"{where}.concept: unknown concept question {i[:40]!r}{hint}")
    return QuestionSpec(number, points, concepts=tuple(ids))


def parse_spec(data: Any, origin: str = "spec") -> Spec:
    """A validated :class:`Spec` from the loaded YAML; each problem is one line naming the key."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{origin}: expected a mapping with 'questions'.")
    for key in data:
        if key not in SPEC_KEYS:
            raise _unknown(key, SPEC_KEYS, origin)
    seed = data.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**63:
        raise ConfigError(f"{origin}.seed: expected an integer in [0, 2⁶³); got {seed!r}.")
    attempts = data.get("attempts")
    if attempts is not None and (not isinstance(attempts, int) or isinstance(attempts, bool)
                                 or not 1 <= attempts <= 100):
        raise ConfigError(f"{origin}.attempts: expected an integer in [1, 100].")
    qs = data.get("questions")
    if not isinstance(qs, list) or not qs:
        raise ConfigError(f"{origin}.questions: expected a non-empty list.")
    if len(qs) > MAX_QUESTIONS:
        raise ConfigError(f"{origin}.questions: more than {MAX_QUESTIONS} questions.")
    bank = load_bank()
    questions = tuple(
        _question(q, i + 1, f"{origin}.questions[{i}]", bank) for i, q in enumerate(qs)
    )
    title = data.get("title", "Homework")
    instructions = data.get("instructions", "")
    if not isinstance(title, str) or not isinstance(instructions, str):
        raise ConfigError(f"{origin}: 'title' and 'instructions' must be text.")
    return Spec(title[:200], seed, questions, attempts, instructions[:4000])


def load_spec(path: str | Path) -> Spec:
    import yaml

    text = read_text_file(path, "homework spec")
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]}).") from None
    return parse_spec(data, str(path))


def read_roster(path: str | Path) -> list[Student]:
    """The students of a roster CSV (``id`` column, optional ``name``), in file order."""
    text = read_text_file(path, "roster")
    rows = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(rows, [])]
    if "id" not in header:
        raise ConfigError(f"{path}: row 1: the header has no 'id' column.")
    col, name_col = header.index("id"), header.index("name") if "name" in header else None
    students: list[Student] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        sid = row[col].strip() if col < len(row) else ""
        if not _ID.fullmatch(sid):
            raise ConfigError(
                f"{path}: row {n}, column 'id': {sid[:40]!r} is not an id (letters, digits, "
                "'.', '_', '-'; at most 64)."
            )
        if sid in seen:
            raise ConfigError(f"{path}: row {n}, column 'id': {sid!r} is a duplicate of row "
                              f"{seen[sid]}.")
        seen[sid] = n
        name = row[name_col].strip() if name_col is not None and name_col < len(row) else ""
        students.append(Student(sid, name[:200] or sid))
        if len(students) > MAX_STUDENTS:
            raise ConfigError(f"{path}: more than {MAX_STUDENTS} students.")
    if not students:
        raise ConfigError(f"{path}: the roster has no students.")
    return students


def student_seed(spec_seed: int, student_id: str, number: int) -> int:
    digest = hashlib.sha256(f"{spec_seed}:{student_id}:{number}".encode()).hexdigest()
    return int(digest[:8], 16)


def version(spec: Spec, student_id: str, bank: Mapping[str, Concept] | None = None) -> list[Item]:
    """The student's questions: each template drawn with the student's seed, each concept
    pool narrowed to one question by the same seed."""
    bank = load_bank() if bank is None else bank
    items = []
    for q in spec.questions:
        seed = student_seed(spec.seed, student_id, q.number)
        if q.template is not None:
            items.append(Item(q, seed, generated=generate(q.template, seed, q.ranges)))
        else:
            items.append(Item(q, seed, concept=bank[q.concepts[seed % len(q.concepts)]]))
    return items
