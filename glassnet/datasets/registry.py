"""``load_dataset(name, **options)``: every data set by name, or the user's file by path."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from glassnet._validate import call_with_options, check_choice
from glassnet.datasets import playground
from glassnet.datasets.digits import load_digits
from glassnet.datasets.idx import load_fashion_mnist, load_mnist
from glassnet.datasets.preprocessing import Dataset
from glassnet.datasets.tabular import load_csv, load_npy, load_npz
from glassnet.errors import ConfigError

LOADERS: dict[str, Callable[..., Dataset]] = {
    "digits": load_digits,
    "fashion-mnist": load_fashion_mnist,
    "mnist": load_mnist,
    "circles": playground.circles,
    "xor": playground.xor,
    "gaussians": playground.gaussians,
    "spiral": playground.spiral,
    "moons": playground.moons,
    "plane": playground.plane,
}
ALIASES = {
    "fashion_mnist": "fashion-mnist",
    "fashionmnist": "fashion-mnist",
    "circle": "circles",
    "gaussian": "gaussians",
    "spirals": "spiral",
}
FILE_LOADERS: dict[str, Callable[..., Dataset]] = {
    ".csv": load_csv,
    ".npz": load_npz,
    ".npy": load_npy,
}

DESCRIPTIONS = {
    "digits": "8x8 handwritten digits, 1,797 samples, 64 features 0..16, 10 classes (bundled).",
    "fashion-mnist": "Fashion-MNIST, 70,000 28x28 images, 10 classes "
    "(Debian package dataset-fashion-mnist; option directory=).",
    "mnist": "MNIST handwritten digits from the four IDX files in directory=... (required).",
    **playground.DESCRIPTIONS,
}


def list_datasets() -> dict[str, str]:
    """Names accepted by :func:`load_dataset` with a one-line description each."""
    return {name: DESCRIPTIONS[name] for name in LOADERS}


def _call(
    where: str, fn: Callable[..., Dataset], fixed: dict[str, Any], options: dict[str, Any]
) -> Dataset:
    """``fn(**fixed, **options)``; unknown or missing options are ConfigErrors naming them."""
    return call_with_options(where, functools.partial(fn, **fixed), options, fixed=fixed)


def _is_path(name: str | os.PathLike[str]) -> bool:
    if not isinstance(name, str):
        return True
    return Path(name).suffix.lower() in FILE_LOADERS or "/" in name or os.sep in name


def load_dataset(name: str | os.PathLike[str], **options: Any) -> Dataset:
    """Load a data set by name (see :func:`list_datasets`) or a ``.csv``/``.npz``/``.npy`` path.

    ``options`` go to the loader: e.g. ``load_dataset("digits", seed=1)``,
    ``load_dataset("spiral", n_samples=400, noise=0.1, seed=3)``,
    ``load_dataset("mnist", directory="~/mnist")``, ``load_dataset("data.csv", target="y")``,
    ``load_dataset("X.npy", y_path="y.npy")``. Unknown names and options raise
    :class:`~glassnet.errors.ConfigError` with a close-match suggestion.
    """
    if not isinstance(name, (str, os.PathLike)):
        raise ConfigError(f"load_dataset: name must be a data set name or a path; got {name!r}.")
    if _is_path(name):
        path = Path(name).expanduser()
        suffix = path.suffix.lower()
        if suffix not in FILE_LOADERS:
            raise ConfigError(
                f"load_dataset: cannot tell the format of {str(path)!r} from its extension "
                f"{suffix or '(none)'}; expected .csv, .npz or .npy."
            )
        fn = FILE_LOADERS[suffix]
        fixed = {"x_path" if suffix == ".npy" else "path": path}
        return _call(f"load_dataset({str(path)!r})", fn, fixed, options)
    key = ALIASES.get(name.lower(), name.lower())
    key = check_choice("load_dataset", "data set", key, LOADERS)
    if "directory" in options and isinstance(options["directory"], str):
        options["directory"] = Path(options["directory"]).expanduser()
    return _call(f"load_dataset({key!r})", LOADERS[key], {}, options)
