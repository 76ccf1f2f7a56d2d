"""Grading answers: correct / incorrect with the right value, the step it comes from, and
hints for classic mistakes. Mistaken numbers are derived by hand here, not by glassnet."""

from __future__ import annotations

from pathlib import Path

import pytest

from glassnet.cli import main
from glassnet.errors import ExerciseError
from glassnet.explain import explain
from glassnet.explain.grade import decimals, grade

EX = Path(__file__).parent.parent / "examples" / "exercises"


@pytest.fixture(scope="module")
def chain():
    return explain(EX / "scalar_chain.yaml")


def _one(report):
    assert len(report.answers) == 1
    return report.answers[0]


def test_correct_answers_pass(chain) -> None:
    report = chain.check(
        "loss: 0.288\noutput: 0.24\nforward[2].a: 0.2405\n"
        "gradients.w1: 2.081\nsteps[1].params.w1: -0.198\n"
    )
    assert report.passed, report.text
    assert report.text.count("✓") == 5 and "5 of 5 correct." in report.text


def test_incorrect_answer_gives_value_and_the_step_it_comes_from(chain) -> None:
    report = chain.check({"gradients.w1": 3.0, "loss": 0.2884})
    assert not report.passed
    text = report.text
    assert "✗ gradients.w1 = 3: incorrect; the right value is 2.0809" in text
    assert "It comes from Gradients:" in text
    assert "∂C/∂w1 = δ_h·x = 0.6936·3 = 2.0809" in text
    assert "✓ loss" in text and "1 of 2 correct." in text


def test_tolerance_is_the_decimals_given_or_relative(chain) -> None:
    assert decimals("0.288") == 3 and decimals("2") == 0 and decimals("1.5e-3") == 4
    assert chain.check("loss: 0.29").passed  # 2 decimals: |0.29 − 0.2884| < 0.005
    assert not chain.check("loss: 0.2").passed
    assert chain.check("loss: 0.2884").passed
    assert chain.check("loss: 0.28847").passed
    assert not chain.check("loss: 0.2890").passed  # 4 decimals given: 0.0006 off
    assert chain.check({"loss": {"value": 0.3, "tol": 0.02}}).passed
    assert not chain.check({"loss": {"value": 0.3, "rtol": 0.01}}).passed


def test_half_factor_missing_and_doubled(chain) -> None:
    w1 = chain["gradients.w1"]
    missing = _one(chain.check({"gradients.w1": round(2 * w1, 4)}))
    assert not missing.correct and any("½ factor seems to be missing" in h for h in missing.hints)
    doubled = _one(chain.check({"gradients.w1": round(w1 / 2, 4)}))
    assert any("½ factor seems to be applied twice" in h for h in doubled.hints)
    loss = _one(chain.check({"loss": round(2 * chain["loss"], 4)}))
    assert any("½ factor seems to be missing" in h for h in loss.hints)


def test_factor_one_loss_has_its_own_hint() -> None:
    sol = explain(EX / "tied_weights.yaml")  # C = (y − t)², no ½
    a = _one(sol.check({"gradients.w": round(sol["gradients.w"] / 2, 4)}))
    assert any("a ½ factor seems to have been added" in h for h in a.hints)


def test_sign_of_the_update(chain) -> None:
    # the student added η·g: w1 + 0.1·2.0809
    wrong = 0.01 + 0.1 * chain["gradients.w1"]
    a = _one(chain.check({"steps[1].params.w1": round(wrong, 4)}))
    assert not a.correct and any("uphill" in h for h in a.hints)
    flipped = _one(chain.check({"gradients.w2": 0.004162}))
    assert "the sign is flipped." in flipped.hints


def test_sigma_taken_for_its_derivative(chain) -> None:
    # δ_y = ∂C/∂y·σ'(z) but the student used σ(z) = y itself: (y − t)·y
    y = chain["output[1]"]
    a = _one(chain.check({"gradients.b": round((y - 1) * y, 4)}))
    assert any("σ(z) seems to be used in place of σ'(z)" in h for h in a.hints)


