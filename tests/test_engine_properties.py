"""Invariants of the engine (hypothesis where inputs vary, fixed seeds where statistics do).

RuntimeWarnings are errors in this suite (pyproject.toml), so "stable" below means: no
overflow, no invalid value, no division by zero anywhere in the computation.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import glassnet as gn
from glassnet.activations import log_softmax, sigmoid, softmax

PROPS = settings(deadline=None, max_examples=50)
FIELDS = (
    "a_prev",
    "z",
    "a",
    "mask",
    "out",
    "grad_out",
    "grad_a",
    "delta",
    "grad_W",
    "grad_b",
    "grad_a_prev",
)


def finite_matrices(dtype: Any, max_value: float | None = None) -> st.SearchStrategy:
    width = 64 if dtype == np.float64 else 32
    lim = max_value if max_value is not None else float(np.finfo(dtype).max)
    return hnp.arrays(
        dtype,
        st.tuples(st.integers(1, 6), st.integers(1, 7)),
        elements=st.floats(-lim, lim, allow_nan=False, allow_infinity=False, width=width),
    )


# ---------------------------------------------------------------------------------------------
# softmax and sigmoid stay in range for any finite input


@PROPS
@given(z=st.one_of(finite_matrices(np.float64), finite_matrices(np.float32)))
def test_softmax_rows_are_distributions_even_for_huge_logits(z):
    p = softmax(z)
    assert p.dtype == z.dtype
    assert np.all(np.isfinite(p))
    assert np.all((p >= 0) & (p <= 1))
    atol = 8 * np.finfo(z.dtype).eps * z.shape[1]  # rounding of a sum of ≤ 7 terms
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=atol)
    # the largest logit of each row gets the largest probability
    rows = np.arange(z.shape[0])
    assert np.all(p[rows, z.argmax(axis=1)] == p.max(axis=1))
    # log_softmax is the log of the same distribution, never +inf or NaN
    lp = log_softmax(z)
    assert not np.any(np.isnan(lp)) and np.all(lp <= 0)


@PROPS
@given(
    z=finite_matrices(np.float64, max_value=50.0),
    shift=st.floats(-1e3, 1e3, allow_nan=False),
)
def test_softmax_is_shift_invariant(z, shift):
    # z + shift rounds each logit by up to |shift|·u ≈ 1e-13, which moves e^z by as much
    # relatively; rtol 1e-9 is that bound with margin
    np.testing.assert_allclose(softmax(z + shift), softmax(z), rtol=1e-9, atol=1e-300)


@PROPS
@given(z=st.one_of(finite_matrices(np.float64, 1e4), finite_matrices(np.float32, 1e4)))
def test_sigmoid_is_stable_up_to_1e4(z):
    s = sigmoid(z)
    assert s.dtype == z.dtype
    assert np.all((s >= 0) & (s <= 1))
    eps = np.finfo(z.dtype).eps
    # σ(z) + σ(−z) = 1 and σ(z) = ½(1 + tanh(z/2)), up to rounding
    np.testing.assert_allclose(s + sigmoid(-z), 1.0, rtol=0, atol=2 * eps)
    np.testing.assert_allclose(s, 0.5 * (1 + np.tanh(z / 2)), rtol=0, atol=4 * eps)
    # relative accuracy in the left tail, where σ(z) ≈ e^z (not 1 − something)
    tail = (z < -40) & (z > np.log(np.finfo(z.dtype).tiny))
    np.testing.assert_allclose(s[tail], np.exp(z[tail]), rtol=8 * eps)
    # the derivative, softplus (whose derivative is σ) and the network's backward stay finite
    act = gn.get_activation("sigmoid")
    d = act.derivative(z, s)
    assert np.all((d >= 0) & (d <= 0.25))
    sp = gn.get_activation("softplus")(z)
    assert np.all(np.isfinite(sp)) and np.all(sp >= 0)


@PROPS
@given(
    logits=finite_matrices(np.float64, 1e4).filter(lambda a: a.shape[1] >= 2),
    data=st.data(),
)
def test_logit_losses_are_finite_for_huge_logits(logits, data):
    n, k = logits.shape
    t_bin = data.draw(hnp.arrays(np.float64, (n, k), elements=st.sampled_from([0.0, 1.0])))
    labels = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, k - 1)))
    bce = gn.BinaryCrossEntropy(from_logits=True)
    ce = gn.CrossEntropy(from_logits=True, label_smoothing=0.1)
    t_ce = ce.prepare_targets(labels, n, k, np.dtype(np.float64))
    for loss, t in ((bce, t_bin), (ce, t_ce)):
        c = loss.per_sample(logits, t)
        g = loss.grad(logits, t)
        assert np.all(np.isfinite(c)) and np.all(c >= 0)
        assert np.all(np.isfinite(g))
    # through a whole network: a sigmoid output layer on probabilities, z up to ±1e4
    net = gn.Network([gn.Dense(k, k, "sigmoid", weights=np.eye(k), bias=False)], dtype="float64")
    p = net.compute_gradients(logits, t_bin, "binary_cross_entropy", fused=False)
    assert np.isfinite(p.loss) and np.all(np.isfinite(net.grads))


# ---------------------------------------------------------------------------------------------
# dropout


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
@pytest.mark.parametrize("scaling", ["inverted", "standard"])
def test_dropout_keeps_the_mean_in_expectation(rate, scaling):
    """Training-mode outputs average to the evaluation-mode output.

    With a = the layer's activation and m ~ Bernoulli(p), the training output is a·m·c
    (c = 1/p inverted, 1 standard) and the evaluation output a·e (e = 1 inverted, p
    standard); c·p = e in both conventions, so E[train] = eval. Over N independent
    samples of one unit the mean's standard deviation is c·|a|·√(p(1−p)/N); we allow
    4.5 of them (fixed seed: deterministic; a correct engine fails for < 1e-5 of seeds,
    while a missing 1/p shifts the mean by ≥ 10 standard deviations here).
    """
    k, n = 6, 40_000
    a_row = np.linspace(-2.0, 3.0, k)
    net = gn.Network(
        [
            gn.Dense(
                k,
                k,
                "identity",
                weights=np.eye(k),
                bias=False,
                dropout={"rate": rate, "scaling": scaling},
            )
        ],
        dtype="float64",
    )
    x = np.tile(a_row, (n, 1))
    drop = net.layers[0].dropout
    p_keep = drop.keep_prob
    train = net.forward_pass(x, train=True, rng=np.random.default_rng(12345))
    evaluation = net.forward(a_row[None, :])
    np.testing.assert_allclose(evaluation[0], a_row * drop.eval_factor(), rtol=1e-15)
    sd = drop.train_factor() * np.abs(a_row) * np.sqrt(p_keep * (1 - p_keep) / n)
    assert np.all(np.abs(train.output.mean(axis=0) - evaluation[0]) <= 4.5 * sd)
    # and the mask keeps a fraction p of the units: binomial, n·k draws
    frac = train.layers[0].mask.mean()
    assert abs(frac - p_keep) <= 4.5 * np.sqrt(p_keep * (1 - p_keep) / (n * k))


@st.composite
def dropout_networks(draw):
    depth = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 5)) for _ in range(depth + 1)]
    acts = [
        draw(st.sampled_from(["tanh", "relu", "sigmoid", "identity", "gelu"])) for _ in range(depth)
    ]
    scaling = draw(st.sampled_from(["inverted", "standard"]))
    rates = [draw(st.sampled_from([None, 0.1, 0.5, 0.75])) for _ in range(depth)]
    seed = draw(st.integers(0, 2**16))
    return sizes, acts, scaling, rates, seed


@PROPS
@given(cfg=dropout_networks())
def test_evaluation_mode_is_deterministic_and_equals_the_network_without_dropout(cfg):
    sizes, acts, scaling, rates, seed = cfg
    depth = len(acts)

    def make(with_dropout: bool) -> gn.Network:
        return gn.Network(
            [
                gn.Dense(
                    sizes[i],
                    sizes[i + 1],
                    acts[i],
                    dropout={"rate": rates[i], "scaling": scaling}
                    if with_dropout and rates[i]
                    else None,
                )
                for i in range(depth)
            ],
            dtype="float64",
            seed=seed,
        )

    net, plain = make(True), make(False)
    np.testing.assert_array_equal(net.params, plain.params)  # same seed, same initialisation
    x = np.random.default_rng(seed).normal(size=(4, sizes[0]))
    state = net.rng.bit_generator.state
    y1 = net.forward(x)
    y2 = net.forward_pass(x, train=False, rng=np.random.default_rng(seed + 1)).output
    np.testing.assert_array_equal(y1, y2)  # deterministic: no randomness in evaluation
    assert net.rng.bit_generator.state == state  # and no draw from the network's generator
    # the reference: "standard" multiplies a layer's output by p in evaluation, i.e. the next
    # layer sees p·a (its W scaled by p) and a dropout output layer's y is scaled by p
    y_ref_scale = 1.0
    if scaling == "standard":
        for i, r in enumerate(rates):
            if r:
                if i + 1 < depth:
                    plain.layers[i + 1].W[...] *= 1.0 - r
                else:
                    y_ref_scale = 1.0 - r
    np.testing.assert_allclose(y1, plain.forward(x) * y_ref_scale, rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------------------------------------
# L2: a larger penalty gives smaller weights


def _train(net: gn.Network, x, t, reg: gn.Regularization, steps: int, lr: float) -> None:
    for _ in range(steps):
        net.compute_gradients(x, t, "squared_error", regularization=reg)
        net.params -= lr * net.grads  # plain gradient descent


@settings(deadline=None, max_examples=25)
@given(
    seed=st.integers(0, 2**16),
    lam=st.floats(0.01, 1.0),
    ratio=st.floats(2.0, 10.0),
    convention=st.sampled_from(["half", "full"]),
)
def test_larger_l2_gives_smaller_weights_linear_model(seed, lam, ratio, convention):
    """Provable case: a linear model from W = 0. Gradient descent on ½‖Xw − y‖²/N + k'λ‖w‖²
    gives, per eigen-direction with curvature s + c·λ, the component
    b_i · η Σ_{j<T} (1 − η(s_i + cλ))^j, which shrinks as λ grows while η(s + cλ) < 1
    (here η(s + cλ) ≤ 0.05 · (≈4 + 2·10) < 1)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(20, 3))
    y = x @ np.array([1.5, -2.0, 0.5]) + 0.1 * rng.normal(size=20)
    norms = []
    for lam_i in (lam, lam * ratio):
        net = gn.Network([gn.Dense(3, 1, weights=np.zeros((1, 3)), bias=False)], dtype="float64")
        _train(net, x, y, gn.Regularization(l2=lam_i, convention=convention), 300, 0.05)
        norms.append(np.linalg.norm(net.layers[0].W))
    assert norms[1] < norms[0]


