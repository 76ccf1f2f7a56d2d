"""IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed.

An IDX file is ``00 00 <type> <ndim>``, then ``ndim`` big-endian uint32 sizes, then the
values in C order, big-endian. Type codes (LeCun's specification): 0x08 uint8, 0x09 int8,
0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64. The header is checked against the
file's length, so a truncated or foreign file is a :class:`~glassnet.errors.DataError`
naming the file. Gzip is recognised by its magic bytes, not by the file name.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

from glassnet.datasets.preprocessing import Dataset
from glassnet.errors import DataError

IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("="): code for code, dt in IDX_DTYPES.items()}

FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def _read_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: IDX file not found.") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read the IDX file ({exc.strerror or exc}).") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(
                f"{path}: the gzip stream is damaged or truncated ({exc}); "
                "re-copy or re-install the file."
            ) from None
    return raw


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read one IDX file (plain or gzip) and return its array in native byte order.

    The shape is the file's dimensions, e.g. (60000, 28, 28) images or (60000,) labels;
    the dtype comes from the type code (uint8 for MNIST).
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise DataError(
            f"{path}: not an IDX file: {len(raw)} byte(s), shorter than the 4-byte magic number."
        )
    if raw[0] != 0 or raw[1] != 0:
        raise DataError(
            f"{path}: not an IDX file: magic number starts with bytes {raw[:2].hex(' ')}; "
            "expected 00 00."
        )
    code, ndim = raw[2], raw[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X} {dt.name}" for c, dt in IDX_DTYPES.items())
        raise DataError(f"{path}: unknown IDX type code 0x{code:02X}; expected one of {known}.")
    if ndim == 0:
        raise DataError(f"{path}: IDX header declares 0 dimensions; expected at least 1.")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(
            f"{path}: truncated IDX header: {ndim} dimension(s) need {header} bytes; "
            f"the file has {len(raw)}."
        )
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_DTYPES[code]
    expected = math.prod(dims) * dtype.itemsize
    actual = len(raw) - header
    if actual != expected:
        problem = "truncated" if actual < expected else "has trailing bytes"
        raise DataError(
            f"{path}: IDX file {problem}: header says shape {dims} of {dtype.name} = "
            f"{expected} data bytes; the file has {actual}."
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)
    return data.astype(dtype.newbyteorder("="))


def write_idx(
    path: str | os.PathLike[str], array: np.ndarray, compress: bool | None = None
) -> None:
    """Write ``array`` (≥1-D; uint8, int8, int16, int32, float32 or float64) as an IDX file.

    ``compress=None`` gzips when the name ends in ``.gz``.
    """
    path = Path(path)
    arr = np.asarray(array)
    key = arr.dtype.newbyteorder("=")
    if key not in _CODES or arr.ndim == 0 or arr.ndim > 255:
        raise DataError(
            f"{path}: cannot write IDX from dtype {arr.dtype} with {arr.ndim} dimension(s); "
            "need 1..255 dimensions of uint8, int8, int16, int32, float32 or float64."
        )
    code = _CODES[key]
    header = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, dtype=">u4").tobytes()
    payload = header + np.ascontiguousarray(arr, dtype=IDX_DTYPES[code]).tobytes()
    if compress or (compress is None and path.name.endswith(".gz")):
        payload = gzip.compress(payload, mtime=0)
    path.write_bytes(payload)


def _find(directory: Path, stem: str) -> Path | None:
    # accept "train-images-idx3-ubyte" and "train-images.idx3-ubyte", with or without .gz
    alt = stem.replace("-idx", ".idx")
    for name in (stem, stem + ".gz", alt, alt + ".gz"):
        if (directory / name).is_file():
            return directory / name
    return None


def load_idx_dataset(
    directory: str | os.PathLike[str],
    scale: bool = True,
    name: str = "idx",
    class_names: tuple[str, ...] | None = None,
    description: str = "",
) -> Dataset:
    """Load the four MNIST-layout IDX files of ``directory`` into a :class:`Dataset`.

    Needs ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``
    and ``t10k-labels-idx1-ubyte`` (each optionally ``.gz``; ``.idx3`` spelling accepted).
    Images (N, H, W) are flattened row-major to X (N, H·W): uint8 0..255 with ``scale=False``,
    float32 in [0, 1] (divided by 255) with ``scale=True`` (non-uint8 images are only cast to
    float32). y is int64 (N,).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"{directory}: IDX data directory not found.")
    paths = {key: _find(directory, stem) for key, stem in IDX_FILES.items()}
    missing = [IDX_FILES[k] for k, p in paths.items() if p is None]
    if missing:
        present = sorted(p.name for p in directory.iterdir())[:10]
        raise DataError(
            f"{directory}: missing IDX file(s) {', '.join(missing)} (plain or .gz); "
            f"the directory holds: {', '.join(present) or 'nothing'}."
        )
    arrays = {key: read_idx(p) for key, p in paths.items() if p is not None}
    parts = {}
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        img_path, lab_path = paths[f"{part}_images"], paths[f"{part}_labels"]
        if images.ndim < 2:
            raise DataError(
                f"{img_path}: images must have ≥2 dimensions; got shape {images.shape}."
            )
        if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
            raise DataError(
                f"{lab_path}: expected {images.shape[0]} labels (one per image in "
                f"{img_path.name}); got shape {labels.shape}."
            )
        if not np.issubdtype(labels.dtype, np.integer) or (labels.size and labels.min() < 0):
            raise DataError(f"{lab_path}: labels must be non-negative integers.")
        X = images.reshape(images.shape[0], -1)
        if scale:
            X = np.divide(X, 255 if X.dtype == np.uint8 else 1, dtype=np.float32)
        parts[part] = (X, labels.astype(np.int64))
    (X_train, y_train), (X_test, y_test) = parts["train"], parts["test"]
    if X_train.shape[1] != X_test.shape[1]:
        raise DataError(
            f"{directory}: train images have {X_train.shape[1]} pixels but test images "
            f"{X_test.shape[1]}."
        )
    n_classes = int(max(y_train.max(initial=0), y_test.max(initial=0))) + 1
    if class_names is None or len(class_names) != n_classes:
        class_names = tuple(str(c) for c in range(n_classes))
    shape = arrays["train_images"].shape[1:]
    return Dataset(
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        task="classification",
        n_classes=n_classes,
        class_names=class_names,
        feature_names=tuple(f"pixel_{i}" for i in range(int(np.prod(shape)))),
        name=name,
        description=description or f"IDX images {shape} from {directory}.",
    )


