"""Progress on stderr: a tqdm bar per epoch on a terminal, one line per epoch otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from glassnet.train.callbacks.base import Callback

_SKIP = ("epoch", "time_s", "samples_per_s", "lr")


def format_logs(logs: dict[str, Any]) -> str:
    """``loss 0.1234  accuracy 0.9650  val_loss …`` from an epoch's logs."""
    parts = [f"{k} {v:.4f}" for k, v in logs.items()
             if k not in _SKIP and isinstance(v, float | int)]
    if "lr" in logs:
        parts.append(f"lr {logs['lr']:.3g}")
    if "samples_per_s" in logs:
        parts.append(f"{logs['samples_per_s']:,.0f} samples/s")
    if "time_s" in logs:
        parts.append(f"{logs['time_s']:.2f} s")
    return "  ".join(parts)


class ProgressBar(Callback):
    """Epoch, batch progress, loss, validation metrics, lr and samples/s on stderr.

    ``verbose=1``: a tqdm bar per epoch when ``file`` is a terminal, else one line per
    epoch; ``verbose=2``: always one line per epoch; ``verbose=0``: nothing. ``fit`` adds
    one automatically for ``verbose > 0`` unless the callbacks already hold one.
    """

    order = 20

    def __init__(self, verbose: int = 1, file: TextIO | None = None) -> None:
        self.verbose = int(verbose)
        self.file = file
        self._bar: Any = None
        self._next_refresh = 0.0

    @property
    def _out(self) -> TextIO:
        return self.file if self.file is not None else sys.stderr

    def _use_bar(self) -> bool:
        if self.verbose != 1:
            return False
        isatty = getattr(self._out, "isatty", None)
        return bool(isatty and isatty())

    def on_epoch_begin(self, run: Any, epoch: int) -> None:
        if not self._use_bar():
            return
        from tqdm.auto import tqdm

        total = run.plan.get("n_batches")
        done = run.epoch_state.batch if run.epoch_state is not None else 0
        self._bar = tqdm(total=total, initial=done, desc=f"epoch {epoch}/{run.plan['epochs']}",
                         unit="batch", file=self._out, leave=True, dynamic_ncols=True)
        self._next_refresh = 0.0

    def on_batch_end(self, run: Any, batch: int, logs: dict[str, Any]) -> None:
        if self._bar is None:
            return
        self._bar.update(1)
        now = time.monotonic()
        if now >= self._next_refresh:  # formatting the postfix costs more than the update
            self._next_refresh = now + 0.25
            rate = self._bar.format_dict.get("rate") or 0.0
            # the epoch's loss so far, on the scale of the epoch's logged loss
            loss = run.epoch_state.loss_value(run.loss.reduction)
            self._bar.set_postfix_str(
                f"loss {loss:.4f}  lr {logs['lr']:.3g}  "
                f"{rate * run.batch_size:,.0f} samples/s", refresh=False)

    def on_epoch_end(self, run: Any, epoch: int, logs: dict[str, Any]) -> None:
        if self.verbose <= 0:
            return
        if self._bar is not None:
            self._bar.set_postfix_str(format_logs(logs), refresh=False)
            self._bar.close()
            self._bar = None
            return
        print(f"epoch {epoch}/{run.plan['epochs']}  {format_logs(logs)}", file=self._out,
              flush=True)

    def on_train_end(self, run: Any) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
