"""Data sets for glassnet; nothing here downloads anything.

* :func:`load_digits` — the bundled 8×8 handwritten digits (1,797 samples, 10 classes).
* Playground-style 2-D sets generated from a seed: :func:`circles`, :func:`xor`,
  :func:`gaussians`, :func:`spiral`, :func:`moons` and the regression set :func:`plane`
  (coordinates in about [-6, 6]); raw arrays via :func:`make_playground`.
* IDX files (MNIST layout): :func:`read_idx`, :func:`write_idx`, :func:`load_idx_dataset`,
  :func:`load_mnist`, :func:`load_fashion_mnist` (Debian package ``dataset-fashion-mnist``).
* The user's data: :func:`load_csv`, :func:`load_npz`, :func:`load_npy`.
* :func:`load_dataset` loads any of these by name or path; :func:`list_datasets` names them.
* Preprocessing: :class:`Standardizer`, :func:`one_hot`, :func:`train_val_test_split`,
  :func:`stratified_split`.

Every loader returns a :class:`Dataset`: ``X`` is (samples, features); classification
targets are int64 class indices (samples,), regression targets float64 (samples, targets).
Importing this package needs NumPy only.
"""

from glassnet.datasets.digits import load_digits
from glassnet.datasets.idx import (
    load_fashion_mnist,
    load_idx_dataset,
    load_mnist,
    read_idx,
    write_idx,
)
from glassnet.datasets.playground import (
    PLAYGROUND_NAMES,
    circles,
    gaussians,
    load_playground,
    make_playground,
    moons,
    plane,
    spiral,
    xor,
)
from glassnet.datasets.preprocessing import (
    Dataset,
    Splits,
    Standardizer,
    one_hot,
    stratified_split,
    train_val_test_split,
)
from glassnet.datasets.registry import list_datasets, load_dataset
from glassnet.datasets.tabular import load_csv, load_npy, load_npz

__all__ = [
    "PLAYGROUND_NAMES",
    "Dataset",
    "Splits",
    "Standardizer",
    "circles",
    "gaussians",
    "list_datasets",
    "load_csv",
    "load_dataset",
    "load_digits",
    "load_fashion_mnist",
    "load_idx_dataset",
    "load_mnist",
    "load_npy",
    "load_npz",
    "load_playground",
    "make_playground",
    "moons",
    "one_hot",
    "plane",
    "read_idx",
    "spiral",
    "stratified_split",
    "train_val_test_split",
    "write_idx",
    "xor",
]