def test_transposed_weight_matrix() -> None:
    sol = explain(EX / "two_two_one.yaml")
    # W1 = [[a11, a12], [a21, a22]] = [[0.5, −0.25], [0.1, 0.4]]; transposed, unit h1 gets
    # 0.5·x1 + 0.1·x2 + c1 = 0.5 + 0.3 + 0 = 0.8 instead of −0.25
    a = _one(sol.check({"forward[1].z[1]": 0.8}))
    assert not a.correct and any("layer 1 transposed" in h for h in a.hints)


def test_mean_taken_as_sum() -> None:
    sol = explain(EX / "minibatch.yaml")
    a = _one(sol.check({"loss": round(3 * sol["loss"], 4)}))
    assert any("matches a sum over the samples" in h for h in a.hints)


def test_paths_count_layers_and_steps_from_one() -> None:
    sol = explain(EX / "momentum_steps.yaml")
    d = sol.to_dict()
    answers = {
        "steps[2].params.w": round(d["steps"][1]["params"]["w"], 4),
        "steps[3].state.w.buffer": round(d["steps"][2]["state"]["w"]["buffer"], 4),
        "backward[1].delta": round(d["backward"][0]["delta"][0][0], 4),
        "forward[1].z": round(d["forward"][0]["z"][0][0], 4),
    }
    assert sol.check(answers).passed
    nested = {"steps[2]": {"params": {"w": answers["steps[2].params.w"]}}}
    assert sol.check(nested).passed


def test_list_answers_and_named_textbook_parameters() -> None:
    sol = explain(EX / "minibatch.yaml")
    d = sol.to_dict()
    z = [round(v, 4) for v in d["forward"][0]["z"][1]]
    assert sol.check(
        {"forward[1].z[2]": z, "gradients.W1[1,2]": round(d["gradients"]["W1[1,2]"], 4)}
    ).passed


@pytest.mark.parametrize(
    "answers, message",
    [
        ({"gradients.w9": 1.0}, "no 'w9' here"),
        ({"forward[3].a": 1.0}, "there is no layer 3"),
        ({"forward[2].a": [1.0, 2.0]}, "the solution has 1 number here; the answer gives 2"),
        ({"loss": "abc"}, "expected a number"),
        ({"loss": {"value": 1, "tolerance": 2}}, "expected {value: ..., tol: ...}"),
        ("just text", "answers must be a mapping"),
    ],
)
def test_bad_answers_files(chain, answers, message) -> None:
    with pytest.raises(ExerciseError, match=None) as err:
        grade(chain, answers)
    assert message in str(err.value)