@pytest.mark.parametrize("include_bias", [False, True])
@pytest.mark.parametrize("convention", ["half", "full"])
def test_larger_l2_gives_smaller_weights_hidden_layer(convention, include_bias, rng):
    x = rng.normal(size=(32, 2))
    y = np.sin(2 * x[:, :1]) + x[:, 1:] ** 2
    norms = []
    for lam in (0.0, 1e-3, 1e-2, 1e-1, 1.0):
        net = gn.Network([gn.Dense(2, 8, "tanh"), gn.Dense(8, 1)], dtype="float64", seed=3)
        reg = gn.Regularization(l2=lam, convention=convention, include_bias=include_bias)
        _train(net, x, y, reg, 400, 0.1)
        names = net.penalized_arrays(reg)
        norms.append(np.sqrt(sum(float(np.sum(net.param_view(n) ** 2)) for n in names)))
    assert all(b < a for a, b in itertools.pairwise(norms)), norms


# ---------------------------------------------------------------------------------------------
# float32 against float64

DTYPE_CASES = [
    ("tanh", "identity", {"name": "squared_error"}, "real"),
    ("relu", "sigmoid", {"name": "binary_cross_entropy"}, "binary"),
    ("gelu", "softmax", {"name": "cross_entropy", "label_smoothing": 0.1}, "index"),
    (
        {"name": "gelu", "approximate": "tanh"},
        "identity",
        {"name": "cross_entropy", "from_logits": True, "class_weights": [1.0, 2.0, 0.5]},
        "index",
    ),
    ("elu", "identity", {"name": "binary_cross_entropy", "from_logits": True}, "binary"),
    ("softplus", "softmax", {"name": "cross_entropy", "reduction": "sum"}, "prob"),
    (
        {"name": "leaky_relu", "slope": 0.2},
        "tanh",
        {"name": "squared_error", "factor": 1.0},
        "real",
    ),
    ("sigmoid", "zero", {"name": "squared_error"}, "real"),
    ("softmax", "identity", {"name": "squared_error"}, "real"),
]


