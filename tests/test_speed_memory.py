"""Round two's memory and overhead changes keep every answer: the finiteness check in blocks,
scratch made on first use, the subnormal sweep in blocks, cached option names, the
epoch-progress locals of fit and the snapshot's plain copy."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import glassnet as gn
import glassnet._validate as validate
import glassnet.optim.base as base
from glassnet.errors import ConfigError, DataError
from glassnet.optim import Adam, fused, get_optimizer
from glassnet.train.callbacks.base import Callback
from glassnet.train.snapshot import _copy_plain


# --------------------------------------------------------------------- check_finite
@pytest.mark.parametrize(
    ("shape", "where"),
    [((1000, 7), (537, 3)), ((5000,), (4999,)), ((30, 4, 5), (29, 3, 4)), ((3, 7), (0, 0)),
     ((3, 500), (2, 499))],  # the last: rows wider than a block
)
def test_a_non_finite_value_is_found_in_any_block_with_its_index(shape, where, monkeypatch):
    monkeypatch.setattr(validate, "FINITE_BLOCK", 100)  # many blocks
    arr = np.zeros(shape, np.float32)
    arr[where] = np.nan
    with pytest.raises(DataError) as err:
        validate.check_finite("w", "X", arr)
    assert f"at index [{', '.join(map(str, where))}]" in str(err.value)
    arr[where] = 1.0
    validate.check_finite("w", "X", arr)  # finite: no error


def test_check_finite_takes_integers_scalars_and_empty_arrays():
    validate.check_finite("w", "x", np.arange(5))
    validate.check_finite("w", "x", np.float64(3.0))
    validate.check_finite("w", "x", np.zeros((0, 3)))
    with pytest.raises(DataError, match="inf"):
        validate.check_finite("w", "x", np.float32(np.inf))


def test_fit_checks_its_data_without_a_data_set_sized_temporary(monkeypatch):
    seen = []
    real = np.isfinite

    def spy(a, *args, **kwargs):
        seen.append(np.size(a))
        return real(a, *args, **kwargs)

    monkeypatch.setattr(validate, "FINITE_BLOCK", 64)
    monkeypatch.setattr(validate.np, "isfinite", spy)
    X = np.random.default_rng(0).normal(size=(300, 4)).astype(np.float32)
    gn.Network([gn.Dense(4, 2, "softmax")], seed=0).fit(X, np.arange(300) % 2, epochs=1,
                                                         verbose=0)
    assert seen and 1200 not in seen  # X (300 × 4) in blocks of rows, never all at once
    assert 64 in seen


# --------------------------------------------------------------------- optimizer scratch
def test_the_compiled_steps_make_no_scratch_and_the_numpy_ones_match_them():
    rng = np.random.default_rng(1)
    theta0 = rng.normal(size=3 * base.PARALLEL_MIN_SIZE).astype(np.float32)
    grads = [rng.normal(size=theta0.size).astype(np.float32) for _ in range(3)]
    results = {}
    for backend in ("c", "numpy"):
        previous = fused.set_backend(backend)
        try:
            theta, opt = theta0.copy(), Adam(lr=1e-2, weight_decay=1e-3)
            for g in grads:
                opt.step(theta, g)
            results[backend] = (theta, sorted(opt._tmp))
        finally:
            fused.set_backend(previous)
    assert results["c"][1] == []  # no temporary of the parameters' size
    assert results["numpy"][1] == ["d", "s"]
    np.testing.assert_array_equal(results["c"][0], results["numpy"][0])


def test_the_subnormal_sweep_reaches_every_block(monkeypatch):
    monkeypatch.setattr(base, "FLUSH_BLOCK", 1000)
    n = 3500  # four blocks, the last one partial
    opt = get_optimizer("adam", lr=1e-3)
    theta = np.zeros(n, np.float32)
    opt.step(theta, np.ones(n, np.float32))
    tiny = np.finfo(np.float32).tiny
    m = opt._bufs["m"]
    m[[5, 1500, 3499]] = tiny / 4  # subnormals in the first, a middle and the last block
    m[7] = tiny  # the smallest normal number stays
    opt._flush_subnormals()
    assert m[5] == m[1500] == m[3499] == 0.0
    assert m[7] == tiny


# --------------------------------------------------------------------- option names
def test_cached_option_names_still_refuse_unknown_and_missing_options():
    net = gn.Network([gn.Dense(2, 2, "softmax")], seed=0)
    X, y = np.zeros((4, 2), np.float32), np.array([0, 1, 0, 1])
    for _ in range(2):  # the second call is answered from the cache
        with pytest.raises(ConfigError, match=r"unknown option 'epoch'.*Did you mean 'epochs'"):
            net.fit(X, y, epoch=1)

    def needs(a, b=1):
        return a + b

    with pytest.raises(ConfigError, match="option 'a' is required"):
        validate.call_with_options("needs", needs, {"b": 2})
    assert validate.call_with_options("needs", needs, {"a": 2}) == 3


def test_the_option_cache_keeps_no_training_data_alive():
    net = gn.Network([gn.Dense(2, 2, "softmax")], seed=0)
    X = np.zeros((8, 2), np.float32)
    alive = weakref.ref(X)
    net.fit(X, np.arange(8) % 2, epochs=1, verbose=0)
    net.training_state = None
    del X
    gc.collect()
    assert alive() is None


# --------------------------------------------------------------------- fit's bookkeeping
class Watch(Callback):
    """Reads the run's epoch progress at every batch end, as a checkpoint callback would."""

    def __init__(self) -> None:
        self.rows = []

    def on_batch_end(self, run, batch, logs) -> None:
        ep = run.epoch_state
        self.rows.append((batch, ep.batch, ep.position, run.step, ep.loss_norm, run.lr))


def test_batch_callbacks_see_the_epoch_as_it_is_after_each_update():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(23, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    net = gn.Network([gn.Dense(3, 4, "relu"), gn.Dense(4, 2, "softmax")], seed=0)
    watch = Watch()
    net.fit(X, y, epochs=2, batch_size=5, lr=0.01, callbacks=[watch], verbose=0)
    first = watch.rows[:5]
    assert [r[0] for r in first] == [1, 2, 3, 4, 5] == [r[1] for r in first]
    assert [r[2] for r in first] == [5, 10, 15, 20, 23]
    assert [r[3] for r in watch.rows] == list(range(1, 11))
    # mean reduction: Σ_b 1/scale_b is the number of samples seen so far
    assert [r[4] for r in first] == [5.0, 10.0, 15.0, 20.0, 23.0]
    assert all(r[5] == 0.01 for r in watch.rows)


def test_copy_plain_is_a_deep_copy():
    arr = np.arange(3.0)
    value = {"a": [1, {"b": 2.5}], "c": None, "d": arr, "e": "x"}
    copied = _copy_plain(value)
    assert copied == {"a": [1, {"b": 2.5}], "c": None, "d": copied["d"], "e": "x"}
    copied["a"][1]["b"] = 0
    copied["d"][0] = 9
    assert value["a"][1]["b"] == 2.5 and arr[0] == 0.0
