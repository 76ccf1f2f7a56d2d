"""User data: CSV happy paths and every CSV error (row/column named), .npz and .npy."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.datasets import load_csv, load_npy, load_npz
from glassnet.errors import ConfigError, DataError


def _csv(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_text_labels(tmp_path):
    rows = "".join(f"{i},{i * 0.5},{'cat' if i % 2 else 'dog'}\n" for i in range(20))
    path = _csv(tmp_path, "x1, x2 ,label\n" + rows)
    d = load_csv(path)
    assert d.task == "classification" and d.n_classes == 2
    assert d.class_names == ("cat", "dog") and d.feature_names == ("x1", "x2")
    assert d.name == "data" and d.X_train.dtype == np.float64 and d.y_train.dtype == np.int64
    assert d.X_train.shape == (16, 2) and d.X_test.shape == (4, 2)
    assert np.bincount(d.y_test).tolist() == [2, 2]
    X = np.concatenate([d.X_train, d.X_test])
    y = np.concatenate([d.y_train, d.y_test])
    for x, label in zip(X, y, strict=True):
        assert d.class_names[label] == ("cat" if int(x[0]) % 2 else "dog")
        assert x[1] == x[0] * 0.5
    again = load_csv(path)
    assert np.array_equal(again.X_test, d.X_test)


def test_csv_integer_labels_keep_their_values_and_target_anywhere(tmp_path):
    path = _csv(tmp_path, "y,a,b\n2,1,1\n0,2,2\n1,3,3\n0,4,4\n1,5,5\n2,6,6\n")
    d = load_csv(path, target="y", test_fraction=0)
    assert d.class_names == ("0", "1", "2") and d.feature_names == ("a", "b")
    assert sorted(zip(d.X_train[:, 0].tolist(), d.y_train.tolist(), strict=True)) == [
        (1, 2),
        (2, 0),
        (3, 1),
        (4, 0),
        (5, 1),
        (6, 2),
    ]


def test_csv_nonconsecutive_integers_are_mapped_in_order(tmp_path):
    path = _csv(tmp_path, "x,label\n1,-1\n2,5\n3,-1\n4,5\n")
    d = load_csv(path, test_fraction=0)
    assert d.class_names == ("-1", "5")
    assert d.y_train[np.argsort(d.X_train[:, 0])].tolist() == [0, 1, 0, 1]


def test_csv_regression_auto_and_forced(tmp_path):
    path = _csv(tmp_path, "x,t\n1,0.5\n2,1.5\n3,2.25\n4,3\n5,1\n")
    d = load_csv(path, target="t")
    assert d.task == "regression" and d.n_classes is None and d.class_names == ()
    assert d.y_train.shape == (4, 1) and d.y_train.dtype == np.float64
    ints = _csv(tmp_path, "x,t\n1,0\n2,1\n3,0\n4,1\n", "ints.csv")
    assert load_csv(ints, target="t").task == "classification"
    assert load_csv(ints, target="t", task="regression").task == "regression"
    many = _csv(tmp_path, "x,t\n" + "".join(f"{i},{i * 7}\n" for i in range(60)), "many.csv")
    assert load_csv(many, target="t").task == "regression"  # > max_classes distinct integers
    assert load_csv(many, target="t", max_classes=100).task == "classification"


def test_csv_blank_lines_quotes_and_semicolons(tmp_path):
    path = _csv(tmp_path, '"x 1";x2;label\n\n1;"2.5";a\n\n3;4;b\n  \n')
    d = load_csv(path, delimiter=";", test_fraction=0)
    assert d.feature_names == ("x 1", "x2") and d.X_train.shape == (2, 2)


# ---- errors: where, what was expected, what was received ----------------------------------


def test_csv_missing_file_and_directory(tmp_path):
    with pytest.raises(DataError, match=r"nothere\.csv: CSV file not found"):
        load_csv(tmp_path / "nothere.csv")
    with pytest.raises(DataError, match="directory"):
        load_csv(tmp_path)


def test_csv_empty_and_header_only(tmp_path):
    with pytest.raises(DataError, match=r"empty\.csv: the file is empty; expected a header"):
        load_csv(_csv(tmp_path, "", "empty.csv"))
    with pytest.raises(DataError, match="the file is empty"):
        load_csv(_csv(tmp_path, "\n\n", "blank.csv"))
    with pytest.raises(DataError, match="header but no data rows"):
        load_csv(_csv(tmp_path, "x,label\n", "hdr.csv"))


def test_csv_missing_target_suggests_close_match(tmp_path):
    path = _csv(tmp_path, "x1,x2,lable\n1,2,0\n")
    with pytest.raises(DataError, match=r"no target column 'label'.*Did you mean 'lable'\?"):
        load_csv(path)
    with pytest.raises(DataError, match=r"'x1', 'x2', 'lable'. Pass target="):
        load_csv(path, target="zzz")


def test_csv_ragged_row(tmp_path):
    path = _csv(tmp_path, "x1,x2,label\n1,2,0\n\n3,4\n")
    with pytest.raises(DataError, match=r"data\.csv, row 4: 2 cell\(s\) but the header has 3"):
        load_csv(path)


def test_csv_non_numeric_cell(tmp_path):
    rows = "".join(f"{i},{i},0\n" for i in range(15)) + "1,abc,1\n"
    path = _csv(tmp_path, "x1,x2,label\n" + rows)
    msg = r"data\.csv, row 17, column 'x2': value 'abc' is not a number\."
    with pytest.raises(DataError, match=msg):
        load_csv(path)


@pytest.mark.parametrize(
    ("cell", "match"),
    [
        ("", "empty cell; expected a number"),
        ("nan", "value 'nan' is not a finite number"),
        ("NaN", "value 'NaN' is not a finite number"),
        ("-inf", "value '-inf' is not a finite number"),
    ],
)
def test_csv_missing_or_nan_feature_cell(tmp_path, cell, match):
    path = _csv(tmp_path, f"x1,x2,label\n1,2,0\n3,{cell},1\n")
    with pytest.raises(DataError, match=rf"row 3, column 'x2': {match}"):
        load_csv(path)


def test_csv_bad_target_cells(tmp_path):
    with pytest.raises(DataError, match=r"row 3, column 'label': empty target cell"):
        load_csv(_csv(tmp_path, "x,label\n1,0\n2,\n", "a.csv"))
    with pytest.raises(DataError, match=r"row 2, column 'label': target value 'nan' is not a"):
        load_csv(_csv(tmp_path, "x,label\n1,nan\n2,1\n", "b.csv"))
    with pytest.raises(DataError, match=r"row 3, column 't': target value 'x' is not a number"):
        load_csv(_csv(tmp_path, "a,t\n1,0.5\n2,x\n", "c.csv"), target="t", task="regression")
    with pytest.raises(DataError, match=r"row 2, column 't': target value '0.5' is not a class"):
        load_csv(_csv(tmp_path, "a,t\n1,0.5\n2,1\n", "d.csv"), target="t", task="classification")
    with pytest.raises(DataError, match="at least 2 classes"):
        load_csv(_csv(tmp_path, "a,label\n1,cat\n2,cat\n", "e.csv"))


def test_csv_header_problems(tmp_path):
    with pytest.raises(DataError, match=r"duplicate column name.*'x'"):
        load_csv(_csv(tmp_path, "x,x,label\n1,2,0\n", "dup.csv"))
    with pytest.raises(DataError, match="header: column 2 has no name"):
        load_csv(_csv(tmp_path, "x,,label\n1,2,0\n", "noname.csv"))
    with pytest.raises(DataError, match="need at least one feature"):
        load_csv(_csv(tmp_path, "label\n0\n1\n", "only.csv"))


def test_csv_binary_file(tmp_path):
    path = tmp_path / "bin.csv"
    path.write_bytes(b"x,label\n\xff\xfe\x00\x01,1\n")
    with pytest.raises(DataError, match="not a UTF-8 text file"):
        load_csv(path)


def test_csv_bad_options(tmp_path):
    path = _csv(tmp_path, "x,label\n1,0\n2,1\n")
    with pytest.raises(ConfigError, match="Did you mean 'regression'"):
        load_csv(path, task="regresion")
    with pytest.raises(ConfigError, match="test_fraction"):
        load_csv(path, test_fraction=-0.1)


# ---- .npz / .npy -----------------------------------------------------------------------


def test_npz_happy_path(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2, 3))
    y = np.repeat(np.array(["a", "b"]), 20)
    path = tmp_path / "d.npz"
    np.savez(path, X=X, y=y, feature_names=np.array([f"f{i}" for i in range(6)]))
    d = load_npz(path)
    assert d.X_train.shape == (32, 6) and d.class_names == ("a", "b")
    assert d.feature_names[5] == "f5" and np.bincount(d.y_test).tolist() == [4, 4]
    np.savez(path, X=X[:, 0, :], y=X[:, 0, 0])
    r = load_npz(path, test_fraction=0)
    assert r.task == "regression" and r.y_train.shape == (40, 1) and r.feature_names[0] == "x1"


def test_npz_errors(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.zeros((3, 2)), y=np.arange(3))
    with pytest.raises(DataError, match=r"no array 'X'; the file holds x, y\. Did you mean 'x'"):
        load_npz(path)
    np.savez(path, X=np.array([[1.0], [np.nan]]), y=np.arange(2))
    with pytest.raises(DataError, match=r"X\[1, 0\] is nan"):
        load_npz(path)
    np.savez(path, X=np.zeros((3, 2)), y=np.arange(4))
    with pytest.raises(DataError, match="X has 3 samples but y has 4"):
        load_npz(path)
    np.savez(path, X=np.zeros((3, 2)), y=np.array([{"a": 1}, 2, 3], dtype=object))
    with pytest.raises(DataError, match=r"'y' holds Python objects.*allow_pickle=False"):
        load_npz(path)
    bad = tmp_path / "text.npz"
    bad.write_text("not a zip")
    with pytest.raises(DataError, match=r"text\.npz: not a readable \.npz file"):
        load_npz(bad)
    with pytest.raises(DataError, match="not found"):
        load_npz(tmp_path / "absent.npz")


def test_npy_pair(tmp_path):
    np.save(tmp_path / "X.npy", np.arange(20.0).reshape(10, 2))
    np.save(tmp_path / "y.npy", np.arange(10) % 2)
    d = load_npy(tmp_path / "X.npy", tmp_path / "y.npy", test_fraction=0.2)
    assert d.X_train.shape == (8, 2) and d.n_classes == 2
    np.save(tmp_path / "obj.npy", np.array([1, "a", None], dtype=object))
    with pytest.raises(DataError, match=r"obj\.npy: the array holds Python objects"):
        load_npy(tmp_path / "X.npy", tmp_path / "obj.npy")
