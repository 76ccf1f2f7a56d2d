"""A teacher's whole loop: ``homework make`` → a fake class's submissions → ``homework grade``.

The fake class is planted: right answers, classic mistakes whose numbers are derived here from
the key and the exercise (not from the grader), and malformed rows. The grades and the class
report must say exactly what was planted.
"""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import pytest
import yaml

from glassnet.cli import main
from glassnet.errors import ConfigError
from glassnet.explain import explain
from glassnet.homework.assignment import load_spec, read_roster
from glassnet.homework.classgrade import grade_class
from glassnet.homework.make import make_homework
from glassnet.homework.report import mistake_counts, write_report

SPEC = """\
title: "Homework 3"
seed: 7
questions:
  - template: scalar-chain
    points: 4
  - template: minibatch-mse
    points: 3
  - template: momentum-steps
    points: 3
  - concept: gradient-sign
    points: 1
  - concept: relu-derivative
    points: 1
  - concept: weight-gradient
    points: 2
"""
IDS = ["right", "half", "sigma", "sign", "sum", "damp", "bad", "absent"]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("class")
    spec = _write(root / "spec.yaml", SPEC)
    roster = _write(root / "roster.csv", "id,name\n" + "".join(f"{i},Student {i}\n" for i in IDS))
    make_homework(spec, roster, root / "hw", pdf=False)
    return root


def _key(hw: Path, sid: str) -> dict:
    return json.loads((hw / sid / "key.json").read_text(encoding="utf-8"))


def _cell(v: object) -> str:
    return "; ".join(repr(x) for x in v) if isinstance(v, list) else repr(v)


def _right_answers(hw: Path, sid: str) -> dict[str, str]:
    cells = {}
    for q in _key(hw, sid)["questions"]:
        if "answers" in q:
            cells |= {c: _cell(v) for c, v in q["answers"].items()}
        elif q["kind"] == "tf":
            cells[q["key"]] = "true" if q["answer"] else "false"
        else:
            cells[q["key"]] = str(q["answer"])
    return cells


def _exercise(hw: Path, sid: str, q: str) -> dict:
    return yaml.safe_load((hw / sid / f"{q}.yaml").read_text(encoding="utf-8"))


def _planted(hw: Path) -> list[dict[str, str]]:
    rows = []
    for sid in IDS[:-1]:
        cells = _right_answers(hw, sid)
        ex1, ex2 = _exercise(hw, sid, "q1"), _exercise(hw, sid, "q2")
        key = {c: v for q in _key(hw, sid)["questions"] for c, v in q.get("answers", {}).items()}
        if sid == "half":  # forgot the ½ of ½(ŷ − t)²: every δ, gradient and update from it
            wrong = copy.deepcopy(ex1)
            wrong["loss"]["factor"] = 1.0
            sol = explain(wrong)
            for c in ("backward[2].delta", "gradients.w2", "steps[1].params.w2"):
                cells[f"q1:{c}"] = _cell(sol[c])
        if sid == "sigma":  # δ² = (ŷ − t)·σ(z) in place of (ŷ − t)·σ'(z), for ½SE: a = ŷ
            y, t = key["q1:output"], ex1["data"]["t"]
            t = t[0] if isinstance(t, list) else t
            cells["q1:backward[2].delta"] = repr((y - t) * y)
        if sid == "sign":  # θ + η·g
            lr = ex1["train"]["optimizer"]["lr"]
            w2 = ex1["params"]["w2"]
            cells["q1:steps[1].params.w2"] = repr(w2 + lr * key["q1:gradients.w2"])
        if sid == "sum":  # the sum over the three samples, not their mean
            n = len(ex2["data"])
            cells["q2:gradients.w"] = repr(n * key["q2:gradients.w"])
        if sid == "damp":  # buf ← μ·buf + (1 − μ)·g
            wrong = copy.deepcopy(_exercise(hw, sid, "q3"))
            opt = wrong["train"]["optimizer"]
            opt["dampening"] = opt["momentum"]
            sol = explain(wrong)
            differs = [k for k in (2, 3) if abs(sol[f"steps[{k}].params.w"]
                                                - key[f"q3:steps[{k}].params.w"]) > 0.05]
            cells[f"q3:steps[{differs[0]}].params.w"] = _cell(sol[f"steps[{differs[0]}].params.w"])
        if sid == "bad":
            cells["q1:loss"] = "twelve"
            cells["q2:output"] = "1.0; 2.0"  # three samples: three numbers
            cells["q4"] = "maybe"
            cells["q6"] = "a_k^(l-1) * delta_j^l"  # the right formula, another spelling
        rows.append({"id": sid, **cells})
    return rows