def load_mnist(directory: str | os.PathLike[str], scale: bool = True) -> Dataset:
    """MNIST handwritten digits from ``directory`` holding the four IDX files (no download)."""
    return load_idx_dataset(
        directory,
        scale=scale,
        name="mnist",
        description=f"MNIST handwritten digits (28x28, 10 classes) from {directory}.",
    )


def load_fashion_mnist(
    directory: str | os.PathLike[str] | None = None, scale: bool = True
) -> Dataset:
    """Fashion-MNIST (60,000 train / 10,000 test, 28x28 -> 784 features, 10 classes).

    ``directory`` defaults to ``/usr/share/datasets/fashion-mnist/``, where the Debian package
    ``dataset-fashion-mnist`` installs it. X is float32 in [0, 1] (``scale=True``) or uint8.
    """
    where = Path(directory) if directory is not None else FASHION_MNIST_DIR
    if not where.is_dir():
        raise DataError(
            f"{where}: Fashion-MNIST directory not found. Install the data with "
            "`sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu; it goes to "
            f"{FASHION_MNIST_DIR}/), or pass directory=... pointing to a folder with "
            "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz "
            "and t10k-labels-idx1-ubyte.gz."
        )
    return load_idx_dataset(
        where,
        scale=scale,
        name="fashion-mnist",
        class_names=FASHION_CLASSES,
        description=(
            "Fashion-MNIST (Zalando Research, MIT licence): 28x28 grayscale images of "
            f"clothing, 10 classes, from {where}."
        ),
    )
