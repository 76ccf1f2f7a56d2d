"""glassnet.optim against the update formulas written out again, plus its interface.

Formula oracle (sklearn style): load a random state at t = 9, take one step, compare with
the textbook line-by-line; a hand-worked Adam example; checkpoints; validation; dtypes;
convergence on a badly-conditioned quadratic bowl.
"""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest

from glassnet import optim
from glassnet.errors import ConfigError, DataError, ShapeError

N = 12
LR = 0.03


def random_state(rng):
    """A plausible state at t = 9: moments of either sign, second moments ≥ 0.1 > ḡ²."""
    return {
        "m": rng.normal(size=N),
        "buffer": rng.normal(size=N),
        "v": rng.uniform(0.1, 2.0, size=N),
        "v_max": rng.uniform(2.0, 3.0, size=N),
        "g_avg": rng.uniform(-0.3, 0.3, size=N),
    }


# each formula maps (θ, g, state, η) to (θ_new, state_new) for the step t = 9 → 10


def sgd_formula(mu, tau, nesterov, wd):
    def f(theta, g, s, lr):
        g = g + wd * theta
        b = mu * s["buffer"] + (1 - tau) * g
        g = g + mu * b if nesterov else b
        return theta - lr * g, {"buffer": b}

    return f


def momentum_formula(beta):
    def f(theta, g, s, lr):
        m = beta * s["m"] + (1 - beta) * g
        return theta - lr * m, {"m": m}

    return f


def rmsprop_formula(alpha, eps, centered, mu, wd):
    def f(theta, g, s, lr):
        g = g + wd * theta
        v = alpha * s["v"] + (1 - alpha) * g**2
        g_avg = alpha * s["g_avg"] + (1 - alpha) * g
        D = np.sqrt(v - g_avg**2 if centered else v) + eps
        new = {"v": v, **({"g_avg": g_avg} if centered else {})}
        if mu:
            new["buffer"] = b = mu * s["buffer"] + g / D
            return theta - lr * b, new
        return theta - lr * g / D, new

    return f


def adam_formula(b1, b2, eps, wd, amsgrad, decoupled):
    def f(theta, g, s, lr):
        t = 10
        if decoupled:
            theta = theta * (1 - lr * wd)
        else:
            g = g + wd * theta
        m = b1 * s["m"] + (1 - b1) * g
        v = b2 * s["v"] + (1 - b2) * g**2
        new = {"m": m, "v": v}
        if amsgrad:
            v = new["v_max"] = np.maximum(s["v_max"], v)
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps), new

    return f


FORMULA_CASES = [
    ("sgd-momentum", "sgd", {"momentum": 0.9}, sgd_formula(0.9, 0.0, False, 0.0)),
    (
        "sgd-nesterov-wd",
        "sgd",
        {"momentum": 0.8, "nesterov": True, "weight_decay": 0.1},
        sgd_formula(0.8, 0.0, True, 0.1),
    ),
    ("sgd-dampening", "sgd", {"momentum": 0.5, "dampening": 0.5}, sgd_formula(0.5, 0.5, False, 0)),
    ("momentum", "momentum", {"beta": 0.8}, momentum_formula(0.8)),
    ("rmsprop", "rmsprop", {"alpha": 0.9, "eps": 1e-3}, rmsprop_formula(0.9, 1e-3, False, 0, 0)),
    (
        "rmsprop-all",
        "rmsprop",
        {"alpha": 0.8, "centered": True, "momentum": 0.7, "weight_decay": 0.05},
        rmsprop_formula(0.8, 1e-8, True, 0.7, 0.05),
    ),
    ("adam", "adam", {"betas": (0.8, 0.95)}, adam_formula(0.8, 0.95, 1e-8, 0, False, False)),
    (
        "adam-amsgrad-wd",
        "adam",
        {"amsgrad": True, "weight_decay": 0.2},
        adam_formula(0.9, 0.999, 1e-8, 0.2, True, False),
    ),
    (
        "adamw",
        "adamw",
        {"weight_decay": 0.2, "eps": 1e-2},
        adam_formula(0.9, 0.999, 1e-2, 0.2, False, True),
    ),
]


