"""TensorFlow-Playground-style 2-D data sets, generated from a seed.

Coordinates follow the Playground's square ``[-6, 6] × [-6, 6]``: with ``noise=0`` every
point lies inside it (most inside ``[-5, 5]``); noise may push a few points slightly out.
Features are float64 (N, 2) named ``x1, x2``. Classification labels are int64 class indices
0/1 with exactly ``n_samples // 2`` of class 0 and the rest of class 1 (label noise is never
added: ``noise`` moves points, so classes overlap more as it grows). ``plane`` is a
regression set with targets float64 (N, 1) in about ``[-1, 1]``.

``noise`` is the Playground's slider divided by 100: 0 (clean) .. 0.5 (very noisy); values
up to 1 are accepted. Every generator draws from ``np.random.default_rng(seed)`` only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from glassnet._validate import check_choice, check_number
from glassnet.datasets.preprocessing import Dataset, make_rng, stratified_split

_Maker = Callable[[np.random.Generator, int, int, float], np.ndarray]


def _circles(rng: np.random.Generator, n0: int, n1: int, noise: float) -> np.ndarray:
    # class 1: disc of radius 2.5; class 0: ring 3.5..5 (Playground radius 5).
    r = np.concatenate([rng.uniform(3.5, 5.0, n0), rng.uniform(0.0, 2.5, n1)])
    angle = rng.uniform(0.0, 2 * np.pi, n0 + n1)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    return X + rng.uniform(-5.0, 5.0, X.shape) * noise


def _xor(rng: np.random.Generator, n0: int, n1: int, noise: float) -> np.ndarray:
    # |x|, |y| in [0.3, 5.3] (Playground's 0.3 padding); class 1: same signs, class 0: opposite.
    mag = rng.uniform(0.0, 5.0, (n0 + n1, 2)) + 0.3
    s1 = rng.choice([-1.0, 1.0], n0 + n1)
    s2 = s1.copy()
    s2[:n0] *= -1.0
    X = mag * np.column_stack([s1, s2])
    return X + rng.uniform(-5.0, 5.0, X.shape) * noise


def _gaussians(rng: np.random.Generator, n0: int, n1: int, noise: float) -> np.ndarray:
    # Playground: centres (-2,-2) / (2,2), variance 0.5 + 7*noise (0.5 .. 4 for noise 0 .. 0.5).
    std = np.sqrt(0.5 + 7.0 * noise)
    centre = np.concatenate([np.full(n0, -2.0), np.full(n1, 2.0)])[:, None]
    return centre + rng.normal(0.0, std, (n0 + n1, 2))


def _spiral(rng: np.random.Generator, n0: int, n1: int, noise: float) -> np.ndarray:
    # Playground: r = 5 i/n, angle = 1.75 · 2π i/n + shift; class 0 shifted by π.
    parts = []
    for n, shift in ((n0, np.pi), (n1, 0.0)):
        i = np.arange(n) / max(n, 1)
        r, t = 5.0 * i, 1.75 * 2 * np.pi * i + shift
        parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
    X = np.concatenate(parts)
    return X + rng.uniform(-1.0, 1.0, X.shape) * noise


def _moons(rng: np.random.Generator, n0: int, n1: int, noise: float) -> np.ndarray:
    # scikit-learn's two moons, centred and scaled by 2.5: x1 in [-3.75, 3.75],
    # x2 in [-1.875, 1.875]; noise = Gaussian std in unscaled moon units (as make_moons).
    t = np.concatenate([rng.uniform(0.0, np.pi, n0), rng.uniform(0.0, np.pi, n1)])
    upper = np.column_stack([np.cos(t[:n0]), np.sin(t[:n0])])
    lower = np.column_stack([1.0 - np.cos(t[n0:]), 0.5 - np.sin(t[n0:])])
    X = np.concatenate([upper, lower]) + rng.normal(0.0, 1.0, (n0 + n1, 2)) * noise
    return (X - [0.5, 0.25]) * 2.5


_CLASSIFIERS: dict[str, _Maker] = {
    "circles": _circles,
    "xor": _xor,
    "gaussians": _gaussians,
    "spiral": _spiral,
    "moons": _moons,
}
PLAYGROUND_NAMES = (*_CLASSIFIERS, "plane")

DESCRIPTIONS = {
    "circles": "Playground 'circle': class 1 inside radius 2.5, class 0 on a ring 3.5..5.",
    "xor": "Playground 'exclusive or': class 1 in quadrants I/III, class 0 in II/IV.",
    "gaussians": "Playground 'gaussian': two blobs at (-2,-2) (class 0) and (2,2) (class 1).",
    "spiral": "Playground 'spiral': two interleaved spirals, 1.75 turns, radius 0..5.",
    "moons": "Two interleaving half circles (scikit-learn's moons, scaled by 2.5).",
    "plane": "Playground 'plane' regression: t = (x1 + x2)/10 with input noise; x in [-6, 6]².",
}


def _plane(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    # Playground: t = (x1 + e1 + x2 + e2) / 10 with e ~ U(-6, 6)·noise; points uniform in [-6,6]².
    X = rng.uniform(-6.0, 6.0, (n, 2))
    eps = rng.uniform(-6.0, 6.0, (n, 2)) * noise
    t = (X + eps).sum(axis=1, keepdims=True) / 10.0
    return X, t


def _generate(
    name: str, n_samples: int, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    name = check_choice("playground", "data set", name, PLAYGROUND_NAMES)
    where = f"playground {name!r}"
    n = int(check_number(where, "n_samples", n_samples, low=2, integer=True))
    noise = check_number(where, "noise", noise, low=0.0, high=1.0)
    if name == "plane":
        X, y = _plane(rng, n, noise)
    else:
        n0 = n // 2
        X = _CLASSIFIERS[name](rng, n0, n - n0, noise)
        y = np.concatenate([np.zeros(n0, np.int64), np.ones(n - n0, np.int64)])
    perm = rng.permutation(n)
    return X[perm].astype(np.float64), y[perm]


def make_playground(
    name: str, n_samples: int = 500, noise: float = 0.0, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Generate one Playground set: ``X`` float64 (N, 2) and ``y``, shuffled.

    ``y`` is int64 (N,) in {0, 1} for the classification sets, float64 (N, 1) for ``plane``.
    The same ``(name, n_samples, noise, seed)`` always gives the same arrays
    (``seed=None`` draws fresh OS entropy).
    """
    return _generate(name, n_samples, noise, make_rng("make_playground", seed))