@pytest.fixture(scope="module")
def graded(made: Path) -> tuple[Path, object]:
    hw = made / "hw"
    columns = json.loads((hw / "homework.json").read_text(encoding="utf-8"))["columns"]
    rows = _planted(hw)
    rows.append({"id": "stranger", "q1:output": "0.5"})
    rows.append({"id": "right", "q1:output": "0.5"})  # a second row for the same student
    with open(made / "subs.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, ["id", *columns], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    result = grade_class(hw, made / "subs.csv")
    write_report(result, made / "out")
    return made, result


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _by_id(result) -> dict:
    return {s.id: s for s in result.students}


def test_right_answers_get_every_point(graded) -> None:
    _, result = graded
    s = _by_id(result)["right"]
    assert s.total == pytest.approx(result.total) == 14
    assert all(q.points == q.max_points for q in s.questions)


def test_each_planted_mistake_is_named_on_its_question(graded) -> None:
    _, result = graded
    counts = mistake_counts(result)
    assert counts["q1: forgot ½"] >= 1
    assert counts["q1: σ instead of σ'"] == 1
    assert counts["q1: wrong sign in the update"] == 1
    assert counts["q2: missing minibatch average"] == 1
    assert counts["q3: (1 − μ) in the momentum buffer"] == 1
    students = _by_id(result)
    wrong = {x.column for q in students["half"].questions for x in q.quantities
             if x.status == "wrong"}
    assert wrong == {"q1:backward[2].delta", "q1:gradients.w2", "q1:steps[1].params.w2"}
    # a question's points are split evenly over its quantities
    q1 = students["sign"].questions[0]
    assert q1.points == pytest.approx(4 - 4 / len(q1.quantities))


def test_malformed_cells_are_reported_with_row_and_column_and_graded_missing(graded) -> None:
    _, result = graded
    bad = _by_id(result)["bad"]
    text = "\n".join(map(str, bad.issues))
    row = 2 + IDS.index("bad")
    assert f"subs.csv, row {row}, column q1:loss: 'twelve' is not a number" in text
    assert f"row {row}, column q2:output: 2 numbers where the answer has 3" in text
    assert f"row {row}, column q4: 'maybe' is not true or false" in text
    status = {x.column: x.status for q in bad.questions for x in q.quantities}
    assert status["q1:loss"] == status["q2:output"] == status["q4"] == "missing"
    assert status["q6"] == "correct"  # an equivalent spelling of the formula
    general = "\n".join(map(str, result.issues))
    assert "unknown student 'stranger'" in general
    assert "a second submission for 'right'" in "\n".join(map(str, _by_id(result)["right"].issues))
    absent = _by_id(result)["absent"]
    assert not absent.submitted and absent.total == 0


def test_outputs_grades_feedback_report_and_picture(graded) -> None:
    made, _ = graded
    out = made / "out"
    rows = _csv_rows(out / "grades.csv")
    assert [r["id"] for r in rows] == IDS
    assert float(rows[0]["total"]) == 14 and rows[-1]["submitted"] == "no"
    feedback = (out / "feedback" / "half.txt").read_text(encoding="utf-8")
    assert "✗ backward[2].delta" in feedback
    assert "Hint: the ½ factor seems to be missing" in feedback
    assert "It comes from" in feedback  # the first wrong step's equation, as --check prints it
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "Classic mistakes matched (students):" in report and "σ instead of σ'" in report
    assert "## Problems in the submissions" in report and "'twelve'" in report
    assert (out / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_exercise_files_work_with_explain_check(made: Path, tmp_path: Path, capsys) -> None:
    hw = made / "hw"
    key = _key(hw, "right")["questions"][0]
    answers = {c.split(":", 1)[1]: v for c, v in key["answers"].items()}
    path = _write(tmp_path / "answers.yaml", yaml.safe_dump(answers))
    assert main(["explain", str(hw / "right" / "q1.yaml"), "--check", str(path)]) == 0
    assert f"{len(answers)} of {len(answers)} correct" in capsys.readouterr().out


def test_versions_differ_between_students_and_make_is_byte_identical(made, tmp_path) -> None:
    hw = made / "hw"
    assert _exercise(hw, "right", "q1") != _exercise(hw, "half", "q1")
    make_homework(made / "spec.yaml", made / "roster.csv", tmp_path / "again", pdf=False)
    first = sorted(p.relative_to(hw) for p in hw.rglob("*") if p.is_file())
    second = sorted(p.relative_to(tmp_path / "again") for p in (tmp_path / "again").rglob("*")
                    if p.is_file())
    assert first == second
    for rel in first:
        assert (hw / rel).read_bytes() == (tmp_path / "again" / rel).read_bytes(), rel


def test_the_sheet_asks_every_column_and_mc_options_are_shuffled(made: Path) -> None:
    hw = made / "hw"
    sheet = (hw / "right" / "sheet.md").read_text(encoding="utf-8")
    for c in _key(hw, "right")["questions"][0]["answers"]:
        assert f"(column {c})" in sheet
    orders = {tuple(q["choices"]) for sid in IDS for q in _key(hw, sid)["questions"]
              if q.get("kind") == "mc"}
    assert len(orders) > 1


def test_pdf_sheets_compile_and_are_reproducible(tmp_path: Path) -> None:
    spec = _write(tmp_path / "spec.yaml", SPEC)
    roster = _write(tmp_path / "roster.csv", "id\nann\n")
    make_homework(spec, roster, tmp_path / "a")
    make_homework(spec, roster, tmp_path / "b")
    pdf = (tmp_path / "a" / "ann" / "sheet.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    assert pdf == (tmp_path / "b" / "ann" / "sheet.pdf").read_bytes()


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("questions:\n  - template: scalar-chian\n", "did you mean 'scalar-chain'"),
        ("questions:\n  - template: scalar-chain\n    ranges: {x: [0, 0, 1]}\n",
         "questions[0].ranges"),
        ("questoins: []\n", "unknown key 'questoins'; did you mean 'questions'"),
        ("questions:\n  - concept: no-such\n", "unknown concept question 'no-such'"),
        ("questions:\n  - template: bce\n    points: -1\n", "questions[0].points"),
        ("questions: [1\n", "not valid YAML"),
    ],
)
def test_bad_specs_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=r"spec\.yaml") as info:
        load_spec(_write(tmp_path / "spec.yaml", text))
    assert message in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,name\na,A\nb,B\na,C\n", "row 4, column 'id': 'a' is a duplicate of row 2"),
        ("name\nA\n", "row 1: the header has no 'id' column"),
        ("id\n../etc\n", "row 2, column 'id'"),
        ("id\n", "no students"),
    ],
)
def test_bad_rosters_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=r"roster\.csv") as info:
        read_roster(_write(tmp_path / "roster.csv", text))
    assert message in str(info.value)


