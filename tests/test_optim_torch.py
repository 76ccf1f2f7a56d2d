"""glassnet.optim against torch.optim, step for step, with a learning rate that changes every step.

torch is the oracle (a required test dependency, never skipped). Each run: random params
and 25 random gradients from a fixed generator; before every step both sides get the same
new lr (``group["lr"]`` in torch); params must agree after every step to atol 1e-12 (float64).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from glassnet import optim

N_STEPS = 25
ATOL = 1e-12

TORCH_CLASSES = {
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
}

# (name, options): the same keyword arguments for glassnet and torch; lr is set per step
TORCH_CASES = [
    ("sgd", {}),
    ("sgd", {"momentum": 0.9}),
    ("sgd", {"momentum": 0.8, "dampening": 0.3}),
    ("sgd", {"momentum": 0.9, "nesterov": True}),
    ("sgd", {"weight_decay": 0.1}),
    ("sgd", {"momentum": 0.7, "nesterov": True, "weight_decay": 0.05}),
    ("rmsprop", {}),
    ("rmsprop", {"alpha": 0.9, "eps": 1e-3}),
    ("rmsprop", {"centered": True}),
    ("rmsprop", {"momentum": 0.9}),
    ("rmsprop", {"weight_decay": 0.1}),
    ("rmsprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.01}),
    ("adam", {}),
    ("adam", {"betas": (0.8, 0.9), "eps": 1e-3}),
    ("adam", {"amsgrad": True}),
    ("adam", {"weight_decay": 0.1}),
    ("adam", {"amsgrad": True, "weight_decay": 0.1}),
    ("adamw", {}),
    ("adamw", {"weight_decay": 0.3, "amsgrad": True}),
]


def case_id(name, options):
    return "-".join([name, *(f"{k}={v}" for k, v in options.items())])


def lr_sequence(rng: np.random.Generator, base: float) -> np.ndarray:
    """A learning rate that changes every step, between base/2 and 3·base/2."""
    return base * rng.uniform(0.5, 1.5, size=N_STEPS)


def gradients(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """N_STEPS random gradients of varied magnitude, so clipping is sometimes active."""
    scales = rng.uniform(0.05, 3.0, size=(N_STEPS,) + (1,) * len(shape))
    return rng.normal(size=(N_STEPS, *shape)) * scales


def run_against_torch(
    opt, torch_cls, torch_kwargs, *, seed, base_lr, shape=(17,), lr_scale=1.0, clip=None
):
    """Run both optimizers side by side; assert params agree after every step."""
    rng = np.random.default_rng(seed)
    params = rng.normal(size=shape)
    grads, lrs = gradients(rng, shape), lr_sequence(rng, base_lr)
    p = torch.tensor(params.copy(), dtype=torch.float64, requires_grad=True)
    t_opt = torch_cls([p], lr=lrs[0] * lr_scale, **torch_kwargs)
    for k in range(N_STEPS):
        g = grads[k].copy()
        opt.step(params, g, lr=lrs[k])
        p.grad = torch.tensor(grads[k].copy(), dtype=torch.float64)
        if clip == "norm":
            torch.nn.utils.clip_grad_norm_([p], opt.clip_norm)
        elif clip == "value":
            torch.nn.utils.clip_grad_value_([p], opt.clip_value)
        t_opt.param_groups[0]["lr"] = lrs[k] * lr_scale
        t_opt.step()
        np.testing.assert_allclose(
            params, p.detach().numpy(), rtol=0, atol=ATOL, err_msg=f"step {k + 1}"
        )
    return params


@pytest.mark.parametrize(("name", "options"), TORCH_CASES, ids=[case_id(*c) for c in TORCH_CASES])
@pytest.mark.parametrize("base_lr", [0.01, 0.5])
def test_matches_torch_every_step(name, options, base_lr):
    opt = optim.get_optimizer(name, lr=base_lr, **options)
    run_against_torch(opt, TORCH_CLASSES[name], options, seed=7, base_lr=base_lr)


def test_matches_torch_on_a_matrix_of_params():
    opt = optim.Adam(lr=0.1, amsgrad=True, weight_decay=0.01)
    run_against_torch(
        opt,
        torch.optim.Adam,
        {"amsgrad": True, "weight_decay": 0.01},
        seed=3,
        base_lr=0.1,
        shape=(4, 3),
    )


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_momentum_matches_torch_sgd_rescaled(beta):
    # Momentum: m_t = β m_{t−1} + (1 − β) g_t, m_0 = 0, θ ← θ − η m_t.
    # torch SGD(momentum=β, dampening=0): b_1 = g_1, b_t = β b_{t−1} + g_t.
    # Induction: m_1 = (1 − β) g_1 = (1 − β) b_1, and if m_{t−1} = (1 − β) b_{t−1} then
    # m_t = β (1 − β) b_{t−1} + (1 − β) g_t = (1 − β) b_t. So η m_t = η (1 − β) b_t:
    # torch SGD with lr η(1 − β) makes the same steps, whatever η does between steps.
    opt = optim.Momentum(lr=0.3, beta=beta)
    run_against_torch(
        opt, torch.optim.SGD, {"momentum": beta}, seed=11, base_lr=0.3, lr_scale=1.0 - beta
    )


@pytest.mark.parametrize(
    ("name", "kwargs", "torch_cls", "torch_kwargs", "clip"),
    [
        ("adam", {"clip_norm": 2.0}, torch.optim.Adam, {}, "norm"),
        ("sgd", {"momentum": 0.9, "clip_norm": 0.5}, torch.optim.SGD, {"momentum": 0.9}, "norm"),
        ("sgd", {"momentum": 0.9, "clip_value": 0.7}, torch.optim.SGD, {"momentum": 0.9}, "value"),
        ("rmsprop", {"clip_value": 1.0}, torch.optim.RMSprop, {}, "value"),
        ("adamw", {"clip_norm": 3.0}, torch.optim.AdamW, {}, "norm"),
    ],
)
def test_clipping_options_match_torch(name, kwargs, torch_cls, torch_kwargs, clip):
    opt = optim.get_optimizer(name, lr=0.1, **kwargs)
    run_against_torch(opt, torch_cls, torch_kwargs, seed=5, base_lr=0.1, clip=clip)


@pytest.mark.parametrize("max_norm", [0.1, 1.0, 5.0, 1e3])
def test_clip_by_global_norm_matches_torch(max_norm):
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(3, 4)), rng.normal(size=5), rng.normal(size=(2, 2))]
    tensors = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for t, g in zip(tensors, grads, strict=True):
        t.grad = torch.tensor(g.copy())
    expected_norm = torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    norm = optim.clip_by_global_norm(grads, max_norm)
    assert norm == pytest.approx(float(expected_norm), rel=1e-14)
    for t, g in zip(tensors, grads, strict=True):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-14, atol=0)


@pytest.mark.parametrize("limit", [0.1, 1.0, 10.0])
def test_clip_by_value_matches_torch(limit):
    rng = np.random.default_rng(1)
    g = rng.normal(size=(6, 5)) * 2.0
    t = torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
    t.grad = torch.tensor(g.copy())
    torch.nn.utils.clip_grad_value_([t], limit)
    optim.clip_by_value(g, limit)
    np.testing.assert_array_equal(g, t.grad.numpy())


# -- textbook variants: the formula written out again, plainly ------------------------------


def adam_textbook(theta, g, m, v, t, lr, b1, b2, eps, bias_correction, eps_inside_sqrt):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g**2
    m_hat = m / (1 - b1**t) if bias_correction else m
    v_hat = v / (1 - b2**t) if bias_correction else v
    denom = np.sqrt(v_hat + eps) if eps_inside_sqrt else np.sqrt(v_hat) + eps
    return theta - lr * m_hat / denom, m, v


@pytest.mark.parametrize(
    ("bias_correction", "eps_inside_sqrt"), [(False, False), (True, True), (False, True)]
)
def test_adam_textbook_variants_follow_their_formula(bias_correction, eps_inside_sqrt):
    rng = np.random.default_rng(2)
    b1, b2, eps = 0.9, 0.99, 1e-4
    theta = rng.normal(size=9)
    grads, lrs = gradients(rng, theta.shape), lr_sequence(rng, 0.05)
    opt = optim.Adam(
        lr=0.05,
        betas=(b1, b2),
        eps=eps,
        bias_correction=bias_correction,
        eps_inside_sqrt=eps_inside_sqrt,
    )
    params, m, v = theta.copy(), np.zeros(9), np.zeros(9)
    for k in range(N_STEPS):
        opt.step(params, grads[k].copy(), lr=lrs[k])
        theta, m, v = adam_textbook(
            theta, grads[k], m, v, k + 1, lrs[k], b1, b2, eps, bias_correction, eps_inside_sqrt
        )
        np.testing.assert_allclose(params, theta, rtol=0, atol=ATOL, err_msg=f"step {k + 1}")


@pytest.mark.parametrize("centered", [False, True])
def test_rmsprop_eps_inside_sqrt_follows_its_formula(centered):
    rng = np.random.default_rng(4)
    alpha, eps = 0.9, 1e-3
    theta = rng.normal(size=9)
    grads, lrs = gradients(rng, theta.shape), lr_sequence(rng, 0.01)
    opt = optim.RMSprop(lr=0.01, alpha=alpha, eps=eps, centered=centered, eps_inside_sqrt=True)
    params, v, g_avg = theta.copy(), np.zeros(9), np.zeros(9)
    for k in range(N_STEPS):
        g = grads[k]
        opt.step(params, g.copy(), lr=lrs[k])
        v = alpha * v + (1 - alpha) * g**2
        g_avg = alpha * g_avg + (1 - alpha) * g
        var = v - g_avg**2 if centered else v
        theta = theta - lrs[k] * g / np.sqrt(var + eps)
        np.testing.assert_allclose(params, theta, rtol=0, atol=ATOL, err_msg=f"step {k + 1}")


# -- float32 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("sgd", {"momentum": 0.9, "nesterov": True}),
        ("momentum", {}),
        ("rmsprop", {"centered": True, "momentum": 0.5}),
        ("adam", {"amsgrad": True}),
        ("adamw", {"weight_decay": 0.1}),
    ],
)
def test_float32_agrees_with_float64(name, kwargs):
    rng = np.random.default_rng(9)
    params64 = rng.normal(size=50)
    grads, lrs = gradients(rng, params64.shape), lr_sequence(rng, 0.02)
    params32 = params64.astype(np.float32)
    opt64 = optim.get_optimizer(name, lr=0.02, **kwargs)
    opt32 = optim.get_optimizer(name, lr=0.02, **kwargs)
    for k in range(N_STEPS):
        opt64.step(params64, grads[k].copy(), lr=lrs[k])
        opt32.step(params32, grads[k].astype(np.float32), lr=lrs[k])
    assert params32.dtype == np.float32
    # float32 rounding (≈6e-8 per operation) accumulated over 25 steps
    np.testing.assert_allclose(params32, params64, rtol=1e-5, atol=1e-6)
