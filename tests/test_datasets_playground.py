"""Playground-style 2-D sets: determinism per seed, shapes, balance, noise, ranges."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.datasets import (
    PLAYGROUND_NAMES,
    circles,
    load_playground,
    make_playground,
    plane,
    spiral,
)
from glassnet.errors import ConfigError

CLASSIFIERS = [n for n in PLAYGROUND_NAMES if n != "plane"]


def test_names():
    assert set(PLAYGROUND_NAMES) == {"circles", "xor", "gaussians", "spiral", "moons", "plane"}


@pytest.mark.parametrize("name", CLASSIFIERS)
@pytest.mark.parametrize("n", [200, 201])
def test_classification_shapes_and_balance(name, n):
    X, y = make_playground(name, n_samples=n, noise=0.2, seed=5)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [n // 2, n - n // 2]
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name", PLAYGROUND_NAMES)
def test_deterministic_per_seed(name):
    X1, y1 = make_playground(name, 100, noise=0.1, seed=7)
    X2, y2 = make_playground(name, 100, noise=0.1, seed=7)
    X3, _ = make_playground(name, 100, noise=0.1, seed=8)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", PLAYGROUND_NAMES)
def test_noise_changes_the_data(name):
    X0, y0 = make_playground(name, 100, noise=0.0, seed=1)
    X1, y1 = make_playground(name, 100, noise=0.3, seed=1)
    assert not (np.array_equal(X0, X1) and np.array_equal(y0, y1))


@pytest.mark.parametrize("name", PLAYGROUND_NAMES)
def test_clean_data_inside_playground_square(name):
    X, _ = make_playground(name, 1000, noise=0.0, seed=2)
    assert np.all(np.abs(X) <= 6.0)
    assert np.abs(X).max() > 2.0  # not squashed into [-1, 1]


def test_no_global_random_state_used():
    before = np.random.get_state()[1].copy()
    for name in PLAYGROUND_NAMES:
        load_playground(name, 50, noise=0.1, seed=None)
    assert np.array_equal(np.random.get_state()[1], before)


def test_clean_classes_are_separable_by_their_rule():
    X, y = make_playground("circles", 400, noise=0.0, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.all(r[y == 1] <= 2.5) and np.all(r[y == 0] >= 3.5)
    X, y = make_playground("xor", 400, noise=0.0, seed=0)
    assert np.all((X[:, 0] * X[:, 1] > 0) == (y == 1))
    X, y = make_playground("gaussians", 400, noise=0.0, seed=0)
    assert X[y == 1].mean(axis=0) == pytest.approx([2, 2], abs=0.2)
    assert X[y == 0].mean(axis=0) == pytest.approx([-2, -2], abs=0.2)


def test_plane_is_linear_regression_with_noise():
    X, t = make_playground("plane", 300, noise=0.0, seed=0)
    assert t.shape == (300, 1) and t.dtype == np.float64
    np.testing.assert_allclose(t[:, 0], (X[:, 0] + X[:, 1]) / 10)
    Xn, tn = make_playground("plane", 300, noise=0.5, seed=0)
    resid = tn[:, 0] - (Xn[:, 0] + Xn[:, 1]) / 10
    assert 0 < np.abs(resid).max() <= 0.6 + 1e-12


def test_dataset_split_is_stratified_and_covers_all_samples():
    d = load_playground("spiral", n_samples=300, noise=0.1, seed=4, test_fraction=0.5)
    assert d.task == "classification" and d.n_classes == 2 and d.feature_names == ("x1", "x2")
    assert d.X_train.shape == (150, 2) and d.X_test.shape == (150, 2)
    assert np.bincount(d.y_train).tolist() == [75, 75]
    X, _ = make_playground("spiral", 300, noise=0.1, seed=4)
    both = np.concatenate([d.X_train, d.X_test])
    assert sorted(map(tuple, both.tolist())) == sorted(map(tuple, X.tolist()))
    again = spiral(n_samples=300, noise=0.1, seed=4)
    assert np.array_equal(again.X_test, d.X_test)


def test_plane_dataset_is_regression():
    d = plane(n_samples=100, test_fraction=0.2)
    assert d.task == "regression" and d.n_classes is None and d.class_names == ()
    assert d.y_train.shape == (80, 1) and d.n_outputs == 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"noise": -0.1}, "noise"),
        ({"noise": 2}, "noise"),
        ({"n_samples": 1}, "n_samples"),
        ({"n_samples": 10.5}, "n_samples"),
        ({"seed": -1}, "seed"),
        ({"seed": "a"}, "seed"),
        ({"test_fraction": 1.0}, "test_fraction"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        circles(**kwargs)


def test_unknown_name_suggests():
    with pytest.raises(ConfigError, match="Did you mean 'spiral'"):
        make_playground("spirl")
