"""The callback protocol and the list that calls the hooks in order.

Every hook is optional::

    on_train_begin(run)                 before the first batch of a fit call
    on_epoch_begin(run, epoch)          epoch is 1-based (continues across fit calls)
    on_batch_end(run, batch, logs)      logs: {"loss", "lr", "batch_size"}; batch 1-based
    on_epoch_end(run, epoch, logs)      logs: the per-epoch dict of History.epochs
    on_train_end(run)                   however training ended (completed, early stop,
                                        Ctrl-C, divergence, an error — run.stop_reason
                                        "error: <type>: <message>" — see run.stop_reason)

``run`` is the :class:`~glassnet.train.run.TrainingRun`; set ``run.stop_training = True``
to stop after the current batch. Monitoring callbacks check their ``monitor`` in
``on_train_begin`` against :func:`measured_names` (before anything is trained or replaced).
Callbacks run sorted by their ``order`` (then list order);
``on_train_end`` runs in the reverse order, so a checkpoint (order 100) is written before
EarlyStopping (order −10) restores the best weights. A callback that must resume exactly
stores plain values (and arrays) in ``run.callback_state[self.state_key]``; the model file
keeps them. The key names the class and what the instance watches
(``"early_stopping:val_loss"``, ``"model_checkpoint:val_loss:best.glassnet"``), so two
callbacks of a class with different monitors keep separate states; two with the same key
are refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar


class Callback:
    """Base class; override the hooks you need."""

    order: ClassVar[int] = 0
    #: key of the resumable state in run.callback_state (None: no state); subclasses with
    #: state make it a property naming the class and the instance's monitor (and path)
    state_key: str | None = None
    #: the class-wide key of model files written before the keys named the monitor
    legacy_state_key: ClassVar[str | None] = None

    def on_train_begin(self, run: Any) -> None:
        """Called once at the start of ``fit``."""

    def on_epoch_begin(self, run: Any, epoch: int) -> None:
        """Called before the first batch of an epoch."""

    def on_batch_end(self, run: Any, batch: int, logs: dict[str, Any]) -> None:
        """Called after each optimizer update."""

    def on_epoch_end(self, run: Any, epoch: int, logs: dict[str, Any]) -> None:
        """Called after an epoch, with its validation results."""

    def on_train_end(self, run: Any) -> None:
        """Called once when ``fit`` stops, however it stopped."""

    def saved_state(self, run: Any) -> dict[str, Any] | None:
        """This callback's state from a previous (saved) run, if any."""
        if not self.state_key:
            return None
        state = run.callback_state.get(self.state_key)
        if state is None and self.legacy_state_key:
            state = run.callback_state.get(self.legacy_state_key)
        return state

    def store_state(self, run: Any, state: dict[str, Any]) -> None:
        """Keep ``state`` (plain values and arrays) in the run under :attr:`state_key`."""
        run.callback_state[self.state_key] = state
        if self.legacy_state_key:
            run.callback_state.pop(self.legacy_state_key, None)


def _overrides(cb: Callback, hook: str) -> bool:
    fn = getattr(cb, hook)
    return getattr(fn, "__func__", fn) is not getattr(Callback, hook)


class CallbackList:
    """Calls each hook on every callback that defines it (batch hooks: only those)."""

    def __init__(self, callbacks: Iterable[Callback]) -> None:
        items = list(callbacks)
        for cb in items:
            if not isinstance(cb, Callback):
                from glassnet.errors import ConfigError

                raise ConfigError(f"fit: callbacks must be Callback objects; got {cb!r}.")
        owners: dict[str, Callback] = {}
        for cb in items:
            key = cb.state_key
            if key and key in owners:
                from glassnet.errors import ConfigError

                raise ConfigError(
                    f"fit: {type(owners[key]).__name__} and {type(cb).__name__} would keep "
                    f"their state under the same key {key!r} and overwrite each other; give "
                    "them different monitors (or paths), or use one.")
            if key:
                owners[key] = cb
        self.callbacks = sorted(items, key=lambda cb: cb.order)
        self._batch = [cb for cb in self.callbacks if _overrides(cb, "on_batch_end")]

    def __iter__(self):
        return iter(self.callbacks)

    def train_begin(self, run: Any) -> None:
        for cb in self.callbacks:
            cb.on_train_begin(run)

    def epoch_begin(self, run: Any, epoch: int) -> None:
        for cb in self.callbacks:
            cb.on_epoch_begin(run, epoch)

    @property
    def wants_batches(self) -> bool:
        return bool(self._batch)

    def batch_end(self, run: Any, batch: int, logs: dict[str, Any]) -> None:
        for cb in self._batch:
            cb.on_batch_end(run, batch, logs)

    def epoch_end(self, run: Any, epoch: int, logs: dict[str, Any]) -> None:
        for cb in self.callbacks:
            cb.on_epoch_end(run, epoch, logs)

    def train_end(self, run: Any) -> None:
        for cb in reversed(self.callbacks):
            cb.on_train_end(run)


def monitor_mode(monitor: str, mode: str) -> str:
    """``"min"`` or ``"max"``; ``"auto"`` is max for accuracies and R², else min."""
    if mode != "auto":
        from glassnet._validate import check_choice

        return check_choice("callback", "mode", mode, ["min", "max", "auto"])
    return "max" if monitor.endswith(("accuracy", "r2", "f1")) else "min"


def measured_names(run: Any) -> list[str]:
    """The quantities this ``fit`` call puts in every epoch's logs, for monitors: ``loss``,
    the training metrics that are running means (accuracy, mse, mae), and with validation
    data ``val_loss`` and ``val_<metric>`` for every metric."""
    from glassnet.train.metrics import ADDITIVE

    metrics = tuple(getattr(run, "metrics", ()))
    names = ["loss", *(m for m in metrics if m in ADDITIVE)]
    if run.plan.get("n_val"):
        names += ["val_loss", *(f"val_{m}" for m in metrics)]
    return names


def require_monitor(where: str, monitor: str, logs: dict[str, Any]) -> float:
    """``logs[monitor]``, or a ConfigError listing what the epoch logs hold."""
    if monitor not in logs:
        from glassnet.errors import ConfigError

        hint = " (pass validation_data or validation_split)" if monitor.startswith("val_") else ""
        raise ConfigError(
            f"{where}: monitor {monitor!r} is not measured{hint}; the epoch logs have "
            f"{', '.join(k for k in logs if k != 'epoch')}."
        )
    return float(logs[monitor])
