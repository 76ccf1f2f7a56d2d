"""Splits (determinism, stratification), one_hot range checks, Standardizer round trip."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glassnet.datasets import (
    Dataset,
    Standardizer,
    one_hot,
    stratified_split,
    train_val_test_split,
)
from glassnet.errors import ConfigError, DataError, ShapeError

LABELS = np.repeat(np.arange(3), [50, 30, 20])


def test_stratified_split_partition_and_proportions():
    keep, val = stratified_split(LABELS, 0.2, np.random.default_rng(0))
    assert keep.dtype == np.int64 and val.dtype == np.int64
    assert len(val) == 20 and len(keep) == 80
    assert sorted(np.concatenate([keep, val]).tolist()) == list(range(100))
    assert np.bincount(LABELS[val]).tolist() == [10, 6, 4]


def test_stratified_split_deterministic_given_rng_or_seed():
    a = stratified_split(LABELS, 0.3, np.random.default_rng(5))
    b = stratified_split(LABELS, 0.3, np.random.default_rng(5))
    c = stratified_split(LABELS, 0.3, 5)
    d = stratified_split(LABELS, 0.3, np.random.default_rng(6))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert all(np.array_equal(x, y) for x, y in zip(a, c, strict=True))
    assert not np.array_equal(a[1], d[1])


def test_stratified_split_one_hot_regression_and_edges():
    keep, val = stratified_split(np.eye(3)[LABELS], 0.2, 0)
    assert np.bincount(LABELS[val]).tolist() == [10, 6, 4]
    keep, val = stratified_split(np.array(["b", "a"] * 10), 0.5, 0)
    assert len(val) == 10 and (np.array(["b", "a"] * 10)[val] == "a").sum() == 5
    keep, val = stratified_split(np.linspace(0, 1, 10)[:, None], 0.3, 0)  # regression
    assert len(val) == 3 and len(keep) == 7
    keep, val = stratified_split(np.zeros(0, np.int64), 0.5, 0)
    assert len(keep) == len(val) == 0
    keep, val = stratified_split(LABELS, 0.0, 0)
    assert len(val) == 0 and len(keep) == 100
    keep, val = stratified_split(np.array([0, 1]), 0.01, 0)  # both parts non-empty
    assert len(val) == 1 and len(keep) == 1
    rare = np.array([0, 0, 0, 0, 1])
    keep, val = stratified_split(rare, 0.4, 0)  # the single class-1 sample stays in keep
    assert len(val) == 2 and rare[keep].tolist().count(1) == 1
    with pytest.raises(ConfigError, match="fraction"):
        stratified_split(LABELS, 1.0, 0)


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(1, 30), min_size=1, max_size=5),
    fraction=st.floats(0.0, 0.95),
    seed=st.integers(0, 2**32 - 1),
)
def test_stratified_split_properties(counts, fraction, seed):
    y = np.repeat(np.arange(len(counts)), counts)
    keep, val = stratified_split(y, fraction, np.random.default_rng(seed))
    n = len(y)
    assert sorted(np.concatenate([keep, val]).tolist()) == list(range(n))
    expected = round(fraction * n)
    if fraction > 0 and n >= 2:
        expected = min(max(expected, 1), n - 1)
    assert len(val) == expected
    per_class = np.bincount(y[val], minlength=len(counts))
    # each class gets ⌊quota⌋ or ⌊quota⌋ + 1 samples; the +1 goes first to classes that still
    # keep a training sample, so a class can sit a full sample above an integer quota
    quota = np.array(counts) * len(val) / n
    assert np.all((per_class >= np.floor(quota)) & (per_class <= np.floor(quota) + 1))


def test_train_val_test_split_sizes_stratified_deterministic():
    X = np.arange(100)[:, None].astype(float)
    s1 = train_val_test_split(X, LABELS, val=0.1, test=0.2, seed=3)
    s2 = train_val_test_split(X, LABELS, val=0.1, test=0.2, seed=3)
    assert [len(a) for a in s1] == [70, 70, 10, 10, 20, 20]
    for a, b in zip(s1, s2, strict=True):
        assert np.array_equal(a, b)
    assert np.bincount(s1.y_test).tolist() == [10, 6, 4]
    assert np.bincount(s1.y_val).tolist() == [5, 3, 2]
    used = np.concatenate([s1.X_train, s1.X_val, s1.X_test])[:, 0]
    assert sorted(used.tolist()) == list(range(100))
    assert np.array_equal(LABELS[s1.X_test[:, 0].astype(int)], s1.y_test)
    s3 = train_val_test_split(X, LABELS, seed=4)
    assert not np.array_equal(s1.X_test, s3.X_test)


def test_train_val_test_split_unstratified_and_errors():
    X = np.zeros((10, 2))
    s = train_val_test_split(X, np.arange(10.0), val=0.0, test=0.5, stratify=False)
    assert len(s.X_val) == 0 and len(s.X_test) == 5
    with pytest.raises(DataError, match="val \\+ test must be < 1"):
        train_val_test_split(X, np.arange(10), val=0.5, test=0.5)
    with pytest.raises(ShapeError, match="X has 10 samples but y has 9"):
        train_val_test_split(X, np.arange(9))


def test_one_hot():
    out = one_hot([2, 0, 1], 3)
    assert out.dtype == np.float64
    assert out.tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    assert one_hot(np.array([[1], [0]]), 2, dtype=np.float32).dtype == np.float32
    assert one_hot(np.array([1.0, 0.0]), 2).tolist() == [[0, 1], [1, 0]]


@pytest.mark.parametrize(
    ("labels", "n", "error", "match"),
    [
        ([0, 3, 1], 3, DataError, r"labels must be in \[0, 2\].*labels\[1\] = 3"),
        ([0, -1], 2, DataError, r"labels\[1\] = -1"),
        ([0.5, 1], 2, DataError, r"must be integers; labels\[0\] = 0.5"),
        (["a"], 2, DataError, "must be integers"),
        ([[0, 1], [1, 0]], 2, ShapeError, "1-D"),
        ([0], 0, ConfigError, "n_classes"),
        ([0, np.nan], 2, DataError, "non-finite"),
    ],
)
def test_one_hot_errors(labels, n, error, match):
    with pytest.raises(error, match=match):
        one_hot(labels, n)


def test_standardizer_round_trip_and_statistics():
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 5.0, size=(200, 4))
    s = Standardizer().fit(X)
    assert s.mean.shape == (4,) and s.std.shape == (4,)
    Z = s.transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, atol=1e-12)
    np.testing.assert_allclose(s.inverse_transform(Z), X, atol=1e-12)
    restored = Standardizer.from_state_dict(s.state_dict())
    np.testing.assert_array_equal(restored.transform(X), Z)


def test_standardizer_constant_columns_and_dtype():
    X = np.array([[1.0, 0.1, 5.0], [2.0, 0.1, 5.0], [3.0, 0.1, 5.0]], dtype=np.float32)
    s = Standardizer()
    Z = s.fit_transform(X)
    assert Z.dtype == np.float32
    assert s.constant.tolist() == [False, True, True] and s.std[1:].tolist() == [1.0, 1.0]
    assert np.all(Z[:, 1:] == 0)
    np.testing.assert_allclose(s.inverse_transform(Z), X)
    one = Standardizer().fit(np.array([[4, 7]]))
    assert one.transform(np.array([[4, 7]])).tolist() == [[0.0, 0.0]]


def test_standardizer_errors():
    s = Standardizer()
    with pytest.raises(DataError, match="not fitted"):
        s.transform(np.zeros((2, 2)))
    s.fit(np.arange(6.0).reshape(3, 2))
    with pytest.raises(ShapeError, match="3 columns but the Standardizer was fitted on 2"):
        s.transform(np.zeros((1, 3)))
    with pytest.raises(DataError, match="non-finite"):
        s.transform(np.array([[1.0, np.inf]]))
    with pytest.raises(ShapeError, match="2-D"):
        s.transform(np.zeros(3))
    with pytest.raises(DataError, match="std must be > 0"):
        Standardizer.from_state_dict({"mean": [0.0], "std": [0.0]})


def test_dataset_checks_shapes():
    X, y = np.zeros((4, 2)), np.zeros(4, np.int64)
    d = Dataset(X, y, X[:1], y[:1], "classification", 2, ("a", "b"), ("u", "v"), "toy")
    assert d.n_features == 2 and d.n_outputs == 2 and "toy: classification" in d.summary()
    with pytest.raises(ShapeError, match="y_test has 2 samples but X_test has 1"):
        Dataset(X, y, X[:1], y[:2], "classification", 2, ("a", "b"), ("u", "v"), "toy")
    with pytest.raises(ShapeError, match="X_train must be"):
        Dataset(X, y, X, y, "classification", 2, ("a", "b"), ("u",), "toy")
    with pytest.raises(DataError, match="task"):
        Dataset(X, y, X, y, "clustering", 2, ("a", "b"), ("u", "v"), "toy")
