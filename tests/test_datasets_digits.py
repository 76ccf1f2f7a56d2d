"""The bundled 8x8 digits: shape, classes, value range, split, and equality with scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.datasets import load_dataset, load_digits
from glassnet.datasets.digits import DIGITS_PATH, load_digits_arrays
from glassnet.errors import ConfigError

CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_bundled_file_is_small_uint8_and_unpickled():
    assert DIGITS_PATH.stat().st_size < 100_000
    with np.load(DIGITS_PATH, allow_pickle=False) as z:
        assert sorted(z.files) == ["images", "labels"]
        assert z["images"].dtype == np.uint8 and z["images"].shape == (1797, 8, 8)
        assert z["labels"].dtype == np.uint8 and z["labels"].shape == (1797,)
    licence = DIGITS_PATH.with_name("DIGITS_LICENSE.txt").read_text()
    assert "CC BY 4.0" in licence and "Alpaydin" in licence and "Kaynak" in licence


def test_shapes_classes_and_value_range():
    d = load_digits()
    assert d.name == "digits" and d.task == "classification" and d.n_classes == 10
    assert d.X_train.shape == (1438, 64) and d.X_test.shape == (359, 64)
    assert d.X_train.dtype == np.float64 and d.y_train.dtype == np.int64
    assert d.class_names == tuple("0123456789")
    assert d.feature_names[0] == "pixel_0_0" and d.feature_names[63] == "pixel_7_7"
    X = np.concatenate([d.X_train, d.X_test])
    y = np.concatenate([d.y_train, d.y_test])
    assert X.min() == 0 and X.max() == 16
    assert np.array_equal(X, np.round(X))
    assert np.bincount(y).tolist() == CLASS_COUNTS
    assert "Alpaydin" in d.description


def test_split_is_stratified_and_deterministic():
    d1, d2 = load_digits(), load_digits()
    assert np.array_equal(d1.X_train, d2.X_train) and np.array_equal(d1.y_test, d2.y_test)
    test_counts = np.bincount(d1.y_test, minlength=10)
    assert np.all(np.abs(test_counts - 0.2 * np.array(CLASS_COUNTS)) <= 1)
    other = load_digits(seed=1)
    assert not np.array_equal(d1.y_test, other.y_test)
    assert other.X_test.shape == d1.X_test.shape


def test_scale_and_test_fraction_options():
    d = load_digits(scale=True, test_fraction=0.0)
    assert d.X_train.shape == (1797, 64) and d.X_test.shape == (0, 64)
    assert d.X_train.max() == 1.0 and d.X_train.min() == 0.0
    with pytest.raises(ConfigError, match="test_fraction"):
        load_digits(test_fraction=1.0)


def test_rows_are_the_bundled_images():
    images, labels = load_digits_arrays()
    d = load_digits(test_fraction=0.0)
    flat = images.reshape(1797, 64).astype(np.float64)
    # the same multiset of (image, label) rows, in shuffled order
    key = lambda X, y: sorted(map(tuple, np.column_stack([X, y]).tolist()))  # noqa: E731
    assert key(d.X_train, d.y_train) == key(flat, labels)


def test_load_dataset_by_name_passes_options():
    d = load_dataset("digits", test_fraction=0.5, seed=3)
    assert d.X_test.shape[0] in (898, 899)


def test_equal_to_scikit_learn_copy():
    sk_datasets = pytest.importorskip("sklearn.datasets", exc_type=ImportError)
    ref = sk_datasets.load_digits()
    images, labels = load_digits_arrays()
    assert np.array_equal(images, ref.images)
    assert np.array_equal(labels, ref.target)
    assert np.array_equal(images.reshape(1797, 64), ref.data)
