"""ModelCheckpoint: the last and/or the best model file, written atomically."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from glassnet._validate import check_number
from glassnet.errors import ConfigError
from glassnet.train.callbacks.base import Callback, monitor_mode, require_monitor
from glassnet.train.callbacks.stopping import check_monitor_available


class ModelCheckpoint(Callback):
    """Save model files during training; every write is atomic (see ``glassnet.train.save``).

    ``path``: the **last** state — after every ``every`` epochs and when training stops
    (also mid-epoch after Ctrl-C, so ``--resume`` finishes the epoch with the same batches).
    ``best_path``: the model of the best epoch by ``monitor`` (``mode`` as EarlyStopping).
    After a divergence nothing is written: the last good files stay as they were.
    The file written at the end holds the state *before* EarlyStopping restores the best
    weights (callbacks end in reverse order), so it resumes exactly where training stopped.
    """

    order = 100
    legacy_state_key = "model_checkpoint"

    def __init__(self, path: str | os.PathLike[str] | None = None,
                 best_path: str | os.PathLike[str] | None = None, monitor: str = "val_loss",
                 mode: str = "auto", every: int = 1) -> None:
        if path is None and best_path is None:
            raise ConfigError("ModelCheckpoint: give path (last state) and/or best_path.")
        self.path = None if path is None else Path(path)
        self.best_path = None if best_path is None else Path(best_path)
        self.monitor = str(monitor)
        self.mode = monitor_mode(self.monitor, mode)
        self.every = int(check_number("ModelCheckpoint", "every", every, low=1, integer=True))
        self.best = math.inf if self.mode == "min" else -math.inf
        self.saved: list[Path] = []
        self._last_step = -1  # run.step when `path` was last written

    @property
    def state_key(self) -> str | None:
        """Only the best file has state: keyed by monitor and path."""
        if self.best_path is None:
            return None
        return f"model_checkpoint:{self.monitor}:{self.best_path}"

    def _save(self, run: Any, path: Path) -> None:
        from glassnet.train.persistence import save

        save(run.net, path)
        self.saved.append(path)
        if path == self.path:
            self._last_step = run.step

    def on_train_begin(self, run: Any) -> None:
        if self.best_path is not None:
            check_monitor_available("ModelCheckpoint", self.monitor, run)
        saved = self.saved_state(run)
        if saved:
            self.best = saved["best"]

    def on_epoch_end(self, run: Any, epoch: int, logs: dict[str, Any]) -> None:
        if self.best_path is not None:
            value = require_monitor("ModelCheckpoint", self.monitor, logs)
            better = value < self.best if self.mode == "min" else value > self.best
            if better and math.isfinite(value):
                self.best = value
                self.store_state(run, {"best": value})
                self._save(run, self.best_path)
        if self.path is not None and epoch % self.every == 0:
            self._save(run, self.path)

    def on_train_end(self, run: Any) -> None:
        if self.path is None or run.stop_reason.startswith("diverged"):
            return
        if run.step != self._last_step or run.epoch_state is not None:
            self._save(run, self.path)
