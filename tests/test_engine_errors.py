"""Bad input: every mistake raises a GlassnetError subclass (a ValueError) that says where
and what. Messages are checked for content, not only the exception type.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import glassnet as gn


def raises(exc_type: type[gn.GlassnetError], fn: Callable[[], Any], *fragments: str) -> str:
    """Call ``fn``; it must raise ``exc_type`` (a GlassnetError and ValueError) whose message
    contains every fragment. Returns the message."""
    with pytest.raises(exc_type) as info:
        fn()
    err = info.value
    assert isinstance(err, gn.GlassnetError) and isinstance(err, ValueError)
    msg = str(err)
    for fragment in fragments:
        assert fragment in msg, f"{fragment!r} not in {msg!r}"
    return msg


@pytest.fixture
def net() -> gn.Network:
    """2 inputs → 3 ReLU units with dropout → 3 softmax outputs (float64)."""
    return gn.Network(
        [gn.Dense(2, 3, "relu", dropout=0.5), gn.Dense(3, 3, "softmax")], dtype="float64", seed=0
    )


X = np.ones((2, 2))


# ---------------------------------------------------------------------------------------------
# shapes that do not fit


@pytest.mark.parametrize(
    ("x", "fragments"),
    [
        (np.ones((4, 5)), ["Network", "inputs x", "5 columns", "2 were expected", "(4, 5)"]),
        (np.ones(3), ["Network", "inputs x", "1-D array of length 3", "one sample of 2 features"]),
        (np.ones((2, 2, 2)), ["Network", "inputs x", "2-D", "(2, 2, 2)"]),
        (np.ones((0, 2)), ["Network", "inputs x", "no samples", "(0, 2)"]),
        (7.0, ["Network", "inputs x", "2-D", "()"]),
    ],
    ids=["columns", "1d-wrong-length", "3d", "empty", "scalar"],
)
def test_inputs_of_the_wrong_shape(net, x, fragments):
    raises(gn.ShapeError, lambda: net.forward(x), *fragments)
    raises(gn.ShapeError, lambda: net.compute_gradients(x, [0, 1], "cross_entropy"), *fragments)
    raises(gn.ShapeError, lambda: net.forward_pass(x, train=True), *fragments)


@pytest.mark.parametrize(
    ("loss", "t", "fragments"),
    [
        ("squared_error", np.ones((2, 2)), ["'squared_error'", "targets", "(2, 3)", "(2, 2)"]),
        ("squared_error", np.ones((3, 3)), ["'squared_error'", "(2, 3)", "got (3, 3)"]),
        ("squared_error", np.ones(6), ["'squared_error'", "(2, 3)", "got (6,)"]),
        ("binary_cross_entropy", np.ones((2, 4)), ["'binary_cross_entropy'", "(2, 3)", "(2, 4)"]),
        ("cross_entropy", [0, 1, 2], ["'cross_entropy'", "3 class labels", "2 samples"]),
        ("cross_entropy", np.ones((2, 4)) / 4, ["'cross_entropy'", "(2, 3)", "(2, 4)"]),
    ],
    ids=["se-columns", "se-rows", "se-flat", "bce-columns", "ce-labels", "ce-prob-columns"],
)
def test_targets_of_the_wrong_shape(net, loss, t, fragments):
    raises(gn.ShapeError, lambda: net.compute_gradients(X, t, loss), *fragments)


def test_layer_sizes_that_do_not_chain():
    msg = raises(
        gn.ShapeError,
        lambda: gn.Network([gn.Dense(2, 3), gn.Dense(3, 4), gn.Dense(5, 1)]),
        "Network",
        "layer 3",
        "takes 5 inputs",
        "layer 2",
        "has 4 outputs",
    )
    assert "Dense(5 → 1" in msg and "Dense(3 → 4" in msg


def test_cross_entropy_needs_two_outputs_and_matching_class_weights(net):
    single = gn.Network([gn.Dense(2, 1)], dtype="float64")
    raises(
        gn.ShapeError,
        lambda: single.compute_gradients(X, [0, 0], "cross_entropy"),
        "'cross_entropy'",
        "at least 2 output units",
    )
    raises(
        gn.ShapeError,
        lambda: net.compute_gradients(X, [0, 1], gn.CrossEntropy(class_weights=[1, 2])),
        "class_weights has 2 entries",
        "3 output units",
    )


def test_explicit_weights_and_bias_of_the_wrong_shape():
    raises(
        gn.ShapeError,
        lambda: gn.Dense(2, 3, weights=np.ones((2, 3))),
        "Dense(2 → 3",
        "weights",
        "(n_out, n_in) = (3, 2)",
        "(2, 3)",
    )
    raises(
        gn.ShapeError,
        lambda: gn.Dense(2, 3, bias=[1.0, 2.0]),
        "Dense(2 → 3",
        "bias",
        "3 entries",
        "(2,)",
    )


# ---------------------------------------------------------------------------------------------
# values that cannot be used


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_name_the_entry(net, bad):
    x = np.zeros((3, 2))
    x[2, 1] = bad
    raises(
        gn.DataError,
        lambda: net.forward(x),
        "Network",
        "inputs x",
        "non-finite",
        "[2, 1]",
        repr(bad).replace("np.float64(", "").rstrip(")"),
    )
    raises(gn.DataError, lambda: net.compute_gradients(x, [0, 1, 2], "cross_entropy"), "[2, 1]")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("loss", ["squared_error", "binary_cross_entropy", "cross_entropy"])
def test_non_finite_targets(net, loss, bad):
    t = np.full((2, 3), 1 / 3)
    t[1, 0] = bad
    raises(gn.DataError, lambda: net.compute_gradients(X, t, loss), f"'{loss}'", "NaN or inf")


def test_non_finite_class_labels(net):
    raises(
        gn.DataError,
        lambda: net.compute_gradients(X, [0, np.nan], "cross_entropy"),
        "'cross_entropy'",
        "class labels must be integers",
    )
    raises(
        gn.DataError,
        lambda: net.compute_gradients(X, [0, 1.5], "cross_entropy"),
        "'cross_entropy'",
        "class labels must be integers",
    )


@pytest.mark.parametrize(
    ("labels", "fragments"),
    [
        ([0, 3], ["class label 3 of sample 1", "outside 0..2", "3 output units"]),
        ([-1, 0], ["class label -1 of sample 0", "outside 0..2"]),
        ([0, 1e20], ["class label 1e+20 of sample 1", "outside 0..2"]),
    ],
    ids=["too-large", "negative", "huge"],
)
def test_class_labels_outside_the_output_size(net, labels, fragments):
    raises(
        gn.DataError,
        lambda: net.compute_gradients(X, labels, "cross_entropy"),
        "'cross_entropy'",
        *fragments,
    )


def test_probability_targets_out_of_range(net):
    raises(
        gn.DataError,
        lambda: net.compute_gradients(X, [[0.5, 0.2, 0.2], [1, 0, 0]], "cross_entropy"),
        "'cross_entropy'",
        "non-negative rows summing to 1",
    )
    raises(
        gn.DataError,
        lambda: net.compute_gradients(X, [[0, 2, 0], [1, 0, 0]], "binary_cross_entropy"),
        "'binary_cross_entropy'",
        "[0, 1]",
    )


@pytest.mark.parametrize("loss", ["squared_error", "binary_cross_entropy", "cross_entropy"])
def test_non_numeric_targets(net, loss):
    t = [["a", "b", "c"], ["d", "e", "f"]] if loss != "cross_entropy" else ["cat", "dog"]
    raises(
        gn.DataError,
        lambda: net.compute_gradients(X, t, loss),
        f"'{loss}'",
        "targets must be numeric",
    )


def test_non_numeric_inputs_and_parameters(net):
    raises(gn.DataError, lambda: net.forward([["a", "b"]]), "Network", "inputs x", "numeric")
    raises(
        gn.DataError,
        lambda: gn.Dense(2, 1, weights=[["a", 1.0]]),
        "Dense(2 → 1",
        "weights must be numeric",
    )
    raises(gn.DataError, lambda: gn.Dense(2, 1, bias=["x"]), "Dense(2 → 1", "bias must be numeric")


def test_class_weights_summing_to_zero_over_the_batch(net):
    loss = gn.CrossEntropy(class_weights=[0.0, 1.0, 1.0])
    raises(
        gn.DataError,
        lambda: net.compute_gradients(X, [0, 0], loss),
        "'cross_entropy'",
        "sum to 0",
        "reduction='sum'",
    )
    # the same batch is fine with reduction="sum", and a batch with a weighted label too
    assert (
        net.compute_gradients(
            X, [0, 0], gn.CrossEntropy(class_weights=[0, 1, 1], reduction="sum")
        ).loss
        == 0.0
    )
    assert net.compute_gradients(X, [0, 2], loss).loss > 0


def test_non_finite_initial_values():
    raises(
        gn.GlassnetError,
        lambda: gn.Dense(2, 1, weights=[[np.nan, 1.0]]),
        "Dense(2 → 1",
        "weights",
        "NaN or inf",
    )
    raises(
        gn.GlassnetError, lambda: gn.Dense(2, 1, bias=[np.inf]), "Dense(2 → 1", "bias", "NaN or inf"
    )


# ---------------------------------------------------------------------------------------------
# unknown names: the message lists the choices and suggests the closest one

UNKNOWN_NAMES = [
    (lambda: gn.get_activation("sigmod"), "get_activation", "'sigmod'", "'sigmoid'"),
    (lambda: gn.Dense(2, 2, "Tanhh"), "get_activation", "'Tanhh'", "'tanh'"),
    (lambda: gn.get_activation("leaky_rel"), "get_activation", "'leaky_rel'", "'leaky_relu'"),
    (lambda: gn.get_activation("gelu", approximate="tan"), "activation 'gelu'", "'tan'", "'tanh'"),
    (lambda: gn.get_loss("cross_entropi"), "get_loss", "'cross_entropi'", "'cross_entropy'"),
    (lambda: gn.get_loss("squared_eror"), "get_loss", "'squared_eror'", "'squared_error'"),
    (lambda: gn.SquaredError(reduction="means"), "loss 'squared_error'", "reduction", "'mean'"),
    (lambda: gn.CrossEntropy(reduction="summ"), "loss 'cross_entropy'", "reduction", "'sum'"),
    (lambda: gn.Dropout(0.5, "inverse"), "Dropout", "scaling", "'inverted'"),
    (
        lambda: gn.Regularization(l2=0.1, convention="halve"),
        "Regularization",
        "convention",
        "'half'",
    ),
    (
        lambda: gn.Network([gn.Dense(2, 2, init="glorot_unifrom")]),
        "initializer",
        "'glorot_unifrom'",
        "'glorot_uniform'",
    ),
    (lambda: gn.Network([gn.Dense(2, 2)], dtype="float46"), "Network", "dtype", "'float64'"),
]


@pytest.mark.parametrize(("fn", "where", "what", "suggestion"), UNKNOWN_NAMES)
def test_unknown_names_suggest_the_closest(fn, where, what, suggestion):
    msg = raises(gn.ConfigError, fn, where, what, f"Did you mean {suggestion}?")
    assert "expected one of" in msg


def test_unknown_name_without_a_close_match_lists_the_choices():
    msg = raises(
        gn.ConfigError,
        lambda: gn.get_activation("swishy_thing"),
        "get_activation",
        "unknown activation 'swishy_thing'",
        "expected one of",
    )
    assert "Did you mean" not in msg
    for name in gn.ACTIVATIONS:
        assert name in msg
    raises(
        gn.ConfigError, lambda: gn.get_loss({"reduction": "mean"}), "get_loss", "unknown loss None"
    )


def test_unknown_options_name_the_allowed_ones():
    raises(
        gn.ConfigError,
        lambda: gn.get_activation("relu", slope=0.1),
        "activation 'relu'",
        "unknown option 'slope'",
        "no options",
    )
    raises(
        gn.ConfigError,
        lambda: gn.get_activation("elu", slope=0.1),
        "activation 'elu'",
        "'slope'",
        "alpha",
    )
    raises(
        gn.ConfigError,
        lambda: gn.get_loss("mse", fctor=1.0),
        "loss 'squared_error'",
        "'fctor'",
        "Did you mean 'factor'?",
    )
    raises(
        gn.ConfigError,
        lambda: gn.Dense(2, 2, dropout={"rat": 0.1}),
        "Dense: dropout",
        "unknown option 'rat'",
        "Did you mean 'rate'?",
    )
    raises(
        gn.ConfigError,
        lambda: gn.Network([gn.Dense(2, 2, init={"name": "uniform", "lo": 1})]),
        "initializer 'uniform'",
        "unknown option 'lo'",
        "Did you mean 'low'?",
    )


def test_unknown_parameter_name(net):
    raises(gn.ConfigError, lambda: net.param_view("W3"), "Network", "'W3'", "W1, b1, W2, b2")


# ---------------------------------------------------------------------------------------------
# hyperparameters out of range

OUT_OF_RANGE = [
    (lambda: gn.Dropout(1.0), "Dropout", "rate", "[0, 1)", "1.0"),
    (lambda: gn.Dropout(-0.1), "Dropout", "rate", "[0, 1)", "-0.1"),
    (lambda: gn.Dense(2, 2, dropout=1.5), "Dense", "dropout", "[0, 1)", "1.5"),
    (lambda: gn.Dense(2, 2, dropout={"rate": 1.0}), "Dropout", "rate", "[0, 1)", "1.0"),
    (lambda: gn.Dense(2, 2, dropout="0.5"), "Dense", "dropout must be a number", "'0.5'", ""),
    (lambda: gn.Regularization(l2=-0.01), "Regularization", "l2", "[0, inf)", "-0.01"),
    (lambda: gn.Regularization(l1=-1), "Regularization", "l1", "[0, inf)", "-1"),
    (lambda: gn.Regularization(l2=float("nan")), "Regularization", "l2", "finite", "nan"),
    (lambda: gn.Regularization(l2="0.1"), "Regularization", "l2", "a number", "'0.1'"),
    (lambda: gn.SquaredError(factor=0), "loss 'squared_error'", "factor", "(0, inf)", "0"),
    (lambda: gn.SquaredError(factor=-0.5), "loss 'squared_error'", "factor", "(0, inf)", "-0.5"),
    (
        lambda: gn.CrossEntropy(label_smoothing=1.5),
        "loss 'cross_entropy'",
        "label_smoothing",
        "[0, 1]",
        "1.5",
    ),
    (
        lambda: gn.CrossEntropy(class_weights=[1, -1]),
        "loss 'cross_entropy'",
        "class_weights",
        "non-negative",
        "[1, -1]",
    ),
    (lambda: gn.get_activation("elu", alpha=-1), "activation 'elu'", "alpha", "[0, inf)", "-1"),
    (
        lambda: gn.get_activation("leaky_relu", slope=float("inf")),
        "activation 'leaky_relu'",
        "slope",
        "finite",
        "inf",
    ),
    (lambda: gn.Dense(0, 2), "Dense", "n_in", "[1, inf)", "0"),
    (lambda: gn.Dense(2, 2.5), "Dense", "n_out", "an integer", "2.5"),
    (
        lambda: gn.Network([gn.Dense(2, 2, init={"name": "normal", "std": -1})]),
        "initializer 'normal'",
        "std",
        "[0, inf)",
        "-1",
    ),
    (lambda: gn.Network([gn.Dense(2, 2)], dtype=int), "Network", "dtype", "'float32'", "int"),
    (
        lambda: gn.numerical_gradient(lambda th: 0.0, np.zeros(2), eps=0.0),
        "numerical_gradient",
        "eps",
        "(0, inf)",
        "0.0",
    ),
    (
        lambda: gn.compare_gradients(np.ones(2), np.ones(2), tolerance=-1),
        "compare_gradients",
        "tolerance",
        "[0, inf)",
        "-1",
    ),
]


@pytest.mark.parametrize(("fn", "where", "what", "constraint", "value"), OUT_OF_RANGE)
def test_out_of_range_hyperparameters(fn, where, what, constraint, value):
    raises(gn.ConfigError, fn, where, what, constraint, value)


def test_error_messages_follow_the_template():
    """<where>: <what> must be <constraint>; got <value>."""
    msg = raises(gn.ConfigError, lambda: gn.Dropout(1.0), "Dropout")
    assert re.fullmatch(r"Dropout: rate must be in \[0, 1\); got 1\.0\.", msg)


def test_network_constructor_errors():
    raises(gn.ConfigError, lambda: gn.Network([]), "Network", "non-empty list of Dense layers")
    raises(gn.ConfigError, lambda: gn.Network(["dense"]), "Network", "Dense layers")
    layer = gn.Dense(2, 2)
    raises(
        gn.ConfigError,
        lambda: gn.Network([layer, layer]),
        "Network",
        "same Dense object appears twice",
    )


# ---------------------------------------------------------------------------------------------
# dropout masks


@pytest.mark.parametrize(
    ("mask", "fragments"),
    [
        (np.ones(2), ["layer 1", "3 entries per sample", "(2, 3) or (3,)", "got shape (2,)"]),
        (np.ones((3, 3)), ["layer 1", "3 entries per sample", "got shape (3, 3)"]),
        (np.ones((2, 4)), ["layer 1", "got shape (2, 4)"]),
        (np.ones((1, 2, 3)), ["layer 1", "got shape (1, 2, 3)"]),
        (np.full(3, 0.5), ["layer 1", "entries must be 0 or 1"]),
        (np.array([1.0, np.nan, 0.0]), ["layer 1", "entries must be 0 or 1"]),
    ],
    ids=["short-row", "too-many-rows", "too-many-columns", "3d", "not-binary", "nan"],
)
def test_wrong_masks(net, mask, fragments):
    raises(
        gn.GlassnetError,
        lambda: net.compute_gradients(X, [0, 1], "cross_entropy", masks=[mask, None]),
        *fragments,
    )
    raises(
        gn.GlassnetError, lambda: net.forward_pass(X, train=True, masks=[mask, None]), *fragments
    )


def test_wrong_number_of_masks(net):
    raises(
        gn.ShapeError,
        lambda: net.forward_pass(X, train=True, masks=[np.ones(3)]),
        "Network",
        "one entry per layer (2)",
        "got 1",
    )


# ---------------------------------------------------------------------------------------------
# set_params validates everything before writing anything


@pytest.mark.parametrize(
    ("bad", "exc", "fragments"),
    [
        ({"b2": np.ones(4)}, gn.ShapeError, ["Network.set_params", "b2", "(3,)", "(4,)"]),
        ({"W2": np.ones((3, 2))}, gn.ShapeError, ["Network.set_params", "W2", "(3, 3)", "(3, 2)"]),
        ({"b2": [1.0, np.nan, 0.0]}, gn.GlassnetError, ["Network.set_params", "b2", "NaN"]),
        ({"b2": ["a", "b", "c"]}, gn.DataError, ["Network.set_params", "b2", "numeric"]),
        ({"W7": np.ones((3, 3))}, gn.ConfigError, ["no parameter named 'W7'", "W1, b1, W2, b2"]),
    ],
    ids=["bias-length", "weight-shape", "nan", "non-numeric", "unknown-name"],
)
def test_set_params_with_a_bad_entry_leaves_params_untouched(net, bad, exc, fragments):
    before = net.params.copy()
    good = {"W1": np.full((3, 2), 9.0), "b1": np.full(3, 9.0)}  # valid, listed first
    raises(exc, lambda: net.set_params({**good, **bad}), *fragments)
    np.testing.assert_array_equal(net.params, before)
    # and a fully valid call does write
    net.set_params(good)
    np.testing.assert_array_equal(net.layers[0].W, good["W1"])


def test_compare_gradients_with_different_shapes():
    raises(
        gn.ConfigError,
        lambda: gn.compare_gradients(np.ones(2), np.ones(3)),
        "compare_gradients",
        "shapes differ",
        "(2,)",
        "(3,)",
    )


def test_a_mask_for_a_layer_without_dropout_is_refused():
    net = gn.Network([gn.Dense(2, 3, "relu"), gn.Dense(3, 1)], dtype="float64", seed=0)
    with pytest.raises(gn.ConfigError, match=r"layer 1 .* has no dropout"):
        net.forward_pass(np.ones((1, 2)), train=True, masks=[[1, 0, 1], None])


@pytest.mark.parametrize(
    "loss", ["cross_entropy", "binary_cross_entropy", {"name": "binary_cross_entropy"}]
)
def test_dropout_on_an_output_layer_with_a_probability_loss_is_refused(loss):
    act = "softmax" if loss == "cross_entropy" else "sigmoid"
    net = gn.Network([gn.Dense(2, 2, act, dropout=0.5)], dtype="float64", seed=0)
    with pytest.raises(gn.ConfigError, match=r"output layer .* has dropout"):
        net.compute_gradients(np.ones((1, 2)), [[1, 0]] if act == "sigmoid" else [0], loss)


def test_dropout_on_an_output_layer_with_squared_error_is_fine():
    net = gn.Network([gn.Dense(2, 2, "sigmoid", dropout=0.5)], dtype="float64", seed=0)
    p = net.compute_gradients(np.ones((1, 2)), [[1, 0]], "squared_error", masks=[[1, 0]])
    assert np.isfinite(p.loss)


def test_a_dense_layer_cannot_join_a_second_network():
    d = gn.Dense(3, 2, "relu")
    first = gn.Network([d], dtype="float64", seed=0)
    with pytest.raises(gn.ConfigError, match="already belongs to another network"):
        gn.Network([d], dtype="float64", seed=1)
    assert np.shares_memory(d.W, first.params)  # the first network keeps its layer


@pytest.mark.parametrize("seed", [-1, 1.5, "zero"])
def test_bad_seeds_are_refused(seed):
    with pytest.raises(gn.ConfigError, match="Network: seed"):
        gn.Network([gn.Dense(2, 1)], seed=seed)


def test_a_misspelled_fit_option_gets_a_suggestion():
    net = gn.Network([gn.Dense(2, 2, "softmax")], seed=0)
    with pytest.raises(gn.ConfigError, match="Did you mean 'epochs'"):
        net.fit(np.ones((4, 2)), [0, 1, 0, 1], epoch=3)


def test_gradient_check_refuses_float32_networks():
    net = gn.Network([gn.Dense(2, 2, "softmax")], dtype="float32", seed=0)
    with pytest.raises(gn.ConfigError, match="need float64"):
        gn.check_gradients(net, np.ones((1, 2)), [0], "cross_entropy")
