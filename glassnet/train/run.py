"""The state of training a network: :class:`TrainingRun` and how ``fit``'s options resolve.

A network that was trained (or loaded from a model file) carries its run as
``net.training_state``; calling ``fit`` again continues it — same optimizer state, same
step and epoch counters, same history — unless an option replaces a part.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glassnet._validate import check_choice, check_number
from glassnet.errors import ConfigError
from glassnet.losses import Loss, get_loss
from glassnet.regularization import Regularization
from glassnet.train import tasks
from glassnet.train.history import History
from glassnet.train.metrics import check_metrics, default_metrics

Schedule = Callable[[int], float]


@dataclass(eq=False)
class EpochState:
    """An epoch in progress: its sample order, where it is, and its running sums.

    Kept in the model file when training stops mid-epoch (Ctrl-C), so a resumed run finishes
    the same epoch with the same batches.
    """

    perm: np.ndarray  # sample indices in this epoch's order
    position: int = 0  # index into perm of the next batch's first sample
    batch: int = 0  # batches done
    loss_sum: float = 0.0  # Σ_s C_s, the per-sample data losses (Σ_b data_loss_b / scale_b)
    metric_sums: dict[str, float] = field(default_factory=dict)
    train_time: float = 0.0  # seconds spent in forward/backward/update so far
    loss_norm: float = 0.0  # Σ_b 1 / scale_b: N, or Σ_s w_s for class-weighted mean CE
    penalty_sum: float = 0.0  # Σ_b penalty_b × batch size

    def loss_value(self, reduction: str) -> float:
        """The epoch's training loss so far, on the scale of the loss's reduction: for
        ``mean`` Σ C_s / N (÷ Σ w for class-weighted cross-entropy), for ``sum`` Σ C_s over
        the samples so far; plus the penalty averaged over those samples."""
        if self.position == 0:
            return float("nan")
        data = self.loss_sum / self.loss_norm if reduction == "mean" else self.loss_sum
        return data + self.penalty_sum / self.position

    def to_dict(self) -> dict[str, Any]:
        return {"perm": self.perm, "position": self.position, "batch": self.batch,
                "loss_sum": self.loss_sum, "metric_sums": dict(self.metric_sums),
                "train_time": self.train_time, "loss_norm": self.loss_norm,
                "penalty_sum": self.penalty_sum}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EpochState:
        position = int(d["position"])
        # files before loss_norm held Σ (batch loss × batch size) in loss_sum: mean ÷ position
        norm = float(d["loss_norm"]) if "loss_norm" in d else float(position)
        return cls(np.asarray(d["perm"], dtype=np.int64), position, int(d["batch"]),
                   float(d["loss_sum"]), {k: float(v) for k, v in d["metric_sums"].items()},
                   float(d["train_time"]), norm, float(d.get("penalty_sum", 0.0)))


@dataclass(eq=False)
class TrainingRun:
    """Everything ``fit`` works with; callbacks receive it as ``run``.

    Persistent (saved in the model file): ``loss``, ``optimizer``, ``regularization``,
    ``schedule``, ``schedule_unit`` and ``schedule_start`` (the step, or epoch, at which the
    schedule started: it is evaluated at ``index − schedule_start``), ``unsaved_schedule``
    (set by loading when the saved run used a callable schedule, which a model file cannot
    store: ``fit`` then needs ``schedule=...``), ``split_seed`` (``validation_split``
    draws its split from it: the network's seed, or for ``seed=None`` a seed drawn once),
    ``task``, ``metrics``,
    ``batch_size``, ``history``,
    ``epoch`` (epochs completed), ``step`` (optimizer updates applied), ``lr`` (of the last
    update), ``epoch_state`` (an unfinished epoch), ``callback_state`` (what callbacks such as
    EarlyStopping need to resume) and ``info`` (facts about the data: class names,
    standardization, ...; arrays allowed).

    Transient (one ``fit`` call): ``last_pass`` (the engine's Pass of the last batch: its
    activations and deltas; ``net.grads`` holds its gradients), ``stop_training`` (set it to
    stop after the current batch), ``stop_reason``, ``interrupted``, ``plan`` (``epochs``,
    ``n_batches``, ``n_train``, ``n_val``, ``batch_size`` of this call).
    """

    net: Any
    loss: Loss
    optimizer: Any
    task: str
    metrics: tuple[str, ...]
    regularization: Regularization | None = None
    schedule: Schedule | None = None
    schedule_unit: str = "step"
    schedule_start: int = 0
    unsaved_schedule: str = ""  # a callable schedule the model file could not store (repr)
    split_seed: int | None = None  # seed of validation_split's draw (net.seed, or drawn once)
    batch_size: int = 32
    history: History = field(default_factory=History)
    epoch: int = 0
    step: int = 0
    lr: float = float("nan")
    epoch_state: EpochState | None = None
    callback_state: dict[str, dict[str, Any]] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    # transient
    last_pass: Any = None
    stop_training: bool = False
    stop_reason: str = ""
    interrupted: bool = False
    plan: dict[str, Any] = field(default_factory=dict)

    def current_lr(self, epoch_index: int | None = None) -> float:
        """η for the next update: the schedule's value (at ``step``, or at the 0-based epoch
        for ``schedule_unit="epoch"``, counted from ``schedule_start``), else the
        optimizer's ``lr``."""
        if self.schedule is None:
            return float(self.optimizer.lr)
        at = self.step if self.schedule_unit == "step" else (
            self.epoch if epoch_index is None else epoch_index)
        return float(self.schedule(at - self.schedule_start))

    # ------------------------------------------------------------------ schedules
    def _index(self) -> int:
        return self.step if self.schedule_unit == "step" else self.epoch

    def _call_length(self) -> int:
        """Updates (or epochs) this call will make, from ``plan``."""
        if self.schedule_unit == "step":
            return int(self.plan["updates"])
        return int(self.plan["epochs"]) - self.epoch

    def start_schedule(self, spec: Any, unit: str | None = None) -> None:
        """Use schedule ``spec`` from now on: index 0 is the next update (or epoch), and a
        named schedule's length (``T_max``, ``total_steps``) defaults to the updates (or
        epochs) of this call. Needs ``plan`` (set by ``fit``)."""
        if unit is not None:
            self.schedule_unit = unit
        self.schedule = resolve_schedule(spec, self.optimizer, max(self._call_length(), 1))
        self.schedule_start = self._index()
        self.unsaved_schedule = ""

    def check_schedule_known(self) -> None:
        """ConfigError if the run's schedule was a callable lost when it was saved."""
        if not self.unsaved_schedule:
            return
        unit = "steps" if self.schedule_unit == "step" else "epochs"
        used = self._index() - self.schedule_start
        raise ConfigError(
            f"fit: this network was trained with a custom schedule ({self.unsaved_schedule}), "
            f"which the model file could not store (it keeps only named schedules), so it "
            f"cannot continue it by itself. Pass schedule=...: the same function to continue "
            f"it — index 0 is this call's first {unit[:-1]} and the saved run used {used} "
            f"{unit} of it, so schedule=lambda k: f(k + {used}) — a schedule name, or None "
            f"for the optimizer's constant lr ({self.optimizer.lr:g})."
        )

    def check_schedule_length(self) -> None:
        """A kept schedule with a length must cover this call: ConfigError otherwise."""
        length = schedule_length(self.schedule)
        if length is None:
            return
        used = self._index() - self.schedule_start
        wanted = self._call_length()
        if used + wanted <= length:
            return
        unit = "steps" if self.schedule_unit == "step" else "epochs"
        name = getattr(self.schedule, "name", "schedule")
        raise ConfigError(
            f"fit: the learning-rate schedule kept from the previous training ({name!r}, "
            f"{length} {unit} long) has {max(length - used, 0)} {unit} left, but this call "
            f"would take {wanted}; past its end it would not give a sensible learning rate. "
            f"Pass schedule=... for a new schedule that spans this call (glassnet train "
            f"--resume: --schedule), or schedule=None for the optimizer's constant lr."
        )


