"""Callbacks for :func:`glassnet.train.fit`: hooks the training loop calls.

================================  =====================================================
:class:`Callback`                 base class (hooks: on_train_begin, on_epoch_begin,
                                  on_batch_end, on_epoch_end, on_train_end)
:class:`ProgressBar`              tqdm bar / one line per epoch on stderr
:class:`EarlyStopping`            stop on a plateau; restores the best weights at the end
:class:`ReduceLROnPlateau`        PyTorch's plateau rule on ``optimizer.lr``
:class:`LearningRateScheduler`    a schedule per update or per epoch
:class:`ModelCheckpoint`          last and/or best model file, atomic writes
:class:`CSVLogger`                history.csv after every epoch
:class:`JSONLogger`               history.json after every epoch
:class:`TerminateOnNaN`           stop quietly (instead of raising) on a non-finite loss
:class:`LambdaCallback`           hooks from plain functions
================================  =====================================================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from glassnet.train.callbacks.base import Callback, CallbackList
from glassnet.train.callbacks.checkpoint import ModelCheckpoint
from glassnet.train.callbacks.loggers import CSVLogger, JSONLogger
from glassnet.train.callbacks.lr import LearningRateScheduler, ReduceLROnPlateau
from glassnet.train.callbacks.progress import ProgressBar
from glassnet.train.callbacks.stopping import EarlyStopping, TerminateOnNaN


class LambdaCallback(Callback):
    """A callback from functions: ``LambdaCallback(on_epoch_end=lambda run, epoch, logs: ...)``."""

    def __init__(self, **hooks: Callable[..., Any]) -> None:
        names = ("on_train_begin", "on_epoch_begin", "on_batch_end", "on_epoch_end",
                 "on_train_end")
        for key, fn in hooks.items():
            if key not in names:
                from glassnet.errors import ConfigError

                raise ConfigError(f"LambdaCallback: unknown hook {key!r}; expected "
                                  f"{', '.join(names)}.")
            setattr(self, key, fn)


__all__ = [
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "JSONLogger",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgressBar",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
]
