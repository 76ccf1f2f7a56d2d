"""Stopping rules: EarlyStopping and TerminateOnNaN."""

from __future__ import annotations

import difflib
import math
from typing import Any

import numpy as np

from glassnet._validate import check_number
from glassnet.errors import ConfigError
from glassnet.train.callbacks.base import (
    Callback,
    measured_names,
    monitor_mode,
    require_monitor,
)
from glassnet.train.snapshot import Snapshot


def check_monitor_available(where: str, monitor: str, run: Any) -> None:
    """Fail before the first epoch if ``monitor`` is not among the quantities this ``fit``
    call measures (:func:`~glassnet.train.callbacks.base.measured_names`): a ``val_*``
    quantity without validation data, or a misspelt name (with a close match)."""
    if monitor.startswith("val_") and not run.plan.get("n_val"):
        raise ConfigError(f"{where}: monitor {monitor!r} needs validation data; pass "
                          "validation_data=(X, y) or validation_split=0.1, or monitor 'loss'.")
    names = measured_names(run)
    if monitor not in names:
        close = difflib.get_close_matches(monitor, names, n=1, cutoff=0.5)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"{where}: monitor {monitor!r} is not measured by this fit; the "
                          f"epoch logs will have {', '.join(names)}.{hint}")


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs.

    Improvement means ``value < best − min_delta`` (mode ``"min"``) or
    ``value > best + min_delta`` (``"max"``; ``"auto"`` picks max for accuracies and R²).
    With ``restore_best_weights=True`` (default) the parameters of the best epoch **and the
    optimizer state that goes with them** (t, moments) are put back at the end of ``fit``
    **however training ended** — patience ran out, the epochs ran out, Ctrl-C, divergence
    or an error (Keras 2 restored only after an early stop). Counters and history are not
    rewound: they record what was trained; ``history.meta["restored_epoch"]`` says which
    epoch the model now is. Epochs before ``start_from_epoch`` are not monitored. The best
    value, the epoch counter and the best parameters and optimizer state are kept in the
    model file, so a resumed run carries on counting.
    """

    order = -10
    legacy_state_key = "early_stopping"

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = True,
                 start_from_epoch: int = 0) -> None:
        self.monitor = str(monitor)
        self.patience = int(check_number("EarlyStopping", "patience", patience, low=0,
                                         integer=True))
        self.min_delta = abs(check_number("EarlyStopping", "min_delta", min_delta))
        self.mode = monitor_mode(self.monitor, mode)
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = int(check_number("EarlyStopping", "start_from_epoch",
                                                 start_from_epoch, low=0, integer=True))
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = 0
        self.wait = 0
        self.best_snapshot: Snapshot | None = None  # parameters + optimizer state
        self.stopped_epoch = 0

    @property
    def best_params(self) -> np.ndarray | None:
        """The parameters of the best epoch (None before one was seen)."""
        return None if self.best_snapshot is None else self.best_snapshot.params

    @property
    def state_key(self) -> str:
        return f"early_stopping:{self.monitor}"

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_train_begin(self, run: Any) -> None:
        check_monitor_available("EarlyStopping", self.monitor, run)
        saved = self.saved_state(run)
        if saved:
            self.best, self.best_epoch = saved["best"], saved["best_epoch"]
            self.wait = saved["wait"]
            if isinstance(saved.get("best_model"), dict):
                self.best_snapshot = Snapshot.from_dict(saved["best_model"])
            elif saved.get("best_params") is not None:  # files of earlier versions
                self.best_snapshot = Snapshot(np.asarray(saved["best_params"]), "", {})
        self.stopped_epoch = 0

    def on_epoch_end(self, run: Any, epoch: int, logs: dict[str, Any]) -> None:
        value = require_monitor("EarlyStopping", self.monitor, logs)
        if epoch <= self.start_from_epoch:
            return
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_snapshot = Snapshot.of_model(run)
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                run.stop_training = True
                run.stop_reason = (
                    f"early stopping: {self.monitor} did not improve for {self.wait} epoch(s) "
                    f"(best {self.best:.6g} at epoch {self.best_epoch})"
                )
        self.store_state(run, {
            "best": self.best, "best_epoch": self.best_epoch, "wait": self.wait,
            **({"best_model": self.best_snapshot.to_dict()} if self.best_snapshot else {}),
        })

    def on_train_end(self, run: Any) -> None:
        best = self.best_snapshot
        if not self.restore_best_weights or best is None:
            return
        if best.params.shape != run.net.params.shape:
            return
        if self.best_epoch > run.epoch:  # a divergence rewound the run before that epoch
            return
        if not np.array_equal(run.net.params, best.params):
            with_state = best.restore_model(run)
            run.history.meta["restored_epoch"] = self.best_epoch
            run.history.meta["restored"] = (f"{self.monitor} = {self.best:.6g}; parameters"
                                            f"{' and optimizer state' if with_state else ''}")


class TerminateOnNaN(Callback):
    """Stop quietly when the loss becomes NaN or infinite, instead of raising.

    ``fit`` always stops at a non-finite batch loss (before the update that would spread it)
    and restores the best parameters seen; without this callback it then raises
    :class:`~glassnet.errors.TrainingError`, with it ``fit`` returns the history and
    ``run.stop_reason`` says what happened. It also stops after an epoch whose ``loss`` or
    ``val_loss`` is not finite.
    """

    def on_epoch_end(self, run: Any, epoch: int, logs: dict[str, Any]) -> None:
        for key in ("loss", "val_loss"):
            value = logs.get(key)
            if value is not None and not math.isfinite(value):
                run.stop_training = True
                run.stop_reason = f"terminated: {key} is {value} at epoch {epoch}"
                return
