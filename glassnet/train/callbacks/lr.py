"""Learning-rate callbacks: ReduceLROnPlateau (PyTorch's rule) and LearningRateScheduler."""

from __future__ import annotations

import math
from typing import Any

from glassnet._validate import check_choice, check_number
from glassnet.errors import ConfigError
from glassnet.train.callbacks.base import Callback, monitor_mode, require_monitor
from glassnet.train.callbacks.stopping import check_monitor_available


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving.

    The rule of ``torch.optim.lr_scheduler.ReduceLROnPlateau``, applied once per epoch:

    * better: a < best·(1 − threshold) (min, rel), a < best − threshold (min, abs),
      a > best·(1 + threshold) (max, rel), a > best + threshold (max, abs);
    * a better epoch resets the bad-epoch counter, any other epoch increments it; while in
      cooldown the counter is held at 0;
    * when the counter exceeds ``patience``: lr ← max(lr·factor, min_lr) (only if that
      lowers lr by more than ``eps``), then ``cooldown`` epochs of cooldown and counter 0.

    It changes ``optimizer.lr``, so it cannot be combined with a schedule. Its counters are
    kept in the model file so a resumed run reduces at the same epochs.
    """

    legacy_state_key = "reduce_lr_on_plateau"

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr: float = 0.0, eps: float = 1e-8, mode: str = "auto",
                 verbose: bool = False) -> None:
        where = "ReduceLROnPlateau"
        self.monitor = str(monitor)
        self.factor = check_number(where, "factor", factor, low=0.0, high=1.0, low_open=True,
                                   high_open=True)
        self.patience = int(check_number(where, "patience", patience, low=0, integer=True))
        self.threshold = check_number(where, "threshold", threshold, low=0.0)
        self.threshold_mode = check_choice(where, "threshold_mode", threshold_mode,
                                           ["rel", "abs"])
        self.cooldown = int(check_number(where, "cooldown", cooldown, low=0, integer=True))
        self.min_lr = check_number(where, "min_lr", min_lr, low=0.0)
        self.eps = check_number(where, "eps", eps, low=0.0)
        self.mode = monitor_mode(self.monitor, mode)
        self.verbose = bool(verbose)
        self.best = math.inf if self.mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    @property
    def state_key(self) -> str:
        return f"reduce_lr_on_plateau:{self.monitor}"

    def is_better(self, a: float, best: float) -> bool:
        rel = self.threshold_mode == "rel"
        if self.mode == "min":
            return a < best * (1.0 - self.threshold) if rel else a < best - self.threshold
        return a > best * (1.0 + self.threshold) if rel else a > best + self.threshold

    def on_train_begin(self, run: Any) -> None:
        if run.schedule is not None:
            raise ConfigError("ReduceLROnPlateau: it sets optimizer.lr, which a schedule "
                              "overrides; use one or the other.")
        check_monitor_available("ReduceLROnPlateau", self.monitor, run)
        saved = self.saved_state(run)
        if saved:
            self.best = saved["best"]
            self.num_bad_epochs = saved["num_bad_epochs"]
            self.cooldown_counter = saved["cooldown_counter"]

    def on_epoch_end(self, run: Any, epoch: int, logs: dict[str, Any]) -> None:
        current = require_monitor("ReduceLROnPlateau", self.monitor, logs)
        if self.is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            old = float(run.optimizer.lr)
            new = max(old * self.factor, self.min_lr)
            if old - new > self.eps:
                run.optimizer.lr = new
                run.history.meta.setdefault("lr_reductions", []).append([epoch, new])
                if self.verbose:
                    import sys

                    print(f"epoch {epoch}: ReduceLROnPlateau lr {old:.4g} -> {new:.4g}",
                          file=sys.stderr)
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self.store_state(run, {
            "best": self.best, "num_bad_epochs": self.num_bad_epochs,
            "cooldown_counter": self.cooldown_counter,
        })


class LearningRateScheduler(Callback):
    """Use ``schedule`` for the learning rate, per optimizer update or per epoch.

    ``schedule`` is a callable ``index -> lr`` (e.g. ``glassnet.schedules.get_schedule(...)``),
    a schedule name or ``{"name": ..., **options}``. With ``unit="epoch"`` it is called
    with the 0-based epoch index before each epoch and the rate holds for the whole epoch;
    with ``unit="step"`` with the number of updates applied so far, before each update.
    The same as ``fit(schedule=..., schedule_unit=...)``: the schedule starts with the
    ``fit`` call (index 0 = its first update or epoch) and a name's length defaults to the
    call's updates (or epochs).
    """

    order = -20

    def __init__(self, schedule: Any, unit: str = "epoch") -> None:
        self.schedule = schedule
        self.unit = check_choice("LearningRateScheduler", "unit", unit, ["step", "epoch"])

    def on_train_begin(self, run: Any) -> None:
        run.start_schedule(self.schedule, self.unit)
