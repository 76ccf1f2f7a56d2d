"""Finite-difference checks of the whole backward pass (glassnet.check_gradients).

Central differences with step ε have truncation error ≈ ε²|C'''|/6 and rounding error
≈ u|C|/ε (u = 2.2e-16). The checker's relative error |g_num − g| / max(|g_num| + |g|, 1e-8)
is unforgiving for *small* entries of a gradient whose loss is large (e.g. ∂C/∂W = 2e-5 with
C ≈ 10 under ``sum``): with the default ε = 1e-6 the rounding error alone reaches ~1e-9
absolute, i.e. 1e-5 relative on such an entry. We therefore use ε = 1e-5 (rounding ≈ 1e-11·|C|,
truncation ≈ 1e-10) with the default tolerance 1e-6; the worst relative error over the whole
activation × loss table is ≈ 4e-7, while every wrong gradient below scores ≥ 1e-3.
Inputs are random normal, so no ReLU-like kink lies within ε of any z, and no loss clamp
triggers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import activations as act_module

EPS = 1e-5  # see the module docstring

ACTIVATIONS: list[Any] = [
    "identity",
    "zero",
    "sigmoid",
    "tanh",
    "relu",
    {"name": "leaky_relu", "slope": 0.1},
    {"name": "elu", "alpha": 0.8},
    "softplus",
    "gelu",
    {"name": "gelu", "approximate": "tanh"},
    "softmax",
]

#: (loss, output activation or None = the hidden activation under test, target kind)
LOSSES: list[tuple[dict[str, Any], str | None, str]] = [
    ({"name": "squared_error", "factor": 1.0}, None, "real"),
    ({"name": "squared_error", "factor": 0.5, "reduction": "sum"}, "identity", "real"),
    ({"name": "binary_cross_entropy"}, "sigmoid", "soft_binary"),
    ({"name": "binary_cross_entropy", "from_logits": True}, "identity", "binary"),
    ({"name": "cross_entropy"}, "softmax", "index"),
    (
        {"name": "cross_entropy", "label_smoothing": 0.1, "class_weights": [1.0, 0.5, 2.0]},
        "softmax",
        "index",
    ),
    ({"name": "cross_entropy", "from_logits": True, "reduction": "sum"}, "identity", "prob"),
    (
        {"name": "cross_entropy", "from_logits": True, "class_weights": [0.3, 1.0, 1.7]},
        "identity",
        "index",
    ),
]


def _id(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        return "-".join(str(x) for x in v.values())
    return str(v)


def _targets(kind: str, n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "real":
        return rng.normal(size=(n, k))
    if kind == "binary":
        return rng.integers(0, 2, size=(n, k)).astype(float)
    if kind == "soft_binary":
        return rng.uniform(size=(n, k))
    if kind == "index":
        return rng.integers(0, k, size=n)
    t = rng.uniform(0.1, 1.0, size=(n, k))
    return t / t.sum(axis=1, keepdims=True)


def small_net(hidden: Any, output: Any, seed: int, dropout: Any = None) -> gn.Network:
    net = gn.Network(
        [
            gn.Dense(2, 3, hidden, init="glorot_normal", dropout=dropout),
            gn.Dense(3, 3, output, init="glorot_normal"),
        ],
        dtype="float64",
        seed=seed,
    )
    rng = np.random.default_rng(seed)
    net.set_params({"b1": rng.uniform(-0.5, 0.5, 3), "b2": rng.uniform(-0.5, 0.5, 3)})
    return net


@pytest.mark.parametrize("loss_entry", LOSSES, ids=lambda e: _id(e[0]) + "-" + e[2])
@pytest.mark.parametrize("hidden", ACTIVATIONS, ids=_id)
def test_every_activation_loss_pair(hidden, loss_entry, rng):
    opts, out_act, kind = loss_entry
    net = small_net(hidden, out_act or hidden, seed=3)
    x = rng.normal(size=(4, 2))
    t = _targets(kind, 4, 3, rng)
    check = gn.check_gradients(net, x, t, gn.get_loss(opts), eps=EPS)
    assert check.ok, str(check)
    assert np.isfinite(check.max_rel_error)
    # the checker leaves net.grads as the analytic gradient
    np.testing.assert_array_equal(net.grads, check.analytic)


@pytest.mark.parametrize(
    "reg",
    [
        gn.Regularization(l2=0.2),
        gn.Regularization(l2=0.2, convention="full", include_bias=True),
        gn.Regularization(l1=0.1, divide_by_batch=True),
        gn.Regularization(l1=0.1, l2=0.3, include_bias=True, divide_by_batch=True),
    ],
    ids=lambda r: "-".join(f"{k}={v}" for k, v in r.config().items()),
)
@pytest.mark.parametrize("scaling", ["inverted", "standard"])
def test_regularization_and_dropout_with_fixed_mask(reg, scaling, rng):
    net = small_net("tanh", "softmax", seed=4, dropout={"rate": 0.3, "scaling": scaling})
    x = rng.normal(size=(5, 2))
    t = rng.integers(0, 3, size=5)
    mask = np.array([[1, 0, 1], [1, 1, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1]], dtype=float)
    check = gn.check_gradients(
        net, x, t, "cross_entropy", regularization=reg, masks=[mask, None], eps=EPS
    )
    assert check.ok, str(check)
    # a dropped unit passes no gradient back: δ¹ is 0 wherever the mask is 0
    p = net.compute_gradients(x, t, "cross_entropy", masks=[mask, None])
    assert np.all(p.layers[0].delta[mask == 0] == 0)


@pytest.mark.parametrize("scaling", ["inverted", "standard"])
def test_dropout_in_evaluation_mode(scaling, rng):
    net = small_net("sigmoid", "identity", seed=5, dropout={"rate": 0.5, "scaling": scaling})
    x = rng.normal(size=(3, 2))
    check = gn.check_gradients(net, x, rng.normal(size=(3, 3)), "squared_error", eps=EPS)
    assert check.ok, str(check)


def test_deeper_network_with_every_record_path(rng):
    net = gn.Network(
        [
            gn.Dense(3, 4, "gelu", dropout=0.2),
            gn.Dense(4, 4, {"name": "elu", "alpha": 1.3}, bias=False),
            gn.Dense(4, 3, "softplus", dropout={"rate": 0.4, "scaling": "standard"}),
            gn.Dense(3, 2, "softmax"),
        ],
        dtype="float64",
        seed=6,
    )
    x = rng.normal(size=(6, 3))
    masks = [
        (rng.random((6, 4)) < 0.8).astype(float),
        None,
        (rng.random(3) < 0.6).astype(float),  # one row shared by all samples
        None,
    ]
    check = gn.check_gradients(
        net,
        x,
        rng.integers(0, 2, 6),
        {"name": "cross_entropy", "label_smoothing": 0.05},
        regularization=gn.Regularization(l2=0.01, l1=0.01),
        masks=masks,
        eps=EPS,
    )
    assert check.ok, str(check)


# ---------------------------------------------------------------------------------------------
# the checker must FAIL on a wrong gradient


def test_checker_fails_when_an_activation_derivative_is_wrong(monkeypatch, rng):
    net = small_net("tanh", "identity", seed=7)
    x, t = rng.normal(size=(4, 2)), rng.normal(size=(4, 3))
    assert gn.check_gradients(net, x, t, "squared_error", eps=EPS).ok
    # a classic slip: tanh'(z) written as 1 − a instead of 1 − a²
    wrong = act_module.Activation("tanh", np.tanh, lambda z, a: 1.0 - a)
    monkeypatch.setattr(net.layers[0], "activation", wrong)
    check = gn.check_gradients(net, x, t, "squared_error", eps=EPS)
    assert not check.ok
    assert check.max_rel_error > 1e-3
    assert check.names[check.worst_index].startswith(("W1", "b1"))  # only layer 1 is wrong
    assert "FAILED" in str(check)


def test_checker_fails_when_a_loss_gradient_is_wrong(monkeypatch, rng):
    net = small_net("sigmoid", "sigmoid", seed=8)
    x, t = rng.normal(size=(4, 2)), rng.uniform(size=(4, 3))
    loss = gn.SquaredError(factor=1.0)
    assert gn.check_gradients(net, x, t, loss, eps=EPS).ok
    # a classic slip: ∂/∂y (y − t)² written as (y − t), the 2 forgotten
    monkeypatch.setattr(loss, "grad", lambda y, tt: y - tt)
    check = gn.check_gradients(net, x, t, loss, eps=EPS)
    assert not check.ok
    # every entry is half the true value: |g − g/2| / (|g| + |g/2|) = 1/3
    assert check.max_rel_error == pytest.approx(1 / 3, rel=1e-4)


def test_compare_gradients_detects_a_perturbed_analytic_gradient(rng):
    net = small_net("relu", "identity", seed=9)
    x, t = rng.normal(size=(5, 2)), rng.normal(size=(5, 3))
    good = gn.check_gradients(net, x, t, "squared_error", eps=EPS)
    assert good.ok
    bad = good.analytic.copy()
    bad[3] *= 1.001  # 0.1 % off in one entry
    check = gn.compare_gradients(good.numeric, bad, tolerance=1e-6, names=good.names)
    assert not check.ok
    assert check.worst_index == 3
    assert check.names[3] in str(check)
    assert check.max_rel_error == pytest.approx(0.001 / 2.001, rel=1e-3)


def test_numerical_gradient_of_a_known_function_restores_theta():
    theta = np.array([1.0, -2.0, 0.5])
    before = theta.copy()
    g = gn.numerical_gradient(lambda th: float(np.sum(th**3) + th[0] * th[1]), theta)
    np.testing.assert_allclose(g, [3 * 1 - 2, 3 * 4 + 1, 3 * 0.25], rtol=1e-8)
    np.testing.assert_array_equal(theta, before)