# ---------------------------------------------------------------------- option resolution
def resolve_optimizer(spec: Any, lr: float | None, previous: Any) -> Any:
    """An Optimizer from ``None`` (keep ``previous``, else Adam), a name, a
    ``{"name": ..., **options}`` mapping or an Optimizer object. ``previous`` is never
    modified: a new ``lr`` for it is set on a copy (with the same state)."""
    from glassnet.optim import Optimizer, get_optimizer

    if spec is None and previous is not None:
        opt = previous
    elif spec is None:
        opt = get_optimizer("adam", lr=1e-3 if lr is None else lr)
        lr = None
    elif isinstance(spec, Optimizer):
        opt = spec
    elif isinstance(spec, str | Mapping):
        options = dict(spec) if isinstance(spec, Mapping) else {"name": spec}
        name = options.pop("name", None)
        if lr is not None:
            options["lr"] = lr
            lr = None
        elif str(name).lower() in ("sgd", "momentum") and "lr" not in options:
            options["lr"] = 0.01
        opt = get_optimizer(name, **options)
    else:
        raise ConfigError(f"fit: optimizer must be a name, a dict or an Optimizer; got {spec!r}.")
    if lr is not None and lr != opt.lr:
        if opt is previous:  # never change the previous run's optimizer: a copy, same state
            import copy

            opt = copy.deepcopy(previous)
        opt.lr = lr
    return opt