def _dtype_pair(hidden, out, seed):
    def make(dtype):
        return gn.Network(
            [
                gn.Dense(4, 5, hidden, dropout={"rate": 0.3, "scaling": "standard"}),
                gn.Dense(5, 5, hidden, bias=False, dropout=0.2),
                gn.Dense(5, 3, out),
            ],
            dtype=dtype,
            seed=seed,
        )

    n64, n32 = make("float64"), make("float32")
    n64.params[...] = n32.params  # identical (float32-representable) parameter values
    return n64, n32


def _dtype_data(kind, rng):
    x = rng.normal(size=(6, 4)).astype(np.float32).astype(np.float64)
    t = {
        "real": lambda: rng.normal(size=(6, 3)),
        "binary": lambda: rng.integers(0, 2, size=(6, 3)).astype(float),
        "index": lambda: rng.integers(0, 3, size=6),
        "prob": lambda: np.full((6, 3), 0.25) + np.eye(3)[rng.integers(0, 3, size=6)] * 0.25,
    }[kind]()
    masks = [(rng.random((6, 5)) < 0.7).astype(float), (rng.random(5) < 0.8).astype(float), None]
    return x, t, masks


def _case_id(case):
    return "-".join(c if isinstance(c, str) else c["name"] for c in case[:3]) + "-" + case[3]


