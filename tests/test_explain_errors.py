"""Malformed exercise files: each error names the path inside the file (ExerciseError)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from glassnet.errors import ExerciseError, GlassnetError
from glassnet.explain import explain, load_exercise

BASE: dict[str, Any] = {
    "params": {"w1": 0.5, "w2": -1.0, "b": 0.1},
    "network": {
        "inputs": ["x1", "x2"],
        "layers": [
            {
                "units": ["h1", "h2"],
                "weights": [["w1", 0.2], [0.3, 0.4]],
                "activation": "relu",
                "bias": "zeros",
            },
            {"units": ["y"], "weights": [["w2", 0.5]], "bias": ["b"], "activation": "sigmoid"},
        ],
    },
    "loss": {"name": "squared_error", "factor": 0.5},
    "data": {"x": [1.0, 2.0], "t": [1.0]},
    "train": {"optimizer": {"name": "sgd", "lr": 0.1}},
}


def variant(change) -> dict:
    spec = copy.deepcopy(BASE)
    change(spec)
    return spec


def layers(spec):
    return spec["network"]["layers"]


CASES = [
    (
        "unknown top-level key",
        lambda s: s.update(netwrok=1),
        "netwrok: unknown key; expected one of title, description, params, network, loss, data, "
        "train. Did you mean 'network'?",
    ),
    (
        "wrong number of rows",
        lambda s: layers(s)[1].update(weights=[["w2", 0.5], [1, 2]]),
        "network.layers[1].weights: expected 1 row (one per unit of this layer) of 2 entries "
        "(one per unit of the previous layer); got 2 rows.",
    ),
    (
        "wrong row length",
        lambda s: layers(s)[0].update(weights=[["w1", 0.2, 1], [0.3, 0.4]]),
        "network.layers[0].weights: expected 2 rows",
    ),
    (
        "undefined parameter name",
        lambda s: layers(s)[0]["weights"][0].__setitem__(1, "w9"),
        "network.layers[0].weights[0][1]: 'w9' is not defined in params (defined: w1, w2, b).",
    ),
    (
        "unused parameter",
        lambda s: s["params"].update(w9=1.0),
        "params.w9: not used by any weight or bias of the network.",
    ),
    (
        "non-numeric parameter",
        lambda s: s["params"].update(w1="abc"),
        "params.w1: expected a number; got 'abc'.",
    ),
    (
        "bad entry",
        lambda s: layers(s)[0]["weights"][0].__setitem__(1, [1]),
        "network.layers[0].weights[0][1]: expected a number or a parameter name",
    ),
    (
        "unknown activation",
        lambda s: layers(s)[0].update(activation="rleu"),
        "network.layers[0].activation: get_activation: unknown activation 'rleu'",
    ),
    (
        "activation option",
        lambda s: layers(s)[0].update(activation={"name": "relu", "slope": 1}),
        "network.layers[0].activation: activation 'relu': unknown option 'slope'",
    ),
    (
        "mask of the wrong length",
        lambda s: layers(s)[0].update(dropout={"rate": 0.5, "mask": [1, 0, 1]}),
        "network.layers[0].dropout.mask: expected 2 entries of 0 or 1 per sample",
    ),
    (
        "mask not 0/1",
        lambda s: layers(s)[0].update(dropout={"rate": 0.5, "mask": [1, 0.5]}),
        "network.layers[0].dropout.mask: expected 2 entries of 0 or 1",
    ),
    (
        "mask rows for the wrong number of samples",
        lambda s: layers(s)[0].update(dropout={"rate": 0.5, "mask": [[1, 0], [0, 1]]}),
        "network.layers[0].dropout.mask: expected one list of 0/1 per unit, or one such list per "
        "sample (1); got 2 lists.",
    ),
    (
        "dropout without mask or seed",
        lambda s: layers(s)[0].update(dropout={"rate": 0.5}),
        "network.layers[0].dropout: give a mask",
    ),
    (
        "dropout rate",
        lambda s: layers(s)[0].update(dropout={"rate": 1.5, "seed": 1}),
        "network.layers[0].dropout: Dropout: rate must be in [0, 1)",
    ),
    ("missing target", lambda s: s["data"].pop("t"), "data: missing key 't'."),
    (
        "wrong number of targets",
        lambda s: s["data"].update(t=[1, 0]),
        "data.t: expected 1 target value (one per output unit); got a list of 2 entries.",
    ),
    (
        "wrong number of inputs",
        lambda s: s["data"].update(x=[1]),
        "data.x: expected 2 input values; got a list of 1 entry.",
    ),
    (
        "bad sample in a minibatch",
        lambda s: s.update(data=[{"x": [1, 2], "t": 1}, {"x": [1]}]),
        "data[1]: missing key 't'.",
    ),
    (
        "bce target out of range",
        lambda s: s.update(loss="binary_cross_entropy", data={"x": [1, 2], "t": 2}),
        "data.t: loss 'binary_cross_entropy': targets must lie in [0, 1].",
    ),
    (
        "unknown loss",
        lambda s: s.update(loss="squared_eror"),
        "loss: get_loss: unknown loss 'squared_eror'",
    ),
    (
        "loss option",
        lambda s: s["loss"].update(factr=1),
        "loss: loss 'squared_error': unknown option 'factr'",
    ),
    (
        "cross-entropy needs softmax",
        lambda s: s.update(loss="cross_entropy"),
        "loss: cross_entropy on probabilities needs a softmax output layer; the output layer of "
        "this network is sigmoid.",
    ),
    (
        "regularization key",
        lambda s: s["loss"].update(regularization={"l3": 1}),
        "loss.regularization.l3: unknown key; expected one of l2, l1, convention, include_bias, "
        "divide_by_batch.",
    ),
    (
        "regularization value",
        lambda s: s["loss"].update(regularization={"l2": -1}),
        "loss.regularization: Regularization: l2 must be in [0, inf)",
    ),
    (
        "unknown optimizer",
        lambda s: s["train"].update(optimizer="adamm"),
        "train.optimizer: get_optimizer: unknown optimizer 'adamm'",
    ),
    (
        "optimizer option",
        lambda s: s["train"]["optimizer"].update(momentun=0.9),
        "train.optimizer: SGD: unknown option 'momentun'",
    ),
    ("steps", lambda s: s["train"].update(steps=0), "train.steps: expected an integer ≥ 1"),
    (
        "unknown schedule",
        lambda s: s["train"].update(schedule={"name": "cosinus"}),
        "train.schedule: get_schedule: unknown schedule 'cosinus'",
    ),
    (
        "duplicate unit name",
        lambda s: layers(s)[1].update(units=["h1"]),
        "network.layers[1].units[0]: the name 'h1' is already used at network.layers[0].units[0]",
    ),
    (
        "duplicate input name",
        lambda s: s["network"].update(inputs=["x", "x"]),
        "network.inputs[1]: the name 'x' is already used at network.inputs[0]",
    ),
    (
        "input named like a unit",
        lambda s: s["network"].update(inputs=["x", "h2"]),
        "network.layers[0].units[1]: the name 'h2' is already used at network.inputs[1]",
    ),
    (
        "input named like a parameter",
        lambda s: s["network"].update(inputs=["x", "w1"]),
        "network.inputs[1]: the name 'w1' is also a parameter in params",
    ),
    (
        "one input value expected",
        lambda s: (
            s["network"].update(inputs=["x"]),
            layers(s)[0].update(weights=[["w1"], [0.3]]),
            s["data"].update(x=[1, 2]),
        ),
        "data.x: expected 1 input value; got a list of 2 entries.",
    ),
    (
        "row of the wrong length",
        lambda s: layers(s)[0].update(weights=[["w1", 0.2], [0.3, 0.4, 0.5]]),
        "network.layers[0].weights: expected 2 rows (one per unit of this layer) of 2 entries "
        "(one per unit of the previous layer); row 1 has 3 entries.",
    ),
    (
        "row that is not a list",
        lambda s: layers(s)[0].update(weights=[["w1", 0.2], 5]),
        "network.layers[0].weights: expected 2 rows (one per unit of this layer) of 2 entries "
        "(one per unit of the previous layer); row 1 is 5.",
    ),
    (
        "bias of one unit",
        lambda s: layers(s)[1].update(bias=[1, 2]),
        "network.layers[1].bias: expected 'zeros' or a list of 1 entry (one per unit); got a "
        "list of 2 entries.",
    ),
    (
        "mask of one unit",
        lambda s: layers(s)[1].update(dropout={"rate": 0.5, "mask": [1, 1]}),
        "expected 1 entry of 0 or 1 per sample (one per unit of this layer)",
    ),
    (
        "unit named like a parameter",
        lambda s: layers(s)[1].update(units=["w1"]),
        "network.layers[1].units[0]: the name 'w1' is also a parameter in params",
    ),
    ("invalid name", lambda s: s["params"].update({"w 3": 1}), "params: invalid name 'w 3'"),
    (
        "bias length",
        lambda s: layers(s)[0].update(bias=[1, 2, 3]),
        "network.layers[0].bias: expected 'zeros' or a list of 2 entries (one per unit)",
    ),
    (
        "no layers",
        lambda s: s["network"].update(layers=[]),
        "network.layers: expected at least one layer.",
    ),
    ("missing loss", lambda s: s.pop("loss"), "exercise: missing key 'loss'"),
    (
        "output dropout under cross-entropy",
        lambda s: (
            layers(s)[1].update(
                units=["y1", "y2"],
                weights=[["w2", 2], [3, 4]],
                bias=["b", 0],
                activation="softmax",
                dropout={"rate": 0.5, "seed": 1},
            ),
            s.update(loss="cross_entropy", data={"x": [1, 2], "t": 0}),
        ),
        "network.layers[1].dropout: cross_entropy works on probabilities",
    ),
    (
        "gradients with a network",
        lambda s: s["train"].update(gradients=[[1, 2, 3]]),
        "network: the optimizer-only form (train.gradients) takes params and train only.",
    ),
]


@pytest.mark.parametrize("change, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_exercise_errors_name_the_path(change, message: str) -> None:
    with pytest.raises(ExerciseError) as err:
        explain(variant(change))
    text = str(err.value)
    assert message in text, text
    assert "\n" not in text


OPTIMIZER_ONLY: dict[str, Any] = {
    "params": {"w1": 1.0, "w2": -0.5},
    "train": {"optimizer": {"name": "adam", "lr": 0.1}, "gradients": [[0.1, 0.2], [0.3, 0.4]]},
}


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda s: s["train"].update(gradients=[[0.1, 0.2], [0.3]]),
            "train.gradients[1]: expected 2 gradients (one per parameter, in params order: "
            "w1, w2); got a list of 1 entry.",
        ),
        (
            lambda s: s["train"].update(gradients=[{"w1": 0.1}]),
            "train.gradients[0]: missing key 'w2'",
        ),
        (
            lambda s: s["train"].update(steps=3),
            "train.steps: is 3 but train.gradients has 2 steps.",
        ),
        (
            lambda s: s["train"].update(steps=2, gradients=[[0.1, 0.2]]),
            "train.steps: is 2 but train.gradients has 1 step.",
        ),
        (
            lambda s: s.update(params={"w1": 1.0}) or s["train"].update(gradients=[[0.1, 0.2]]),
            "train.gradients[0]: expected 1 gradient (one per parameter, in params order: w1); "
            "got a list of 2 entries.",
        ),
        (lambda s: s.update(params={}), "params: the optimizer-only form needs named parameters"),
        (lambda s: s["train"].pop("optimizer"), "train: missing key 'optimizer'."),
    ],
)
def test_optimizer_only_errors(change, message: str) -> None:
    spec = copy.deepcopy(OPTIMIZER_ONLY)
    change(spec)
    with pytest.raises(ExerciseError) as err:
        explain(spec)
    assert message in str(err.value)


def test_neither_form() -> None:
    with pytest.raises(ExerciseError, match="needs a network"):
        explain({"params": {"w": 1}})


@pytest.mark.parametrize(
    "text, message",
    [
        ("params: {w1: 1\nnetwork: [", "not valid YAML at line"),
        ("params: {w: 1}\nparams: {w: 2}\n", "line 2: key 'params' appears twice"),
        ("- 1\n- 2\n", "the exercise must be a mapping"),
    ],
)
def test_unreadable_text(text: str, message: str) -> None:
    with pytest.raises(ExerciseError) as err:
        explain(text)
    assert message in str(err.value)


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ExerciseError, match="no such file"):
        load_exercise(tmp_path / "missing.yaml")
    with pytest.raises(ExerciseError, match="no such file"):
        explain("missing.yaml")
    bad = tmp_path / "bad.json"
    bad.write_text('{"params": }', encoding="utf-8")
    with pytest.raises(ExerciseError, match=r"bad.json: not valid JSON at line 1"):
        load_exercise(bad)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("params: {w1: 1}\n", encoding="utf-8")
    with pytest.raises(ExerciseError, match=r"wrong.yaml: exercise: needs a network"):
        load_exercise(wrong)


def test_errors_are_glassnet_errors() -> None:
    assert issubclass(ExerciseError, GlassnetError) and issubclass(ExerciseError, ValueError)