def test_cli_check_exit_codes(tmp_path: Path, capsys) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("loss: 0.288\ngradients:\n  w1: 2.081\n", encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("gradients.w1: 4.1618\n", encoding="utf-8")
    exercise = str(EX / "scalar_chain.yaml")
    assert main(["explain", exercise, "--check", str(good)]) == 0
    assert "2 of 2 correct." in capsys.readouterr().out
    assert main(["explain", exercise, "--check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "the right value is 2.0809" in out and "Hint: the ½ factor seems to be missing" in out
    assert main(["explain", exercise, "--check", str(tmp_path / "missing.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err


# ------------------------------------------------------------- the grading rule, both ways
def test_few_decimals_do_not_make_an_answer_absurdly_tolerant(chain, tmp_path: Path, capsys):
    # true values: loss 0.2884, ∂C/∂b −0.1387, ∂C/∂w2 −0.00416, w2 after step 1 −4.9996
    answers = tmp_path / "lenient.yaml"
    answers.write_text(
        "loss: 0\ngradients.b: 0\ngradients.w2: 0\nsteps[1].params.w2: -5\n", encoding="utf-8"
    )
    assert main(["explain", str(EX / "scalar_chain.yaml"), "--check", str(answers)]) == 1
    out = capsys.readouterr().out
    assert "0 of 4 correct." in out, out
    for wrong in ("loss: 0.3", "loss: 0.2", "gradients.b: -0.1", "gradients.w2: -0.004"):
        assert not chain.check(wrong).passed, wrong


@pytest.mark.parametrize(
    "answer",
    [
        "loss: 0.29",  # right to 2 decimals and 0.55 % off
        "loss: 0.288",
        "loss: 0.2884",
        "loss: 0.28847",
        "gradients.w1: 2.081",
        "gradients.w1: 2.0812",  # 4 decimals, off by 3·10⁻⁴ (rounded intermediates): 0.015 %
        "gradients.b: -0.1387",
        "gradients.b: -0.139",
        "gradients.b: -0.14",  # −0.1387 to 2 decimals, and 0.92 % off
        "gradients.w1: 2.1",  # 2.0809 to 1 decimal, and 0.92 % off: within 1 %
        "gradients.w2: -0.00416",
        "gradients.w2: -0.004162",
        "gradients.w2: -4.16e-3",
        "steps[1].params.w2: -4.9996",
        "steps[1].params.w2: -4.99958",
        "steps[1].params.w1: -0.198",
    ],
)
def test_right_answers_to_three_digits_pass(chain, answer: str) -> None:
    assert chain.check(answer).passed, chain.check(answer).text


@pytest.mark.parametrize(
    "answer",
    [
        "loss: 0",
        "loss: 0.3",  # right to 1 decimal, but 4 % off
        "loss: 0.2890",  # 4 decimals given, 0.2 % off
        "gradients.w1: 2",  # 2.0809 to 0 decimals, but 3.9 % off
        "gradients.b: -0.13",  # −0.1387 is not −0.13 to 2 decimals
        "gradients.b: 0",
        "gradients.w2: 0",
        "gradients.w2: -0.004",  # 4 % off
        "steps[1].params.w2: -5",  # the value before the step
        "steps[1].params.w2: -5.000",  # the same, written with more digits
    ],
)
def test_wrong_or_too_coarse_answers_fail(chain, answer: str) -> None:
    assert not chain.check(answer).passed, answer


def test_true_zero_needs_zero() -> None:
    sol = explain(EX / "zero_activation.yaml")  # ∂C/∂w11 = 0 exactly; w11 stays 0.5
    assert sol.check("gradients.w11: 0\nsteps[1].params.w11: 0.5").passed
    assert not sol.check("gradients.w11: 0.001").passed


def test_value_before_the_step_is_not_the_update(chain) -> None:
    a = _one(chain.check("steps[1].params.w2: -5"))
    assert not a.correct
    assert any("value before step 1" in h for h in a.hints), a.hints
    assert any("do not show" in h for h in a.hints), a.hints
    assert chain.check("steps[1].params.w2: -4.9996").passed
    w1 = _one(chain.check("steps[1].params.w1: 0.01"))  # w1: 0.01 → −0.1981, not applied
    assert not w1.correct and any("seems not applied" in h for h in w1.hints), w1.hints


def test_hint_only_when_the_mistake_matches_clearly(chain) -> None:
    # σ(z) for σ'(z) gives ∂C/∂w1 = 2.7398; 3 is far from both: no hint
    far = _one(chain.check("gradients.w1: 3"))
    assert not far.correct and far.hints == []
    near = _one(chain.check("gradients.w1: 2.74"))
    assert any("σ(z) seems to be used" in h for h in near.hints)
    # 0 is not "the sign flipped" of a small value, nor of anything else
    zero = _one(chain.check("gradients.w2: 0"))
    assert zero.hints == []


def test_report_shows_the_number_as_written(chain) -> None:
    text = chain.check("loss: 0.28847\ngradients.w1: 2.10").text
    assert "✓ loss = 0.28847: correct" in text
    assert "gradients.w1 = 2.10: incorrect" in text


# ------------------------------------------------------ textbook names of named parameters
def test_textbook_positions_are_aliases_of_named_parameters() -> None:
    sol = explain(EX / "two_two_one.yaml")  # a22 sits at W1[2,2], b12 at W2[1,2], d at b2[1]
    assert sol["gradients.W1[2,2]"] == sol["gradients.a22"]
    assert sol["steps[1].params.W2[1,2]"] == sol["steps[1].params.b12"]
    assert sol["params.b2[1]"] == sol["params.d"]
    report = sol.check(
        {
            "gradients.W1[2,2]": round(sol["gradients.a22"], 4),
            "steps[1].params.W2[1,2]": round(sol["steps[1].params.b12"], 4),
        }
    )
    assert report.passed, report.text
    assert "✓ gradients.W1[2,2]" in report.text


def test_textbook_position_of_a_tied_parameter_is_refused_with_its_name() -> None:
    sol = explain(EX / "tied_weights.yaml")
    with pytest.raises(KeyError, match=r"W2\[1,1\] is one of the positions of the tied"):
        sol["gradients.W2[1,1]"]
    with pytest.raises(ExerciseError, match=r"gradients.W2\[1,1\]: .* use gradients\.w "):
        sol.check({"gradients.W2[1,1]": 1.0})


# ------------------------------------------------------------- answers-file errors
@pytest.mark.parametrize(
    "content, key, message",
    [
        ("forward[3].a: 1\n", "forward[3].a", "there is no layer 3"),
        ("steps[2].params.w1: 1\n", "steps[2].params.w1", "there is no step 2"),
        ("output: 1\nforward[9].z: 1\n", "forward[9].z", "there is no layer 9"),
        ("gradients.w9: 1\n", "gradients.w9", "no 'w9' here"),
        ("loss: 1\nloss: 2\n", "loss", "given twice (line 1 and line 2)"),
        ("gradients:\n  w1: 1\n  w1: 2\n", "gradients.w1", "given twice"),
        ("gradients.w1: 1\ngradients:\n  w1: 2\n", "gradients.w1", "given twice"),
        ("loss: .nan\n", "loss", "expected a finite number"),
        ("loss: 1,5\n", "loss", "expected a number or a list of numbers; got '1,5'"),
        ("loss: {value: 0.3, tol: big}\n", "loss.tol", "expected a number ≥ 0"),
        ("loss: {value: 0.3, rtol: -1}\n", "loss.rtol", "expected a number ≥ 0; got -1."),
        ("steps: 1\n", "steps", "names a list of groups; pick one, counting from 1"),
        ("gradients: {w1: 2.081, 2: 1}\n", "gradients.2", "no '2' here"),
        ("gradients: 1\n", "gradients", "names a group of values; give one of gradients.w1"),
        ("loss: [1\n", "", "not valid YAML at line"),
        ("forward[2].a: [1, 2]\n", "forward[2].a", "the solution has 1 number here"),
    ],
)
def test_answers_file_errors_are_one_line_with_file_and_key(
    chain, tmp_path: Path, content: str, key: str, message: str
) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ExerciseError) as err:
        grade(chain, path)
    text = str(err.value)
    assert "\n" not in text, text
    assert text.startswith(f"{path}: "), text
    assert key in text and message in text, text
    if message.endswith("."):  # the whole tail of the message
        assert text.endswith(message), text


def test_numbers_yaml_reads_as_text_or_in_other_bases_are_read() -> None:
    sol = explain(EX / "scalar_chain.yaml")
    assert sol.check("gradients.w2: -4.162e-3\nsteps[1].params.w1: -1.981e-1").passed
    assert sol.check("gradients.w2: -4162e-6").passed  # YAML 1.1 reads this as text
    assert not sol.check("loss: 0x10").passed  # 16, graded (not a crash)


def test_a_value_before_the_step_with_an_explicit_tolerance_is_the_teachers_call(chain):
    assert chain.check({"steps[1].params.w2": {"value": -5, "tol": 0.001}}).passed


def test_cli_answers_path_is_always_a_file(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "answers"  # no extension: still a path, not YAML text
    assert main(["explain", str(EX / "scalar_chain.yaml"), "--check", str(missing)]) == 2
    assert f"{missing}: no such file" in capsys.readouterr().err