@pytest.mark.parametrize("case", DTYPE_CASES, ids=_case_id)
def test_float32_agrees_with_float64(case, rng):
    """Same parameters, inputs and masks in both dtypes. float32 carries u = 6e-8; through a
    3-layer net relative errors stay ≲ 1e-6, so rtol 1e-4 leaves a wide margin. Gradient
    entries that nearly cancel are compared on the scale of their array (atol = 1e-4 ·
    max |g₆₄|), since their own relative error is not meaningful."""
    hidden, out, loss, kind = case
    n64, n32 = _dtype_pair(hidden, out, seed=21)
    x, t, masks = _dtype_data(kind, rng)
    reg = gn.Regularization(l2=0.05, l1=0.01, include_bias=True)
    p64 = n64.compute_gradients(x, t, loss, reg, masks=masks, input_grad=True)
    p32 = n32.compute_gradients(x, t, loss, reg, masks=masks, input_grad=True)

    def close(a32, a64, what):
        a64 = np.asarray(a64, dtype=np.float64)
        atol = 1e-4 * float(np.max(np.abs(a64), initial=0.0))
        np.testing.assert_allclose(a32, a64, rtol=1e-4, atol=atol, err_msg=what)

    close(p32.output, p64.output, "output")
    close(p32.per_sample_loss, p64.per_sample_loss, "per-sample loss")
    assert p32.loss == pytest.approx(p64.loss, rel=1e-4)
    close(n32.grads, n64.grads, "net.grads")
    for r32, r64 in zip(p32.layers, p64.layers, strict=True):
        for name in FIELDS:
            v32, v64 = getattr(r32, name), getattr(r64, name)
            assert (v32 is None) == (v64 is None), name
            if v64 is not None:
                close(v32, v64, f"layer {r64.layer} {name}")


@pytest.mark.parametrize("case", DTYPE_CASES, ids=_case_id)
@pytest.mark.parametrize("fused", [True, False], ids=["fused", "general"])
def test_float32_network_stays_float32(case, fused, rng):
    hidden, out, loss, kind = case
    _, n32 = _dtype_pair(hidden, out, seed=22)
    x, t, masks = _dtype_data(kind, rng)
    reg = gn.Regularization(l2=0.05, l1=0.01, include_bias=True, divide_by_batch=True)
    p = n32.compute_gradients(x, t, loss, reg, masks=masks, fused=fused, input_grad=True)
    f32 = np.dtype(np.float32)
    assert n32.params.dtype == f32 and n32.grads.dtype == f32
    assert p.output.dtype == f32 and p.targets.dtype == f32
    assert p.per_sample_loss.dtype == f32
    assert isinstance(p.loss, float) and isinstance(p.data_loss, float)
    checked = 0
    for rec in p.layers:
        for name in FIELDS:
            v = getattr(rec, name)
            if v is not None:
                assert v.dtype == f32, f"layer {rec.layer} {name} is {v.dtype}"
                checked += 1
    assert checked >= 25  # every record of every layer was there to check
    # evaluation-mode forward, and inputs given as float64 or int, stay float32
    assert n32.forward(x).dtype == f32
    assert n32.forward(np.ones((2, 4), dtype=int)).dtype == f32
    for layer in n32.layers:
        assert layer.W.dtype == f32 and layer.grad_W.dtype == f32
