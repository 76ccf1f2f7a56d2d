"""load_dataset by name or path, option checking, and a light import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from glassnet.datasets import PLAYGROUND_NAMES, list_datasets, load_dataset
from glassnet.errors import ConfigError, DataError


def test_list_datasets_names_everything():
    names = set(list_datasets())
    assert names == {"digits", "fashion-mnist", "mnist", *PLAYGROUND_NAMES}
    assert all(isinstance(v, str) and v for v in list_datasets().values())


@pytest.mark.parametrize("name", PLAYGROUND_NAMES)
def test_playground_by_name(name):
    d = load_dataset(name, n_samples=60, noise=0.1, seed=2)
    assert d.name == name and d.X_train.shape[0] + d.X_test.shape[0] == 60


def test_aliases_and_case():
    assert load_dataset("Spiral", n_samples=10).name == "spiral"
    assert load_dataset("circle", n_samples=10).name == "circles"


def test_unknown_name_suggests_close_match():
    with pytest.raises(ConfigError, match=r"unknown data set 'digts'.*Did you mean 'digits'"):
        load_dataset("digts")
    with pytest.raises(ConfigError, match="Did you mean 'fashion-mnist'"):
        load_dataset("fashion-mnst")


def test_unknown_and_missing_options():
    with pytest.raises(ConfigError, match=r"unknown option 'sead'.*Did you mean 'seed'"):
        load_dataset("digits", sead=1)
    with pytest.raises(ConfigError, match="option 'directory' is required"):
        load_dataset("mnist")
    with pytest.raises(ConfigError, match="data set name or a path"):
        load_dataset(3)


def test_paths(tmp_path):
    csv = tmp_path / "points.csv"
    csv.write_text("a,b,y\n" + "".join(f"{i},{-i},{i % 2}\n" for i in range(10)))
    d = load_dataset(str(csv), target="y", test_fraction=0.2)
    assert d.name == "points" and d.X_test.shape == (2, 2)
    assert load_dataset(csv, target="y").n_classes == 2  # a Path works too
    np.savez(tmp_path / "arrays.npz", X=np.ones((6, 3)), y=np.array([0, 1] * 3))
    assert load_dataset(str(tmp_path / "arrays.npz")).n_features == 3
    np.save(tmp_path / "X.npy", np.ones((6, 2)))
    np.save(tmp_path / "y.npy", np.array([0, 1] * 3))
    d = load_dataset(str(tmp_path / "X.npy"), y_path=tmp_path / "y.npy", test_fraction=0)
    assert d.X_train.shape == (6, 2)
    with pytest.raises(ConfigError, match="option 'y_path' is required"):
        load_dataset(str(tmp_path / "X.npy"))
    with pytest.raises(ConfigError, match=r"unknown option 'targt'.*Did you mean 'target'"):
        load_dataset(str(csv), targt="y")
    with pytest.raises(ConfigError, match=r"extension \.txt; expected \.csv, \.npz or \.npy"):
        load_dataset(str(tmp_path / "data.txt"))
    with pytest.raises(DataError, match="CSV file not found"):
        load_dataset(str(tmp_path / "absent.csv"))


def test_import_is_light():
    code = (
        "import sys, glassnet.datasets; "
        "heavy = [m for m in ('sklearn', 'matplotlib', 'scipy', 'pandas', 'torch') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert out.stdout.strip() == "[]"
