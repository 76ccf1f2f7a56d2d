"""TrainingRun ⇄ model-file metadata, validated field by field (used by persistence)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.errors import CheckpointError, GlassnetError
from glassnet.train.history import History
from glassnet.train.persistence import split_arrays
from glassnet.train.run import EpochState, TrainingRun
from glassnet.train.tasks import TASKS

BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


def schedule_config(schedule: Any) -> dict[str, Any] | None:
    """The schedule's ``config()`` (rebuildable by ``get_schedule``), None, or for a callable
    ``{"unsaved": repr}``: loading records that the run had a schedule it cannot rebuild."""
    if schedule is None:
        return None
    config = getattr(schedule, "config", None)
    return dict(config()) if callable(config) else {"unsaved": repr(schedule)[:200]}


def encode_run(run: TrainingRun, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """JSON-able description of ``run``; its arrays go into ``arrays``."""
    hist = run.history
    return {
        "loss": run.loss.config(),
        "optimizer": {"config": run.optimizer.config(),
                      "state": split_arrays(run.optimizer.state_dict(), "optimizer", arrays)},
        "regularization": None if run.regularization is None else run.regularization.config(),
        "schedule": (schedule_config(run.schedule) if run.schedule is not None or
                     not run.unsaved_schedule else {"unsaved": run.unsaved_schedule}),
        "schedule_unit": run.schedule_unit,
        "schedule_start": run.schedule_start,
        "split_seed": run.split_seed,
        "task": run.task,
        "metrics": list(run.metrics),
        "batch_size": run.batch_size,
        "epoch": run.epoch,
        "step": run.step,
        "lr": run.lr,
        "epoch_state": None if run.epoch_state is None else split_arrays(
            run.epoch_state.to_dict(), "epoch_state", arrays),
        "callbacks": split_arrays(run.callback_state, "callbacks", arrays),
        "info": split_arrays(run.info, "info", arrays),
        "history": {
            "epochs": hist.epochs,
            "meta": split_arrays(hist.meta, "history/meta", arrays),
            "steps": split_arrays({k: np.asarray(v, dtype=np.float64)
                                   for k, v in hist.steps.items()}, "history/steps", arrays),
        },
    }


def decode_rng(path: Path, state: Any) -> np.random.Generator:
    """A Generator in the saved bit-generator state."""
    try:
        name = state["bit_generator"]
        if name not in BIT_GENERATORS:
            raise ValueError(f"unknown bit generator {name!r}")
        bit_generator = getattr(np.random, name)()
        bit_generator.state = state
        return np.random.Generator(bit_generator)
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise CheckpointError(f"{path}: invalid random generator state ({exc}).") from None


def _field(path: Path, d: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    if key not in d:
        raise CheckpointError(f"{path}: the training record has no {key!r}.")
    value = d[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CheckpointError(f"{path}: training field {key!r} has a wrong type "
                              f"({type(value).__name__}).")
    return value


def decode_run(path: Path, net: Any, d: Any) -> TrainingRun:
    """Rebuild and validate the TrainingRun of a model file for the new network ``net``."""
    if not isinstance(d, Mapping):
        raise CheckpointError(f"{path}: the training record must be a mapping.")
    try:
        return _decode(path, net, d)
    except CheckpointError:
        raise
    except (GlassnetError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CheckpointError(f"{path}: invalid training record ({exc}).") from None


def _decode(path: Path, net: Any, d: Mapping[str, Any]) -> TrainingRun:
    from glassnet.losses import get_loss
    from glassnet.optim import get_optimizer
    from glassnet.regularization import Regularization
    from glassnet.train.metrics import check_metrics

    loss = get_loss(dict(_field(path, d, "loss", dict)))
    opt_rec = _field(path, d, "optimizer", dict)
    optimizer = get_optimizer(**opt_rec["config"])
    state = dict(opt_rec["state"])
    for k, v in state.items():
        if isinstance(v, np.ndarray) and v.shape != net.params.shape:
            raise CheckpointError(f"{path}: optimizer state {k!r} has shape {v.shape}, the "
                                  f"parameters {net.params.shape}.")
    optimizer.load_state_dict(state)
    reg_cfg = d.get("regularization")
    regularization = None if reg_cfg is None else Regularization(**reg_cfg)
    schedule, unsaved = None, ""
    sched_cfg = d.get("schedule")
    if sched_cfg is not None and "unsaved" in sched_cfg:
        unsaved = str(sched_cfg["unsaved"]) or "a callable"  # fit will ask for schedule=...
    elif sched_cfg is not None:
        from glassnet.schedules import get_schedule

        schedule = get_schedule(**sched_cfg)
    if d.get("schedule_unit", "step") not in ("step", "epoch"):
        raise CheckpointError(f"{path}: unknown schedule_unit {d.get('schedule_unit')!r}.")
    task = _field(path, d, "task", str)
    if task not in TASKS:
        raise CheckpointError(f"{path}: unknown task {task!r}.")
    counters = {k: _field(path, d, k, int) for k in ("batch_size", "epoch", "step")}
    counters["schedule_start"] = _field(path, {"schedule_start": 0, **d}, "schedule_start", int)
    if counters["batch_size"] < 1 or min(counters.values()) < 0:
        raise CheckpointError(f"{path}: negative training counters {counters}.")
    hist_rec = _field(path, d, "history", dict)
    steps = {k: np.asarray(v).tolist() for k, v in dict(hist_rec.get("steps") or {}).items()}
    history = History.from_dict({"epochs": hist_rec.get("epochs", []), "steps": steps,
                                 "meta": hist_rec.get("meta") or {}})
    epoch_state = None
    if d.get("epoch_state") is not None:
        epoch_state = EpochState.from_dict(d["epoch_state"])
        n = epoch_state.perm.shape[0]
        if epoch_state.perm.ndim != 1 or not 0 <= epoch_state.position <= n or (
                n and (epoch_state.perm.min() < 0 or epoch_state.perm.max() >= n)):
            raise CheckpointError(f"{path}: invalid unfinished-epoch record.")
    split_seed = d.get("split_seed")
    if split_seed is not None and (not isinstance(split_seed, int) or isinstance(split_seed, bool)
                                   or split_seed < 0):
        raise CheckpointError(f"{path}: invalid split_seed {split_seed!r}.")
    callbacks = _field(path, d, "callbacks", dict)
    info = _field(path, d, "info", dict)
    lr = d.get("lr")
    return TrainingRun(
        net=net, loss=loss, optimizer=optimizer, task=task,
        metrics=check_metrics(_field(path, d, "metrics", list), task),
        regularization=regularization, schedule=schedule, unsaved_schedule=unsaved,
        split_seed=split_seed,
        schedule_unit=d.get("schedule_unit", "step"), schedule_start=counters["schedule_start"],
        batch_size=counters["batch_size"],
        history=history, epoch=counters["epoch"], step=counters["step"],
        lr=float("nan") if lr is None else float(lr), epoch_state=epoch_state,
        callback_state={str(k): dict(v) for k, v in callbacks.items()}, info=dict(info),
    )
