"""Snapshots of a training run, to put back later.

Two sizes, one helper:

* :meth:`Snapshot.of_model` — the parameters **with the optimizer state that belongs to them**
  (t, moments, buffers). EarlyStopping keeps one of its best epoch: restoring the parameters
  alone would pair epoch-k weights with the moments and t of the last epoch.
* :meth:`Snapshot.of_run` — that, plus everything else training advances: the optimizer's
  ``lr``, the step and epoch counters, the lr of the last update, an unfinished epoch, the
  history (per-epoch and per-step records, meta), the callbacks' states and the network's
  random generator. ``fit`` keeps one of the best epoch of a call and rewinds the run to it
  when the loss diverges, so a retry (with a smaller lr) continues from a consistent state.

Taking a snapshot copies; restoring copies again, so a snapshot can be restored twice.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet.errors import GlassnetError


@dataclass(eq=False)
class Snapshot:
    """Parameters + optimizer state (+ with ``run``: the rest of a run's progress)."""

    params: np.ndarray
    optimizer: str  # name of the optimizer whose state this is ("adam", ...)
    opt_state: dict[str, Any]  # its state_dict()
    run: dict[str, Any] | None = None

    @classmethod
    def of_model(cls, run: Any) -> Snapshot:
        """The parameters and the optimizer state of ``run`` now."""
        return cls(run.net.params.copy(), run.optimizer.name, run.optimizer.state_dict())

    @classmethod
    def of_run(cls, run: Any) -> Snapshot:
        """Everything of ``run`` that training advances (see the module docstring)."""
        snap = cls.of_model(run)
        ep = run.epoch_state
        snap.run = {
            "lr_setting": float(run.optimizer.lr), "epoch": run.epoch, "step": run.step,
            "lr": run.lr, "epoch_state": None if ep is None else _copy_epoch(ep),
            "n_epochs": len(run.history.epochs),
            "n_steps": {k: len(v) for k, v in run.history.steps.items()},
            "meta": _copy_plain(run.history.meta),
            "callback_state": _copy_plain(run.callback_state),
            "rng": run.net.rng.bit_generator.state,  # the getter builds a new dict (and arrays)
        }
        return snap

    # ------------------------------------------------------------------ saving
    def to_dict(self) -> dict[str, Any]:
        """Parameters and optimizer state as plain values and arrays (for callback_state)."""
        return {"params": self.params, "optimizer": self.optimizer, "state": self.opt_state}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Snapshot:
        return cls(np.asarray(d["params"]), str(d["optimizer"]), dict(d["state"]))

    # ------------------------------------------------------------------ restoring
    def restore_model(self, run: Any) -> bool:
        """Put the parameters back, and the optimizer state if ``run`` still uses an optimizer
        of the same kind (one replaced since cannot take it). True if the state was put back."""
        run.net.params[...] = self.params
        if run.optimizer.name != self.optimizer:
            return False
        try:
            run.optimizer.load_state_dict(self.opt_state)  # validates, copies
        except GlassnetError:
            return False
        return True

    def restore_run(self, run: Any) -> dict[str, Any]:
        """Rewind ``run`` to this snapshot (taken by :meth:`of_run`); returns what was
        discarded: ``{"epochs": …, "steps": …, "optimizer_state": bool}``."""
        if self.run is None:
            raise ValueError("Snapshot.restore_run needs a snapshot taken by of_run")
        r = self.run
        with_state = self.restore_model(run)
        run.optimizer.lr = r["lr_setting"]
        hist = run.history
        discarded = {"epochs": len(hist.epochs) - r["n_epochs"],
                     "steps": run.step - r["step"], "optimizer_state": with_state}
        run.epoch, run.step, run.lr = r["epoch"], r["step"], r["lr"]
        run.epoch_state = None if r["epoch_state"] is None else _copy_epoch(r["epoch_state"])
        del hist.epochs[r["n_epochs"]:]
        for key, values in hist.steps.items():
            del values[r["n_steps"].get(key, 0):]
        hist.meta.clear()
        hist.meta.update(copy.deepcopy(r["meta"]))
        run.callback_state.clear()
        run.callback_state.update(copy.deepcopy(r["callback_state"]))
        run.net.rng.bit_generator.state = copy.deepcopy(r["rng"])
        return discarded


_ATOMS = (str, int, float, bool, type(None))


def _copy_plain(value: Any) -> Any:
    """A deep copy of dicts, lists and scalars, walked directly (``fit`` snapshots its run
    every epoch, and ``copy.deepcopy``'s bookkeeping was half of a small epoch's overhead);
    anything else (arrays, objects of callbacks) goes through ``copy.deepcopy``."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is dict:
        return {k: _copy_plain(v) for k, v in value.items()}
    if kind is list:
        return [_copy_plain(v) for v in value]
    return copy.deepcopy(value)


def _copy_epoch(ep: Any) -> Any:
    return dataclasses.replace(ep, perm=ep.perm.copy(), metric_sums=dict(ep.metric_sums))
