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
        ({"forward[2].a": [1.0, 2.0]}, "the solution has 1 number(s) here; the answer gives 2"),
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
