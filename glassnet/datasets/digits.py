"""The bundled 8×8 handwritten digits (UCI optical digits test set, 1,797 samples).

The data ship inside the package as ``data/digits.npz`` (uint8 ``images`` (1797, 8, 8) with
values 0..16 and uint8 ``labels`` (1797,) with values 0..9), extracted once from
scikit-learn's copy; see ``data/DIGITS_LICENSE.txt`` (CC BY 4.0, Alpaydin & Kaynak 1998).
Nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from glassnet._validate import check_number
from glassnet.datasets.preprocessing import Dataset, make_rng, stratified_split
from glassnet.errors import DataError

DIGITS_PATH = Path(__file__).with_name("data") / "digits.npz"
N_SAMPLES = 1797

DESCRIPTION = (
    "8x8 handwritten digits: 1,797 samples, 64 pixel features with integer values 0..16 "
    "(counts of 'on' pixels in 4x4 blocks of a 32x32 bitmap), 10 classes. UCI optical "
    "recognition of handwritten digits, test set (Alpaydin & Kaynak 1998, CC BY 4.0), as "
    "bundled by scikit-learn."
)


def load_digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """Return all digits as ``images`` uint8 (1797, 8, 8) in 0..16 and ``labels`` uint8 (1797,)."""
    try:
        with np.load(DIGITS_PATH, allow_pickle=False) as z:
            images, labels = z["images"], z["labels"]
    except (OSError, KeyError, ValueError) as exc:
        raise DataError(
            f"{DIGITS_PATH}: the bundled digits file cannot be read ({exc}); reinstall glassnet."
        ) from None
    if images.shape != (N_SAMPLES, 8, 8) or labels.shape != (N_SAMPLES,):
        raise DataError(
            f"{DIGITS_PATH}: expected images (1797, 8, 8) and labels (1797,); got "
            f"{images.shape} and {labels.shape}. Reinstall glassnet."
        )
    return images, labels


def load_digits(test_fraction: float = 0.2, seed: int | None = 0, scale: bool = False) -> Dataset:
    """Load the bundled digits as a :class:`Dataset` with a stratified train/test split.

    ``X`` is float64 (N, 64): pixel ``(r, c)`` is column ``8*r + c`` (row-major, as
    scikit-learn), values 0..16, or 0..1 with ``scale=True`` (divided by 16). ``y`` is int64
    (N,) with digits 0..9. The split is stratified and deterministic: the default
    ``test_fraction=0.2, seed=0`` always gives the same 1,438 train / 359 test samples with
    every digit in the same proportion in both parts.
    """
    test_fraction = check_number(
        "load_digits", "test_fraction", test_fraction, low=0.0, high=1.0, high_open=True
    )
    images, labels = load_digits_arrays()
    X = images.reshape(N_SAMPLES, 64).astype(np.float64)
    if scale:
        X /= 16.0
    y = labels.astype(np.int64)
    train_idx, test_idx = stratified_split(y, test_fraction, make_rng("load_digits", seed))
    return Dataset(
        X_train=X[train_idx],
        y_train=y[train_idx],
        X_test=X[test_idx],
        y_test=y[test_idx],
        task="classification",
        n_classes=10,
        class_names=tuple(str(d) for d in range(10)),
        feature_names=tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8)),
        name="digits",
        description=DESCRIPTION,
    )
