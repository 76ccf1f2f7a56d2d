"""Learning-rate schedules: pure functions of the step, η = schedule(k).

Every schedule is a frozen dataclass; ``schedule(k)`` returns the learning rate for step
``k`` as a float. ``k`` counts whatever the caller counts — optimizer updates or epochs —
starting from 0, so ``schedule(0)`` is the learning rate of the first update (or epoch).
Nothing here keeps state. Closed forms match ``torch.optim.lr_scheduler`` where torch has
the same schedule (torch's ``last_epoch`` after k calls of ``scheduler.step()`` is our k).
Plateau-based decay depends on validation history, so it is a training callback instead.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from glassnet._validate import call_with_options, check_choice, check_number
from glassnet.errors import ConfigError

# interval checks, as keyword arguments of check_number
NON_NEG = {"low": 0.0}
POSITIVE = {"low": 0.0, "low_open": True}
UNIT = {"low": 0.0, "high": 1.0}
COUNT = {"low": 1, "integer": True}


def _cosine(start: float, end: float, pct: float) -> float:
    """end + (start − end)(1 + cos(π·pct))/2: start at pct = 0, end at pct = 1."""
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1.0)


@dataclass(frozen=True)
class Schedule:
    """Base class: subclasses set ``name``, the field checks ``_checks`` and ``_lr(k)``."""

    name: ClassVar[str]
    _checks: ClassVar[dict[str, dict[str, Any]]] = {}

    def __post_init__(self) -> None:
        for field, interval in self._checks.items():
            value = check_number(type(self).__name__, field, getattr(self, field), **interval)
            object.__setattr__(self, field, value)  # a plain float/int in the frozen record
        self._validate()

    def _validate(self) -> None:
        """Checks that involve several fields (subclasses)."""

    def _fail(self, message: str) -> None:
        raise ConfigError(f"{type(self).__name__}: {message}")

    def __call__(self, step: int) -> float:
        """Learning rate at ``step`` = 0, 1, 2, …"""
        bad_type = isinstance(step, (bool, np.bool_)) or not isinstance(step, (int, np.integer))
        if bad_type or step < 0:
            self._fail(f"step must be an integer ≥ 0; got {step!r}.")
        return float(self._lr(int(step)))

    def _lr(self, k: int) -> float:
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        """Name and arguments (JSON-able); ``get_schedule(**s.config())`` rebuilds it."""
        out: dict[str, Any] = {"name": self.name}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True)
class Constant(Schedule):
    """η_k = η₀ for every step k = 0, 1, … (updates or epochs)."""

    lr: float
    name: ClassVar[str] = "constant"
    _checks: ClassVar = {"lr": NON_NEG}

    def _lr(self, k: int) -> float:
        return self.lr


@dataclass(frozen=True)
class StepDecay(Schedule):
    """η_k = η₀ · γ^⌊k / s⌋, s = step_size (torch StepLR); k counts updates or epochs from 0.

    >>> [StepDecay(lr=1.0, step_size=2, gamma=0.5)(k) for k in range(5)]
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    lr: float
    step_size: int
    gamma: float = 0.1
    name: ClassVar[str] = "step"
    _checks: ClassVar = {"lr": NON_NEG, "step_size": COUNT, "gamma": POSITIVE}

    def _lr(self, k: int) -> float:
        return self.lr * self.gamma ** (k // self.step_size)


@dataclass(frozen=True)
class MultiStepDecay(Schedule):
    """η_k = η₀ · γ^(number of milestones ≤ k) (torch MultiStepLR); k counts from 0.

    ``milestones``: strictly increasing integers ≥ 1.
    """

    lr: float
    milestones: Sequence[int]
    gamma: float = 0.1
    name: ClassVar[str] = "multistep"
    _checks: ClassVar = {"lr": NON_NEG, "gamma": POSITIVE}

    def _validate(self) -> None:
        ms = self.milestones
        if isinstance(ms, (str, bytes)) or not isinstance(ms, (Sequence, np.ndarray)):
            self._fail(f"milestones must be a list of steps; got {ms!r}.")
        ms = tuple(
            check_number(type(self).__name__, f"milestones[{i}]", m, **COUNT)
            for i, m in enumerate(ms)
        )
        if any(b <= a for a, b in itertools.pairwise(ms)):
            self._fail(f"milestones must be strictly increasing; got {list(ms)}.")
        object.__setattr__(self, "milestones", ms)

    def _lr(self, k: int) -> float:
        return self.lr * self.gamma ** bisect.bisect_right(self.milestones, k)


@dataclass(frozen=True)
class ExponentialDecay(Schedule):
    """η_k = η₀ · γᵏ (torch ExponentialLR); k counts from 0. γ > 1 grows (lr range test)."""

    lr: float
    gamma: float
    name: ClassVar[str] = "exponential"
    _checks: ClassVar = {"lr": NON_NEG, "gamma": POSITIVE}

    def _lr(self, k: int) -> float:
        return self.lr * self.gamma**k


@dataclass(frozen=True)
class InverseTimeDecay(Schedule):
    """η_k = η₀ / (1 + γ k)^p, p = power (default 1); k counts updates or epochs from 0."""

    lr: float
    gamma: float
    power: float = 1.0
    name: ClassVar[str] = "inverse_time"
    _checks: ClassVar = {"lr": NON_NEG, "gamma": NON_NEG, "power": NON_NEG}

    def _lr(self, k: int) -> float:
        return self.lr / (1.0 + self.gamma * k) ** self.power


@dataclass(frozen=True)
class CosineAnnealing(Schedule):
    """Cosine annealing from η₀ to η_min over T_max steps, then held; k counts from 0::

        η_k = η_min + (η₀ − η_min)(1 + cos(π k / T_max)) / 2     for 0 ≤ k ≤ T_max
        η_k = η_min                                              for k > T_max

    Equals torch's CosineAnnealingLR for k ≤ T_max. Past T_max torch's recursion is
    periodic (back to η₀ at k = 2·T_max); we hold η_min instead. 0 ≤ η_min ≤ η₀.
    """

    lr: float
    T_max: int
    eta_min: float = 0.0
    name: ClassVar[str] = "cosine"
    _checks: ClassVar = {"lr": NON_NEG, "T_max": COUNT, "eta_min": NON_NEG}

    def _validate(self) -> None:
        if self.eta_min > self.lr:
            self._fail(f"eta_min must be ≤ lr = {self.lr!r}; got {self.eta_min!r}.")

    def _lr(self, k: int) -> float:
        return _cosine(self.lr, self.eta_min, min(k, self.T_max) / self.T_max)


@dataclass(frozen=True)
class LinearWarmup(Schedule):
    """Factor ramped linearly from s to e over T steps, then e (torch LinearLR); k from 0::

        η_k = η₀ (s + (e − s) · min(k, T) / T)

    with s = start_factor in (0, 1], e = end_factor in [0, 1], T = total_iters ≥ 1.
    """

    lr: float
    start_factor: float = 1.0 / 3.0
    end_factor: float = 1.0
    total_iters: int = 5
    name: ClassVar[str] = "warmup"
    _checks: ClassVar = {
        "lr": NON_NEG,
        "start_factor": {**UNIT, "low_open": True},
        "end_factor": UNIT,
        "total_iters": COUNT,
    }

    def _lr(self, k: int) -> float:
        s, e, T = self.start_factor, self.end_factor, self.total_iters
        return self.lr * (s + (e - s) * min(k, T) / T)


@dataclass(frozen=True)
class WarmupCosine(Schedule):
    """Linear warm-up over W steps, then cosine annealing to η_min at step N; k from 0::

        η_k = η₀ (s + (1 − s) k / W)                                       for k < W
        η_k = η_min + (η₀ − η_min)(1 + cos(π (k − W) / (N − W))) / 2       for W ≤ k ≤ N
        η_k = η_min                                                        for k > N

    with W = warmup_steps ≥ 0, N = total_steps > W, s = start_factor in [0, 1],
    0 ≤ η_min ≤ η₀. With s = 0 and η_min = 0 (the defaults) this is Hugging Face's
    ``get_cosine_schedule_with_warmup``.
    """

    lr: float
    warmup_steps: int
    total_steps: int
    start_factor: float = 0.0
    eta_min: float = 0.0
    name: ClassVar[str] = "warmup_cosine"
    _checks: ClassVar = {
        "lr": NON_NEG,
        "warmup_steps": {"low": 0, "integer": True},
        "total_steps": COUNT,
        "start_factor": UNIT,
        "eta_min": NON_NEG,
    }

    def _validate(self) -> None:
        if self.total_steps <= self.warmup_steps:
            self._fail(
                f"total_steps must be > warmup_steps = {self.warmup_steps}; got {self.total_steps}."
            )
        if self.eta_min > self.lr:
            self._fail(f"eta_min must be ≤ lr = {self.lr!r}; got {self.eta_min!r}.")

    def _lr(self, k: int) -> float:
        W, N, s = self.warmup_steps, self.total_steps, self.start_factor
        if k < W:
            return self.lr * (s + (1.0 - s) * k / W)
        return _cosine(self.lr, self.eta_min, min(k - W, N - W) / (N - W))


@dataclass(frozen=True)
class OneCycle(Schedule):
    """The learning rate of torch's OneCycleLR (lr only; momentum is not cycled); k from 0.

    η_init = max_lr / div_factor, η_min = η_init / final_div_factor, T = total_steps,
    p = pct_start. Phases, as (from step → to step: from lr → to lr)::

        0 → pT − 1:         η_init → max_lr
        pT − 1 → T − 1:     max_lr → η_min
    or, with three_phase::

        0 → pT − 1:         η_init → max_lr
        pT − 1 → 2pT − 2:   max_lr → η_init
        2pT − 2 → T − 1:    η_init → η_min

    Within a phase, with q = (k − start) / (end − start)::

        cos:     η_k = to + (from − to)(1 + cos(π q)) / 2
        linear:  η_k = from + (to − from) q

    Steps k = 0 … T − 1 are the T updates; k ≥ T raises ConfigError (torch still evaluates
    k = T, an extrapolated value that no update uses, and raises after it).
    """

    max_lr: float
    total_steps: int
    pct_start: float = 0.3
    anneal_strategy: str = "cos"
    div_factor: float = 25.0
    final_div_factor: float = 1e4
    three_phase: bool = False
    name: ClassVar[str] = "one_cycle"
    _checks: ClassVar = {
        "max_lr": POSITIVE,
        "total_steps": COUNT,
        "pct_start": UNIT,
        "div_factor": POSITIVE,
        "final_div_factor": POSITIVE,
    }

    def _validate(self) -> None:
        check_choice("OneCycle", "anneal_strategy", self.anneal_strategy, ("cos", "linear"))
        if not isinstance(self.three_phase, (bool, np.bool_)):
            self._fail(f"three_phase must be True or False; got {self.three_phase!r}.")
        object.__setattr__(self, "three_phase", bool(self.three_phase))
        ends = [end for end, _, _ in self._phases()]
        if any(b <= a for a, b in itertools.pairwise([0.0, *ends])):
            self._fail(
                f"every phase must last more than zero steps; the phases end at steps "
                f"{[round(e, 6) for e in ends]} for pct_start={self.pct_start!r}, "
                f"total_steps={self.total_steps}. Increase total_steps or change pct_start."
            )

    def _phases(self) -> list[tuple[float, float, float]]:
        """(end step, lr at the phase start, lr at the phase end) per phase."""
        T, p, top = self.total_steps, self.pct_start, self.max_lr
        initial = top / self.div_factor
        lowest = initial / self.final_div_factor
        if self.three_phase:
            return [
                (p * T - 1.0, initial, top),
                (2.0 * p * T - 2.0, top, initial),
                (T - 1.0, initial, lowest),
            ]
        return [(p * T - 1.0, initial, top), (T - 1.0, top, lowest)]

    def _lr(self, k: int) -> float:
        if k >= self.total_steps:
            self._fail(f"step must be ≤ total_steps − 1 = {self.total_steps - 1}; got {k}.")
        phases = self._phases()
        i = next(i for i, phase in enumerate(phases) if k <= phase[0])  # k ≤ T − 1 = last end
        start = phases[i - 1][0] if i else 0.0
        end, lr_from, lr_to = phases[i]
        q = (k - start) / (end - start)
        if self.anneal_strategy == "cos":
            return _cosine(lr_from, lr_to, q)
        return lr_from + (lr_to - lr_from) * q


SCHEDULES: dict[str, type[Schedule]] = {
    cls.name: cls
    for cls in (
        Constant,
        StepDecay,
        MultiStepDecay,
        ExponentialDecay,
        InverseTimeDecay,
        CosineAnnealing,
        LinearWarmup,
        WarmupCosine,
        OneCycle,
    )
}


def get_schedule(name: str | Schedule, **kwargs: Any) -> Schedule:
    """Build a schedule from its name and arguments; a Schedule is returned as is.

    Names: constant, step, multistep, exponential, inverse_time, cosine, warmup,
    warmup_cosine, one_cycle. Unknown names or arguments raise ConfigError with a
    suggestion; ``get_schedule(**s.config())`` rebuilds ``s``.

    >>> get_schedule("cosine", lr=0.1, T_max=100)(50)
    0.05
    """
    if isinstance(name, Schedule):
        if kwargs:
            raise ConfigError(
                f"get_schedule: got a schedule object and extra arguments "
                f"{', '.join(sorted(kwargs))}; pass a name to build a new one."
            )
        return name
    cls = SCHEDULES[check_choice("get_schedule", "schedule", name, SCHEDULES)]
    return call_with_options(cls.__name__, cls, kwargs)