def test_cli_make_refuses_a_folder_with_other_files_and_grade_a_non_homework(
        made: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    code = main(["homework", "make", str(made / "spec.yaml"), "--roster",
                 str(made / "roster.csv"), "--out", str(tmp_path), "--no-pdf"])
    err = capsys.readouterr().err
    assert code == 2 and "not empty" in err and err.count("\n") == 1
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"
    code = main(["homework", "grade", str(tmp_path), str(made / "subs.csv")])
    err = capsys.readouterr().err
    assert code == 2 and "homework.json" in err and err.count("\n") == 1


def test_cli_grade_reads_a_folder_of_yaml_answers(made: Path, tmp_path: Path, capsys) -> None:
    hw = made / "hw"
    folder = tmp_path / "answers"
    folder.mkdir()
    cells = _right_answers(hw, "right")
    nested: dict = {}
    for col, value in cells.items():
        if ":" in col:
            q, path = col.split(":", 1)
            nested.setdefault(q, {})[path] = [float(v) for v in value.split(";")] if ";" in value \
                else float(value)
        else:
            nested[col] = value
    _write(folder / "right.yaml", yaml.safe_dump(nested, allow_unicode=True))
    _write(folder / "sigma.yaml", "q1: [unclosed\n")
    code = main(["homework", "grade", str(hw), str(folder), "--out", str(tmp_path / "g")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "sigma.yaml: not readable YAML" in captured.err
    rows = {r["id"]: r for r in _csv_rows(tmp_path / "g" / "grades.csv")}
    assert float(rows["right"]["total"]) == 14
    assert rows["sigma"]["submitted"] == "no"
