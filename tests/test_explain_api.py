"""The Python API: glassnet.explain(...) → Solution, load_exercise, the JSON shape, tied
parameters, seeded masks, the optimizer-only form, and the issue's worked example."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

import glassnet as gn
from glassnet.errors import ConfigError
from glassnet.explain import Exercise, Solution, explain, load_exercise

EX = Path(__file__).parent.parent / "examples" / "exercises"
CHAIN = EX / "scalar_chain.yaml"


def test_the_issues_example() -> None:
    sol = gn.explain(CHAIN)
    assert isinstance(sol, Solution)
    assert sol["forward[1].z"] == [[pytest.approx(0.03)]]
    assert sol["output[1]"] == pytest.approx(0.2404890830, abs=1e-10)
    assert sol["loss"] == pytest.approx(0.2884284165, abs=1e-10)
    assert sol["gradients.w1"] == pytest.approx(2.0809165622, abs=1e-9)
    assert sol["gradients.w2"] == pytest.approx(-0.0041618331, abs=1e-10)
    assert sol["gradients.b"] == pytest.approx(-0.1387277708, abs=1e-10)
    assert sol["steps[1].params.w1"] == pytest.approx(0.01 - 0.1 * 2.0809165622, abs=1e-9)
    assert "z_h = w1·x = 0.01·3 = 0.03" in sol.text


def test_sources_path_text_dict_give_the_same_solution() -> None:
    text = CHAIN.read_text(encoding="utf-8")
    spec = yaml.safe_load(text)
    a = gn.explain(CHAIN).to_dict()
    assert gn.explain(str(CHAIN)).to_dict() == a
    assert gn.explain(text).to_dict() == a
    assert gn.explain(spec).to_dict() == a
    assert gn.explain(json.dumps(spec)).to_dict() == a
    assert gn.explain(load_exercise(CHAIN)).to_dict() == a
    assert gn.explain(CHAIN).to_dict() == a  # gn.explain keeps working after the import


def test_renderings() -> None:
    sol = explain(CHAIN)
    assert sol.render() == sol.text == str(sol)
    assert sol.render("markdown") == sol.markdown == sol._repr_markdown_()
    assert sol.render("latex") == sol.latex
    assert json.loads(sol.render("json")) == sol.to_dict()
    assert sol.render("text", precision=6) != sol.text
    with pytest.raises(ConfigError, match="unknown format 'html'"):
        sol.render("html")
    with pytest.raises(ConfigError, match=r"precision must be an integer in 1\.\.15"):
        sol.render("text", precision=0)
    with pytest.raises(ConfigError, match=r"precision must be an integer in 1\.\.15"):
        sol.render("text", precision=16)
    assert "Two-layer scalar network" in repr(sol)


def test_json_shape_is_stable() -> None:
    d = explain(EX / "dropout_inverted.yaml").to_dict()
    for key in (
        "title",
        "description",
        "conventions",
        "network",
        "positions",
        "data",
        "params",
        "forward",
        "output",
        "per_sample_loss",
        "scale",
        "data_loss",
        "penalty",
        "loss",
        "backward",
        "gradients",
        "steps",
        "final",
    ):
        assert key in d, key
    assert list(d["forward"][0]) == ["layer", "z", "a", "mask", "a_dropped"]
    assert [b["layer"] for b in d["backward"]] == [2, 1]  # output layer first
    assert set(d["backward"][1]) == {
        "layer",
        "grad_out",
        "grad_a",
        "fprime",
        "delta",
        "grad_W",
        "grad_b",
    }
    assert list(d["steps"][0]) == ["step", "lr", "loss", "output", "gradients", "state", "params"]
    conv = d["conventions"]
    assert conv["loss"] == {"name": "squared_error", "reduction": "mean", "factor": 0.5}
    assert conv["dropout"] == [{"layer": 1, "rate": 0.5, "keep_prob": 0.5, "scaling": "inverted"}]
    assert conv["output_rule"] == "general" and conv["optimizer"]["name"] == "sgd"
    json.dumps(d, allow_nan=False)  # plain JSON


@pytest.mark.parametrize(
    "name, fields",
    [
        ("momentum_steps", {"buffer"}),
        ("rmsprop_steps", {"v"}),
        ("adam_steps", {"m", "v", "m_hat", "v_hat"}),
        ("adam_textbook", {"m", "v", "m_hat", "v_hat"}),
    ],
)
def test_optimizer_state_names(name: str, fields: set[str]) -> None:
    d = explain(EX / f"{name}.yaml").to_dict()
    for step in d["steps"]:
        for state in step["state"].values():
            assert set(state) == fields


def test_load_exercise_for_other_tools() -> None:
    ex = load_exercise(EX / "dropout_standard.yaml")
    assert isinstance(ex, Exercise) and ex.network.dtype == np.float64
    assert ex.x.shape == (2, 1) and ex.t.shape == (2, 1)
    assert [None if m is None else np.asarray(m).tolist() for m in ex.masks] == [
        [[1, 0], [1, 1]],
        None,
    ]
    assert ex.loss.name == "squared_error" and ex.regularization is None
    assert ex.network.layers[0].W.tolist() == [[1.0], [-0.5]]
    assert ex.param_names[:2] == ["W1[1,1]", "W1[2,1]"]
    reg = load_exercise(EX / "l2_regularization.yaml").regularization
    assert reg.l2 == 0.1 and reg.convention == "half" and not reg.include_bias
    ce = load_exercise(EX / "softmax_cross_entropy.yaml")
    assert ce.t.tolist() == [2] and ce.inputs == ["x1", "x2"] and ce.units == [["y1", "y2", "y3"]]


def test_tied_parameter_gradient_is_the_sum_of_its_positions() -> None:
    d = explain(EX / "tied_weights.yaml").to_dict()
    assert d["positions"] == {"w": ["W1[1,1]", "W2[1,1]"]}
    per_position = [b["grad_W"][0][0] for b in d["backward"]]
    assert d["gradients"]["w"] == pytest.approx(sum(per_position), rel=1e-14)
    after = d["steps"][0]["params"]["w"]
    assert after == pytest.approx(0.5 - 0.1 * d["gradients"]["w"], rel=1e-14)


def test_optimizer_only_form_uses_the_optimizer_objects() -> None:
    d = explain(EX / "rmsprop_steps.yaml").to_dict()
    opt = gn.optim.get_optimizer("rmsprop", lr=0.01, alpha=0.9, eps=1e-8)
    theta = np.array([1.0, -0.5])
    for step, g in zip(d["steps"], ([0.4, -2.0], [0.1, -1.0]), strict=True):
        opt.step(theta, np.array(g))
        assert list(step["params"].values()) == theta.tolist()
        assert [s["v"] for s in step["state"].values()] == opt.describe()["v"].tolist()
    assert d["network"] is None and d["forward"] == [] and d["loss"] is None


def test_seeded_masks_are_recorded_per_step() -> None:
    spec = yaml.safe_load((EX / "dropout_inverted.yaml").read_text(encoding="utf-8"))
    spec["network"]["layers"][0]["dropout"] = {"rate": 0.5, "seed": 3}
    spec["data"] = [{"x": [2], "t": 1}, {"x": [1], "t": 0}, {"x": [-1], "t": 0.5}]
    spec["train"]["steps"] = 3
    d = explain(spec).to_dict()
    masks = [s["masks"]["1"] for s in d["steps"]]
    assert masks[0] == d["forward"][0]["mask"]
    assert len({json.dumps(m) for m in masks}) > 1  # fresh draws at every step
    assert "masks" in d["final"]
    assert explain(spec).to_dict() == d  # reproducible


def test_precision_counts_significant_digits_and_decimals() -> None:
    from glassnet.explain.numbers import number

    assert number(0.2404890830, 4).text == "0.2405"
    assert number(-4.99958381, 4).text == "−4.9996"  # small updates stay visible
    assert number(0.004161833, 4).text == "0.004162"
    assert number(1.5e-8, 4).text == "1.5·10⁻⁸"
    assert number(3.0, 4).text == "3" and number(-0.0, 4).text == "0"
    assert number(1e-8, 4).latex == r"1 \times 10^{-8}"


def test_rounded_numbers_keep_their_digits() -> None:
    """Trailing zeros are dropped only when the shorter number is the exact value."""
    from glassnet.explain.numbers import number

    assert number(0.10002, 4).text == "0.1000"  # rounded: the zeros say so
    assert number(0.68997, 4).text == "0.6900"
    assert number(1.0620003, 4).text == "1.0620"
    assert number(0.1, 4).text == "0.1" and number(-5.0, 4).text == "−5"  # exact
    assert number(0.3 - 0.1, 4).text == "0.2"  # exact up to float64 rounding
    assert number(0.1 + 0.2, 15).text == "0.3"
    assert number(1.00002e-5, 4).text == "1.000·10⁻⁵"
    assert number(1.00002e-5, 4).latex == r"1.000 \times 10^{-5}"
    assert number(1e-6, 4).text == "1·10⁻⁶"
    assert number(0.68997, 4).latex == "0.6900"
    assert number(2.5e6, 4).text == "2.5·10⁶" and number(2.50001e6, 4).text == "2.500·10⁶"


def test_precision_is_capped_at_15_significant_digits() -> None:
    from glassnet.explain.numbers import number

    assert number(-5 * 0.03 - 1, 15).text == "−1.15"
    assert number(1234.56789, 15).text == "1234.56789"
    assert number(1 / 3 * 1000, 15).text == "333.333333333333"  # 15 digits, not 18
    assert number(2 / 3, 15).text == "0.666666666666667"


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_rounded_results_keep_their_digits_in_every_format(fmt: str) -> None:
    adam = explain(EX / "adam_textbook.yaml").render(fmt)  # θ₁ after step 1 is 0.10002
    final = {"text": "10⁻⁶) = 0.1000\n", "markdown": "10^{-6}}} = 0.1000$", "latex": "&= 0.1000\n"}
    assert final[fmt] in adam
    assert "0.6900" in explain(EX / "two_two_one.yaml").render(fmt)  # σ(0.8) = 0.68997
    assert "1.0620" in explain(EX / "larger_network.yaml").render(fmt)  # C = 1.06200…


def test_one_cycle_schedule_takes_no_lr() -> None:
    """Schedules without an ``lr`` (one_cycle: max_lr) do not get the optimizer's."""
    spec = {
        "params": {"w": 1.0},
        "train": {
            "optimizer": {"name": "sgd", "lr": 0.1},
            "schedule": {"name": "one_cycle", "max_lr": 1.0, "total_steps": 10},
            "gradients": [[1.0]] * 3,
        },
    }
    d = explain(spec).to_dict()
    expected = gn.schedules.get_schedule("one_cycle", max_lr=1.0, total_steps=10)
    assert [s["lr"] for s in d["steps"]] == [expected(k) for k in range(3)]
    spec["train"]["gradients"] = [[1.0]] * 11  # 11 steps need total_steps ≥ 11
    from glassnet.errors import ExerciseError

    with pytest.raises(ExerciseError, match=r"train.schedule: OneCycle: step must be"):
        explain(spec)