def resolve_schedule(spec: Any, optimizer: Any, length: int | None = None) -> Schedule | None:
    """A schedule from a callable ``index -> lr``, a name or ``{"name": ..., **options}``.

    Names are built by ``glassnet.schedules.get_schedule``; missing arguments are filled in:
    ``lr`` (``max_lr`` for one_cycle) from the optimizer, and the length ``T_max`` /
    ``total_steps`` from ``length`` (the run's total updates, or epochs).
    """
    if spec is None or callable(spec):
        return spec
    if isinstance(spec, str | Mapping):
        from glassnet.schedules import SCHEDULES, get_schedule

        options = dict(spec) if isinstance(spec, Mapping) else {"name": spec}
        name = options.pop("name", None)
        cls = SCHEDULES.get(name) if isinstance(name, str) else None
        fields = {f.name for f in dataclasses.fields(cls)} if cls is not None else set()
        for key in ("lr", "max_lr"):
            if key in fields:
                options.setdefault(key, optimizer.lr)
        for key in ("T_max", "total_steps"):
            if key in fields and length:
                options.setdefault(key, length)
        return get_schedule(name, **options)
    raise ConfigError(f"fit: schedule must be a callable step -> lr, a name or a dict; "
                      f"got {spec!r}.")


def schedule_length(schedule: Any) -> int | None:
    """How many indices a schedule is defined for (``T_max`` of cosine, ``total_steps`` of
    warmup_cosine and one_cycle), or None when it goes on for ever."""
    for key in ("T_max", "total_steps"):
        value = getattr(schedule, key, None)
        if isinstance(value, int | np.integer) and not isinstance(value, bool):
            return int(value)
    return None


def resolve_regularization(spec: Any) -> Regularization | None:
    """``None``, a Regularization, a mapping of its fields, or a number (L2 λ)."""
    if spec is None or isinstance(spec, Regularization):
        return spec
    if isinstance(spec, Mapping):
        try:
            return Regularization(**spec)
        except TypeError:
            raise ConfigError(f"fit: regularization takes l2, l1, convention, include_bias, "
                              f"divide_by_batch; got {sorted(spec)}.") from None
    return Regularization(l2=check_number("fit", "regularization (L2 λ)", spec, low=0.0))


class _Keep:
    def __repr__(self) -> str:
        return "<keep previous>"


_KEEP: Any = _Keep()  # default of options whose None means "none" rather than "keep"


def make_run(net: Any, *, loss: Any = None, optimizer: Any = None, lr: float | None = None,
             batch_size: int | None = None, schedule_unit: str | None = None,
             regularization: Any = _KEEP, metrics: Any = None, task: str | None = None,
             info: Mapping[str, Any] | None = None) -> TrainingRun:
    """The run for this ``fit`` call: the network's previous run with the given parts replaced,
    or a new one. ``None`` (or, for regularization, leaving the option out) keeps the
    previous value. The schedule is resolved by ``fit`` once the data size is known.

    The previous run (``net.training_state``) is not modified: the result is a new
    TrainingRun (sharing the unchanged parts), which ``fit`` installs only once the data and
    the callbacks have been checked."""
    prev: TrainingRun | None = getattr(net, "training_state", None)
    if loss is not None:
        loss_obj = get_loss(loss)
    else:
        loss_obj = prev.loss if prev else tasks.default_loss(net)
    net.check_loss(loss_obj)
    opt = resolve_optimizer(optimizer, lr, prev.optimizer if prev else None)
    task_name = tasks.infer_task(net, loss_obj, task if task is not None else (
        prev.task if prev and loss is None else None))
    if metrics is None:
        metrics = prev.metrics if prev and prev.task == task_name else default_metrics(task_name)
    changes: dict[str, Any] = {
        "loss": loss_obj, "optimizer": opt, "task": task_name,
        "metrics": check_metrics(metrics, task_name),
        # transient: a fresh start for this call
        "last_pass": None, "stop_training": False, "stop_reason": "", "interrupted": False,
        "plan": {},
    }
    if schedule_unit is not None:
        changes["schedule_unit"] = check_choice("fit", "schedule_unit", schedule_unit,
                                                ["step", "epoch"])
    if regularization is not _KEEP:
        changes["regularization"] = resolve_regularization(regularization)
    if batch_size is not None:
        changes["batch_size"] = int(check_number("fit", "batch_size", batch_size, low=1,
                                                 integer=True))
    if info is not None:
        changes["info"] = dict(info)
    if prev is None:
        return TrainingRun(net, **changes)
    return dataclasses.replace(prev, **changes)