@pytest.mark.parametrize(
    ("name", "kwargs", "formula"), [c[1:] for c in FORMULA_CASES], ids=[c[0] for c in FORMULA_CASES]
)
def test_one_step_from_a_random_state_follows_the_formula(name, kwargs, formula):
    rng = np.random.default_rng(0)
    opt = optim.get_optimizer(name, lr=LR, **kwargs)
    opt.step(np.zeros(N), np.zeros(N))  # only to learn which state arrays exist
    state = random_state(rng)
    opt.load_state_dict(
        {k: 9 if k == "t" else None if v is None else state[k] for k, v in opt.state_dict().items()}
    )
    theta, g = rng.normal(size=N), rng.normal(size=N)
    expected_theta, expected_state = formula(theta.copy(), g, state, LR)
    params = theta.copy()
    opt.step(params, g.copy())
    np.testing.assert_allclose(params, expected_theta, rtol=1e-13, atol=1e-15)
    assert opt.state.t == 10
    described = opt.describe()
    for k, value in expected_state.items():
        np.testing.assert_allclose(described[k], value, rtol=1e-13, atol=1e-15)


def test_adam_describe_gives_bias_corrected_moments():
    opt = optim.Adam(lr=0.1, betas=(0.5, 0.75), amsgrad=True)
    params = np.array([1.0, -2.0, 3.0])
    for g in ([1.0, 2.0, -1.0], [0.5, 0.0, 4.0]):
        opt.step(params, np.array(g))
    d = opt.describe(slice(1, 3))
    assert set(d) == {"m", "v", "v_max", "m_hat", "v_hat"}
    # t = 2: m̂ = m / (1 − 0.5²), v̂ = v_max / (1 − 0.75²)
    np.testing.assert_allclose(d["m_hat"], d["m"] / 0.75, rtol=1e-15)
    np.testing.assert_allclose(d["v_hat"], d["v_max"] / (1 - 0.5625), rtol=1e-15)
    assert d["m"].shape == (2,)


def test_hand_worked_adam_without_bias_correction_eps_inside_the_root():
    # θ₀ = 1, η = 0.1, β₁ = 0.5, β₂ = 0.75, ε = 0.5625 (= 9/16), gradients 2, 5, 7.
    # update: m_t = β₁ m + (1 − β₁) g;  v_t = β₂ v + (1 − β₂) g²;  θ ← θ − η m_t / √(v_t + ε)
    # t = 1, g = 2: m = 0.5·0 + 0.5·2 = 1;   v = 0.75·0 + 0.25·4 = 1
    #               √(1 + 0.5625) = √1.5625 = 1.25;  θ₁ = 1 − 0.1·1/1.25 = 1 − 0.08 = 0.92
    # t = 2, g = 5: m = 0.5·1 + 0.5·5 = 3;   v = 0.75·1 + 0.25·25 = 7
    #               √(7 + 0.5625) = √7.5625 = 2.75;  θ₂ = 0.92 − 0.3/2.75 = 0.810909…
    # t = 3, g = 7: m = 0.5·3 + 0.5·7 = 5;   v = 0.75·7 + 0.25·49 = 17.5
    #               √(17.5 + 0.5625) = √18.0625 = 4.25;  θ₃ = 0.810909… − 0.5/4.25 = 0.693262…
    opt = optim.Adam(
        lr=0.1, betas=(0.5, 0.75), eps=0.5625, bias_correction=False, eps_inside_sqrt=True
    )
    theta = np.array([1.0])
    expected = [(0.92, 1.0, 1.0), (0.8109090909090909, 3.0, 7.0), (0.6932620320855615, 5.0, 17.5)]
    for g, (theta_t, m_t, v_t) in zip([2.0, 5.0, 7.0], expected, strict=True):
        opt.step(theta, np.array([g]))
        assert theta[0] == pytest.approx(theta_t, rel=1e-15)
        assert opt.state.m[0] == m_t
        assert opt.state.v[0] == v_t


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
        ("momentum", {"lr": 0.1}),
        ("rmsprop", {"centered": True, "momentum": 0.3}),
        ("adam", {"amsgrad": True}),
        ("adamw", {"lr": 0.01, "clip_norm": 1.0}),
    ],
)
def test_state_dict_round_trip_continues_identically(name, kwargs):
    rng = np.random.default_rng(3)
    grads = rng.normal(size=(10, N))
    a = optim.get_optimizer(name, **kwargs)
    pa = rng.normal(size=N)
    for g in grads[:5]:
        a.step(pa, g.copy())
    saved = a.state_dict()
    scalars = {k: v for k, v in saved.items() if not isinstance(v, np.ndarray)}
    config = json.loads(json.dumps(a.config()))  # config and scalar state are JSON-able
    json.dumps(scalars)
    b = optim.get_optimizer(**config)
    b.load_state_dict(saved)
    pb = pa.copy()
    for g in grads[5:]:
        a.step(pa, g.copy())
        b.step(pb, g.copy())
    np.testing.assert_array_equal(pa, pb)
    assert b.state.t == 10


