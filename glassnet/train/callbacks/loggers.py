"""CSVLogger and JSONLogger: the history on disk after every epoch (atomic rewrites)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from glassnet.train.callbacks.base import Callback


class CSVLogger(Callback):
    """Rewrite ``path`` with one row per epoch (``History.save_csv``) after each epoch.

    The file always holds the whole history of the network, resumed runs included, and is
    replaced atomically, so a crash never leaves half a row.
    """

    order = 10

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def on_epoch_end(self, run: Any, epoch: int, logs: dict[str, Any]) -> None:
        run.history.save_csv(self.path)

    def on_train_end(self, run: Any) -> None:
        if len(run.history):
            run.history.save_csv(self.path)


class JSONLogger(Callback):
    """Rewrite ``path`` with ``History.to_dict()`` (epochs, per-step lr and loss, meta)
    after each epoch and at the end."""

    order = 10

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def on_epoch_end(self, run: Any, epoch: int, logs: dict[str, Any]) -> None:
        run.history.save_json(self.path)

    def on_train_end(self, run: Any) -> None:
        run.history.save_json(self.path)
