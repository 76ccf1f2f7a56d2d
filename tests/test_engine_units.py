"""Unit tests of the engine's modules, one section per module: each formula is written again
in the test (not imported), and each bookkeeping promise of the contract is checked."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet.initializers import initialize

# ---------------------------------------------------------------------------------------------
# activations

ELEMENTWISE = [
    "identity",
    "zero",
    "sigmoid",
    "tanh",
    "relu",
    {"name": "leaky_relu", "slope": 0.3},
    {"name": "elu", "alpha": 0.6},
    "softplus",
    "gelu",
    {"name": "gelu", "approximate": "tanh"},
]


def _phi(z):
    return 0.5 * (1 + np.vectorize(math.erf)(z / math.sqrt(2)))


REFERENCE = {  # f(z) written again from the formulas in activations.py's docstring
    "identity": lambda z: z,
    "zero": lambda z: 0 * z,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": lambda z: (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)),
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.3 * z),
    "elu": lambda z: np.where(z > 0, z, 0.6 * (np.exp(z) - 1)),
    "softplus": lambda z: np.log(1 + np.exp(z)),
    "gelu": lambda z: z * _phi(z),
    "gelu-tanh": lambda z: 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3))),
}


def _key(spec):
    if isinstance(spec, str):
        return spec
    return "gelu-tanh" if spec.get("approximate") == "tanh" else spec["name"]


@pytest.mark.parametrize("spec", ELEMENTWISE, ids=_key)
def test_activation_values_and_derivatives(spec, rng):
    act = gn.get_activation(spec)
    z = rng.uniform(-4, 4, size=(5, 7))
    a = act(z)
    np.testing.assert_allclose(a, REFERENCE[_key(spec)](z), rtol=1e-12, atol=1e-14)
    # f'(z) against central differences of f (h = 1e-6: error ≈ 1e-10, kinks at 0 avoided)
    h = 1e-6
    z = z[np.abs(z) > 1e-3].reshape(1, -1)
    numeric = (act(z + h) - act(z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(z, act(z)), numeric, rtol=1e-7, atol=1e-9)
    # vjp = g ⊙ f'(z)
    g = rng.normal(size=z.shape)
    np.testing.assert_allclose(act.vjp(z, act(z), g), g * act.derivative(z, act(z)), rtol=1e-15)


def test_derivatives_at_the_kink_follow_pytorch():
    z = np.array([[0.0]])
    assert gn.get_activation("relu").derivative(z, z)[0, 0] == 0.0
    assert gn.get_activation("leaky_relu", slope=0.2).derivative(z, z)[0, 0] == 0.2
    assert gn.get_activation("elu", alpha=0.7).derivative(z, z)[0, 0] == 0.7
    assert gn.get_activation("sigmoid").derivative(z, np.array([[0.5]]))[0, 0] == 0.25


def test_softmax_vjp_is_the_jacobian_transpose(rng):
    act = gn.get_activation("softmax")
    z = rng.normal(size=(3, 4))
    a = act(z)
    g = rng.normal(size=(3, 4))
    for s in range(3):
        J = np.diag(a[s]) - np.outer(a[s], a[s])  # ∂a_j/∂z_k = a_j(δ_jk − a_k)
        np.testing.assert_allclose(act.vjp(z, a, g)[s], J.T @ g[s], rtol=1e-12, atol=1e-15)
    with pytest.raises(gn.ConfigError, match="no elementwise derivative; use vjp"):
        act.derivative(z, a)


def test_activation_config_round_trip_and_aliases():
    for spec in [*ELEMENTWISE, "softmax"]:
        act = gn.get_activation(spec)
        again = gn.get_activation(act.config())
        assert again.name == act.name and dict(again.params) == dict(act.params)
        assert gn.get_activation(act) is act
    assert gn.get_activation("linear").name == "identity"
    assert gn.get_activation("logistic").name == "sigmoid"
    assert str(gn.get_activation("leaky_relu", slope=0.25)) == "leaky_relu(slope=0.25)"
    assert gn.get_activation("leaky_relu").params["slope"] == 0.01  # PyTorch's default
    assert gn.get_activation("elu").params["alpha"] == 1.0


# ---------------------------------------------------------------------------------------------
# losses

LOSS_CASES = [
    (gn.SquaredError(factor=1.0), "real", "identity"),
    (gn.SquaredError(factor=0.5, reduction="sum"), "real", "identity"),
    (gn.BinaryCrossEntropy(), "soft", "sigmoid"),
    (gn.BinaryCrossEntropy(from_logits=True), "soft", "identity"),
    (gn.CrossEntropy(), "index", "softmax"),
    (gn.CrossEntropy(label_smoothing=0.2, class_weights=[1, 2, 0.5]), "index", "softmax"),
    (gn.CrossEntropy(from_logits=True, class_weights=[1, 2, 0.5]), "prob", "identity"),
    (gn.CrossEntropy(from_logits=True, label_smoothing=0.1, reduction="sum"), "index", "identity"),
]


def _loss_data(kind, rng, out_act):
    z = rng.normal(size=(4, 3))
    y = gn.get_activation(out_act)(z)
    t = {
        "real": lambda: rng.normal(size=(4, 3)),
        "soft": lambda: rng.uniform(size=(4, 3)),
        "index": lambda: rng.integers(0, 3, size=4),
        "prob": lambda: rng.dirichlet(np.ones(3), size=4),
    }[kind]()
    return y, t


@pytest.mark.parametrize(("loss", "kind", "out_act"), LOSS_CASES, ids=repr)
def test_loss_gradient_is_the_derivative_of_the_per_sample_loss(loss, kind, out_act, rng):
    y, t = _loss_data(kind, rng, out_act)
    t = loss.prepare_targets(t, 4, 3, np.dtype(np.float64))
    g = loss.grad(y, t)
    h = 1e-6
    for s in range(4):
        for k in range(3):
            up, down = y.copy(), y.copy()
            up[s, k] += h
            down[s, k] -= h
            numeric = (loss.per_sample(up, t)[s] - loss.per_sample(down, t)[s]) / (2 * h)
            # central difference, h = 1e-6: truncation ≈ 1e-12, rounding ≈ 1e-10·|C_s|
            assert g[s, k] == pytest.approx(numeric, rel=1e-6, abs=1e-8)
    assert loss.value(y, t) == pytest.approx(loss.scale(t) * loss.per_sample(y, t).sum(), rel=1e-15)


def test_loss_formulas_written_again(rng):
    y = rng.uniform(0.1, 0.9, size=(3, 2))
    t = rng.uniform(size=(3, 2))
    se = gn.SquaredError(factor=1.0)
    np.testing.assert_allclose(se.per_sample(y, t), ((y - t) ** 2).sum(axis=1), rtol=1e-15)
    assert se.scale(t) == pytest.approx(1 / 3)
    assert gn.SquaredError(reduction="sum").scale(t) == 1.0
    bce = gn.BinaryCrossEntropy()
    np.testing.assert_allclose(
        bce.per_sample(y, t), -(t * np.log(y) + (1 - t) * np.log(1 - y)).sum(axis=1), rtol=1e-14
    )
    x = rng.normal(size=(3, 2))
    np.testing.assert_allclose(
        gn.BinaryCrossEntropy(from_logits=True).per_sample(x, t),
        bce.per_sample(1 / (1 + np.exp(-x)), t),
        rtol=1e-12,
    )


def test_cross_entropy_weighted_mean_divides_by_the_weights_of_the_labels():
    ce = gn.CrossEntropy(class_weights=[1.0, 2.0, 4.0])
    t = ce.prepare_targets([0, 2, 2], 3, 3, np.dtype(np.float64))
    np.testing.assert_array_equal(t, [[1, 0, 0], [0, 0, 1], [0, 0, 1]])
    assert ce.scale(t) == pytest.approx(1 / (1 + 4 + 4))
    # one-hot rows count as class indices, whichever way they were given
    t = ce.prepare_targets([[1, 0, 0], [0, 0, 1], [0, 0, 1]], 3, 3, np.dtype(np.float64))
    assert ce.scale(t) == pytest.approx(1 / (1 + 4 + 4))
    # probability targets: mean over samples, as torch.nn.CrossEntropyLoss
    t = ce.prepare_targets([[0.5, 0.5, 0], [0, 0, 1], [0, 0, 1]], 3, 3, np.dtype(np.float64))
    assert ce.scale(t) == pytest.approx(1 / 3)


def test_cross_entropy_target_forms():
    ce = gn.CrossEntropy()
    f64 = np.dtype(np.float64)
    onehot = [[0, 1, 0], [0, 0, 1]]
    np.testing.assert_array_equal(ce.prepare_targets([1, 2], 2, 3, f64), onehot)
    np.testing.assert_array_equal(ce.prepare_targets([[1], [2]], 2, 3, f64), onehot)
    np.testing.assert_array_equal(ce.prepare_targets(onehot, 2, 3, f64), onehot)
    # one sample: a row of K numbers is a probability row, a single number a label
    np.testing.assert_array_equal(ce.prepare_targets([0.2, 0.3, 0.5], 1, 3, f64), [[0.2, 0.3, 0.5]])
    np.testing.assert_array_equal(ce.prepare_targets(2, 1, 3, f64), [[0, 0, 1]])


def test_loss_clamps_are_counted_like_pytorch():
    bce = gn.BinaryCrossEntropy()
    y = np.array([[0.0, 1.0, 0.5]])
    t = np.array([[1.0, 0.0, 1.0]])
    # log 0 → −100 (PyTorch's BCELoss clamp): 100 + 100 + log 2
    assert bce.per_sample(y, t)[0] == pytest.approx(200 + math.log(2), rel=1e-15)
    assert bce.clamped(y, t) == 2
    assert np.all(np.isfinite(bce.grad(y, t)))
    ce = gn.CrossEntropy()
    p = np.array([[0.0, 1.0, 0.0]])
    assert ce.per_sample(p, np.array([[1.0, 0.0, 0.0]]))[0] == 100.0
    assert ce.clamped(p, np.array([[1.0, 0.0, 0.0]])) == 1  # only where the target is non-zero
    assert ce.clamped(p, np.array([[0.0, 1.0, 0.0]])) == 0


def test_loss_config_round_trip_and_aliases():
    for loss, _, _ in LOSS_CASES:
        again = gn.get_loss(loss.config())
        assert again.config() == loss.config()
    assert isinstance(gn.get_loss("mse"), gn.SquaredError)
    assert isinstance(gn.get_loss("bce"), gn.BinaryCrossEntropy)
    assert isinstance(gn.get_loss("ce"), gn.CrossEntropy)
    assert gn.get_loss("squared_error").factor == 0.5  # the documented default
    assert set(gn.LOSSES) == {"squared_error", "binary_cross_entropy", "cross_entropy"}


# ---------------------------------------------------------------------------------------------
# regularization


@pytest.mark.parametrize("convention", ["half", "full"])
@pytest.mark.parametrize("divide", [False, True])
def test_regularization_value_and_gradient(convention, divide, rng):
    reg = gn.Regularization(l2=0.3, l1=0.2, convention=convention, divide_by_batch=divide)
    w = [rng.normal(size=(2, 3)), rng.normal(size=4)]
    w[0][0, 0] = 0.0  # sign(0) = 0
    n = 8
    c = 1 / n if divide else 1.0
    k = 0.5 if convention == "half" else 1.0
    value = c * sum(k * 0.3 * np.sum(a**2) + 0.2 * np.sum(np.abs(a)) for a in w)
    assert reg.value(w, n) == pytest.approx(value, rel=1e-14)
    grads = [np.ones_like(a) for a in w]
    reg.add_gradient(w, grads, n)
    for a, g in zip(w, grads, strict=True):
        np.testing.assert_allclose(g, 1 + c * (2 * k * 0.3 * a + 0.2 * np.sign(a)), rtol=1e-14)
    assert grads[0][0, 0] == pytest.approx(1.0, rel=1e-15)
    assert not gn.Regularization().active and reg.active


def test_penalty_covers_biases_only_when_asked():
    net = gn.Network([gn.Dense(2, 3), gn.Dense(3, 1, bias=False)], dtype="float64")
    assert net.penalized_arrays(gn.Regularization(l2=1)) == ["W1", "W2"]
    assert net.penalized_arrays(gn.Regularization(l2=1, include_bias=True)) == ["W1", "b1", "W2"]


# ---------------------------------------------------------------------------------------------
# dropout


def test_dropout_draw_and_check_mask(rng):
    d = gn.Dropout(0.25)
    m = d.draw_mask((1000, 50), rng, np.float32)
    assert m.dtype == np.float32 and set(np.unique(m)) <= {0.0, 1.0}
    # binomial: 50 000 draws with p = 0.75, std 0.0019; allow 5 std
    assert abs(m.mean() - 0.75) < 5 * math.sqrt(0.75 * 0.25 / 50_000)
    shared = d.check_mask([1, 0, 1], (4, 3), "layer 1", np.float64)
    assert shared.shape == (4, 3) and np.all(shared == [1, 0, 1])
    assert d.config() == {"rate": 0.25, "scaling": "inverted"}
    assert gn.Dense(2, 2, dropout=0).dropout is None  # rate 0 means no dropout


def test_training_masks_come_from_the_given_generator_or_the_network_seed():
    def make():
        return gn.Network([gn.Dense(3, 20, "relu", dropout=0.5)], dtype="float64", seed=4)

    x = np.ones((5, 3))
    m1 = make().forward_pass(x, train=True).layers[0].mask
    m2 = make().forward_pass(x, train=True).layers[0].mask
    np.testing.assert_array_equal(m1, m2)  # same seed → same masks
    net = make()
    m3 = net.forward_pass(x, train=True, rng=np.random.default_rng(99)).layers[0].mask
    m4 = net.forward_pass(x, train=True, rng=np.random.default_rng(99)).layers[0].mask
    np.testing.assert_array_equal(m3, m4)
    assert not np.array_equal(m1, m3)


# ---------------------------------------------------------------------------------------------
# initializers


@pytest.mark.parametrize(
    ("name", "low_high", "std"),
    [
        ("uniform", (-0.05, 0.05), 0.05 / math.sqrt(3)),
        ("normal", None, 0.05),
        ("glorot_uniform", (-math.sqrt(6 / 500), math.sqrt(6 / 500)), math.sqrt(2 / 500)),
        ("glorot_normal", None, math.sqrt(2 / 500)),
        ("he_uniform", (-math.sqrt(6 / 200), math.sqrt(6 / 200)), math.sqrt(2 / 200)),
        ("he_normal", None, math.sqrt(2 / 200)),
        ("xavier_uniform", (-math.sqrt(6 / 500), math.sqrt(6 / 500)), math.sqrt(2 / 500)),
        ("kaiming_normal", None, math.sqrt(2 / 200)),
    ],
)
def test_initializer_ranges_and_spread(name, low_high, std, rng):
    w = initialize(name, (300, 200), rng)  # fan_out 300, fan_in 200
    assert w.shape == (300, 200) and w.dtype == np.float64
    if low_high:
        assert w.min() >= low_high[0] and w.max() <= low_high[1]
    # 60 000 draws: the sample std is within 2 % of the true one (its own sd ≈ 0.3–0.4 %)
    assert w.std() == pytest.approx(std, rel=0.02)
    assert abs(w.mean()) < 5 * std / math.sqrt(w.size)


def test_auto_initializer_and_constants(rng):
    np.testing.assert_array_equal(initialize("zeros", (2, 3), rng), np.zeros((2, 3)))
    np.testing.assert_array_equal(
        initialize({"name": "constant", "value": 0.5}, (2, 2), rng), np.full((2, 2), 0.5)
    )
    a = initialize("auto", (50, 40), np.random.default_rng(1), activation="relu")
    b = initialize("he_uniform", (50, 40), np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    a = initialize("auto", (50, 40), np.random.default_rng(1), activation="tanh")
    b = initialize("glorot_uniform", (50, 40), np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------------------------
# Dense and Network bookkeeping


def make_net(dtype="float64"):
    return gn.Network(
        [
            gn.Dense(3, 4, "tanh", dropout=0.2),
            gn.Dense(4, 2, "relu", bias=False),
            gn.Dense(2, 2, "softmax", bias=[0.1, -0.1]),
        ],
        dtype=dtype,
        seed=5,
    )


def test_layout_is_contiguous_and_named_by_layer():
    net = make_net()
    assert net.param_names == ["W1", "b1", "W2", "W3", "b3"]
    expected = [
        ("W1", 1, "W", (4, 3)),
        ("b1", 1, "b", (4,)),
        ("W2", 2, "W", (2, 4)),
        ("W3", 3, "W", (2, 2)),
        ("b3", 3, "b", (2,)),
    ]
    stop = 0
    for slot, (name, layer, kind, shape) in zip(net.layout, expected, strict=True):
        assert (slot.name, slot.layer, slot.kind, slot.shape) == (name, layer, kind, shape)
        assert slot.start == stop and slot.stop - slot.start == math.prod(shape)
        stop = slot.stop
    assert net.params.size == net.grads.size == stop == sum(layer.n_params for layer in net.layers)
    assert net.n_inputs == 3 and net.n_outputs == 2


def test_layer_arrays_are_views_into_the_flat_buffers():
    net = make_net()
    for layer in net.layers:
        assert np.shares_memory(layer.W, net.params) and np.shares_memory(layer.grad_W, net.grads)
        assert layer.W.shape == (layer.n_out, layer.n_in)
        if layer.has_bias:
            assert np.shares_memory(layer.b, net.params)
        else:
            assert layer.b is None and layer.grad_b is None
    net.params[:] = np.arange(net.params.size)
    np.testing.assert_array_equal(net.layers[0].W, np.arange(12).reshape(4, 3))
    np.testing.assert_array_equal(net.layers[2].b, [28.0, 29.0])  # 12 + 4 + 8 + 4 before
    np.testing.assert_array_equal(net.layers[2].b, net.param_view("b3"))
    assert net.layers[2].W[1, 0] == 26.0  # W[j, k]: to unit j from unit k, row-major


def test_explicit_initial_values_and_get_params_copies():
    net = make_net()
    np.testing.assert_array_equal(net.layers[2].b, [0.1, -0.1])
    params = net.get_params()
    params["W1"][...] = 123.0
    assert not np.any(net.layers[0].W == 123.0)  # a copy
    net.set_params({"W2": np.ones((2, 4))})
    np.testing.assert_array_equal(net.layers[1].W, np.ones((2, 4)))


def test_forward_is_z_equals_a_prev_W_transpose_plus_b(rng):
    net = make_net()
    x = rng.normal(size=(6, 3))
    a = x
    for layer in net.layers:
        z = a @ layer.W.T + (layer.b if layer.b is not None else 0)
        a = layer.activation(z)
    np.testing.assert_allclose(net.forward(x), a, rtol=1e-14)
    np.testing.assert_array_equal(net.forward(x), net.forward_pass(x).output)
    np.testing.assert_array_equal(net.forward(x[0]), net.forward(x[:1]))  # one sample as 1-D


def test_gradients_are_overwritten_not_accumulated_and_records_are_views(rng):
    net = make_net()
    x, t = rng.normal(size=(5, 3)), rng.integers(0, 2, size=5)
    masks = [(rng.random((5, 4)) < 0.8).astype(float), None, None]
    p1 = net.compute_gradients(x, t, "cross_entropy", masks=masks)
    g1 = net.grads.copy()
    assert np.shares_memory(p1.layers[0].grad_W, net.grads)
    p2 = net.compute_gradients(x, t, "cross_entropy", masks=masks)
    np.testing.assert_array_equal(net.grads, g1)
    assert p2.layers[0].grad_W is not None
    # the unvalidated fast path gives the same result with checked arrays
    p3 = net.compute_gradients(
        np.asarray(x), p2.targets, "cross_entropy", masks=masks, validate=False
    )
    np.testing.assert_array_equal(net.grads, g1)
    assert p3.loss == p2.loss == p3.data_loss + p3.penalty


def test_input_gradient_only_when_asked(rng):
    net = make_net()
    x, t = rng.normal(size=(2, 3)), [0, 1]
    assert net.compute_gradients(x, t, "ce", train=False).layers[0].grad_a_prev is None
    p = net.compute_gradients(x, t, "ce", train=False, input_grad=True)
    np.testing.assert_allclose(p.layers[0].grad_a_prev, p.layers[0].delta @ net.layers[0].W)


def test_pass_records_and_output_rule(rng):
    net = make_net()
    x, t = rng.normal(size=(3, 3)), [1, 0, 1]
    p = net.compute_gradients(x, t, "cross_entropy", train=False)
    assert p.output_rule == "fused" and p.layers[-1].grad_out is None
    assert p.train is False and p.layers[0].mask is None
    np.testing.assert_array_equal(p.targets, [[0, 1], [1, 0], [0, 1]])
    p = net.compute_gradients(x, t, "cross_entropy", fused=False)
    assert p.output_rule == "general" and p.layers[-1].grad_out is not None
    assert p.train is True and p.layers[0].mask is not None
    assert [rec.layer for rec in p.layers] == [1, 2, 3]


def test_config_round_trip_rebuilds_the_architecture():
    net = make_net()
    again = gn.Network.from_config(net.config())
    assert again.config() == net.config()
    assert again.param_names == net.param_names
    assert "dropout=0.2 (inverted)" in repr(net) and "bias=False" in repr(net)
    summary = net.summary()
    assert "total parameters: 30" in summary and "dropout 0.2" in summary
    assert gn.Dense(3, 4).n_params == 16 and gn.Dense(3, 4, bias=False).n_params == 12


def test_gradient_check_report():
    check = gn.compare_gradients(np.array([1.0, 2.0]), np.array([1.0, 2.2]), names=("a", "b"))
    assert not check.ok and check.worst_index == 1
    assert check.max_rel_error == pytest.approx(0.2 / 4.2)
    text = str(check)
    assert "FAILED" in text and "at b" in text and "tolerance 1e-06" in text
    assert "passed" in str(gn.compare_gradients(np.ones(2), np.ones(2)))


def test_float32_normal_cdf_is_within_3e7_of_the_exact_one():
    # exact GELU: float64 uses math.erf, float32 the vectorised A&S 7.1.26 approximation
    from glassnet.activations import _phi_cdf

    z = np.linspace(-10.0, 10.0, 20001)
    exact = _phi_cdf(z)
    fast = _phi_cdf(z.astype(np.float32))
    assert fast.dtype == np.float32
    assert np.max(np.abs(fast.astype(np.float64) - exact)) < 3e-7
    # and the float64 path is math.erf itself
    assert exact[12345] == 0.5 * (1 + math.erf(z[12345] / math.sqrt(2)))