def test_reset_forgets_state_and_matches_a_fresh_optimizer():
    rng = np.random.default_rng(4)
    g = rng.normal(size=N)
    used, fresh = optim.Adam(lr=0.1), optim.Adam(lr=0.1)
    used.step(np.zeros(N), g.copy())
    used.reset()
    assert used.state.t == 0 and used.state.m is None and used.describe() == {}
    pa, pb = np.ones(N), np.ones(N)
    used.step(pa, g.copy())
    fresh.step(pb, g.copy())
    np.testing.assert_array_equal(pa, pb)


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"t": 1, "m": np.zeros(3)}, "missing key 'v'"),
        ({"t": 1, "m": np.zeros(3), "v": np.zeros(3), "v_max": None, "x": 1}, "unknown key 'x'"),
        ({"t": 1, "m": np.zeros(3), "v": np.zeros(4), "v_max": None}, "shape"),
        ({"t": 1, "m": np.zeros(3), "v": np.zeros(3), "v_max": np.ones(3)}, "'v_max' must be"),
        ({"t": 1, "m": np.zeros(3), "v": None, "v_max": None}, "'v' must be an array"),
        ({"t": 0, "m": np.zeros(3), "v": None, "v_max": None}, "t = 0"),
        ({"t": -1, "m": None, "v": None, "v_max": None}, "t must be"),
        ({"t": 1, "m": np.zeros(3), "v": -np.ones(3), "v_max": None}, "≥ 0"),
        ({"t": 1, "m": np.zeros(3, int), "v": np.zeros(3), "v_max": None}, "float"),
    ],
)
def test_load_state_dict_rejects_bad_state(state, message):
    opt = optim.Adam()
    with pytest.raises(ConfigError, match=message):
        opt.load_state_dict(state)
    assert opt.state.t == 0  # nothing was loaded


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("sgd", {"lr": -0.1}, "SGD: lr must be in"),
        ("sgd", {"lr": 0.1, "momentum": -0.5}, "momentum"),
        ("sgd", {"lr": 0.1, "dampening": 1.5}, "dampening"),
        ("sgd", {"lr": 0.1, "nesterov": True}, "nesterov"),
        ("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}, "dampening"),
        ("sgd", {"lr": 0.1, "nesterov": "yes"}, "nesterov must be True or False"),
        ("sgd", {"lr": 0.1, "weight_decay": -1.0}, "weight_decay"),
        ("sgd", {"lr": float("nan")}, "lr must be finite"),
        ("momentum", {"lr": 0.1, "beta": 1.0}, r"Momentum: beta must be in \[0, 1\); got 1.0"),
        ("rmsprop", {"alpha": 1.2}, "alpha"),
        ("rmsprop", {"eps": -1e-8}, "eps"),
        ("rmsprop", {"momentum": -0.1}, "momentum"),
        ("rmsprop", {"centered": 1}, "centered"),
        ("adam", {"betas": (1.2, 0.999)}, r"Adam: betas\[0\] must be in \[0, 1\); got 1.2\."),
        ("adam", {"betas": (0.9, -0.1)}, r"betas\[1\]"),
        ("adam", {"betas": 0.9}, "pair"),
        ("adam", {"eps": -1.0}, "eps"),
        ("adam", {"weight_decay": -0.01}, "weight_decay"),
        ("adam", {"amsgrad": None}, "amsgrad"),
        ("adamw", {"weight_decay": -0.01}, "AdamW: weight_decay"),
        ("adam", {"clip_norm": 0.0}, "clip_norm"),
        ("adam", {"clip_value": -1.0}, "clip_value"),
        ("sgd", {"momentum": 0.9}, "SGD: option 'lr' is required"),
        ("adam", {"beta": (0.9, 0.99)}, "unknown option 'beta'.*Did you mean 'betas'"),
        ("rmsprop", {"rho": 0.9}, "unknown option 'rho'"),
    ],
)
def test_bad_hyperparameters_raise_config_error_naming_them(name, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        optim.get_optimizer(name, **kwargs)


def test_unknown_name_suggests_a_close_match():
    with pytest.raises(ConfigError, match=r"unknown optimizer 'adma'.*Did you mean 'adam'"):
        optim.get_optimizer("adma")
    assert isinstance(optim.get_optimizer("AdamW"), optim.AdamW)
    opt = optim.SGD(lr=0.1)
    assert optim.get_optimizer(opt) is opt
    with pytest.raises(ConfigError, match="extra arguments lr"):
        optim.get_optimizer(opt, lr=0.2)


def test_step_checks_its_arrays():
    opt = optim.SGD(lr=0.1, momentum=0.9)
    with pytest.raises(ShapeError, match="grads must have the shape"):
        opt.step(np.zeros(3), np.zeros(4))
    with pytest.raises(DataError, match="float"):
        opt.step(np.zeros(3, dtype=int), np.zeros(3))
    with pytest.raises(ConfigError, match="lr"):
        opt.step(np.zeros(3), np.zeros(3), lr=-1.0)
    opt.step(np.zeros(3), np.ones(3))
    with pytest.raises(ShapeError, match="reset"):
        opt.step(np.zeros(5), np.ones(5))


# every optimizer with the options that add state or scratch buffers
FULL_OPTIONS = {
    "sgd": {"lr": 0.01, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1},
    "momentum": {"lr": 0.01},
    "rmsprop": {"centered": True, "momentum": 0.5, "weight_decay": 0.1},
    "adam": {"amsgrad": True, "weight_decay": 0.1},
    "adamw": {"amsgrad": True},
}


@pytest.mark.parametrize("name", sorted(FULL_OPTIONS))
def test_float32_state_stays_float32(name):
    opt = optim.get_optimizer(name, **FULL_OPTIONS[name])
    params = np.ones((3, 4), dtype=np.float32)
    for _ in range(3):
        opt.step(params, np.full((3, 4), 0.5, dtype=np.float32))
    assert params.dtype == np.float32
    arrays = [a for a in opt.state_dict().values() if isinstance(a, np.ndarray)]
    assert arrays and all(a.dtype == np.float32 and a.shape == (3, 4) for a in arrays)
    assert all(a.dtype == np.float32 for a in opt.describe().values())


def test_lr_override_is_for_one_step_and_grads_are_untouched():
    opt = optim.Adam(lr=0.1)
    g = np.array([1.0, -2.0])
    opt.step(np.zeros(2), g, lr=0.5)
    assert opt.lr == 0.1
    np.testing.assert_array_equal(g, [1.0, -2.0])
    clipped = optim.Adam(lr=0.1, clip_value=0.5)
    clipped.step(np.zeros(2), g)
    np.testing.assert_array_equal(g, [0.5, -0.5])  # clipping works on grads in place


@pytest.mark.parametrize("name", sorted(FULL_OPTIONS))
def test_steps_after_the_first_allocate_no_arrays(name):
    opt = optim.get_optimizer(name, **FULL_OPTIONS[name])
    params, grads = np.ones(100_000), np.full(100_000, 0.1)
    opt.step(params, grads)
    tracemalloc.start()
    try:
        opt.step(params, grads, lr=0.02)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 0.05 * params.nbytes  # a temporary array would cost 800 kB


# badly-conditioned bowl: C(θ) = ½ Σᵢ hᵢ (θᵢ − cᵢ)², condition number 100
H = np.array([1.0, 10.0, 100.0])
C = np.array([1.0, -2.0, 0.5])

CONVERGENCE_CASES = [
    ("sgd", {"lr": 0.015}),
    ("sgd", {"lr": 0.015, "momentum": 0.9}),
    ("sgd", {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    ("momentum", {"lr": 0.1, "beta": 0.9}),
    ("rmsprop", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
    ("adam", {"lr": 0.05}),
    ("adam", {"lr": 0.05, "amsgrad": True}),
    ("adam", {"lr": 0.05, "bias_correction": False, "eps_inside_sqrt": True}),
    ("adamw", {"lr": 0.05, "weight_decay": 0.0}),
]


@pytest.mark.parametrize(("name", "kwargs"), CONVERGENCE_CASES)
def test_every_optimizer_reaches_the_minimum_of_a_quadratic_bowl(name, kwargs):
    opt = optim.get_optimizer(name, **kwargs)
    theta = np.zeros(3)
    for _ in range(3000):
        opt.step(theta, H * (theta - C))  # ∂C/∂θ = h ⊙ (θ − c)
    np.testing.assert_allclose(theta, C, rtol=0, atol=1e-6)