def load_playground(
    name: str,
    n_samples: int = 500,
    noise: float = 0.0,
    seed: int | None = 0,
    test_fraction: float = 0.5,
) -> Dataset:
    """Generate a Playground set and split it (stratified) into a :class:`Dataset`.

    ``test_fraction`` defaults to 0.5 as the Playground's "ratio of training to test data".
    The split continues the same seeded generator, so the whole Dataset depends only on the
    arguments; ``X_train`` + ``X_test`` hold the rows of ``make_playground(...)`` (reordered).
    """
    rng = make_rng("load_playground", seed)
    X, y = _generate(name, n_samples, noise, rng)
    test_fraction = check_number(
        f"playground {name!r}", "test_fraction", test_fraction, low=0.0, high=1.0, high_open=True
    )
    train_idx, test_idx = stratified_split(y, test_fraction, rng)
    regression = name == "plane"
    return Dataset(
        X_train=X[train_idx],
        y_train=y[train_idx],
        X_test=X[test_idx],
        y_test=y[test_idx],
        task="regression" if regression else "classification",
        n_classes=None if regression else 2,
        class_names=() if regression else ("0", "1"),
        feature_names=("x1", "x2"),
        name=name,
        description=f"{DESCRIPTIONS[name]} n_samples={n_samples}, noise={noise}, seed={seed}.",
    )


def _loader(name: str) -> Callable[..., Dataset]:
    def load(
        n_samples: int = 500, noise: float = 0.0, seed: int | None = 0, test_fraction: float = 0.5
    ) -> Dataset:
        return load_playground(name, n_samples, noise, seed, test_fraction)

    load.__name__ = load.__qualname__ = name
    load.__doc__ = (
        f"{DESCRIPTIONS[name]}\n\nSee :func:`load_playground` for the arguments; returns a "
        "Dataset with X float64 (N, 2) in about [-6, 6]."
    )
    return load


circles = _loader("circles")
xor = _loader("xor")
gaussians = _loader("gaussians")
spiral = _loader("spiral")
moons = _loader("moons")
plane = _loader("plane")
