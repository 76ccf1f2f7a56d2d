"""IDX reader on small files written here, directory loading, and the real Fashion-MNIST."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from glassnet.datasets import idx as idx_module
from glassnet.datasets import (
    load_dataset,
    load_fashion_mnist,
    load_idx_dataset,
    load_mnist,
    read_idx,
    write_idx,
)
from glassnet.errors import DataError

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


def _raw_idx(code: int, dims: tuple[int, ...], payload: bytes) -> bytes:
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + payload


@pytest.mark.parametrize("gz", [False, True])
def test_hand_made_ubyte_3d(tmp_path, gz):
    data = bytes(range(24))
    raw = _raw_idx(0x08, (2, 3, 4), data)
    path = tmp_path / ("a.idx.gz" if gz else "a.idx")
    path.write_bytes(gzip.compress(raw) if gz else raw)
    arr = read_idx(path)
    assert arr.dtype == np.uint8 and arr.shape == (2, 3, 4)
    assert arr.ravel().tolist() == list(range(24))


@pytest.mark.parametrize("gz", [False, True])
def test_hand_made_float_1d(tmp_path, gz):
    values = [1.5, -2.25, 1e300]
    raw = _raw_idx(0x0E, (3,), struct.pack(">3d", *values))
    path = tmp_path / "f.idx"
    path.write_bytes(gzip.compress(raw) if gz else raw)  # gzip found by magic, not name
    arr = read_idx(path)
    assert arr.dtype == np.float64 and arr.dtype.isnative and arr.tolist() == values
    raw32 = _raw_idx(0x0D, (2,), struct.pack(">2f", 0.5, -3.0))
    path.write_bytes(raw32)
    assert read_idx(path).dtype == np.float32 and read_idx(path).tolist() == [0.5, -3.0]


@pytest.mark.parametrize("dtype", ["u1", "i1", "i2", "i4", "f4", "f8"])
@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 3, 4)])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_write_read_round_trip(tmp_path, dtype, shape, suffix):
    rng = np.random.default_rng(0)
    if dtype.startswith("f"):
        arr = (rng.normal(size=shape) * 50).astype(dtype)
    else:
        arr = rng.integers(0 if dtype == "u1" else -100, 200, size=shape).astype(dtype)
    path = tmp_path / f"x{suffix}"
    write_idx(path, arr)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == (suffix == ".gz")
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and np.array_equal(back, arr)


def test_truncated_file(tmp_path):
    path = tmp_path / "short-idx1-ubyte"
    path.write_bytes(_raw_idx(0x08, (10,), bytes(9)))
    with pytest.raises(DataError, match=r"short-idx1-ubyte.*truncated.*10 data bytes.*has 9"):
        read_idx(path)


def test_truncated_header(tmp_path):
    path = tmp_path / "hdr.idx"
    path.write_bytes(bytes([0, 0, 8, 3, 0, 0, 0, 2]))
    with pytest.raises(DataError, match=r"hdr\.idx: truncated IDX header"):
        read_idx(path)


def test_trailing_bytes(tmp_path):
    path = tmp_path / "long.idx"
    path.write_bytes(_raw_idx(0x08, (2,), bytes(5)))
    with pytest.raises(DataError, match=r"long\.idx.*trailing bytes"):
        read_idx(path)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"hello world, this is text", "not an IDX file: magic number starts with bytes 68 65"),
        (b"\x89PNG\r\n\x1a\n" + bytes(20), "not an IDX file"),
        (b"", "shorter than the 4-byte magic number"),
        (bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 0]), "unknown IDX type code 0x07"),
        (bytes([0, 0, 0x08, 0]), "0 dimensions"),
    ],
)
def test_foreign_or_bad_magic(tmp_path, content, match):
    path = tmp_path / "foreign.bin"
    path.write_bytes(content)
    with pytest.raises(DataError, match=match) as info:
        read_idx(path)
    assert "foreign.bin" in str(info.value)


def test_damaged_gzip(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(_raw_idx(0x08, (1000,), bytes(range(250)) * 4))[:-20])
    with pytest.raises(DataError, match=r"cut\.gz: the gzip stream is damaged or truncated"):
        read_idx(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"nope\.idx: IDX file not found"):
        read_idx(tmp_path / "nope.idx")


def test_write_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(DataError, match="cannot write IDX"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=np.uint16))


def _mini_mnist(directory: Path, n_train=6, n_test=4, gz_test=False, dotted=False) -> None:
    rng = np.random.default_rng(1)
    sep = "." if dotted else "-"
    for part, n, gz in (("train", n_train, False), ("t10k", n_test, gz_test)):
        ext = ".gz" if gz else ""
        images = rng.integers(0, 256, (n, 3, 2), dtype=np.uint8)
        write_idx(directory / f"{part}-images{sep}idx3-ubyte{ext}", images)
        labels = np.arange(n, dtype=np.uint8) % 3
        write_idx(directory / f"{part}-labels{sep}idx1-ubyte{ext}", labels)


@pytest.mark.parametrize("gz_test", [False, True])
@pytest.mark.parametrize("dotted", [False, True])
def test_load_idx_dataset(tmp_path, gz_test, dotted):
    _mini_mnist(tmp_path, gz_test=gz_test, dotted=dotted)
    d = load_idx_dataset(tmp_path, scale=False)
    assert d.X_train.shape == (6, 6) and d.X_train.dtype == np.uint8
    assert d.X_test.shape == (4, 6) and d.y_test.dtype == np.int64
    assert d.n_classes == 3 and d.y_train.tolist() == [0, 1, 2, 0, 1, 2]
    s = load_mnist(tmp_path)
    assert s.name == "mnist" and s.X_train.dtype == np.float32
    np.testing.assert_allclose(s.X_train, d.X_train / 255, rtol=1e-6)
    assert load_dataset("mnist", directory=str(tmp_path)).X_test.shape == (4, 6)


def test_load_idx_dataset_missing_files(tmp_path):
    _mini_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match=r"missing IDX file.*t10k-labels-idx1-ubyte"):
        load_idx_dataset(tmp_path)
    with pytest.raises(DataError, match="directory not found"):
        load_idx_dataset(tmp_path / "absent")


def test_load_idx_dataset_label_count_mismatch(tmp_path):
    _mini_mnist(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(5, np.uint8))
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte: expected 6 labels"):
        load_idx_dataset(tmp_path)


def test_fashion_mnist_missing_directory_says_how_to_install(tmp_path, monkeypatch):
    with pytest.raises(DataError, match="apt-get install dataset-fashion-mnist") as info:
        load_fashion_mnist(tmp_path / "missing")
    assert "missing" in str(info.value) and "directory=" in str(info.value)
    monkeypatch.setattr(idx_module, "FASHION_MNIST_DIR", tmp_path / "not-installed")
    with pytest.raises(DataError, match="sudo apt-get install dataset-fashion-mnist"):
        load_fashion_mnist()


@pytest.fixture(scope="module")
def fashion():
    return load_fashion_mnist()


def test_fashion_mnist_from_debian_package(fashion):
    # CI installs the Debian package dataset-fashion-mnist: this test must not be skipped.
    d = fashion
    assert d.name == "fashion-mnist" and d.n_classes == 10
    assert d.X_train.shape == (60000, 784) and d.X_test.shape == (10000, 784)
    assert d.X_train.dtype == np.float32
    assert d.X_train.min() >= 0.0 and d.X_train.max() <= 1.0
    assert d.y_train.dtype == np.int64 and set(np.unique(d.y_train)) == set(range(10))
    assert np.bincount(d.y_train).tolist() == [6000] * 10
    assert np.bincount(d.y_test).tolist() == [1000] * 10
    assert d.class_names[0] == "T-shirt/top" and d.class_names[9] == "Ankle boot"


def test_fashion_mnist_unscaled_and_by_name(tmp_path):
    # Debian's layout (gzipped, dashed names) written here, so this runs on any machine
    _mini_mnist(tmp_path, gz_test=True)
    raw = load_dataset("fashion-mnist", directory=tmp_path, scale=False)
    scaled = load_fashion_mnist(tmp_path)
    assert raw.X_test.dtype == np.uint8 and raw.X_test.shape == (4, 6)
    assert scaled.name == "fashion-mnist" and str(tmp_path) in scaled.description
    np.testing.assert_allclose(scaled.X_test, raw.X_test / 255, rtol=1e-6)
