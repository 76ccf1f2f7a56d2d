"""The data of a ``fit`` call: checked once, targets prepared once, validation split off."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet._validate import check_number
from glassnet.errors import ConfigError
from glassnet.train import tasks

Array = np.ndarray


@dataclass
class Arrays:
    """Checked inputs X (N, n_in), prepared targets T (N, n_out) and true labels (or None)."""

    X: Array
    T: Array
    labels: Array | None

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    def take(self, idx: Array) -> Arrays:
        return Arrays(self.X[idx], self.T[idx], None if self.labels is None else self.labels[idx])


def arrays(net: Any, run: Any, X: Any, y: Any, what: str) -> Arrays:
    """Checked inputs and prepared targets. A run whose ``info`` stores standardization
    statistics (a model from ``glassnet train``) takes raw data here too, as predict and
    evaluate do: the stored statistics are applied, never refitted."""
    from glassnet.train.inference import prepare_inputs, prepare_targets

    Xm = prepare_inputs(net, X, info=run.info, where=f"fit: {what} inputs")
    y = prepare_targets(net, y, info=run.info)
    T = run.loss.prepare_targets(y, Xm.shape[0], net.n_outputs, net.dtype)
    return Arrays(Xm, T, tasks.target_labels(run.task, T))


def prepare_data(net: Any, run: Any, X: Any, y: Any, validation_data: Any,
                  validation_split: float) -> tuple[Arrays, Arrays | None]:
    """Check X and y once and prepare the targets once; split off validation data."""
    split = check_number("fit", "validation_split", validation_split, low=0.0, high=1.0,
                         high_open=True)
    train = arrays(net, run, X, y, "training")
    if validation_data is not None:
        if split > 0:
            raise ConfigError("fit: give validation_data or validation_split, not both.")
        if not isinstance(validation_data, tuple | list) or len(validation_data) != 2:
            raise ConfigError("fit: validation_data must be a pair (X_val, y_val).")
        return train, arrays(net, run, *validation_data, "validation")
    if split == 0:
        return train, None
    from glassnet.datasets.preprocessing import stratified_split

    if run.split_seed is None:  # once per run, then kept (and saved with the model)
        seeded = isinstance(net.seed, int | np.integer)
        run.split_seed = int(net.seed) if seeded else int(np.random.SeedSequence().entropy)
    rng = np.random.default_rng([run.split_seed, 0x5EED])  # never net.rng: same split each call
    strata = train.labels if train.labels is not None else train.T
    keep, held = stratified_split(strata, split, rng)
    if keep.size == 0 or held.size == 0:
        raise ConfigError(f"fit: validation_split={split} leaves no training or validation "
                          f"samples out of {train.n}.")
    return train.take(keep), train.take(held)
