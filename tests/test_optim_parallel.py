"""The optimizer step's chunked, multi-threaded path and its subnormal flush."""

import numpy as np
import pytest

import glassnet.optim.base as base
from glassnet.optim import get_optimizer

CONFIGS = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
    ("momentum", {"lr": 0.1, "beta": 0.9}),
    ("rmsprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 1e-3}),
    ("adam", {"lr": 1e-3, "amsgrad": True, "weight_decay": 1e-3}),
    ("adamw", {"lr": 1e-3}),
]


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parallel_chunks_are_bit_identical_to_one_pass(name, kwargs, dtype, monkeypatch):
    rng = np.random.default_rng(3)
    n = 3 * base.PARALLEL_MIN_SIZE + 17  # large enough to be split, not a multiple of chunks
    theta0 = rng.normal(size=n).astype(dtype)
    grads = [rng.normal(size=n).astype(dtype) for _ in range(5)]

    def run(threads):
        monkeypatch.setattr(base, "_n_threads", threads)
        theta, opt = theta0.copy(), get_optimizer(name, **kwargs)
        for g in grads:
            opt.step(theta, g.copy())
        return theta, opt.state_dict()

    one, state_one = run(1)
    many, state_many = run(4)
    np.testing.assert_array_equal(one, many)
    for key, value in state_one.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(value, state_many[key])


def test_subnormal_state_is_flushed_without_changing_the_parameters(monkeypatch):
    # a dead unit: its gradient is exactly 0 after the first step, so Adam's m decays by β₁
    # per step: m_k = 1e-4 · 0.9^k is subnormal (< 1.18e-38) for k ≥ 734 and underflows to 0
    # only after k ≈ 900. At t = 800 (a multiple of FLUSH_EVERY) it would be about 5e-41.
    def run(flush_every):
        monkeypatch.setattr(base, "FLUSH_EVERY", flush_every)
        theta = np.array([0.5, -0.25], dtype=np.float32)
        opt = get_optimizer("adam", lr=1e-3)
        opt.step(theta, np.array([1e-3, 1.0], dtype=np.float32))
        path = []
        for _ in range(799):
            opt.step(theta, np.zeros(2, dtype=np.float32))
            path.append(theta.copy())
        return np.array(path), opt.state_dict()

    path_plain, state_plain = run(10**9)
    path_flushed, state_flushed = run(16)
    tiny = np.finfo(np.float32).tiny
    assert 0 < abs(state_plain["m"][0]) < tiny  # without the sweep: a subnormal
    assert state_flushed["m"][0] == 0.0  # with it: flushed
    np.testing.assert_array_equal(path_plain, path_flushed)  # and no parameter changed


def test_second_moments_are_kept_when_eps_is_too_small_to_hide_them(monkeypatch):
    # with ε = 0, Adam divides by √v: flushing a subnormal v to 0 would turn a finite step
    # into m/0 = inf. Gradients of 1e-20 give v = 1e-3·1e-40 (subnormal) and m ≈ 1e-21.
    monkeypatch.setattr(base, "FLUSH_EVERY", 16)
    for eps, expect_kept in ((0.0, True), (1e-8, False)):
        theta = np.zeros(1, dtype=np.float32)
        opt = get_optimizer("adam", lr=1e-3, eps=eps)
        for _ in range(16):
            opt.step(theta, np.array([1e-20], dtype=np.float32))
        v = opt.state_dict()["v"][0]
        assert (v > 0) == expect_kept
        assert np.isfinite(theta).all()
