"""The fused (compiled, one-pass) optimizer steps and the NumPy fallback, on every code path.

Both backends run every torch.optim oracle case of test_optim_torch.py, and must agree with
each other bit for bit in float32 and float64 (the C kernels do the NumPy operations in the
same order and precision, without FMA contraction). The compiled backend is required: a
checkout builds it with ``python setup.py build_ext --inplace``, ``pip install`` builds it.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from test_optim_torch import TORCH_CASES, TORCH_CLASSES, case_id, run_against_torch

import glassnet.optim.base as base
from glassnet import optim
from glassnet.errors import ConfigError
from glassnet.optim import fused

BACKENDS = ["c", "numpy"]
ALL_CONFIGS = [
    *TORCH_CASES,
    ("momentum", {"beta": 0.9}),
    ("adam", {"bias_correction": False, "eps_inside_sqrt": True}),
    ("adam", {"eps_inside_sqrt": True, "amsgrad": True, "weight_decay": 0.01}),
    ("adamw", {"eps_inside_sqrt": True, "bias_correction": False}),
    ("rmsprop", {"eps_inside_sqrt": True, "centered": True, "momentum": 0.3}),
]


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Run the test with one backend, then restore the previous one."""
    if request.param not in fused.available():
        pytest.fail(
            "the compiled optimizer kernels are not built; run "
            "`python setup.py build_ext --inplace` (or `pip install -e .`)"
        )
    previous = fused.set_backend(request.param)
    yield request.param
    fused.set_backend(previous)


def test_the_compiled_kernels_are_built_and_chosen_by_default(monkeypatch):
    monkeypatch.delenv("GLASSNET_OPTIM_BACKEND", raising=False)
    assert fused.available() == ("c", "numpy")
    assert fused._initial() == "c"


@pytest.mark.parametrize(("name", "options"), TORCH_CASES, ids=[case_id(*c) for c in TORCH_CASES])
def test_both_backends_match_torch_every_step(backend, name, options):
    opt = optim.get_optimizer(name, lr=0.05, **options)
    run_against_torch(opt, TORCH_CLASSES[name], options, seed=17, base_lr=0.05, shape=(5, 7))


@pytest.mark.parametrize("beta", [0.0, 0.9])
def test_both_backends_momentum_matches_torch_sgd_rescaled(backend, beta):
    # η m_t = η (1 − β) b_t (see test_optim_torch): torch SGD with lr η(1 − β)
    opt = optim.Momentum(lr=0.3, beta=beta)
    run_against_torch(
        opt, torch.optim.SGD, {"momentum": beta}, seed=11, base_lr=0.3, lr_scale=1.0 - beta
    )


F32_CASES = [c for c in TORCH_CASES if c[0] != "sgd" or c[1]]


@pytest.mark.parametrize(("name", "options"), F32_CASES, ids=[case_id(*c) for c in F32_CASES])
def test_both_backends_match_torch_in_float32(backend, name, options):
    rng = np.random.default_rng(23)
    n_steps, shape = 40, (257,)
    params = rng.normal(size=shape).astype(np.float32)
    p = torch.tensor(params.copy(), requires_grad=True)
    opt = optim.get_optimizer(name, lr=1e-2, **options)
    t_opt = TORCH_CLASSES[name]([p], lr=1e-2, **options)
    for _ in range(n_steps):
        g = (rng.normal(size=shape) * rng.uniform(0.01, 2.0)).astype(np.float32)
        opt.step(params, g.copy())
        p.grad = torch.tensor(g)
        t_opt.step()
    # float32 rounding accumulated over 40 steps of size ≤ ~lr
    np.testing.assert_allclose(params, p.detach().numpy(), rtol=0, atol=2e-5)


def _run(name, options, dtype, backend_name, n=1000, steps=30, threads=1, monkeypatch=None):
    previous = fused.set_backend(backend_name)
    try:
        if monkeypatch is not None:
            monkeypatch.setattr(base, "_n_threads", threads)
        rng = np.random.default_rng(5)
        theta = rng.normal(size=n).astype(dtype)
        opt = optim.get_optimizer(name, lr=0.01, **options)
        for k in range(steps):
            g = rng.normal(size=n).astype(dtype) * dtype(rng.uniform(0.1, 3.0))
            g[: n // 10] = 0  # dead units: state decays towards subnormals
            opt.step(theta, g, lr=0.01 * (1 + k % 3))
        return theta, opt.state_dict()
    finally:
        fused.set_backend(previous)


@pytest.mark.parametrize(("name", "options"), ALL_CONFIGS, ids=[case_id(*c) for c in ALL_CONFIGS])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_and_numpy_steps_are_bit_identical(backend, name, options, dtype):
    theta_c, state_c = _run(name, options, dtype, "c")
    theta_np, state_np = _run(name, options, dtype, "numpy")
    np.testing.assert_array_equal(theta_c, theta_np)
    assert state_c["t"] == state_np["t"]
    for key, value in state_np.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(state_c[key], value, err_msg=key)


@pytest.mark.parametrize("name", ["adam", "rmsprop", "sgd", "momentum"])
def test_compiled_steps_in_parallel_chunks_equal_one_pass(name, monkeypatch):
    options = {"momentum": 0.9} if name == "sgd" else {}
    n = 3 * base.PARALLEL_MIN_SIZE + 5
    one, _ = _run(name, options, np.float32, "c", n=n, steps=4, threads=1, monkeypatch=monkeypatch)
    many, _ = _run(name, options, np.float32, "c", n=n, steps=4, threads=3, monkeypatch=monkeypatch)
    ref, _ = _run(name, options, np.float32, "numpy", n=n, steps=4, monkeypatch=monkeypatch)
    np.testing.assert_array_equal(one, many)
    np.testing.assert_array_equal(one, ref)


def test_arrays_the_kernels_cannot_take_fall_back_to_numpy(backend):
    rng = np.random.default_rng(8)
    base_params = rng.normal(size=(6, 8))
    grads = rng.normal(size=(4, 6, 8))
    strided = base_params.copy()[:, ::2]  # not C-contiguous
    dense = np.ascontiguousarray(strided)
    readonly = grads[:, :, ::2].copy()
    assert fused.kernels(strided) is None
    assert fused.kernels(dense, dense.astype(np.float32)) is None
    opt_a, opt_b = optim.Adam(lr=0.1), optim.Adam(lr=0.1)
    for g in readonly:
        g_ro = g.copy()
        g_ro.flags.writeable = False
        opt_a.step(strided, g.copy())
        opt_b.step(dense, g_ro)
    np.testing.assert_array_equal(strided, dense)


def test_set_backend_validates_its_argument():
    with pytest.raises(ConfigError, match="backend"):
        fused.set_backend("fortran")
    assert fused.get_backend() in fused.available()
